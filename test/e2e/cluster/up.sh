#!/usr/bin/env bash
# Bring up a real Kubernetes cluster of E2E_NODES worker nodes (default 1) on this host: the control plane as host
# processes (model: hack/local-up-cluster.sh), each node in its own network namespace (node.sh), CoreDNS and
# Traefik as pods, a host-side load balancer in front of the nodes' edge.
#
#   E2E_NODES=3 bash test/e2e/cluster/up.sh   # prints the env file path last; `source` it (KUBECONFIG, KUBECTL, ...)
#   bash test/e2e/cluster/down.sh             # tears everything down
#
# Pieces (all real binaries):
#   network     bridge cdk8se2e0 with the host's address 10.213.0.1/24; node i = netns e2e-node-<i> on a veth,
#               10.213.0.(10+i); pod /24s from the controller-manager, routed statically between nodes and host
#   control     test/cluster/apiserver.sh (etcd + kube-apiserver on 10.213.0.1), controller-manager, scheduler
#   node        (node.sh) containerd (own root/state/socket), kubelet (own root dir, cgroup subtree, pod log dir),
#               kube-proxy (iptables), kube-router --run-firewall (NetworkPolicies), ptp + host-local CNI
#   DNS         CoreDNS (Go module build) as pods k8s-app=kube-dns in kube-system, Service kube-dns 10.96.0.10
#   ingress     Traefik v3 as a DaemonSet in ns ingress-nginx (kubernetesIngressNGINX provider for class nginx +
#               kubernetesGateway provider, Gateway ingress-nginx/e2e-gateway), NodePort 30080 on each node
#               (externalTrafficPolicy Local, health check port 30081); HAProxy on 10.213.0.1:30080 balances
#               over the nodes that pass that health check, as a cloud load balancer would
#   storage     default StorageClass "standard" (WaitForFirstConsumer) + pre-created local PVs on every node
#   images      e2e.local/pause:e2e, e2e.local/busybox:e2e (built here, images/build.sh)
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

T0=$(date +%s.%N)
since() { python3 -c "import time;print(round(time.time()-$T0,1))"; }
[ "$(id -u)" = 0 ] || die "must run as root"
node_up() { local i; for i in $(nodes_present); do [ "$(bash "$E2E_DIR/node.sh" status "$i")" = up ] && return 0; done; return 1; }
if alive kube-controller-manager || alive kubelet || node_up; then die "already up (state $STATE); run down.sh first"; fi
if ip link show "$BRIDGE" >/dev/null 2>&1 || [ -d "$STATE" ]; then
  log "leftovers of an earlier run found: running down.sh first"
  bash "$E2E_DIR/down.sh" >&2
fi

# ---------------------------------------------------------------- packages (idempotent)
PKGS=(containerd runc containernetworking-plugins iptables ipset conntrack iproute2 util-linux openssl socat busybox-static gcc libc6-dev python3 curl haproxy)
missing=()
for p in "${PKGS[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  apt-get update -qq >&2
  # Packages must not start their own services (Debian's haproxy would start one on its default config): we
  # run our own. policy-rc.d is removed again unless it was there before.
  made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; made_policy=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 "${missing[@]}" >&2 || {
    [ "$made_policy" = 0 ] || rm -f /usr/sbin/policy-rc.d; die "apt-get install failed"; }
  [ "$made_policy" = 0 ] || rm -f /usr/sbin/policy-rc.d
fi
for b in /usr/lib/cni/ptp /usr/lib/cni/host-local /usr/lib/cni/portmap /usr/lib/cni/loopback; do [ -x "$b" ] || die "$b missing"; done

