#!/usr/bin/env bash
# Smoke tests of the e2e cluster (test/e2e/cluster/up.sh must have run; pass its env file or have it at
# the default state dir). Every workload runs as non-root under the "restricted" Pod Security level.
#
#   bash test/e2e/smoke/smoke.sh [env file]     exit 0 iff all passed; last line "smoke: N passed, N failed"
#
# Note: Debian's busybox-static `wget -T` segfaults when the timeout path is taken, so every wget
# here is bounded with busybox `timeout` instead.
#
# Tests:
#   pod-logs          a pod runs, gets a pod IP, and its stdout comes back through `kubectl logs`
#   service-dns-lb    a Service resolves by its DNS name (CoreDNS) and load-balances across two pods
#   networkpolicy     a NetworkPolicy denies a flow that worked without it (kube-router), allows a labelled peer
#   dns-egress-policy an egress policy allowing only DNS to pods k8s-app=kube-dns keeps DNS, cuts the rest
#   ingress-nginx     Traefik routes an Ingress (class nginx, an Ingress-NGINX annotation) host to the Service
#   gateway-httproute Traefik routes a Gateway API HTTPRoute host to the Service
#   edge-networkpolicy a deny-all policy cuts the edge (Traefik pod) off, one admitting its namespace restores it
#   statefulset-pvc   a StatefulSet volumeClaimTemplate binds, data survives a pod restart
#   dns-every-node    from a pod on every node: a Service name and kubernetes.default resolve, an unknown name does not
#   edge-every-node   every node's NodePort reaches its own Traefik, kube-proxy's health check of the edge Service
#                     counts one local endpoint there, and the host's load balancer answers
# With two nodes or more (E2E_NODES):
#   cross-node-pods   every node's echo pod reaches every other node's echo pod at its pod IP (each answers with its
#                     node's name, its IP is in that node's pod CIDR)
#   cross-node-networkpolicy  an ingress policy on a pod of node 1 cuts a client on node 2 off and admits a labelled
#                     one beside it (enforced on the destination node); an egress deny on the client (enforced on the
#                     source node) cuts it off while its neighbour still gets through; without the policies both work
set -uo pipefail
ENV_FILE="${1:-${CDK8S_PREFECT_E2E_STATE:-/var/lib/cdk8s-prefect-e2e}/env}"
[ -f "$ENV_FILE" ] || { echo "no env file $ENV_FILE: run test/e2e/cluster/up.sh first" >&2; exit 2; }
# shellcheck disable=SC1090
. "$ENV_FILE"
NS="smoke-$(date +%s)"
IMG="$E2E_BUSYBOX_IMAGE"
PASSED=0; FAILED=0; FAILS=()
K() { "$KUBECTL" "$@"; }
log() { echo "[smoke $(date +%H:%M:%S)] $*" >&2; }

# retry <seconds> <cmd...>
retry() { local t="$1"; shift; for _ in $(seq 1 "$t"); do "$@" && return 0; sleep 1; done; "$@"; }

run_test() { # <name> <function>
  local t0 rc
  t0=$(date +%s)
  log "RUN  $1"
  ( set -e; "$2" ); rc=$?
  if [ "$rc" = 0 ]; then PASSED=$((PASSED + 1)); log "PASS $1 ($(( $(date +%s) - t0 ))s)"
  else FAILED=$((FAILED + 1)); FAILS+=("$1"); log "FAIL $1 ($(( $(date +%s) - t0 ))s)"; fi
}

SEC='securityContext: {runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, seccompProfile: {type: RuntimeDefault}}'

