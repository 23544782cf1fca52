#!/usr/bin/env bash
# Build the e2e test images from a debootstrapped Debian base, without any image registry.
#
# usage: test/e2e/images/build.sh [--lock] [name...]
#   names: postgres redis postgres-exporter redis-exporter tools prefect prefect-kubernetes prefect-previous
#   pgadmin redis-commander rclone
#   (none = all). Writes docker-archive tars to
#   ${CDK8S_PREFECT_CACHE:-/var/cache/cdk8s-prefect-stack}/images/<name>-<inputhash>.tar
#   and prints one line per image: "<name> <tag> <tar>".
#   --lock: regenerate the pip constraints / npm lock files of the named images
#   (prefect, prefect-kubernetes, pgadmin, redis-commander) instead of building; commit the result.
#
# Each image is cached by a hash of its inputs (this script, pack.py, versions.env, the
# base recipe and the image's folder; for an image whose folder has a file `go-tool`, the binary
# test/e2e/cluster/build-tools.sh builds from the tool named there, built first). Needs root (debootstrap, chroot, mount).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
. "$HERE/versions.env"
CACHE="${CDK8S_PREFECT_CACHE:-/var/cache/cdk8s-prefect-stack}/images"
ALL=(postgres redis postgres-exporter redis-exporter tools prefect prefect-kubernetes prefect-previous pgadmin redis-commander rclone)
REGISTRY=e2e.local

log() { printf '[images %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap/chroot/mount)"

LOCK=0
NAMES=()
for a in "$@"; do
  case "$a" in
    --lock) LOCK=1 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) NAMES+=("$a") ;;
  esac
done
[ "${#NAMES[@]}" -gt 0 ] || NAMES=("${ALL[@]}")
for n in "${NAMES[@]}"; do [ -f "$HERE/$n/recipe.sh" ] || die "unknown image '$n'"; done

ensure_host_tools() {
  local need=()
  command -v debootstrap >/dev/null || need+=(debootstrap)
  command -v python3 >/dev/null || need+=(python3)
  command -v mountpoint >/dev/null || need+=(util-linux)
  if [ "${#need[@]}" -gt 0 ]; then
    log "apt-get install ${need[*]}"
    if ! compgen -G '/var/lib/apt/lists/*_Packages' >/dev/null; then apt-get update -q >&2; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=600 \
      --no-install-recommends "${need[@]}" >&2
  fi
}

