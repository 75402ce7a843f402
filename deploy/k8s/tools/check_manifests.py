#!/usr/bin/env python3
"""Offline checks of built splicelab manifests (the output of `kubectl kustomize`), no cluster needed.

  python3 deploy/k8s/tools/check_manifests.py BUILT.yaml...

Core objects: the invariants these manifests promise (one replica, Recreate, probes on the actuator
endpoints, readiness on the whole /actuator/health, uid 10001, the image and ports of each service,
scrape annotations, the Kafka ConfigMap), and the wiring: every SPRING_GRPC_CLIENT_CHANNELS_*_ADDRESS names a Service of the build on its gRPC
port, each Service selects exactly one Deployment, and a lane's services only address their own
lane (the receiver, the shared checker, excepted). Chaos Mesh objects: chaos_schema.py.
Needs python3-yaml and python3-jsonschema (Debian packages)."""
import os, sys, yaml
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import chaos_schema

NS = "splicelab"
PORTS = {"storage-node": (9091, 8081), "pipe-broker": (9092, 8082), "network-sender": (9093, 8083),
         "mutator": (9094, 8084), "checker": (9095, 8085)}
CLIENTS = {"pipe-broker": {"STORAGE"}, "network-sender": {"STORAGE", "PIPE", "RECEIVER"}, "mutator": {"STORAGE"}}
TARGET = {"STORAGE": "storage-node", "PIPE": "pipe-broker", "RECEIVER": "checker"}
LANE = "splicelab.dev/lane"

