#!/usr/bin/env bash
# A private containerd + dockerd used only to test the e2e images (verify.sh, import test).
# usage: dockerd.sh start|stop|status
#   start: installs docker.io/containerd if missing, starts containerd on $E2E_IMG_RUN/containerd.sock
#          and dockerd on $E2E_IMG_RUN/docker.sock (no bridge, no iptables: containers get only
#          loopback or share another container's network namespace).
#   Use: DOCKER_HOST=unix://$E2E_IMG_RUN/docker.sock docker ...
set -euo pipefail
E2E_IMG_RUN="${E2E_IMG_RUN:-/run/e2e-images}"
DATA="${E2E_IMG_DATA:-/var/lib/e2e-images}"
log() { printf '[dockerd.sh] %s\n' "$*" >&2; }

alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

start() {
  if ! command -v dockerd >/dev/null || ! command -v containerd >/dev/null; then
    log "apt-get install docker.io containerd"
    if ! compgen -G '/var/lib/apt/lists/*_Packages' >/dev/null; then apt-get update -q >&2; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=600 docker.io containerd >&2
  fi
  mkdir -p "$E2E_IMG_RUN" "$DATA"
  if ! alive "$E2E_IMG_RUN/containerd.pid"; then
    cat >"$E2E_IMG_RUN/containerd.toml" <<EOF
version = 2
disabled_plugins = ["io.containerd.grpc.v1.cri"]
root = "$DATA/containerd"
state = "$E2E_IMG_RUN/containerd-state"
[grpc]
  address = "$E2E_IMG_RUN/containerd.sock"
[ttrpc]
  address = "$E2E_IMG_RUN/containerd.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
EOF
    nohup containerd --config "$E2E_IMG_RUN/containerd.toml" >"$E2E_IMG_RUN/containerd.log" 2>&1 &
    echo $! >"$E2E_IMG_RUN/containerd.pid"
    for _ in $(seq 50); do [ -S "$E2E_IMG_RUN/containerd.sock" ] && break; sleep 0.2; done
  fi
  if ! alive "$E2E_IMG_RUN/docker.pid"; then
    nohup dockerd --host "unix://$E2E_IMG_RUN/docker.sock" --containerd "$E2E_IMG_RUN/containerd.sock" \
      --data-root "$DATA/docker" --exec-root "$E2E_IMG_RUN/docker-exec" --pidfile "$E2E_IMG_RUN/docker.pid" \
      --bridge=none --iptables=false --ip-masq=false --storage-driver overlay2 \
      --exec-opt native.cgroupdriver=cgroupfs >"$E2E_IMG_RUN/dockerd.log" 2>&1 &
    for _ in $(seq 100); do
      DOCKER_HOST="unix://$E2E_IMG_RUN/docker.sock" /usr/bin/docker version >/dev/null 2>&1 && break; sleep 0.3
    done
  fi
  DOCKER_HOST="unix://$E2E_IMG_RUN/docker.sock" /usr/bin/docker version >/dev/null || { tail -20 "$E2E_IMG_RUN/dockerd.log" >&2; exit 1; }
  log "dockerd up: DOCKER_HOST=unix://$E2E_IMG_RUN/docker.sock; containerd: $E2E_IMG_RUN/containerd.sock"
}

stop() {
  local p
  local pid
  for p in docker containerd; do
    pid="$(cat "$E2E_IMG_RUN/$p.pid" 2>/dev/null || true)"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill "$pid"
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    fi
    rm -f "$E2E_IMG_RUN/$p.pid"
  done
  # leftover shims of our containerd (only those started from our state dir)
  for p in $(pgrep -f "containerd-shim.*$E2E_IMG_RUN" || true); do kill "$p" 2>/dev/null || true; done
  log "stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) alive "$E2E_IMG_RUN/docker.pid" && alive "$E2E_IMG_RUN/containerd.pid" ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