# ---------- hashing ----------
hash_files() { # hash of the listed files/dirs (content + relative names)
  local f
  for f in "$@"; do
    if [ -d "$f" ]; then
      (cd "$f" && find . -type f ! -name '*.pyc' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
    else
      sha256sum "$f" | sed "s#  .*/#  #"
    fi
  done | sha256sum | cut -c1-16
}

BASE_RECIPE_VERSION=3  # bump when base() below changes
base_hash() { printf '%s %s %s %s' "$DEBIAN_SUITE" "$DEBIAN_MIRROR" "$BASE_RECIPE_VERSION" \
  "$(sed -n '/^base()/,/^}/p' "$HERE/build.sh" | sha256sum)" | sha256sum | cut -c1-16; }

image_hash() { # name; also hashes the folder of any recipe its recipe sources (". \"$HERE/<name>/recipe.sh\"")
  # and the Go tool binary it packs (GO_TOOL_BINS, see go_tools)
  local used
  used="$(grep -o '"\$HERE/[a-z-]*/recipe.sh"' "$HERE/$1/recipe.sh" | cut -d/ -f2 | sort -u | sed "s#^#$HERE/#")"
  # shellcheck disable=SC2086
  printf '%s %s %s' "$(base_hash)" \
    "$(hash_files "$HERE/build.sh" "$HERE/pack.py" "$HERE/versions.env" "$HERE/$1" $used)" \
    "${GO_TOOL_BINS[$1]:+$(sha256sum <"${GO_TOOL_BINS[$1]}")}" \
    | sha256sum | cut -c1-16
}

# Images that pack a binary built from the Go module proxy name the tool in <name>/go-tool; it is built (cached by
# content) by test/e2e/cluster/build-tools.sh before this script takes the build lock, which that script takes too.
declare -A GO_TOOL_BINS=()
go_tools() { # name...
  local n t dir
  for n in "$@"; do
    [ -f "$HERE/$n/go-tool" ] || continue
    t="$(cat "$HERE/$n/go-tool")"
    dir="$(bash "$HERE/../cluster/build-tools.sh" "$t" | tail -1)" || die "$n: building the Go tool $t failed"
    GO_TOOL_BINS[$n]="$(readlink -f "$dir/$t")"
    [ -x "${GO_TOOL_BINS[$n]}" ] || die "$n: no binary $dir/$t"
  done
}

# ---------- chroot helpers ----------
WORKS=()
cleanup_work() { # work dir...
  local w m
  for w in "$@"; do
    [ -d "$w" ] || continue
    # unmount everything below the work dir (deepest first) before deleting anything
    for m in $(awk -v w="$w/" 'index($2, w) == 1 {print $2}' /proc/mounts | sort -r); do
      umount -l "$m" 2>/dev/null || true
    done
    if awk -v w="$w/" 'index($2, w) == 1 {f=1} END {exit !f}' /proc/mounts; then
      log "WARNING: mounts remain under $w; not deleting it"
    else
      rm -rf --one-file-system "$w"
    fi
  done
}
cleanup() { cleanup_work "${WORKS[@]}"; }
trap cleanup EXIT

new_work() { # sets NEW_WORK to a fresh work dir (removed at exit)
  mkdir -p "$CACHE/tmp"
  NEW_WORK="$(mktemp -d "$CACHE/tmp/build.XXXXXX")"
  WORKS+=("$NEW_WORK")
}

chroot_mounts() { # rootfs
  local r="$1"
  mkdir -p "$CACHE/apt-archives/partial" "$CACHE/pip-cache" "$r/proc" "$r/var/cache/apt/archives" "$r/root/.cache/pip"
  mountpoint -q "$r/proc" || mount -t proc proc "$r/proc"
  mountpoint -q "$r/var/cache/apt/archives" || mount --bind "$CACHE/apt-archives" "$r/var/cache/apt/archives"
  mountpoint -q "$r/root/.cache/pip" || mount --bind "$CACHE/pip-cache" "$r/root/.cache/pip"
  cp -L /etc/resolv.conf "$r/etc/resolv.conf"
  # the host's CA bundle (it may hold a TLS-intercepting egress CA) is used by pip during the
  # build only: it lives in /tmp of the rootfs, which finish_rootfs empties
  mkdir -p "$r/tmp"; cp -L /etc/ssl/certs/ca-certificates.crt "$r/tmp/.host-ca.crt"
}

chroot_umounts() { # rootfs
  local r="$1" m
  for m in root/.cache/pip var/cache/apt/archives proc; do
    if mountpoint -q "$r/$m"; then umount "$r/$m" || umount -l "$r/$m"; fi
  done
  rm -rf "${r:?}/root/.cache"
}

# run a bash script inside the rootfs as root: inr ROOTFS 'commands'
inr() {
  local r="$1"; shift
  chroot "$r" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_CERT=/tmp/.host-ca.crt PIP_DEFAULT_TIMEOUT=180 \
    /bin/bash -euo pipefail -c "$*"
}

# pip install exactly the pinned set (no dependency resolution) through a wheelhouse kept in
# the cache (the registry answers here are not HTTP-cacheable, so pip's own cache stays empty)
pip_install_locked() { # rootfs venv-python constraints-file-inside-rootfs
  inr "$1" "
    $2 -m pip download -q --no-deps -d /root/.cache/pip/wheelhouse -r $3
    $2 -m pip install -q --no-index --find-links /root/.cache/pip/wheelhouse --no-deps -r $3
    $2 -m pip check"
}

apt_install() { # rootfs pkgs...
  local r="$1"; shift
  inr "$r" "ls /var/lib/apt/lists/*_Packages >/dev/null 2>&1 || apt-get update -q; apt-get install -y -q --no-install-recommends $*" >&2
}

# ---------- base rootfs ----------
base() { # builds $CACHE/base-<suite>-<hash>.tar (uncompressed rootfs tar)
  local out="$1" w r
  new_work; w="$NEW_WORK"; r="$w/rootfs"
  log "debootstrap --variant=minbase $DEBIAN_SUITE (base cache miss)"
  mkdir -p "$CACHE/apt-archives/partial"
  debootstrap --variant=minbase --cache-dir="$CACHE/apt-archives" "$DEBIAN_SUITE" "$r" "$DEBIAN_MIRROR" >"$w/debootstrap.log" 2>&1 \
    || { tail -20 "$w/debootstrap.log" >&2; die "debootstrap failed"; }
  # image-style apt/dpkg config (like debian:*-slim): no recommends, no docs/man, no daemons started
  printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$r/etc/apt/apt.conf.d/90e2e-norecommends"
  printf 'path-exclude /usr/share/doc/*\npath-include /usr/share/doc/*/copyright\npath-exclude /usr/share/man/*\npath-exclude /usr/share/info/*\npath-exclude /usr/share/lintian/*\n' \
    >"$r/etc/dpkg/dpkg.cfg.d/90e2e-slim"
  printf '#!/bin/sh\nexit 101\n' >"$r/usr/sbin/policy-rc.d"; chmod 755 "$r/usr/sbin/policy-rc.d"
  rm -rf "$r"/usr/share/doc/*/[!c]* "$r"/usr/share/man/* "$r"/var/lib/apt/lists/* "$r"/var/cache/apt/*.bin
  tar --numeric-owner --xattrs -C "$r" -cf "$out.part" .
  mv "$out.part" "$out"
  cleanup_work "$w"
}



new_rootfs() { # work dir -> extracts base into WORK/rootfs
  local w="$1" b
  b="$CACHE/base-$DEBIAN_SUITE-$(base_hash).tar"
  if [ ! -s "$b" ]; then
    base "$b"
    find "$CACHE" -maxdepth 1 -name "base-*.tar" ! -name "$(basename "$b")" -delete
  fi
  mkdir -p "$w/rootfs"
  tar --numeric-owner --xattrs -C "$w/rootfs" -xf "$b"
}

# minimal tree (scratch-like): one binary + the shared libraries it loads + passwd/group/CA certs
slim_tree() { # rootfs dest src_in_rootfs dest_path
  local r="$1" d="$2" src="$3" dst="$4" lib
  mkdir -p "$d"/{etc/ssl/certs,tmp,dev,proc,sys,"$(dirname "${dst#/}")"}
  chmod 1777 "$d/tmp"
  cp -a "$r$src" "$d$dst"
  for lib in $(chroot "$r" ldd "$src" 2>/dev/null | grep -o '/[^ ]*' | sort -u); do
    mkdir -p "$d$(dirname "$lib")"; cp -L "$r$lib" "$d$lib"
  done
  if [ -d "$d/lib64" ] || [ -d "$d/usr/lib64" ]; then :; fi
  cp "$r/etc/ssl/certs/ca-certificates.crt" "$d/etc/ssl/certs/"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nexporter:x:59000:59000:exporter:/nonexistent:/sbin/nologin\n' >"$d/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\nexporter:x:59000:\n' >"$d/etc/group"
  printf 'hosts: files dns\n' >"$d/etc/nsswitch.conf"
}

# ---------- packing ----------
finish_rootfs() { # rootfs: strip caches & device nodes before packing
  local r="$1"
  chroot_umounts "$r"
  rm -rf "$r"/var/lib/apt/lists/* "$r"/var/cache/apt/*.bin "$r"/var/cache/debconf/*-old \
         "$r"/var/log/apt/* "$r"/var/log/dpkg.log "$r"/tmp/* "$r"/var/tmp/* "$r"/root/.npm 2>/dev/null || true
  : >"$r/etc/resolv.conf" 2>/dev/null || true
  [ -d "$r/dev" ] && find "$r/dev" -mindepth 1 -delete
}

pack_image() { # rootfs config.json tag out.tar
  local r="$1" cfg="$2" tag="$3" out="$4" layer
  layer="$(dirname "$r")/layer.tar"
  # entries without a leading "./", sorted, numeric owners, file capabilities kept
  (cd "$r" && find . -mindepth 1 -maxdepth 1 -printf '%P\0' | LC_ALL=C sort -z \
     | tar --numeric-owner --xattrs --xattrs-include='security.capability' --sort=name \
           --null -T - -cf "$layer")
  python3 "$HERE/pack.py" "$layer" "$cfg" "$tag" "$out"
  rm -f "$layer"
}

tag_of() { local v="TAG_${1//-/_}"; printf '%s/%s' "$REGISTRY" "${!v}"; }

# record installed Debian/Python/npm versions of a rootfs
record_versions() { # rootfs out
  local r="$1" out="$2"
  {
    echo "# dpkg"
    if [ -f "$r/var/lib/dpkg/status" ]; then
      chroot "$r" dpkg-query -W -f '${Package}=${Version}\n' 2>/dev/null || true
    fi
    for py in "$r"/opt/prefect/venv/bin/python "$r"/venv/bin/python; do
      [ -x "$py" ] || continue
      echo "# pip (${py#"$r"})"
      chroot "$r" "${py#"$r"}" -m pip freeze 2>/dev/null || true
    done
  } >"$out"
}

build_one() { # name
  local name="$1" h out w r tag
  h="$(image_hash "$name")"
  out="$CACHE/$name-$h.tar"
  tag="$(tag_of "$name")"
  if [ "$LOCK" = 0 ] && [ -s "$out" ]; then
    log "$name: cached ($out)"
    printf '%s %s %s\n' "$name" "$tag" "$out"
    return 0
  fi
  local t0=$SECONDS
  new_work; w="$NEW_WORK"; r="$w/rootfs"
  log "$name: building (input hash $h)"
  # recipes use: $r (rootfs), $w (work dir), $FILES (their folder), $LOCK, inr, apt_install,
  # new_rootfs, chroot_mounts; they must write the image config to $w/config.json and may set
  # PACK_ROOT (default $r) to pack another tree.
  PACK_ROOT=""
  FILES="$HERE/$name"
  GO_TOOL_BIN="${GO_TOOL_BINS[$name]:-}"
  # The prefect recipe's parameters (prefect/recipe.sh): local, so a recipe that sets them for its own image does not
  # change the next one's.
  local PREFECT_VERSION="$PREFECT_VERSION" PREFECT_EXTRAS="$PREFECT_EXTRAS" PREFECT_FLAVOUR="" PREFECT_LOCK_BASE=""
  # shellcheck disable=SC1090
  { . "$HERE/$name/recipe.sh"; } >&2   # stdout carries only the result lines
  if [ "$LOCK" = 1 ]; then log "$name: lock files written"; chroot_umounts "$r" 2>/dev/null || true; return 0; fi
  [ -s "$w/config.json" ] || die "$name: recipe wrote no config.json"
  if [ -d "$r/var/lib/dpkg" ]; then record_versions "$r" "$CACHE/$name-$h.versions.txt"; fi
  [ -z "$PACK_ROOT" ] && PACK_ROOT="$r"
  finish_rootfs "$r"
  [ "$PACK_ROOT" != "$r" ] && finish_rootfs "$PACK_ROOT"
  pack_image "$PACK_ROOT" "$w/config.json" "$tag" "$out"
  # keep only the newest tar of this image
  # (exact "<name>-<16 hex>" match: "redis-*" must not catch redis-exporter/redis-commander)
  find "$CACHE" -maxdepth 1 -regextype posix-extended \
    -regex ".*/$name-[0-9a-f]{16}\.(tar|versions\.txt)" ! -name "$name-$h.*" -delete
  cleanup_work "$w"
  log "$name: built in $((SECONDS - t0)) s, $(du -h "$out" | cut -f1) -> $out"
  printf '%s %s %s\n' "$name" "$tag" "$out"
}

mkdir -p "$CACHE"
[ "$LOCK" = 1 ] || go_tools "${NAMES[@]}"
exec 9>"$CACHE/.build.lock"
flock 9
ensure_host_tools
for n in "${NAMES[@]}"; do build_one "$n"; done