# ---------------------------------------------------------------- binaries (cached by content)
log "building / locating binaries"
K8S_BIN="$(bash "$REPO/test/cluster/build.sh" kube-apiserver kubectl etcd kubelet kube-controller-manager kube-scheduler kube-proxy | tail -1)"
TOOLS_BIN="$(bash "$E2E_DIR/build-tools.sh" coredns kube-router traefik | tail -1)"
IMAGES="$(bash "$E2E_DIR/images/build.sh" | tail -1)"
KUBECTL="$K8S_BIN/kubectl"
# CoreDNS and Traefik images: the Go-built binary in a one-file image, cached by the binary's hash.
one_file_image() { # <binary> <name> <extra rootfs dirs (1777)...>: prints "<tar>=<ref>"
  local bin ver tar d x
  bin="$(readlink -f "$1")"; ver="$(basename "$(dirname "$bin")" | cut -d- -f2)"
  tar="$CACHE/e2e-images/$2-$(sha256sum "$bin" | cut -c1-16).tar"
  if [ ! -f "$tar" ]; then
    d="$(mktemp -d)"; cp "$bin" "$d/$2"
    for x in "${@:3}"; do mkdir -m 1777 "$d/$x"; done
    mkdir -p "$(dirname "$tar")"
    python3 "$E2E_DIR/images/mkimage.py" --rootfs "$d" --ref "e2e.local/$2:$ver" --out "$tar" \
      --entrypoint "[\"/$2\"]" --user 65532:65532 >&2
    rm -rf "$d"
  fi
  echo "$tar=e2e.local/$2:$ver"
}
COREDNS_IMAGE="$(one_file_image "$TOOLS_BIN/coredns" coredns)"
TRAEFIK_IMAGE="$(one_file_image "$TOOLS_BIN/traefik" traefik tmp)"
log "binaries ready after $(since)s"
T_NET=$(date +%s.%N)

rm -rf "$STATE"
mkdir -p "$STATE"/{pids,logs,nodes,config}
chmod 711 "$STATE"

# ---------------------------------------------------------------- host network
sysctl -qw net.ipv4.ip_forward=1
ip link add "$BRIDGE" type bridge
ip addr add "$HOST_IP/24" dev "$BRIDGE"
ip link set "$BRIDGE" up
# Traffic to Service IPs or pod IPs must never leave via the default route: Service IPs go to node 1 (its
# kube-proxy translates them, so host-side tools can use them), unknown pod IPs are unreachable (each node's /24
# is routed to it, node.sh).
ip route add "$SERVICE_CIDR" via "$(node_ip 1)" dev "$BRIDGE" onlink
ip route add unreachable "$CLUSTER_CIDR"
# The bridge is a closed segment: nodes and pods talk to each other and to the host; nothing is forwarded between
# it and any other interface (no NAT out of the machine, nothing in). br_netfilter makes bridged frames between
# nodes pass FORWARD too: accept those.
iptables -w -I FORWARD 1 -i "$BRIDGE" -o "$BRIDGE" -m comment --comment cdk8s-e2e-within -j ACCEPT
iptables -w -I FORWARD 2 -i "$BRIDGE" ! -o "$BRIDGE" -m comment --comment cdk8s-e2e-no-egress -j REJECT
iptables -w -I FORWARD 3 ! -i "$BRIDGE" -o "$BRIDGE" -m comment --comment cdk8s-e2e-no-ingress -j REJECT
echo "$BRIDGE" >"$STATE/bridge"

# ---------------------------------------------------------------- control plane (test/cluster/apiserver.sh)
# --enable-aggregator-routing: the API server reaches webhooks and aggregated APIs at their pod IPs (routed to the
# nodes), not through a Service IP only node-local kube-proxies translate. The default tolerations decide how long
# a pod stays bound to a NotReady/unreachable node before it is evicted (upstream's 300 s unless set).
export CLUSTER_STATE_DIR="$CP_STATE" CLUSTER_BIN_DIR="$K8S_BIN" CLUSTER_ADDRESS="$HOST_IP" \
  CLUSTER_APISERVER_PORT="$APISERVER_PORT" CLUSTER_SERVICE_CIDR="$SERVICE_CIDR" \
  APISERVER_EXTRA_FLAGS="--kubelet-preferred-address-types=InternalIP --enable-aggregator-routing=true \
--default-not-ready-toleration-seconds=$TOLERATION_SECONDS --default-unreachable-toleration-seconds=$TOLERATION_SECONDS ${APISERVER_EXTRA_FLAGS:-}"
# apiserver.sh's liveness check can race the fork->exec of kube-apiserver ("kube-apiserver exited" while
# it is starting); one stop + retry covers that.
if ! bash "$REPO/test/cluster/apiserver.sh" start >&2; then
  log "apiserver.sh start failed; stopping and retrying once"
  bash "$REPO/test/cluster/apiserver.sh" stop >&2 || true
  bash "$REPO/test/cluster/apiserver.sh" start >&2