setup() {
  K create namespace "$NS" >/dev/null
  K label namespace "$NS" pod-security.kubernetes.io/enforce=restricted >/dev/null
  retry 30 K -n "$NS" get serviceaccount default >/dev/null 2>&1
  K apply -n "$NS" -f - >/dev/null <<EOF
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: httpd
        image: $IMG
        imagePullPolicy: Never
        command: [sh, -c, 'mkdir -p /tmp/www && hostname > /tmp/www/index.html && exec httpd -f -v -p 8080 -h /tmp/www']
        ports: [{containerPort: 8080}]
        readinessProbe: {httpGet: {path: /, port: 8080}, periodSeconds: 1}
        $SEC
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: echo}
spec:
  selector: {matchLabels: {app: echo}}
  template:
    metadata: {labels: {app: echo}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: httpd
        image: $IMG
        imagePullPolicy: Never
        env:
        - {name: NODE_NAME, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}
        command: [sh, -c, 'mkdir -p /tmp/www && echo "\$(hostname) \$NODE_NAME" > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www']
        ports: [{containerPort: 8080}]
        readinessProbe: {httpGet: {path: /, port: 8080}, periodSeconds: 1}
        $SEC
---
apiVersion: v1
kind: Pod
metadata: {name: client, labels: {role: client}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: c, image: $IMG, imagePullPolicy: Never, command: [sleep, "3600"], $SEC}
---
apiVersion: v1
kind: Pod
metadata: {name: allowed-client, labels: {role: allowed}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: c, image: $IMG, imagePullPolicy: Never, command: [sleep, "3600"], $SEC}
EOF
  if [ "${E2E_NODES:-1}" -ge 2 ]; then
    # two clients on node 2 for the cross-node policy test (the server is node 1's echo pod)
    local n2; n2="$(echo "$E2E_NODE_NAMES" | cut -d' ' -f2)"
    K apply -n "$NS" -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: x-denied, labels: {role: x-denied}}
spec:
  terminationGracePeriodSeconds: 1
  nodeSelector: {kubernetes.io/hostname: $n2}
  containers:
  - {name: c, image: $IMG, imagePullPolicy: Never, command: [sleep, "3600"], $SEC}
---
apiVersion: v1
kind: Pod
metadata: {name: x-allowed, labels: {role: x-allowed}}
spec:
  terminationGracePeriodSeconds: 1
  nodeSelector: {kubernetes.io/hostname: $n2}
  containers:
  - {name: c, image: $IMG, imagePullPolicy: Never, command: [sleep, "3600"], $SEC}
EOF
    K -n "$NS" wait --for=condition=Ready pod/x-denied pod/x-allowed --timeout=120s >&2
  fi
  K -n "$NS" rollout status deployment/web --timeout=120s >&2
  K -n "$NS" rollout status daemonset/echo --timeout=120s >&2
  K -n "$NS" wait --for=condition=Ready pod/client pod/allowed-client --timeout=120s >&2
  K -n "$NS" get pods -o wide >&2
}

t_pod_logs() {
  K apply -n "$NS" -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: hello}
spec:
  restartPolicy: Never
  containers:
  - {name: c, image: $IMG, imagePullPolicy: Never, command: [sh, -c, 'echo "hello from \$(id -u) on \$(hostname)"'], $SEC}
EOF
  K -n "$NS" wait --for=jsonpath='{.status.phase}'=Succeeded pod/hello --timeout=90s >&2
  ip="$(K -n "$NS" get pod client -o jsonpath='{.status.podIP}')"
  echo "client pod IP: $ip" >&2
  case "$ip" in 10.244.*) ;; *) echo "pod IP $ip not in the pod range" >&2; return 1 ;; esac
  out="$(K -n "$NS" logs hello)"
  echo "logs: $out" >&2
  [ "$out" = "hello from 10001 on hello" ]
}

