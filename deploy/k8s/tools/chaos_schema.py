#!/usr/bin/env python3
"""Offline check of Chaos Mesh objects (chaos-mesh.org/v1alpha1): the fields of NetworkChaos,
PodChaos, StressChaos and Schedule as in Chaos Mesh 2.x's CRDs, with unknown fields rejected (the
API server would silently prune them), plus the admission-webhook rules these files touch: Go
durations, `from`/`both` directions need a target, bandwidth rates as <integer><unit>.
The schema covers the fields these manifests use and their siblings, not every field of every
Chaos Mesh version.

  python3 deploy/k8s/tools/chaos_schema.py FILE.yaml...
"""
import re, sys, yaml, jsonschema
S = {"type": "string"}
strmap = {"type": "object", "additionalProperties": S}
selector = {"type": "object", "additionalProperties": False, "properties": {
    "namespaces": {"type": "array", "items": S}, "labelSelectors": strmap, "annotationSelectors": strmap,
    "fieldSelectors": strmap, "nodeSelectors": strmap, "nodes": {"type": "array", "items": S},
    "podPhaseSelectors": {"type": "array", "items": S},
    "pods": {"type": "object", "additionalProperties": {"type": "array", "items": S}},
    "expressionSelectors": {"type": "array", "items": {"type": "object", "additionalProperties": False,
        "required": ["key", "operator"], "properties": {"key": S, "operator": {"enum": ["In", "NotIn", "Exists", "DoesNotExist"]},
        "values": {"type": "array", "items": S}}}}}}
mode = {"enum": ["one", "all", "fixed", "fixed-percent", "random-max-percent"]}
netspec = {"type": "object", "additionalProperties": False, "required": ["action", "mode", "selector"], "properties": {
    "action": {"enum": ["netem", "delay", "loss", "duplicate", "corrupt", "partition", "bandwidth"]},
    "mode": mode, "value": S, "selector": selector, "containerNames": {"type": "array", "items": S},
    "direction": {"enum": ["to", "from", "both", ""]}, "duration": S, "remoteCluster": S, "device": S, "targetDevice": S,
    "externalTargets": {"type": "array", "items": S},
    "target": {"type": "object", "additionalProperties": False, "required": ["mode", "selector"],
               "properties": {"mode": mode, "value": S, "selector": selector}},
    "delay": {"type": "object", "additionalProperties": False, "required": ["latency"], "properties": {
        "latency": S, "jitter": S, "correlation": S,
        "reorder": {"type": "object", "additionalProperties": False, "required": ["gap", "reorder"],
                    "properties": {"reorder": S, "correlation": S, "gap": {"type": "integer"}}}}},
    "loss": {"type": "object", "additionalProperties": False, "required": ["loss"], "properties": {"loss": S, "correlation": S}},
    "duplicate": {"type": "object", "additionalProperties": False, "required": ["duplicate"], "properties": {"duplicate": S, "correlation": S}},
    "corrupt": {"type": "object", "additionalProperties": False, "required": ["corrupt"], "properties": {"corrupt": S, "correlation": S}},
    "bandwidth": {"type": "object", "additionalProperties": False, "required": ["rate", "limit", "buffer"], "properties": {
        "rate": S, "limit": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
        "buffer": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
        "peakrate": {"type": "integer", "minimum": 0}, "minburst": {"type": "integer", "minimum": 0}}}}}
podspec = {"type": "object", "additionalProperties": False, "required": ["action", "mode", "selector"], "properties": {
    "action": {"enum": ["pod-kill", "pod-failure", "container-kill"]}, "mode": mode, "value": S, "selector": selector,
    "containerNames": {"type": "array", "items": S}, "duration": S, "gracePeriod": {"type": "integer", "minimum": 0},
    "remoteCluster": S}}
stressspec = {"type": "object", "additionalProperties": False, "required": ["mode", "selector"], "properties": {
    "mode": mode, "value": S, "selector": selector, "containerNames": {"type": "array", "items": S}, "duration": S,
    "remoteCluster": S, "stressngStressors": S,
    "stressors": {"type": "object", "additionalProperties": False, "properties": {
        "cpu": {"type": "object", "additionalProperties": False, "required": ["workers"], "properties": {
            "workers": {"type": "integer", "minimum": 1}, "load": {"type": "integer", "minimum": 0, "maximum": 100},
            "options": {"type": "array", "items": S}}},
        "memory": {"type": "object", "additionalProperties": False, "required": ["workers"], "properties": {
            "workers": {"type": "integer", "minimum": 1}, "size": S, "options": {"type": "array", "items": S}}}}}}}