fi
# shellcheck disable=SC1091
. "$CP_STATE/env"
K() { "$KUBECTL" --kubeconfig="$CP_STATE/admin.kubeconfig" "$@"; }
mint() { bash "$REPO/test/cluster/apiserver.sh" client-cert "$@" | tail -1; }
KC_PROXY="$(mint kube-proxy system:kube-proxy)"
KC_KCM="$(mint kube-controller-manager system:kube-controller-manager)"
KC_SCHED="$(mint kube-scheduler system:kube-scheduler)"
KC_ROUTER="$(mint kube-router e2e:kube-router)"
for i in $(seq 1 "$NODES"); do
  mkdir -p "$(node_dir "$i")"
  # each kubelet its own identity: the Node authorizer and NodeRestriction limit it to its own node's objects
  cp "$(mint "kubelet-$(node_name "$i")" "system:node:$(node_name "$i")" system:nodes)" "$(node_dir "$i")/kubelet.kubeconfig"
done
log "control plane up after $(since)s"

# RBAC for the add-ons (built-in roles cover kubelet/proxy/kcm/scheduler): kube-router runs on each node (node.sh)
# with a client cert; CoreDNS and Traefik are pods bound to these roles through their ServiceAccounts
K apply -f - >&2 <<'EOF'
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: "e2e:coredns"}
rules:
- {apiGroups: [""], resources: [endpoints, services, pods, namespaces], verbs: [list, watch]}
- {apiGroups: [discovery.k8s.io], resources: [endpointslices], verbs: [list, watch]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: "e2e:kube-router"}
rules:
- {apiGroups: [""], resources: [namespaces, pods, services, endpoints, nodes], verbs: [get, list, watch]}
- {apiGroups: [""], resources: [nodes], verbs: [patch, update]}
- {apiGroups: [networking.k8s.io], resources: [networkpolicies], verbs: [get, list, watch]}
- {apiGroups: [discovery.k8s.io], resources: [endpointslices], verbs: [get, list, watch]}
- {apiGroups: [""], resources: [events], verbs: [create, patch]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: "e2e:traefik"}
rules:
- {apiGroups: [""], resources: [services, endpoints, secrets, configmaps, namespaces, nodes, pods], verbs: [get, list, watch]}
- {apiGroups: [discovery.k8s.io], resources: [endpointslices], verbs: [get, list, watch]}
- {apiGroups: [networking.k8s.io, extensions], resources: [ingresses, ingressclasses], verbs: [get, list, watch]}
- {apiGroups: [networking.k8s.io, extensions], resources: [ingresses/status], verbs: [update, patch]}
- {apiGroups: [gateway.networking.k8s.io], resources: ["*"], verbs: [get, list, watch]}
- {apiGroups: [gateway.networking.k8s.io], resources: ["*/status"], verbs: [update, patch]}
- {apiGroups: [""], resources: [events], verbs: [create, patch]}
- {apiGroups: [events.k8s.io], resources: [events], verbs: [create, patch]}
EOF
K create clusterrolebinding e2e:kube-router --clusterrole=e2e:kube-router --user=e2e:kube-router >&2

# ---------------------------------------------------------------- controller-manager, scheduler
# Node lifecycle (upstream defaults, written out; README "Node failure timeouts"): the node lifecycle controller
# checks every 5 s and marks a node whose lease was not renewed for the grace period NotReady/Unknown (its pods
# leave Service endpoints then); the taint-based eviction of its pods follows after their toleration (apiserver).
start_proc kube-controller-manager "$K8S_BIN/kube-controller-manager" \
  --kubeconfig="$KC_KCM" --authentication-kubeconfig="$KC_KCM" --authorization-kubeconfig="$KC_KCM" \
  --bind-address=127.0.0.1 --secure-port=10257 --leader-elect=false \
  --use-service-account-credentials=true \
  --service-account-private-key-file="$CP_STATE/sa.key" --root-ca-file="$CP_STATE/ca.crt" \
  --cluster-signing-cert-file="$CP_STATE/ca.crt" --cluster-signing-key-file="$CP_STATE/ca.key" \
  --allocate-node-cidrs=true --cluster-cidr="$CLUSTER_CIDR" --node-cidr-mask-size=24 \
  --service-cluster-ip-range="$SERVICE_CIDR" --configure-cloud-routes=false \
  --node-monitor-period="$NODE_MONITOR_PERIOD" --node-monitor-grace-period="$NODE_MONITOR_GRACE_PERIOD" \
  --controllers='*,bootstrapsigner,tokencleaner' --v=1
