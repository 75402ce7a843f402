#!/usr/bin/env bash
# pause_process on Kubernetes: SIGSTOP the service's JVM, wait, SIGCONT it, as the launcher does
# locally. Chaos Mesh has no such action, so this uses an ephemeral debug container:
#
#   deploy/k8s/chaos/pause-process.sh SERVICE SECONDS [NAMESPACE]
#   deploy/k8s/chaos/pause-process.sh pipe-broker 0.5
#   LANE=1 deploy/k8s/chaos/pause-process.sh storage-node 2     (overlays/scaled: lane 1's node)
#
# Why it works: the pods run with shareProcessNamespace: true, so the JVM is not PID 1 of the pod's
# PID namespace (the kernel ignores SIGSTOP sent to a namespace's init from inside it) and an
# ephemeral container sees it. The ephemeral container runs as the pod's user (uid 10001, the JVM's
# own uid), so it may signal it without any capability; --profile=restricted keeps it compatible
# with the restricted Pod Security Standard.
# Needs: kubectl 1.27+ (--profile=restricted), ephemeral containers (Kubernetes 1.25+), and the
# busybox image pullable by the cluster (DEBUG_IMAGE to use another image with sh, pkill, sleep).
# Every call adds one ephemeral container to the pod's spec (they cannot be removed; they go away
# with the pod). Keep pauses well under 30 s: the liveness probe restarts a container frozen longer.
set -euo pipefail
svc="${1:?usage: pause-process.sh SERVICE SECONDS [NAMESPACE]}"
secs="${2:?usage: pause-process.sh SERVICE SECONDS [NAMESPACE]}"
ns="${3:-splicelab}"
image="${DEBUG_IMAGE:-busybox:1.36}"
case "$secs" in
  ''|*[!0-9.]*) echo "pause-process.sh: SECONDS must be a number, got '$secs'" >&2; exit 2 ;;
esac
selector="app.kubernetes.io/name=$svc${LANE:+,splicelab.dev/lane=$LANE}"
pod=$(kubectl -n "$ns" get pods -l "$selector" --field-selector=status.phase=Running \
  -o jsonpath='{.items[0].metadata.name}')
if [ -z "$pod" ]; then
  echo "pause-process.sh: no running pod with labels $selector in namespace $ns" >&2; exit 1
fi
echo "pause-process.sh: SIGSTOP java in $ns/$pod for $secs s"
# One container does both signals, so the pause lasts $secs s whatever kubectl's own latency is.
kubectl -n "$ns" debug "pod/$pod" --image="$image" --profile=restricted --quiet --attach=true \
  -- sh -c "pkill -STOP java && sleep $secs; pkill -CONT java; echo 'pause-process: resumed'"