t_service_dns_lb() {
  svc_ip="$(K -n "$NS" get service web -o jsonpath='{.spec.clusterIP}')"
  res="$(K -n "$NS" exec client -- nslookup "web.$NS.svc.cluster.local")"
  echo "$res" >&2
  echo "$res" | grep -q "Address: *$svc_ip\$"
  # short name through the pod's search path (busybox nslookup tries every search domain and exits 1
  # if any of them is NXDOMAIN, so look for the answer), and a name that must NOT resolve
  short="$(K -n "$NS" exec client -- nslookup web 2>/dev/null || true)"
  echo "$short" | grep -q "Address: *$svc_ip\$"
  if K -n "$NS" exec client -- nslookup "no-such-service.$NS.svc.cluster.local" >/dev/null 2>&1; then
    echo "a Service that does not exist resolved" >&2; return 1
  fi
  backends="$(K -n "$NS" exec client -- sh -c 'for i in $(seq 1 30); do timeout 5 wget -q -O- http://web/; done' | sort | uniq -c)"
  echo "responses per backend:" >&2; echo "$backends" >&2
  pods="$(K -n "$NS" get pods -l app=web -o jsonpath='{.items[*].metadata.name}' | tr ' ' '\n' | sort)"
  [ "$(echo "$backends" | awk '{print $2}' | sort)" = "$pods" ]
}

can_fetch() { K -n "$NS" exec "$1" -- timeout 3 wget -q -O- http://web/ >/dev/null 2>&1; }
cannot_fetch() { ! can_fetch "$1"; }

t_networkpolicy() {
  can_fetch client            # works without a policy
  can_fetch allowed-client
  K apply -n "$NS" -f - >/dev/null <<'EOF'
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-from-allowed-only}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
  ingress:
  - from: [{podSelector: {matchLabels: {role: allowed}}}]
    ports: [{port: 8080, protocol: TCP}]
EOF
  retry 30 cannot_fetch client
  echo "client denied by the policy" >&2
  can_fetch allowed-client
  echo "allowed-client still allowed" >&2
  K -n "$NS" delete networkpolicy web-from-allowed-only >/dev/null
  retry 30 can_fetch client
  echo "client allowed again after deleting the policy" >&2
}

ingress_get() { # <host> [curl args...]
  local h="$1"; shift
  curl -sS -m 5 -H "Host: $h" "$@" "$E2E_INGRESS_URL/"
}

t_ingress_nginx() {
  K apply -n "$NS" -f - >/dev/null <<EOF
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  annotations:
    nginx.ingress.kubernetes.io/affinity: cookie
    nginx.ingress.kubernetes.io/session-cookie-name: SMOKEAFFINITY
spec:
  ingressClassName: $E2E_INGRESS_CLASS
  rules:
  - host: web.$NS.example.test
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {name: http}}}}
EOF
  pods="$(K -n "$NS" get pods -l app=web -o jsonpath='{.items[*].metadata.name}')"
  # shellcheck disable=SC2317 # called through retry
  got_pod() { b="$(ingress_get "web.$NS.example.test")" && [ -n "$b" ] && echo " $pods " | grep -q " $b "; }
  retry 30 got_pod
  echo "ingress answered from pod $b" >&2
  hdrs="$(ingress_get "web.$NS.example.test" -D - -o /dev/null)"
  echo "$hdrs" | grep -i '^set-cookie: SMOKEAFFINITY=' >&2       # the Ingress-NGINX annotation took effect
  code="$(curl -s -m 5 -o /dev/null -w '%{http_code}' -H "Host: other.$NS.example.test" "$E2E_INGRESS_URL/")"
  echo "unknown host -> HTTP $code" >&2
  [ "$code" = 404 ]
}

t_gateway_httproute() {
  K apply -n "$NS" -f - >/dev/null <<EOF
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web}
spec:
  parentRefs: [{name: $E2E_GATEWAY_NAME, namespace: $E2E_GATEWAY_NAMESPACE}]
  hostnames: [gw.$NS.example.test]
  rules:
  - matches: [{path: {type: PathPrefix, value: /}}]
    backendRefs: [{name: web, port: 80}]
EOF
  pods="$(K -n "$NS" get pods -l app=web -o jsonpath='{.items[*].metadata.name}')"
  # shellcheck disable=SC2317 # called through retry
  got_pod() { b="$(ingress_get "gw.$NS.example.test")" && [ -n "$b" ] && echo " $pods " | grep -q " $b "; }
  retry 30 got_pod
  echo "HTTPRoute answered from pod $b" >&2
  K -n "$NS" wait --for=jsonpath='{.status.parents[0].conditions[?(@.type=="Accepted")].status}'=True httproute/web --timeout=30s >&2
}