start_proc kube-scheduler "$K8S_BIN/kube-scheduler" \
  --kubeconfig="$KC_SCHED" --authentication-kubeconfig="$KC_SCHED" --authorization-kubeconfig="$KC_SCHED" \
  --bind-address=127.0.0.1 --secure-port=10259 --leader-elect=false --v=1

# ---------------------------------------------------------------- nodes (node.sh)
cat >"$STATE/cluster.env" <<EOF
K8S_BIN='$K8S_BIN'
TOOLS_BIN='$TOOLS_BIN'
KC_PROXY='$KC_PROXY'
KC_ROUTER='$KC_ROUTER'
BASE_IMAGE_TARS='$IMAGES/pause.tar=e2e.local/pause:e2e $IMAGES/busybox.tar=e2e.local/busybox:e2e $COREDNS_IMAGE $TRAEFIK_IMAGE'
EOF
echo "$NODES" >"$STATE/nodes-count"
for i in $(seq 1 "$NODES"); do bash "$E2E_DIR/node.sh" boot "$i" --no-wait; done
for i in $(seq 1 "$NODES"); do bash "$E2E_DIR/node.sh" wait "$i"; done
log "$NODES node(s) Ready after $(since)s"

# ---------------------------------------------------------------- CoreDNS (pods: k8s-app=kube-dns in kube-system)
# Pods, not a host process, so NetworkPolicies that allow DNS to "pods k8s-app=kube-dns in kube-system"
# (as the stack's do) behave as on a real cluster. Two replicas on different nodes when there are several, so
# losing a node does not take name resolution with it.
DNS_REPLICAS=$(( NODES > 1 ? 2 : 1 ))
K apply -f - >&2 <<EOF
apiVersion: v1
kind: ServiceAccount
metadata: {name: coredns, namespace: kube-system}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "e2e:coredns-sa"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "e2e:coredns"}
subjects: [{kind: ServiceAccount, name: coredns, namespace: kube-system}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: coredns, namespace: kube-system}
data:
  Corefile: |
    cluster.local:1053 in-addr.arpa:1053 ip6.arpa:1053 {
        errors
        health :8080
        ready :8181
        kubernetes cluster.local in-addr.arpa ip6.arpa {
            pods insecure
            ttl 5
        }
        cache 5
        loop
    }
    .:1053 {
        template ANY ANY {
            rcode NXDOMAIN
        }
    }
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: coredns, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec:
  replicas: $DNS_REPLICAS
  selector: {matchLabels: {k8s-app: kube-dns}}
  template:
    metadata: {labels: {k8s-app: kube-dns}}
    spec:
      serviceAccountName: coredns
      priorityClassName: system-cluster-critical
      dnsPolicy: Default
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 100
            podAffinityTerm: {topologyKey: kubernetes.io/hostname, labelSelector: {matchLabels: {k8s-app: kube-dns}}}
      containers:
      - name: coredns
        image: ${COREDNS_IMAGE#*=}
        imagePullPolicy: Never
        args: [-conf, /etc/coredns/Corefile]
        ports:
        - {name: dns, containerPort: 1053, protocol: UDP}
        - {name: dns-tcp, containerPort: 1053, protocol: TCP}
        livenessProbe: {httpGet: {path: /health, port: 8080}, periodSeconds: 10}
        readinessProbe: {httpGet: {path: /ready, port: 8181}, periodSeconds: 1}
        resources: {requests: {cpu: 50m, memory: 50Mi}, limits: {memory: 170Mi}}
        securityContext: {runAsNonRoot: true, runAsUser: 65532, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}, seccompProfile: {type: RuntimeDefault}}
        volumeMounts: [{name: config, mountPath: /etc/coredns, readOnly: true}]
      volumes: [{name: config, configMap: {name: coredns}}]
---
apiVersion: v1
kind: Service
metadata:
  name: kube-dns
  namespace: kube-system
  labels: {k8s-app: kube-dns, kubernetes.io/name: CoreDNS}
