#!/usr/bin/env bash
# Builds every artifact the cluster and e2e tiers use, each cached by content (a warm machine builds nothing):
# the Kubernetes binaries (test/cluster/build.sh), the e2e cluster's add-ons (CoreDNS, kube-router, Traefik) and
# images, the stack's stand-in images. .ci/run starts it in the background beside `npm test`, whose tests mostly
# wait on real servers and use one core: on a cold machine that overlaps ~25 min of builds with the unit tier.
# Needs the host packages .ci/run installs first (the build scripts install what is missing, but two apt-gets at
# once fight over the dpkg lock). Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
t0=$(date +%s)
step() { echo "[prebuild +$(( $(date +%s) - t0 ))s] $*" >&2; }
step "Kubernetes binaries"
bash test/cluster/build.sh kube-apiserver kubectl etcd kubelet kube-controller-manager kube-scheduler kube-proxy >/dev/null
step "the stack's stand-in images"
bash test/e2e/images/build.sh >/dev/null
step "the e2e cluster's images"
bash test/e2e/cluster/images/build.sh >/dev/null
step "the e2e cluster's add-ons"
bash test/e2e/cluster/build-tools.sh coredns kube-router traefik >/dev/null
step "done"