schedspec = {"type": "object", "additionalProperties": False, "required": ["schedule", "type"], "properties": {
    "schedule": S, "historyLimit": {"type": "integer", "minimum": 1}, "startingDeadlineSeconds": {"type": "integer"},
    "concurrencyPolicy": {"enum": ["Forbid", "Allow"]},
    "type": {"enum": ["NetworkChaos", "PodChaos", "StressChaos"]},  # (the CRD allows more kinds)
    "networkChaos": netspec, "podChaos": podspec, "stressChaos": stressspec}}
meta = {"type": "object", "required": ["name"], "properties": {"name": S, "namespace": S, "labels": strmap}}
def obj(kind, spec):
    return {"type": "object", "additionalProperties": False, "required": ["apiVersion", "kind", "metadata", "spec"],
            "properties": {"apiVersion": {"const": "chaos-mesh.org/v1alpha1"}, "kind": {"const": kind}, "metadata": meta, "spec": spec}}
SCHEMAS = {"NetworkChaos": obj("NetworkChaos", netspec), "PodChaos": obj("PodChaos", podspec),
           "StressChaos": obj("StressChaos", stressspec), "Schedule": obj("Schedule", schedspec)}
GO_DURATION = re.compile(r"^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$")
RATE = re.compile(r"^[0-9]+(tbps|gbps|mbps|kbps|bps)$")
def rules(kind, spec, where):
    errs = []
    if kind == "Schedule":
        inner = spec.get({"NetworkChaos": "networkChaos", "PodChaos": "podChaos", "StressChaos": "stressChaos"}[spec["type"]])
        if inner is None:
            errs.append(f"{where}: Schedule of type {spec['type']} without its spec")
        else:
            errs += rules(spec["type"], inner, where + " (scheduled)")
        if not re.match(r"^(@every [0-9hms]+|@\w+|(\S+\s+){4}\S+)$", spec["schedule"]):
            errs.append(f"{where}: schedule {spec['schedule']!r} is neither cron nor @every")
        return errs
    if "duration" in spec and not GO_DURATION.match(spec["duration"]):
        errs.append(f"{where}: duration {spec['duration']!r} is not a Go duration")
    if kind == "NetworkChaos":
        a = spec["action"]
        if a in ("delay", "loss", "bandwidth", "duplicate", "corrupt") and a not in spec:
            errs.append(f"{where}: action {a} without its {a} section")
        if spec.get("direction") in ("from", "both") and "target" not in spec:
            errs.append(f"{where}: direction {spec['direction']} needs a target (webhook rule)")
        for k in ("latency", "jitter"):
            v = spec.get("delay", {}).get(k)
            if v is not None and not GO_DURATION.match(v):
                errs.append(f"{where}: delay.{k} {v!r} is not a Go duration")
        for sec, keys in (("loss", ["loss", "correlation"]), ("delay", ["correlation"])):
            for k in keys:
                v = spec.get(sec, {}).get(k)
                if v is not None:
                    try: float(v)
                    except ValueError: errs.append(f"{where}: {sec}.{k} {v!r} is not a number")
        if "bandwidth" in spec and not RATE.match(spec["bandwidth"]["rate"]):
            errs.append(f"{where}: bandwidth.rate {spec['bandwidth']['rate']!r} not <integer><unit>")
    if kind == "PodChaos" and spec["action"] == "container-kill" and not spec.get("containerNames"):
        errs.append(f"{where}: container-kill without containerNames")
    return errs
def check_docs(docs, where_file):
    """Problems found in the Chaos Mesh objects among docs, and how many there were."""
    out, n = [], 0
    for doc in docs:
        if not doc or doc.get("apiVersion") != "chaos-mesh.org/v1alpha1":
            continue
        n += 1
        where = f"{where_file}: {doc.get('kind')} {doc.get('metadata', {}).get('name')}"
        if doc.get("kind") not in SCHEMAS:
            out.append(f"{where}: kind not covered by this check"); continue
        errs = [f"{where}: {e.message} at {'/'.join(map(str, e.absolute_path))}"
                for e in jsonschema.Draft7Validator(SCHEMAS[doc["kind"]]).iter_errors(doc)]
        out += errs or rules(doc["kind"], doc["spec"], where)
    return out, n


if __name__ == "__main__":
    total = bad = 0
    for f in sys.argv[1:]:
        errs, n = check_docs(list(yaml.safe_load_all(open(f))), f)
        for e in errs:
            print(e)
        total += n
        bad += len(errs)
    print(f"Chaos Mesh objects checked: {total}, problems: {bad}")
    sys.exit(1 if bad else 0)