client_resolves() { K -n "$NS" exec client -- timeout 3 nslookup "web.$NS.svc.cluster.local" 2>/dev/null | grep -q '^Address: *10\.'; }

t_dns_egress_policy() {
  # The stack's pattern: deny all egress, allow DNS to pods k8s-app=kube-dns in kube-system.
  K apply -n "$NS" -f - >/dev/null <<'EOF'
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: client-dns-only}
spec:
  podSelector: {matchLabels: {role: client}}
  policyTypes: [Egress]
  egress:
  - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]
    ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}, {port: 1053, protocol: UDP}, {port: 1053, protocol: TCP}]
EOF
  retry 30 cannot_fetch client
  echo "client's egress to web denied" >&2
  client_resolves
  echo "client still resolves names through the kube-dns pods" >&2
  K -n "$NS" delete networkpolicy client-dns-only >/dev/null
  retry 30 can_fetch client
}

edge_reaches_web() { b="$(ingress_get "web.$NS.example.test" 2>/dev/null)" && echo "$b" | grep -q '^web-'; }
edge_blocked() { ! edge_reaches_web; }

t_edge_networkpolicy() {
  # Traefik runs as a pod in the edge namespace, so a policy admitting "the edge namespace" is what lets
  # it reach a backend, as on a real cluster.
  retry 10 edge_reaches_web
  K apply -n "$NS" -f - >/dev/null <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-deny-all-ingress}
spec: {podSelector: {matchLabels: {app: web}}, policyTypes: [Ingress]}
EOF
  retry 30 edge_blocked
  echo "edge blocked by a deny-all ingress policy" >&2
  K apply -n "$NS" -f - >/dev/null <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-from-edge}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
  ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: $E2E_EDGE_NAMESPACE}}}]}]
EOF
  retry 30 edge_reaches_web
  echo "edge admitted by a policy selecting namespace $E2E_EDGE_NAMESPACE" >&2
  if can_fetch client; then echo "client pod got through, but only the edge is admitted" >&2; return 1; fi
  K -n "$NS" delete networkpolicy web-deny-all-ingress web-from-edge >/dev/null
}

t_statefulset_pvc() {
  K apply -n "$NS" -f - >/dev/null <<EOF
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 1
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      terminationGracePeriodSeconds: 1
      securityContext: {fsGroup: 10001}
      containers:
      - name: c
        image: $IMG
        imagePullPolicy: Never
        command: [sh, -c, 'test -f /data/first-boot || date > /data/first-boot; echo boot >> /data/boots; exec sleep 3600']
        volumeMounts: [{name: data, mountPath: /data}]
        $SEC
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
EOF
  K -n "$NS" rollout status statefulset/db --timeout=120s >&2
  K -n "$NS" wait --for=jsonpath='{.status.phase}'=Bound pvc/data-db-0 --timeout=30s >&2
  K -n "$NS" get pvc data-db-0 -o jsonpath='{.spec.storageClassName} {.spec.volumeName}{"\n"}' >&2
  # the volume root starts root-owned 0755: the non-root pod can write only because fsGroup was applied
  gid="$(K -n "$NS" exec db-0 -- stat -c %g /data)"
  echo "volume root group: $gid (fsGroup 10001)" >&2
  [ "$gid" = 10001 ]
  first="$(K -n "$NS" exec db-0 -- cat /data/first-boot)"
  K -n "$NS" delete pod db-0 --wait=true >/dev/null
  K -n "$NS" rollout status statefulset/db --timeout=120s >&2
  retry 30 K -n "$NS" exec db-0 -- true
  [ "$(K -n "$NS" exec db-0 -- cat /data/first-boot)" = "$first" ]
  boots="$(K -n "$NS" exec db-0 -- sh -c 'wc -l < /data/boots' | tr -d ' ')"
  echo "boots recorded on the volume: $boots" >&2
  [ "$boots" -ge 2 ]
  echo "data survived the pod restart (first boot: $first)" >&2
}

