#!/usr/bin/env bash
# Offline checks of deploy/k8s, no cluster needed:
#   1. every YAML file under deploy/k8s parses;
#   2. `kustomize build` of base, both overlays, chaos, and of each component on top of an overlay;
#   3. tools/check_manifests.py on every build (invariants, wiring, lanes, Chaos Mesh fields);
#   4. with TYPES=1, tools/typecheck: the core objects against the Kubernetes API types (installs
#      kubernetes-models, js-yaml and typescript from npm into OUT_DIR/typecheck).
# Needs kubectl (its built-in kustomize) or kustomize, python3-yaml and python3-jsonschema; for 4,
# node and npm.
#   deploy/k8s/tools/check.sh [OUT_DIR]        (builds are kept in OUT_DIR, default a temp dir)
#   TYPES=1 deploy/k8s/tools/check.sh [OUT_DIR]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$(mktemp -d)}"
mkdir -p "$out"
if command -v kustomize >/dev/null 2>&1; then build=(kustomize build); else build=(kubectl kustomize); fi

echo "== YAML syntax"
python3 - "$here" <<'PY'
import pathlib, sys, yaml
n = 0
for p in sorted(pathlib.Path(sys.argv[1]).rglob("*.yaml")):
    list(yaml.safe_load_all(p.read_text())); n += 1
print(f"{n} YAML files parse")
PY

echo "== kustomize build (${build[*]})"
for k in base overlays/external-kafka overlays/scaled chaos; do
  f="$out/$(echo "$k" | tr / _).yaml"
  "${build[@]}" "$here/$k" > "$f"
  echo "$k: $(grep -c '^kind:' "$f") objects -> $f"
done
# Components are built through throw-away overlays next to the real ones (kustomize refuses paths
# outside a kustomization's root, and absolute ones), removed again on exit.
tmp="$here/overlays/.check-$$"
trap 'rm -rf "$tmp"' EXIT
for c in storage-memory:external-kafka storage-memory:scaled storage-pvc:external-kafka; do
  comp="${c%%:*}" base="${c##*:}"
  mkdir -p "$tmp/$comp-$base"
  printf 'resources: [../../%s]\ncomponents: [../../../components/%s]\n' "$base" "$comp" > "$tmp/$comp-$base/kustomization.yaml"
  f="$out/components_${comp}_on_${base}.yaml"
  "${build[@]}" "$tmp/$comp-$base" > "$f"
  echo "components/$comp on overlays/$base: $(grep -c '^kind:' "$f") objects -> $f"
done

echo "== manifest checks"
python3 "$here/tools/check_manifests.py" "$out"/*.yaml

if [ "${TYPES:-0}" = 1 ]; then
  echo "== Kubernetes API types (kubernetes-models + TypeScript)"
  mkdir -p "$out/typecheck"
  cp "$here/tools/typecheck/package.json" "$here/tools/typecheck/typecheck.mjs" "$out/typecheck/"
  ( cd "$out/typecheck" && npm install --no-audit --no-fund --loglevel=error >/dev/null && node typecheck.mjs "$out"/*.yaml )
fi