def check(docs, where):
    errs = []
    e = lambda m: errs.append(f"{where}: {m}")
    deps = [d for d in docs if d["kind"] == "Deployment"]
    svcs = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Service"}
    cms = {d["metadata"]["name"]: d for d in docs if d["kind"] == "ConfigMap"}
    for d in docs:
        if d["kind"] != "Namespace" and d["apiVersion"] != "chaos-mesh.org/v1alpha1" and d["metadata"].get("namespace") != NS:
            e(f"{d['kind']} {d['metadata']['name']} is not in namespace {NS}")
    for name, cm in cms.items():
        if name == "splicelab-kafka" and not (cm.get("data") or {}).get("SPLICELAB_KAFKA"):
            e("ConfigMap splicelab-kafka has no SPLICELAB_KAFKA")
    selected = {}
    for sname, s in svcs.items():
        sel = s["spec"]["selector"]
        hits = [d for d in deps if all(d["spec"]["template"]["metadata"]["labels"].get(k) == v for k, v in sel.items())]
        if len(hits) != 1:
            e(f"Service {sname} selects {len(hits)} Deployments ({[h['metadata']['name'] for h in hits]}), want exactly 1")
        else:
            selected[sname] = hits[0]
    for d in deps:
        n = d["metadata"]["name"]
        tpl = d["spec"]["template"]
        app = tpl["metadata"]["labels"].get("app.kubernetes.io/name")
        if app not in PORTS:
            e(f"Deployment {n}: unknown app.kubernetes.io/name {app!r}"); continue
        if tpl["metadata"]["labels"].get("app.kubernetes.io/part-of") != "splicelab":
            e(f"Deployment {n}: pods lack app.kubernetes.io/part-of=splicelab")
        grpc, http = PORTS[app]
        if d["spec"].get("replicas") != 1: e(f"Deployment {n}: replicas must be 1")
        if d["spec"].get("strategy", {}).get("type") != "Recreate": e(f"Deployment {n}: strategy must be Recreate")
        psc = tpl["spec"].get("securityContext", {})
        if not (psc.get("runAsNonRoot") is True and psc.get("runAsUser") == 10001):
            e(f"Deployment {n}: pod must run as non-root uid 10001")
        ann = tpl["metadata"].get("annotations", {})
        if ann.get("prometheus.io/scrape") != "true" or ann.get("prometheus.io/port") != str(http) \
                or ann.get("prometheus.io/path") != "/actuator/prometheus":
            e(f"Deployment {n}: prometheus.io annotations must point at {http} /actuator/prometheus")
        (c,) = tpl["spec"]["containers"]
        if c["image"] != f"splicelab/{app}:0.1.0" and not c["image"].endswith(f"/splicelab/{app}:0.1.0"):
            e(f"Deployment {n}: image {c['image']}")
        ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
        if ports != {"grpc": grpc, "http": http}: e(f"Deployment {n}: ports {ports}")
        for probe, path in (("startupProbe", "/actuator/health/liveness"), ("livenessProbe", "/actuator/health/liveness"),
                            ("readinessProbe", "/actuator/health")):
            g = c.get(probe, {}).get("httpGet", {})
            if g.get("path") != path or g.get("port") not in ("http", http):
                e(f"Deployment {n}: {probe} must GET {path} on the http port")
        r = c.get("resources", {})
        if not all(k in r.get(s, {}) for s in ("requests", "limits") for k in ("cpu", "memory")):
            e(f"Deployment {n}: cpu and memory requests and limits required")
        if not c.get("securityContext", {}).get("allowPrivilegeEscalation") is False:
            e(f"Deployment {n}: allowPrivilegeEscalation must be false")
        if [x["configMapRef"]["name"] for x in c.get("envFrom", []) if "configMapRef" in x] != ["splicelab-kafka"]:
            e(f"Deployment {n}: envFrom must be the ConfigMap splicelab-kafka")
        elif "splicelab-kafka" not in cms:
            e(f"Deployment {n}: ConfigMap splicelab-kafka missing from the build")
        env = {x["name"]: x.get("value") for x in c.get("env", [])}
        if "JAVA_TOOL_OPTIONS" not in env: e(f"Deployment {n}: no JAVA_TOOL_OPTIONS")
        if app == "storage-node":
            if env.get("SPLICELAB_STORAGE_DATA_DIR") != "/data" or "/data" not in [m["mountPath"] for m in c.get("volumeMounts", [])]:
                e(f"Deployment {n}: SPLICELAB_STORAGE_DATA_DIR=/data with a volume mounted there")
        if app == "checker" and (env.get("SPLICELAB_CHECKER_FROM_BEGINNING") != "false"
                                 or not env.get("SPLICELAB_CHECKER_GROUP_ID")):
            e(f"Deployment {n}: the checker resumes from its committed position: "
              "SPLICELAB_CHECKER_FROM_BEGINNING=false and a SPLICELAB_CHECKER_GROUP_ID")
        want = CLIENTS.get(app, set())
        have = {k.split("_")[4] for k in env if k.startswith("SPRING_GRPC_CLIENT_CHANNELS_") and k.endswith("_ADDRESS")}
        if have != want: e(f"Deployment {n}: gRPC channels {sorted(have)}, want {sorted(want)}")
        for ch in have & want:
            host, _, port = env[f"SPRING_GRPC_CLIENT_CHANNELS_{ch}_ADDRESS"].partition(":")
            s = svcs.get(host)
            if s is None or host not in selected:
                e(f"Deployment {n}: {ch} address {host}:{port} is not a Service of this build"); continue
            if int(port) not in [p["port"] for p in s["spec"]["ports"] if p["name"] == "grpc"]:
                e(f"Deployment {n}: {ch} port {port} is not the grpc port of Service {host}")
            peer = selected[host]["spec"]["template"]["metadata"]["labels"]
            if peer.get("app.kubernetes.io/name") != TARGET[ch]:
                e(f"Deployment {n}: {ch} address {host} selects {peer.get('app.kubernetes.io/name')}, want {TARGET[ch]}")
            if ch != "RECEIVER" and peer.get(LANE) != tpl["metadata"]["labels"].get(LANE):
                e(f"Deployment {n} (lane {tpl['metadata']['labels'].get(LANE)}): {ch} address {host} is lane {peer.get(LANE)}")
    return errs, len(deps), len(svcs)

def main(files):
    bad = 0
    for f in files:
        docs = [d for d in yaml.safe_load_all(open(f)) if d]
        errs, nd, ns = check(docs, f)
        for x in errs: print(x)
        cerrs, nc = chaos_schema.check_docs(docs, f)
        for x in cerrs: print(x)
        bad += len(errs) + len(cerrs)
        print(f"{f}: {nd} Deployments, {ns} Services, {nc} Chaos Mesh objects: {len(errs) + len(cerrs)} problems")
    return 1 if bad else 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