spec:
  selector: {k8s-app: kube-dns}
  clusterIP: $DNS_IP
  ports:
  - {name: dns, port: 53, protocol: UDP, targetPort: 1053}
  - {name: dns-tcp, port: 53, protocol: TCP, targetPort: 1053}
EOF

# ---------------------------------------------------------------- Gateway API CRDs Traefik watches
# /work/shared/crds has Gateway API v1.6.1 GatewayClass/Gateway/HTTPRoute/ReferenceGrant; Traefik's
# gateway provider also lists GRPCRoutes and BackendTLSPolicies, so install those from the same release
# (the sigs.k8s.io/gateway-api Go module ships config/crd/).
GW_API_VERSION="$(awk '/bundle-version:/ {print $2; exit}' "$(ls "${CLUSTER_CRDS_DIR:-$REPO/../shared/crds}"/gateway.networking.k8s.io_httproutes.yaml 2>/dev/null || echo /work/shared/crds/gateway.networking.k8s.io_httproutes.yaml)")"
GW_API_VERSION="${GW_API_VERSION:-v1.6.1}"
GW_DIR="$(cd /tmp && GOFLAGS=-mod=mod go mod download -json "sigs.k8s.io/gateway-api@$GW_API_VERSION" | python3 -c 'import json,sys;print(json.load(sys.stdin)["Dir"])')"
for k in grpcroutes backendtlspolicies; do
  f="$GW_DIR/config/crd/standard/gateway.networking.k8s.io_$k.yaml"
  K apply --server-side --field-manager=cdk8s-prefect-e2e -f "$f" >&2
done
K wait --for=condition=Established --timeout=60s crd/grpcroutes.gateway.networking.k8s.io crd/backendtlspolicies.gateway.networking.k8s.io >&2

# ---------------------------------------------------------------- ingress: Traefik (a DaemonSet in ns ingress-nginx)
# Pods, not a host process, so NetworkPolicies that admit the edge by namespace (ingress-nginx for
# Ingress-NGINX, the Gateway's namespace for Gateway API; both are "ingress-nginx" here) are exercised:
# traffic from a node itself is always let through by kube-router. One per node behind a NodePort with
# externalTrafficPolicy Local (kube-proxy answers the health check port 200 only on nodes with a ready Traefik),
# the way ingress controllers run behind a cloud load balancer.
K apply -f - >&2 <<EOF
apiVersion: v1
kind: Namespace
metadata: {name: $EDGE_NS}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: traefik, namespace: $EDGE_NS}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "e2e:traefik"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "e2e:traefik"}
subjects: [{kind: ServiceAccount, name: traefik, namespace: $EDGE_NS}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: traefik, namespace: $EDGE_NS}
data:
  traefik.yaml: |
    global: {checkNewVersion: false, sendAnonymousUsage: false}
    entryPoints:
      web: {address: ":8000"}
      traefik: {address: ":8080"}
    ping: {entryPoint: traefik}
    log: {level: INFO}
    accessLog: {}
    providers:
      kubernetesIngressNGINX:
        ingressClass: nginx
        controllerClass: k8s.io/ingress-nginx
        publishStatusAddress: ["$HOST_IP"]
      kubernetesGateway:
        statusAddress: {ip: "$HOST_IP"}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: traefik, namespace: $EDGE_NS, labels: {app.kubernetes.io/name: traefik}}
spec:
  updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 1}}
  selector: {matchLabels: {app.kubernetes.io/name: traefik}}
  template:
    metadata: {labels: {app.kubernetes.io/name: traefik}}
    spec:
      serviceAccountName: traefik
      containers:
      - name: traefik
        image: ${TRAEFIK_IMAGE#*=}
        imagePullPolicy: Never
        args: [--configFile=/etc/traefik/traefik.yaml]
        ports: [{name: web, containerPort: 8000}, {name: admin, containerPort: 8080}]
        readinessProbe: {httpGet: {path: /ping, port: 8080}, periodSeconds: 1}
        livenessProbe: {httpGet: {path: /ping, port: 8080}, periodSeconds: 10}
        securityContext: {runAsNonRoot: true, runAsUser: 65532, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}, seccompProfile: {type: RuntimeDefault}}
        volumeMounts: [{name: config, mountPath: /etc/traefik, readOnly: true}, {name: tmp, mountPath: /tmp}]
      volumes: [{name: config, configMap: {name: traefik}}, {name: tmp, emptyDir: {}}]