# echo_pods: "<pod> <node> <pod IP>" of the echo DaemonSet, one line per node
echo_pods() { K -n "$NS" get pods -l app=echo -o jsonpath='{range .items[*]}{.metadata.name} {.spec.nodeName} {.status.podIP}{"\n"}{end}'; }
echo_pod_on() { echo_pods | awk -v n="$1" '$2 == n {print $1}'; }
echo_ip_on() { echo_pods | awk -v n="$1" '$2 == n {print $3}'; }
get_from() { K -n "$NS" exec "$1" -- timeout 3 wget -q -O- "http://$2:8080/" 2>/dev/null </dev/null; }

t_dns_every_node() {
  local pod node svc_ip out n=0
  svc_ip="$(K -n "$NS" get service web -o jsonpath='{.spec.clusterIP}')"
  while read -r pod node _; do
    # (captured before grep: under pipefail, grep -q exiting first would fail the pipe)
    out="$(K -n "$NS" exec "$pod" -- nslookup "web.$NS.svc.cluster.local" </dev/null)"
    grep -q "Address: *$svc_ip\$" <<<"$out" || { echo "$pod on $node: web.$NS did not resolve to $svc_ip: $out" >&2; return 1; }
    out="$(K -n "$NS" exec "$pod" -- nslookup kubernetes.default.svc.cluster.local </dev/null)"
    grep -q 'Address: *10\.96\.0\.1$' <<<"$out" || { echo "$pod on $node: kubernetes.default did not resolve: $out" >&2; return 1; }
    if K -n "$NS" exec "$pod" -- nslookup "no-such-service.$NS.svc.cluster.local" >/dev/null 2>&1 </dev/null; then
      echo "$pod on $node: a Service that does not exist resolved" >&2; return 1
    fi
    echo "$node ($pod): names resolve through kube-dns, an unknown one does not" >&2
    n=$((n + 1))
  done < <(echo_pods)
  [ "$n" = "${E2E_NODES:-1}" ] || { echo "echo pods on $n nodes, expected ${E2E_NODES:-1}" >&2; return 1; }
}

t_edge_every_node() {
  local node ip code health
  for node in $E2E_NODE_NAMES; do
    ip="$(K get node "$node" -o jsonpath='{.status.addresses[?(@.type=="InternalIP")].address}')"
    code="$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://$ip:30080/")"
    health="$(curl -s -m 5 "http://$ip:30081/healthz")"
    echo "$node $ip: NodePort -> HTTP $code, health check: $health" >&2
    [ "$code" = 404 ] && grep -q '"localEndpoints": *1' <<<"$health"
  done
  code="$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$E2E_INGRESS_URL/")"
  echo "load balancer $E2E_INGRESS_URL -> HTTP $code" >&2
  [ "$code" = 404 ]
}

t_cross_node_pods() {
  local a an b bn bip out cidr n=0
  while read -r a an _; do
    while read -r b bn bip; do
      [ "$an" != "$bn" ] || continue
      out="$(get_from "$a" "$bip")" || { echo "$a ($an) cannot reach $b ($bn) at $bip" >&2; return 1; }
      [ "$out" = "$b $bn" ] || { echo "$a ($an) -> $bip answered '$out', expected '$b $bn'" >&2; return 1; }
      n=$((n + 1))
    done < <(echo_pods)
  done < <(echo_pods)
  # each answer came from the pod CIDR of the node it named
  while read -r b bn bip; do
    cidr="$(K get node "$bn" -o jsonpath='{.spec.podCIDR}')"
    python3 -c 'import ipaddress, sys; sys.exit(ipaddress.ip_address(sys.argv[1]) not in ipaddress.ip_network(sys.argv[2]))' "$bip" "$cidr" \
      || { echo "$b: IP $bip is not in $bn's pod CIDR $cidr" >&2; return 1; }
  done < <(echo_pods)
  echo "$n cross-node pod-to-pod requests answered by the right pod on the right node" >&2
  [ "$n" = $(( E2E_NODES * (E2E_NODES - 1) )) ]
}

