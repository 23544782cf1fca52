#!/usr/bin/env bash
# Bring up a real single-node Kubernetes cluster as host processes (model: hack/local-up-cluster.sh).
#
#   bash test/e2e/cluster/up.sh        # prints the env file path last; `source` it (KUBECONFIG, KUBECTL, ...)
#   bash test/e2e/cluster/down.sh      # tears everything down
#
# Pieces (all real binaries):
#   network     bridge cdk8se2e0 holding the node IP (10.213.0.1/24, no ports), pods on ptp veths
#   containerd  Debian's, own config/socket/state under $STATE/containerd, CRI on, runc, cgroupfs
#   CNI         Debian's containernetworking-plugins: ptp + host-local + portmap (/usr/lib/cni)
#   control     test/cluster/apiserver.sh (etcd + kube-apiserver on the node IP), controller-manager,
#               scheduler (v1.35 from test/cluster/build.sh)
#   node        kubelet, kube-proxy (iptables mode)
#   DNS         CoreDNS (Go module build) as a pod k8s-app=kube-dns in kube-system, Service kube-dns 10.96.0.10
#   netpol      kube-router --run-firewall (iptables + ipset)
#   ingress     Traefik v3 as a pod in ns ingress-nginx (kubernetesIngressNGINX provider for class nginx +
#               kubernetesGateway provider, Gateway ingress-nginx/e2e-gateway), NodePort 30080 on the node IP
#   storage     default StorageClass "standard" (WaitForFirstConsumer) + pre-created local PVs (fsGroup applies)
#   images      e2e.local/pause:e2e, e2e.local/busybox:e2e (built here, images/build.sh)
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

T0=$(date +%s.%N)
since() { python3 -c "import time;print(round(time.time()-$T0,1))"; }
[ "$(id -u)" = 0 ] || die "must run as root"
if alive kubelet || alive containerd; then die "already up (state $STATE); run down.sh first"; fi
if ip link show "$BRIDGE" >/dev/null 2>&1 || [ -d "$STATE" ]; then
  log "leftovers of an earlier run found: running down.sh first"
  bash "$E2E_DIR/down.sh" >&2
fi

# ---------------------------------------------------------------- packages (idempotent)
PKGS=(containerd runc containernetworking-plugins iptables ipset conntrack iproute2 openssl socat busybox-static gcc libc6-dev python3 curl)
missing=()
for p in "${PKGS[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
# the Debian package may have started its own containerd under systemd; we never use that one
for b in /usr/lib/cni/ptp /usr/lib/cni/host-local /usr/lib/cni/portmap /usr/lib/cni/loopback; do [ -x "$b" ] || die "$b missing"; done

# ---------------------------------------------------------------- binaries (cached by content)
log "building / locating binaries"
K8S_BIN="$(bash "$REPO/test/cluster/build.sh" kube-apiserver kubectl etcd kubelet kube-controller-manager kube-scheduler kube-proxy | tail -1)"
TOOLS_BIN="$(bash "$E2E_DIR/build-tools.sh" coredns kube-router traefik | tail -1)"
IMAGES="$(bash "$E2E_DIR/images/build.sh" | tail -1)"
KUBECTL="$K8S_BIN/kubectl"
log "binaries ready after $(since)s"
T_NET=$(date +%s.%N)

rm -rf "$STATE"
mkdir -p "$STATE"/{pids,logs,containerd,cni/net.d,cni/ipam,kubelet,pv,config}
chmod 711 "$STATE"