---
apiVersion: v1
kind: Service
metadata: {name: traefik, namespace: $EDGE_NS}
spec:
  # LoadBalancer (no cloud controller fills in its address; HAProxy below is the load balancer): NodePorts on every
  # node plus the health check port kube-proxy serves for externalTrafficPolicy Local (NodePort Services have none)
  type: LoadBalancer
  externalTrafficPolicy: Local
  healthCheckNodePort: $EDGE_HEALTH_NODEPORT
  selector: {app.kubernetes.io/name: traefik}
  ports: [{name: web, port: 80, targetPort: 8000, nodePort: $INGRESS_NODEPORT}]
EOF

# ---------------------------------------------------------------- the edge's load balancer (host)
# HAProxy in TCP mode on the host's bridge address, over every node's NodePort: a node is in rotation while
# kube-proxy's health check of the edge Service answers 200 there (a ready Traefik on the node), checked every
# second, out after 2 failures, back after 2 passes; a connection that cannot be made to one node is retried on
# another. This stands in for a cloud load balancer (whose checks are typically 5-10 s x 2-3: its own window on
# the loss of an edge node).
{
  cat <<EOF
global
  maxconn 4096
defaults
  mode tcp
  timeout connect 2s
  timeout client 1h
  timeout server 1h
  timeout check 1s
  retries 2
  option redispatch
frontend edge
  bind $HOST_IP:$INGRESS_NODEPORT
  default_backend nodes
backend nodes
  balance roundrobin
  option httpchk GET /healthz
  default-server check port $EDGE_HEALTH_NODEPORT inter 1s fall 2 rise 2
EOF
  for i in $(seq 1 "$NODES"); do echo "  server $(node_name "$i") $(node_ip "$i"):$INGRESS_NODEPORT"; done
} >"$STATE/config/haproxy.cfg"
haproxy -c -q -f "$STATE/config/haproxy.cfg" >&2 || die "haproxy rejects $STATE/config/haproxy.cfg"
start_proc haproxy haproxy -db -f "$STATE/config/haproxy.cfg"

# ---------------------------------------------------------------- cluster objects: classes, storage
K apply -f - >&2 <<EOF
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: nginx
  annotations: {ingressclass.kubernetes.io/is-default-class: "true"}
spec: {controller: k8s.io/ingress-nginx}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: traefik}
spec: {controllerName: traefik.io/gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: e2e-gateway, namespace: $EDGE_NS}
spec:
  gatewayClassName: traefik
  listeners:
  - name: http
    protocol: HTTP
    port: 8000
    allowedRoutes: {namespaces: {from: All}}
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: standard
  annotations: {storageclass.kubernetes.io/is-default-class: "true"}
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: WaitForFirstConsumer
reclaimPolicy: Retain
EOF
# `local` PVs (not hostPath): the kubelet applies a pod's fsGroup to them, as to real block volumes, so
# non-root workloads see the same ownership as on a cloud disk. Each starts empty, root-owned, 0755, on one node's
# disk (its dir) with node affinity to that node.
for n in $(seq 1 "$NODES"); do
  for i in $(seq -w 1 "$PV_COUNT"); do
    d="$(node_dir "$n")/pv/pv-$i"
    mkdir -p "$d"; chmod 0755 "$d"
    cat <<EOF
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: e2e-pv-$n-$i, labels: {cdk8s-prefect-e2e: "true", cdk8s-prefect-e2e/node: $(node_name "$n")}}
spec:
  storageClassName: standard
  capacity: {storage: 100Gi}
  accessModes: [ReadWriteOnce, ReadOnlyMany, ReadWriteMany]
  persistentVolumeReclaimPolicy: Retain
  volumeMode: Filesystem
  local: {path: $d}
  nodeAffinity:
    required:
      nodeSelectorTerms:
      - matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [$(node_name "$n")]}]
EOF
  done
done | K apply -f - >/dev/null

# ---------------------------------------------------------------- readiness
# DNS through the kube-dns Service from every node (each node's kube-proxy, pods possibly on another node)
dns_ok() { in_node "$1" busybox nslookup kubernetes.default.svc.cluster.local "$DNS_IP" 2>/dev/null | grep -q "Address: *${SERVICE_CIDR%.0.0/16}.0.1"; }
for i in $(seq 1 "$NODES"); do
  wait_for 90 "CoreDNS via the kube-dns Service ($DNS_IP) from $(node_name "$i")" dns_ok "$i" ||
    { K -n kube-system get pods -o wide >&2; K -n kube-system logs deploy/coredns --tail=20 >&2; die "cluster DNS not answering on $(node_name "$i")"; }