t_cross_node_networkpolicy() {
  local n1 ip
  n1="$(echo "$E2E_NODE_NAMES" | cut -d' ' -f1)"
  ip="$(echo_ip_on "$n1")"
  [ -n "$ip" ] || { echo "no echo pod on $n1" >&2; return 1; }
  [ "$(K -n "$NS" get pod x-denied -o jsonpath='{.spec.nodeName}')" != "$n1" ]
  reach() { get_from "$1" "$ip" >/dev/null; }
  # shellcheck disable=SC2317 # called through retry
  unreach() { ! reach "$1"; }
  reach x-denied && reach x-allowed
  echo "without a policy both clients on node 2 reach the echo pod on $n1 ($ip)" >&2
  K apply -n "$NS" -f - >/dev/null <<'EOF'
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: echo-from-x-allowed}
spec:
  podSelector: {matchLabels: {app: echo}}
  policyTypes: [Ingress]
  ingress:
  - from: [{podSelector: {matchLabels: {role: x-allowed}}}]
    ports: [{port: 8080, protocol: TCP}]
EOF
  retry 30 unreach x-denied
  reach x-allowed
  echo "ingress policy (enforced on $n1): x-denied cut off, x-allowed admitted" >&2
  K -n "$NS" delete networkpolicy echo-from-x-allowed >/dev/null
  retry 30 reach x-denied
  K apply -n "$NS" -f - >/dev/null <<'EOF'
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: x-denied-no-egress}
spec:
  podSelector: {matchLabels: {role: x-denied}}
  policyTypes: [Egress]
EOF
  retry 30 unreach x-denied
  reach x-allowed
  echo "egress policy (enforced on node 2): x-denied cut off, x-allowed beside it still reaches $n1" >&2
  K -n "$NS" delete networkpolicy x-denied-no-egress >/dev/null
  retry 30 reach x-denied
  echo "both reach it again once the policies are gone" >&2
}

T0=$(date +%s)
( set -e; setup ); setup_rc=$?
if [ "$setup_rc" = 0 ]; then
  run_test pod-logs t_pod_logs
  run_test service-dns-lb t_service_dns_lb
  run_test networkpolicy t_networkpolicy
  run_test dns-egress-policy t_dns_egress_policy
  run_test ingress-nginx t_ingress_nginx
  run_test gateway-httproute t_gateway_httproute
  run_test edge-networkpolicy t_edge_networkpolicy
  run_test statefulset-pvc t_statefulset_pvc
  run_test dns-every-node t_dns_every_node
  run_test edge-every-node t_edge_every_node
  if [ "${E2E_NODES:-1}" -ge 2 ]; then
    run_test cross-node-pods t_cross_node_pods
    run_test cross-node-networkpolicy t_cross_node_networkpolicy
  else
    log "one node: cross-node-pods and cross-node-networkpolicy not run"
  fi
else
  log "setup failed"; K -n "$NS" get pods -o wide >&2; FAILED=$((FAILED + 1)); FAILS+=(setup)
fi
if [ "$FAILED" -gt 0 ]; then
  K -n "$NS" get all,pvc,ingress,networkpolicy -o wide >&2 || true
  K -n "$NS" get events --sort-by=.lastTimestamp >&2 | tail -30 || true
fi
[ "${SMOKE_KEEP_NAMESPACE:-0}" = 1 ] || K delete namespace "$NS" --wait=false >/dev/null 2>&1
log "done in $(( $(date +%s) - T0 ))s${FAILS[*]:+; failed: ${FAILS[*]}}"
echo "smoke: $PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