# ---------------------------------------------------------------- host network
sysctl -qw net.ipv4.ip_forward=1
ip link add "$BRIDGE" type bridge
ip addr add "$NODE_IP/24" dev "$BRIDGE"
ip link set "$BRIDGE" up
# Traffic to Service IPs or unused pod IPs must never leave via the default route:
# Service IPs route to our (portless) bridge until kube-proxy DNATs them; unknown pod IPs are unreachable.
ip route add "$SERVICE_CIDR" dev "$BRIDGE" src "$NODE_IP"
ip route add unreachable "$CLUSTER_CIDR"
# Pods may talk to pods and to the node, nothing else (no NAT out of the machine).
iptables -w -I FORWARD 1 -s "$CLUSTER_CIDR" ! -d "$CLUSTER_CIDR" -m comment --comment cdk8s-e2e-no-egress -j REJECT
echo "$BRIDGE" >"$STATE/bridge"

# ---------------------------------------------------------------- containerd + CNI
cat >"$STATE/cni/net.d/10-e2e.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "e2e",
  "plugins": [
    {
      "type": "ptp",
      "ipMasq": false,
      "mtu": 1500,
      "ipam": {
        "type": "host-local",
        "dataDir": "$STATE/cni/ipam",
        "ranges": [[{"subnet": "$NODE_POD_CIDR"}]],
        "routes": [{"dst": "0.0.0.0/0"}]
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
EOF
cat >"$STATE/containerd/config.toml" <<EOF
version = 2
root = "$STATE/containerd/root"
state = "$STATE/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$CTR_SOCK"
[ttrpc]
  address = "$CTR_SOCK.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = "$STATE/containerd/opt"
  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "e2e.local/pause:e2e"
    stream_server_address = "127.0.0.1"
    stream_server_port = "0"
    netns_mounts_under_state_dir = true
    # This machine drops CAP_SYS_RESOURCE from every process's bounding set, so nothing may lower an
    # oom_score_adj below its current value (runc: "failed to update /proc/self/oom_score_adj:
    # Permission denied" for the sandbox's -998). Clamp pods' scores to containerd's own (0).
    restrict_oom_score_adj = true
    [plugins."io.containerd.grpc.v1.cri".containerd]
      snapshotter = "overlayfs"
      default_runtime_name = "runc"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
          SystemdCgroup = false
          BinaryName = "$(command -v runc)"
          Root = "$STATE/containerd/runc"
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "/usr/lib/cni"
      conf_dir = "$STATE/cni/net.d"
      max_conf_num = 1
EOF
start_proc containerd containerd --config "$STATE/containerd/config.toml"
wait_for 30 "containerd socket" ctr --address "$CTR_SOCK" version || { tail -20 "$STATE/logs/containerd.log" >&2; die "containerd did not start"; }
CTR=(ctr --address "$CTR_SOCK" -n k8s.io)
for img in pause busybox; do "${CTR[@]}" images import "$IMAGES/$img.tar" >&2; done
log "containerd up, images imported after $(since)s"

# ---------------------------------------------------------------- control plane (test/cluster/apiserver.sh)
export CLUSTER_STATE_DIR="$CP_STATE" CLUSTER_BIN_DIR="$K8S_BIN" CLUSTER_ADDRESS="$NODE_IP" \
  CLUSTER_APISERVER_PORT="$APISERVER_PORT" CLUSTER_SERVICE_CIDR="$SERVICE_CIDR" \
  APISERVER_EXTRA_FLAGS="--kubelet-preferred-address-types=InternalIP ${APISERVER_EXTRA_FLAGS:-}"
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
KC_KUBELET="$(mint kubelet "system:node:$NODE_NAME" system:nodes)"
KC_PROXY="$(mint kube-proxy system:kube-proxy)"
KC_KCM="$(mint kube-controller-manager system:kube-controller-manager)"
KC_SCHED="$(mint kube-scheduler system:kube-scheduler)"
KC_ROUTER="$(mint kube-router e2e:kube-router)"
log "control plane up after $(since)s"

# RBAC for the add-ons (built-in roles cover kubelet/proxy/kcm/scheduler): kube-router is a host process
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
start_proc kube-controller-manager "$K8S_BIN/kube-controller-manager" \
  --kubeconfig="$KC_KCM" --authentication-kubeconfig="$KC_KCM" --authorization-kubeconfig="$KC_KCM" \
  --bind-address=127.0.0.1 --secure-port=10257 --leader-elect=false \
  --use-service-account-credentials=true \
  --service-account-private-key-file="$CP_STATE/sa.key" --root-ca-file="$CP_STATE/ca.crt" \
  --cluster-signing-cert-file="$CP_STATE/ca.crt" --cluster-signing-key-file="$CP_STATE/ca.key" \
  --allocate-node-cidrs=true --cluster-cidr="$CLUSTER_CIDR" --node-cidr-mask-size=24 \
  --service-cluster-ip-range="$SERVICE_CIDR" --configure-cloud-routes=false \
  --controllers='*,bootstrapsigner,tokencleaner' --v=1
start_proc kube-scheduler "$K8S_BIN/kube-scheduler" \
  --kubeconfig="$KC_SCHED" --authentication-kubeconfig="$KC_SCHED" --authorization-kubeconfig="$KC_SCHED" \
  --bind-address=127.0.0.1 --secure-port=10259 --leader-elect=false --v=1

# ---------------------------------------------------------------- kubelet
# pods with dnsPolicy Default get this: the cluster DNS, nothing off the machine
printf 'nameserver %s\n' "$DNS_IP" >"$STATE/config/resolv.conf"
cat >"$STATE/config/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $CP_STATE/ca.crt}
authorization: {mode: Webhook}
cgroupDriver: cgroupfs
failCgroupV1: false
containerRuntimeEndpoint: unix://$CTR_SOCK
clusterDNS: [$DNS_IP]
clusterDomain: cluster.local
resolvConf: $STATE/config/resolv.conf
failSwapOn: false
serializeImagePulls: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: 200Mi, nodefs.available: 2%, imagefs.available: 2%, nodefs.inodesFree: 2%}
maxPods: 110
rotateCertificates: false
serverTLSBootstrap: false
EOF
start_proc kubelet "$K8S_BIN/kubelet" --config="$STATE/config/kubelet.yaml" --kubeconfig="$KC_KUBELET" \
  --root-dir="$STATE/kubelet" --cert-dir="$STATE/kubelet/pki" --hostname-override="$NODE_NAME" \
  --node-ip="$NODE_IP" --v=1

# ---------------------------------------------------------------- kube-proxy
cat >"$STATE/config/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $KC_PROXY}
mode: iptables
hostnameOverride: $NODE_NAME
clusterCIDR: $CLUSTER_CIDR
bindAddress: $NODE_IP
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
nodePortAddresses: [$NODE_NET]
iptables: {localhostNodePorts: false}
conntrack: {maxPerCore: 0}
EOF
start_proc kube-proxy "$K8S_BIN/kube-proxy" --config="$STATE/config/kube-proxy.yaml" --v=1

wait_for 90 "node $NODE_NAME Ready" K wait --for=condition=Ready "node/$NODE_NAME" --timeout=2s ||
  { tail -30 "$STATE/logs/kubelet.log" >&2; die "node not Ready"; }
log "node Ready after $(since)s"

# ---------------------------------------------------------------- CoreDNS (a pod: k8s-app=kube-dns in kube-system)
# A pod, not a host process, so NetworkPolicies that allow DNS to "pods k8s-app=kube-dns in kube-system"
# (as the stack's do) behave as on a real cluster. Image: the Go-built binary in a one-file image.
COREDNS_VERSION="$(basename "$(dirname "$(readlink -f "$TOOLS_BIN/coredns")")" | cut -d- -f2)"
COREDNS_TAR="$CACHE/e2e-images/coredns-$(sha256sum "$(readlink -f "$TOOLS_BIN/coredns")" | cut -c1-16).tar"
if [ ! -f "$COREDNS_TAR" ]; then
  d="$(mktemp -d)"; cp "$(readlink -f "$TOOLS_BIN/coredns")" "$d/coredns"
  python3 "$E2E_DIR/images/mkimage.py" --rootfs "$d" --ref "e2e.local/coredns:$COREDNS_VERSION" --out "$COREDNS_TAR" \
    --entrypoint '["/coredns"]' --user 65532:65532 >&2
  rm -rf "$d"
fi
"${CTR[@]}" images import "$COREDNS_TAR" >&2
# cluster.local (+ reverse zones) from the API; every other name is NXDOMAIN: nothing is forwarded
# off the machine. Unprivileged port 1053 in the pod; the Service maps 53 to it.
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
  replicas: 1
  selector: {matchLabels: {k8s-app: kube-dns}}
  template:
    metadata: {labels: {k8s-app: kube-dns}}
    spec:
      serviceAccountName: coredns
      priorityClassName: system-cluster-critical
      dnsPolicy: Default
      containers:
      - name: coredns
        image: e2e.local/coredns:$COREDNS_VERSION
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

# ---------------------------------------------------------------- NetworkPolicy engine: kube-router
start_proc kube-router "$TOOLS_BIN/kube-router" --kubeconfig="$KC_ROUTER" --hostname-override="$NODE_NAME" \
  --run-firewall=true --run-router=false --run-service-proxy=false --enable-cni=false \
  --enable-ipv4=true --enable-ipv6=false --health-port=0 --metrics-port=0 \
  --service-cluster-ip-range="$SERVICE_CIDR" --v=1

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

# ---------------------------------------------------------------- ingress: Traefik (a pod in ns ingress-nginx)
# A pod, not a host process, so NetworkPolicies that admit the edge by namespace (ingress-nginx for
# Ingress-NGINX, the Gateway's namespace for Gateway API; both are "ingress-nginx" here) are exercised:
# traffic from the host itself is always let through by kube-router. Reached from the host through a
# NodePort that kube-proxy serves on the node IP only.
TRAEFIK_BIN="$(readlink -f "$TOOLS_BIN/traefik")"
TRAEFIK_VERSION="$(basename "$(dirname "$TRAEFIK_BIN")" | cut -d- -f2)"
TRAEFIK_TAR="$CACHE/e2e-images/traefik-$(sha256sum "$TRAEFIK_BIN" | cut -c1-16).tar"
if [ ! -f "$TRAEFIK_TAR" ]; then
  d="$(mktemp -d)"; cp "$TRAEFIK_BIN" "$d/traefik"; mkdir -m 1777 "$d/tmp"
  python3 "$E2E_DIR/images/mkimage.py" --rootfs "$d" --ref "e2e.local/traefik:$TRAEFIK_VERSION" --out "$TRAEFIK_TAR" \
    --entrypoint '["/traefik"]' --user 65532:65532 >&2
  rm -rf "$d"
fi
"${CTR[@]}" images import "$TRAEFIK_TAR" >&2
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
        publishStatusAddress: ["$NODE_IP"]
      kubernetesGateway:
        statusAddress: {ip: "$NODE_IP"}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: traefik, namespace: $EDGE_NS, labels: {app.kubernetes.io/name: traefik}}
spec:
  replicas: 1
  selector: {matchLabels: {app.kubernetes.io/name: traefik}}
  template:
    metadata: {labels: {app.kubernetes.io/name: traefik}}
    spec:
      serviceAccountName: traefik
      containers:
      - name: traefik
        image: e2e.local/traefik:$TRAEFIK_VERSION
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
  type: NodePort
  selector: {app.kubernetes.io/name: traefik}
  ports: [{name: web, port: 80, targetPort: 8000, nodePort: $INGRESS_NODEPORT}]
EOF

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
# non-root workloads see the same ownership as on a cloud disk. Each starts empty, root-owned, 0755.
for i in $(seq -w 1 "$PV_COUNT"); do
  mkdir -p "$STATE/pv/pv-$i"; chmod 0755 "$STATE/pv/pv-$i"
  cat <<EOF
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: e2e-pv-$i, labels: {cdk8s-prefect-e2e: "true"}}
spec:
  storageClassName: standard
  capacity: {storage: 100Gi}
  accessModes: [ReadWriteOnce, ReadOnlyMany, ReadWriteMany]
  persistentVolumeReclaimPolicy: Retain
  volumeMode: Filesystem
  local: {path: $STATE/pv/pv-$i}
  nodeAffinity:
    required:
      nodeSelectorTerms:
      - matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [$NODE_NAME]}]
