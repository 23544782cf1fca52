#!/usr/bin/env bash
# A real control plane for tests: etcd + kube-apiserver on loopback, client-cert auth, RBAC,
# ServiceAccount token signing and a PodSecurity admission configuration.
#
#   bash test/cluster/apiserver.sh start    # certs, etcd, kube-apiserver, /readyz, CRDs Established
#   bash test/cluster/apiserver.sh stop     # stop both processes (waits until they are gone)
#   bash test/cluster/apiserver.sh status
#   bash test/cluster/apiserver.sh env      # print the env file (source it: KUBECONFIG, KUBECTL, ...)
#   bash test/cluster/apiserver.sh client-cert <name> <CN> [O]   # mint a client cert + kubeconfig
#
# Flags are modelled on envtest (sigs.k8s.io/controller-runtime pkg/internal/testing/controlplane),
# but with --authorization-mode=Node,RBAC and the ServiceAccount admission plugin left ON.
#
# Env (all optional):
#   CLUSTER_STATE_DIR         state dir (certs, kubeconfigs, etcd data, logs, pids)
#                             default ${CDK8S_PREFECT_CLUSTER_STATE:-/tmp/cdk8s-prefect-cluster}
#   CLUSTER_BIN_DIR           dir with kube-apiserver, kubectl, etcd (default: output of build.sh)
#   CLUSTER_ADDRESS           address to bind/advertise (default 127.0.0.1; must be loopback or
#                             an address of a network namespace/bridge you created)
#   CLUSTER_APISERVER_PORT    default: a free port; CLUSTER_ETCD_PORT / CLUSTER_ETCD_PEER_PORT likewise
#   CLUSTER_EXTRA_SANS        extra serving-cert SANs, comma separated, e.g. "IP:10.88.0.1,DNS:foo"
#   CLUSTER_SERVICE_CIDR      default 10.0.0.0/24
#   APISERVER_EXTRA_FLAGS     extra kube-apiserver flags (word-split), e.g. "--v=4 --feature-gates=..."
#   CLUSTER_CRDS_DIR          CRDs applied at start (default <repo>/../shared/crds, else /work/shared/crds)
#   CLUSTER_SKIP_CRDS=1       do not install CRDs
#   CLUSTER_READY_TIMEOUT     seconds to wait for /readyz (default 120)
#
# Files in the state dir that other components (kubelet, controller-manager, ...) can use:
#   ca.crt ca.key                      cluster CA (signs serving + client certs; keep for minting)
#   apiserver.crt apiserver.key        serving cert
#   sa.key sa.pub                      service-account signing key pair
#   admin.kubeconfig                   system:masters client cert, certs embedded
#   apiserver-kubelet-client.{crt,key} client cert the apiserver presents to kubelets
#   env                                shell-sourceable: KUBECONFIG KUBECTL APISERVER_URL ...
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
STATE="${CLUSTER_STATE_DIR:-${CDK8S_PREFECT_CLUSTER_STATE:-/tmp/cdk8s-prefect-cluster}}"
ADDR="${CLUSTER_ADDRESS:-127.0.0.1}"
SERVICE_CIDR="${CLUSTER_SERVICE_CIDR:-10.0.0.0/24}"
READY_TIMEOUT="${CLUSTER_READY_TIMEOUT:-120}"

