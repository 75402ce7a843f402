#!/usr/bin/env bash
# Forwards the five services to localhost on their usual ports, so that the launcher reaches them
# as it reaches a compose deployment:
#   storage-node 9091/8081, pipe-broker 9092/8082, network-sender 9093/8083, mutator 9094/8084,
#   checker 9095/8085 (gRPC/HTTP).
#
#   deploy/k8s/tools/port-forward.sh            the single lane (overlays/external-kafka)
#   deploy/k8s/tools/port-forward.sh 1          lane 1 of overlays/scaled (storage-node-1, ...) + the shared checker
#   NAMESPACE=other deploy/k8s/tools/port-forward.sh
#
# A port-forward ends when its pod goes away (pod-kill chaos, a crash, a rollout); each one here is
# restarted after a second, so a killed checker is reachable again once its replacement runs.
# Ctrl-C stops them all. Logs: ${TMPDIR:-/tmp}/splicelab-pf-<service>.log
set -euo pipefail
lane="${1:-}"
ns="${NAMESPACE:-splicelab}"
suffix="${lane:+-$lane}"
forward() { # service grpc http
  local svc="$1" log="${TMPDIR:-/tmp}/splicelab-pf-$1.log"
  while true; do
    kubectl -n "$ns" port-forward "svc/$svc" "$2:$2" "$3:$3" >>"$log" 2>&1 || true
    echo "$(date +%T) port-forward svc/$svc ended; restarting" >>"$log"
    sleep 1
  done
}
trap 'trap - INT TERM EXIT; kill $(jobs -p) 2>/dev/null; exit 0' INT TERM EXIT
forward "storage-node$suffix" 9091 8081 &
forward "pipe-broker$suffix" 9092 8082 &
forward "network-sender$suffix" 9093 8083 &
forward "mutator$suffix" 9094 8084 &
forward checker 9095 8085 &
echo "forwarding namespace $ns${lane:+ lane $lane} to localhost:9091-9095 (gRPC) and 8081-8085 (HTTP); Ctrl-C to stop"
wait