EOF
done | K apply -f - >/dev/null

# ---------------------------------------------------------------- readiness
dns_ok() { busybox nslookup kubernetes.default.svc.cluster.local "$DNS_IP" 2>/dev/null | grep -q "Address: *${SERVICE_CIDR%.0.0/16}.0.1"; }
wait_for 90 "CoreDNS via the kube-dns Service ($DNS_IP)" dns_ok ||
  { K -n kube-system get pods -o wide >&2; K -n kube-system logs deploy/coredns --tail=20 >&2; die "cluster DNS not answering"; }
K -n "$EDGE_NS" rollout status deploy/traefik --timeout=90s >&2 || { K -n "$EDGE_NS" logs deploy/traefik --tail=20 >&2; die "traefik not up"; }
edge_404() { [ "$(curl -s -m 3 -o /dev/null -w '%{http_code}' "http://$NODE_IP:$INGRESS_NODEPORT/")" = 404 ]; }
wait_for 60 "Traefik through NodePort $NODE_IP:$INGRESS_NODEPORT" edge_404 || die "Traefik not reachable through its NodePort"
wait_for 60 "kube-router firewall chains" iptables -w -S KUBE-ROUTER-FORWARD || { tail -20 "$STATE/logs/kube-router.log" >&2; die "kube-router not up"; }
wait_for 60 "default ServiceAccount" K -n default get serviceaccount default || die "no default ServiceAccount"
wait_for 60 "Gateway e2e-gateway Programmed" K -n "$EDGE_NS" wait --for=condition=Programmed gateway/e2e-gateway --timeout=2s ||
  { K -n "$EDGE_NS" logs deploy/traefik --tail=20 >&2; die "Gateway not programmed"; }
for p in containerd kube-controller-manager kube-scheduler kubelet kube-proxy kube-router; do
  alive "$p" || { tail -20 "$STATE/logs/$p.log" >&2; die "$p died"; }
done

cat >"$STATE/env" <<EOF
export KUBECONFIG='$CP_STATE/admin.kubeconfig'
export KUBECTL='$KUBECTL'
export E2E_STATE='$STATE'
export E2E_NODE_NAME='$NODE_NAME'
export E2E_NODE_IP='$NODE_IP'
export E2E_DNS_IP='$DNS_IP'
export E2E_CTR_ADDRESS='$CTR_SOCK'
export E2E_INGRESS_URL='http://$NODE_IP:$INGRESS_NODEPORT'
export E2E_EDGE_NAMESPACE='$EDGE_NS'
export E2E_INGRESS_CLASS=nginx
export E2E_GATEWAY_NAME=e2e-gateway
export E2E_GATEWAY_NAMESPACE='$EDGE_NS'
export E2E_STORAGE_CLASS=standard
export E2E_BUSYBOX_IMAGE=e2e.local/busybox:e2e
export E2E_PAUSE_IMAGE=e2e.local/pause:e2e
EOF
T_TOTAL="$(since)"
T_START="$(python3 -c "import time;print(round(time.time()-$T_NET,1))")"
echo "total=$T_TOTAL start_after_build=$T_START" >"$STATE/bringup-seconds"
log "cluster up in ${T_TOTAL}s (${T_START}s after binaries were ready); source $STATE/env"
echo "$STATE/env"