done
K -n "$EDGE_NS" rollout status ds/traefik --timeout=120s >&2 || { K -n "$EDGE_NS" get pods -o wide >&2; die "traefik not up"; }
edge_404() { [ "$(curl -s -m 3 -o /dev/null -w '%{http_code}' "http://$1:$INGRESS_NODEPORT/")" = 404 ]; }
for i in $(seq 1 "$NODES"); do
  wait_for 60 "Traefik through the NodePort of $(node_name "$i")" edge_404 "$(node_ip "$i")" || die "Traefik not reachable on $(node_ip "$i"):$INGRESS_NODEPORT"
done
wait_for 60 "the edge through the load balancer $HOST_IP:$INGRESS_NODEPORT" edge_404 "$HOST_IP" || { tail -20 "$STATE/logs/haproxy.log" >&2; die "the edge LB does not answer"; }
wait_for 60 "default ServiceAccount" K -n default get serviceaccount default || die "no default ServiceAccount"
wait_for 60 "Gateway e2e-gateway Programmed" K -n "$EDGE_NS" wait --for=condition=Programmed gateway/e2e-gateway --timeout=2s ||
  { K -n "$EDGE_NS" logs ds/traefik --tail=20 >&2; die "Gateway not programmed"; }
for p in kube-controller-manager kube-scheduler haproxy; do
  alive "$p" || { tail -20 "$STATE/logs/$p.log" >&2; die "$p died"; }
done
for i in $(seq 1 "$NODES"); do [ "$(bash "$E2E_DIR/node.sh" status "$i")" = up ] || die "$(node_name "$i") is $(bash "$E2E_DIR/node.sh" status "$i")"; done

NODE_NAMES="$(for i in $(seq 1 "$NODES"); do node_name "$i"; done | tr '\n' ' ')"
NODE_IPS="$(for i in $(seq 1 "$NODES"); do node_ip "$i"; done | tr '\n' ' ')"
CTR_SOCKS="$(for i in $(seq 1 "$NODES"); do node_sock "$i"; done | tr '\n' ' ')"
cat >"$STATE/env" <<EOF
export KUBECONFIG='$CP_STATE/admin.kubeconfig'
export KUBECTL='$KUBECTL'
export E2E_STATE='$STATE'
export E2E_NODES='$NODES'
export E2E_NODE_NAMES='${NODE_NAMES% }'
export E2E_NODE_IPS='${NODE_IPS% }'
export E2E_CTR_ADDRESSES='${CTR_SOCKS% }'
# the first node (scripts written for one node)
export E2E_NODE_NAME='$(node_name 1)'
export E2E_NODE_IP='$(node_ip 1)'
export E2E_CTR_ADDRESS='$(node_sock 1)'
export E2E_HOST_IP='$HOST_IP'
export E2E_DNS_IP='$DNS_IP'
export E2E_INGRESS_URL='http://$HOST_IP:$INGRESS_NODEPORT'
export E2E_EDGE_NAMESPACE='$EDGE_NS'
export E2E_INGRESS_CLASS=nginx
export E2E_GATEWAY_NAME=e2e-gateway
export E2E_GATEWAY_NAMESPACE='$EDGE_NS'
export E2E_STORAGE_CLASS=standard
export E2E_BUSYBOX_IMAGE=e2e.local/busybox:e2e
export E2E_PAUSE_IMAGE=e2e.local/pause:e2e
export E2E_NODE_MONITOR_GRACE_PERIOD='$NODE_MONITOR_GRACE_PERIOD'
export E2E_TOLERATION_SECONDS='$TOLERATION_SECONDS'
EOF
T_TOTAL="$(since)"
T_START="$(python3 -c "import time;print(round(time.time()-$T_NET,1))")"
echo "total=$T_TOTAL start_after_build=$T_START nodes=$NODES" >"$STATE/bringup-seconds"
log "cluster of $NODES node(s) up in ${T_TOTAL}s (${T_START}s after binaries were ready); source $STATE/env"
echo "$STATE/env"
