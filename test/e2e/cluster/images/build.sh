#!/usr/bin/env bash
# Build the node's own images as docker-archive tars (no registry, no docker):
#   e2e.local/pause:e2e     a static C pause binary (the CRI sandbox image)
#   e2e.local/busybox:e2e   Debian's busybox-static + applet symlinks, /etc/passwd, user 65534 by default
# Cached by content under ${CDK8S_PREFECT_CACHE:-/var/cache/cdk8s-prefect-stack}/e2e-images/<key>/.
# Prints the directory holding pause.tar and busybox.tar (last line of stdout).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${CDK8S_PREFECT_CACHE:-/var/cache/cdk8s-prefect-stack}"
log() { echo "[images] $*" >&2; }

need=()
command -v gcc >/dev/null || need+=(gcc libc6-dev)
[ -x /bin/busybox ] && /bin/busybox --list 2>/dev/null | grep -qx httpd || need+=(busybox-static)
if [ "${#need[@]}" -gt 0 ]; then
  log "installing ${need[*]}"
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
fi

key="$({ cat "$HERE/pause.c" "$HERE/mkimage.py" "$HERE/build.sh"; sha256sum /bin/busybox; gcc --version | head -1; } | sha256sum | cut -c1-16)"
out="$CACHE/e2e-images/$key"
if [ -f "$out/pause.tar" ] && [ -f "$out/busybox.tar" ]; then
  log "cached: $out"; echo "$out"; exit 0
fi
mkdir -p "$out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# pause
mkdir -p "$work/pause"
gcc -static -Os -s -o "$work/pause/pause" "$HERE/pause.c"
python3 "$HERE/mkimage.py" --rootfs "$work/pause" --ref e2e.local/pause:e2e --out "$out/pause.tar" \
  --entrypoint '["/pause"]' --user 65535:65535 >&2

# busybox
r="$work/busybox"
mkdir -p "$r/bin" "$r/etc" "$r/tmp" "$r/www" "$r/data" "$r/home/app"
cp /bin/busybox "$r/bin/busybox"
for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -s busybox "$r/bin/$a"; done
printf 'root:x:0:0:root:/root:/bin/sh\napp:x:10001:10001:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$r/etc/passwd"
printf 'root:x:0:\napp:x:10001:\nnogroup:x:65534:\n' >"$r/etc/group"
chmod 1777 "$r/tmp" "$r/data"
chown 10001:10001 "$r/home/app"
echo ok >"$r/www/index.html"
python3 "$HERE/mkimage.py" --rootfs "$r" --ref e2e.local/busybox:e2e --out "$out/busybox.tar" \
  --cmd '["sh"]' --user 10001:10001 --workdir /home/app >&2
log "built images in $out"
echo "$out"