log() { echo "[apiserver.sh] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

bin_dir() {
  if [ -n "${CLUSTER_BIN_DIR:-}" ]; then echo "$CLUSTER_BIN_DIR"; else bash "$HERE/build.sh" kube-apiserver kubectl etcd | tail -1; fi
}

free_port() {
  python3 -c 'import socket,sys; s=socket.socket(); s.bind((sys.argv[1],0)); print(s.getsockname()[1]); s.close()' "$ADDR"
}

# Is <pidfile>'s process alive and running <binary name>?
alive() { # <pidfile> <name>
  local pid
  [ -f "$1" ] || return 1
  pid="$(cat "$1")"
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$2"
}
# Started and not exited: true also between fork and exec, while the command line is still this script's.
running() { # <pidfile>
  local pid
  pid="$(cat "$1" 2>/dev/null)" && [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] &&
    [ "$(awk '{print $3}' "/proc/$pid/stat")" != Z ]
}

stop_one() { # <pidfile> <name>
  local pid
  if alive "$1" "$2"; then
    pid="$(cat "$1")"
    log "stopping $2 (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do alive "$1" "$2" || break; sleep 0.2; done
    if alive "$1" "$2"; then log "$2 did not stop in 20s, killing"; kill -KILL "$pid" 2>/dev/null || true; sleep 0.5; fi
    alive "$1" "$2" && die "$2 (pid $pid) is still running"
  fi
  rm -f "$1"
}

# ---------- certificates (openssl, EC P-256; RSA 2048 for the service-account key) ----------
sign_cert() { # <name> <subject> <extensions file content>
  local name="$1" subj="$2" ext="$3"
  openssl ecparam -name prime256v1 -genkey -noout -out "$STATE/$name.key" 2>/dev/null
  openssl req -new -key "$STATE/$name.key" -subj "$subj" -out "$STATE/$name.csr" 2>/dev/null
  printf '%s\n' "$ext" >"$STATE/$name.ext"
  openssl x509 -req -in "$STATE/$name.csr" -CA "$STATE/ca.crt" -CAkey "$STATE/ca.key" -CAcreateserial \
    -days 30 -sha256 -extfile "$STATE/$name.ext" -out "$STATE/$name.crt" 2>/dev/null
  rm -f "$STATE/$name.csr" "$STATE/$name.ext"
  chmod 600 "$STATE/$name.key"
}

client_ext='basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth'

write_kubeconfig() { # <file> <cert name> <server url>
  local f="$1" n="$2" url="$3"
  cat >"$f" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: cdk8s-prefect-test
  cluster:
    server: $url
    certificate-authority-data: $(base64 -w0 <"$STATE/ca.crt")
users:
- name: $n
  user:
    client-certificate-data: $(base64 -w0 <"$STATE/$n.crt")
    client-key-data: $(base64 -w0 <"$STATE/$n.key")
contexts:
- name: cdk8s-prefect-test
  context: {cluster: cdk8s-prefect-test, user: $n}
current-context: cdk8s-prefect-test
EOF
  chmod 600 "$f"
}

gen_certs() {
  local sans svc_ip
  openssl ecparam -name prime256v1 -genkey -noout -out "$STATE/ca.key" 2>/dev/null
  openssl req -x509 -new -key "$STATE/ca.key" -subj "/CN=cdk8s-prefect-test-ca" -days 30 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -out "$STATE/ca.crt" 2>/dev/null
  chmod 600 "$STATE/ca.key"
  # first address of the service range = the `kubernetes` Service's ClusterIP
  svc_ip="$(python3 -c 'import ipaddress,sys; print(next(ipaddress.ip_network(sys.argv[1]).hosts()))' "$SERVICE_CIDR")"
  sans="IP:$ADDR,IP:127.0.0.1,IP:$svc_ip,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  [ -z "${CLUSTER_EXTRA_SANS:-}" ] || sans+=",$CLUSTER_EXTRA_SANS"
  sign_cert apiserver "/CN=kube-apiserver" "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=$sans"
  sign_cert admin "/O=system:masters/CN=cdk8s-prefect-test-admin" "$client_ext"
  sign_cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" "$client_ext"
  openssl genrsa -out "$STATE/sa.key" 2048 2>/dev/null
  openssl rsa -in "$STATE/sa.key" -pubout -out "$STATE/sa.pub" 2>/dev/null
  chmod 600 "$STATE/sa.key"
}

write_admission_config() {
  # Cluster-wide Pod Security defaults: enforce baseline, warn + audit restricted. A namespace's
  # pod-security.kubernetes.io/* labels override these (the tests label one "restricted").
  cat >"$STATE/admission.yaml" <<'EOF'
apiVersion: apiserver.config.k8s.io/v1
kind: AdmissionConfiguration
plugins:
- name: PodSecurity
  configuration:
    apiVersion: pod-security.admission.config.k8s.io/v1
    kind: PodSecurityConfiguration
    defaults:
      enforce: baseline
      enforce-version: latest
      audit: restricted
      audit-version: latest
      warn: restricted
      warn-version: latest
    exemptions:
      usernames: []
      runtimeClasses: []
      namespaces: [kube-system]
EOF
}

crds_dir() {
  if [ -n "${CLUSTER_CRDS_DIR:-}" ]; then echo "$CLUSTER_CRDS_DIR"
  elif [ -d "$REPO/../shared/crds" ]; then echo "$REPO/../shared/crds"
  else echo /work/shared/crds; fi
}

install_crds() {
  local dir kubectl="$1" t0 n
  dir="$(crds_dir)"
  ls "$dir"/*.yaml >/dev/null 2>&1 || die "no CRDs in $dir (set CLUSTER_CRDS_DIR or CLUSTER_SKIP_CRDS=1)"
  t0=$(date +%s.%N)
  # server-side: the Argo CD CRD is too large for the last-applied annotation of client-side apply
  "$kubectl" apply --server-side --field-manager=cdk8s-prefect-test-setup -f "$dir" >"$STATE/crds.log" 2>&1 ||
    { cat "$STATE/crds.log" >&2; die "applying CRDs from $dir failed"; }
  n="$(grep -c '^kind: CustomResourceDefinition' "$dir"/*.yaml | awk -F: '{s+=$2} END {print s}')"
  "$kubectl" wait --for=condition=Established --timeout=60s crd --all >>"$STATE/crds.log" 2>&1 ||
    { cat "$STATE/crds.log" >&2; die "CRDs not Established in 60s"; }
  log "$n CRDs from $dir Established in $(python3 -c "import time;print(round(time.time()-$t0,2))")s"
}

cmd_start() {
  local bin etcd_port peer_port api_port url t0
  if alive "$STATE/etcd.pid" etcd || alive "$STATE/kube-apiserver.pid" kube-apiserver; then
    die "already running with state dir $STATE (run: $0 stop)"
  fi
  t0=$(date +%s.%N)
  bin="$(bin_dir)"
  for b in kube-apiserver kubectl etcd; do [ -x "$bin/$b" ] || die "$bin/$b missing (bash $HERE/build.sh)"; done
  command -v openssl >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl; }

  # a fresh cluster each start; only ever delete a dir this script made (it holds the marker file)
  case "$STATE" in /|"$HOME"|/tmp|/var|"") die "refusing state dir '$STATE'";; esac
  if [ -d "$STATE" ] && [ -n "$(ls -A "$STATE")" ] && [ ! -f "$STATE/.cdk8s-prefect-cluster" ]; then
    die "$STATE is not empty and was not made by $0: choose another CLUSTER_STATE_DIR"
  fi
  rm -rf "$STATE"; mkdir -p "$STATE"; chmod 700 "$STATE"; touch "$STATE/.cdk8s-prefect-cluster"
  gen_certs
  write_admission_config
  etcd_port="${CLUSTER_ETCD_PORT:-$(free_port)}"
  peer_port="${CLUSTER_ETCD_PEER_PORT:-$(free_port)}"
  api_port="${CLUSTER_APISERVER_PORT:-$(free_port)}"
  url="https://$ADDR:$api_port"

  # etcd: single member, plain http on the given address (as envtest), fsync off (test data only)
  setsid "$bin/etcd" --name=default --data-dir="$STATE/etcd" \
    --listen-client-urls="http://$ADDR:$etcd_port" --advertise-client-urls="http://$ADDR:$etcd_port" \
    --listen-peer-urls="http://$ADDR:$peer_port" --initial-advertise-peer-urls="http://$ADDR:$peer_port" \
    --initial-cluster="default=http://$ADDR:$peer_port" --unsafe-no-fsync=true \
    --log-level=warn \
    </dev/null >"$STATE/etcd.log" 2>&1 &
  echo $! >"$STATE/etcd.pid"

  # shellcheck disable=SC2086
  setsid "$bin/kube-apiserver" \
    --advertise-address="$ADDR" --bind-address="$ADDR" --secure-port="$api_port" \
    --etcd-servers="http://$ADDR:$etcd_port" \
    --tls-cert-file="$STATE/apiserver.crt" --tls-private-key-file="$STATE/apiserver.key" \
    --client-ca-file="$STATE/ca.crt" \
    --authorization-mode=Node,RBAC \
    --enable-admission-plugins=NodeRestriction \
    --admission-control-config-file="$STATE/admission.yaml" \
    --service-cluster-ip-range="$SERVICE_CIDR" \
    --allow-privileged=true \
    --service-account-issuer="https://kubernetes.default.svc.cluster.local" \
    --service-account-key-file="$STATE/sa.pub" --service-account-signing-key-file="$STATE/sa.key" \
    --api-audiences="https://kubernetes.default.svc.cluster.local" \
    --kubelet-client-certificate="$STATE/apiserver-kubelet-client.crt" \
    --kubelet-client-key="$STATE/apiserver-kubelet-client.key" \
    --cert-dir="$STATE/apiserver-certs" \
    --profiling=false \
    ${APISERVER_EXTRA_FLAGS:-} \
    </dev/null >"$STATE/kube-apiserver.log" 2>&1 &
  echo $! >"$STATE/kube-apiserver.pid"

  write_kubeconfig "$STATE/admin.kubeconfig" admin "$url"
  cat >"$STATE/env" <<EOF
export KUBECONFIG='$STATE/admin.kubeconfig'
export KUBECTL='$bin/kubectl'
export CLUSTER_BIN_DIR='$bin'
export CLUSTER_STATE_DIR='$STATE'
export APISERVER_URL='$url'
export ETCD_URL='http://$ADDR:$etcd_port'
EOF

  # wait for /readyz (fail fast if a process died)
  for _ in $(seq 1 $((READY_TIMEOUT * 5))); do
    running "$STATE/etcd.pid" || { tail -30 "$STATE/etcd.log" >&2; die "etcd exited"; }
    running "$STATE/kube-apiserver.pid" || { tail -30 "$STATE/kube-apiserver.log" >&2; die "kube-apiserver exited"; }
    if [ "$("$bin/kubectl" --kubeconfig="$STATE/admin.kubeconfig" get --raw=/readyz 2>/dev/null)" = ok ]; then break; fi
    sleep 0.2
  done
  if [ "$("$bin/kubectl" --kubeconfig="$STATE/admin.kubeconfig" get --raw=/readyz 2>/dev/null)" != ok ]; then
    "$bin/kubectl" --kubeconfig="$STATE/admin.kubeconfig" get --raw='/readyz?verbose' >&2 || true
    tail -30 "$STATE/kube-apiserver.log" >&2
    cmd_stop
    die "kube-apiserver not ready after ${READY_TIMEOUT}s"
  fi
  log "kube-apiserver $("$bin/kubectl" --kubeconfig="$STATE/admin.kubeconfig" get --raw=/version | python3 -c 'import json,sys;print(json.load(sys.stdin)["gitVersion"])') ready at $url after $(python3 -c "import time;print(round(time.time()-$t0,2))")s"

  if [ "${CLUSTER_SKIP_CRDS:-0}" != 1 ]; then
    KUBECONFIG="$STATE/admin.kubeconfig" install_crds "$bin/kubectl"
  fi
  log "up in $(python3 -c "import time;print(round(time.time()-$t0,2))")s; source $STATE/env"
  echo "$STATE/admin.kubeconfig"
}

cmd_stop() {
  stop_one "$STATE/kube-apiserver.pid" kube-apiserver
  stop_one "$STATE/etcd.pid" etcd
  log "stopped (state kept in $STATE)"
}

cmd_status() {
  local rc=0
  for p in etcd kube-apiserver; do
    if alive "$STATE/$p.pid" "$p"; then echo "$p running (pid $(cat "$STATE/$p.pid"))"; else echo "$p not running"; rc=1; fi
  done
  return $rc
}

cmd_client_cert() { # <name> <CN> [O]
  [ $# -ge 2 ] || die "usage: $0 client-cert <name> <CN> [O]"
  [ -f "$STATE/ca.key" ] || die "no CA in $STATE (start first)"
  local subj="/CN=$2"
  [ -z "${3:-}" ] || subj="/O=$3$subj"
  sign_cert "$1" "$subj" "$client_ext"
  # shellcheck disable=SC1091
  write_kubeconfig "$STATE/$1.kubeconfig" "$1" "$(. "$STATE/env"; echo "$APISERVER_URL")"
  echo "$STATE/$1.kubeconfig"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  env) cat "$STATE/env" ;;
  client-cert) shift; cmd_client_cert "$@" ;;
  *) echo "usage: $0 start|stop|status|env|client-cert <name> <CN> [O]" >&2; exit 2 ;;
esac
