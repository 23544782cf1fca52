# redis-exporter: stands in for oliver006/redis_exporter:v1.80.0.
# The Go module proxy here refuses github.com/oliver006/redis_exporter, so the binary is Debian
# trixie's prometheus-redis-exporter, in a minimal tree like the upstream scratch image.
new_rootfs "$w"
chroot_mounts "$r"
inr "$r" '
  apt-get update -q
  apt-get install -y -q --no-install-recommends prometheus-redis-exporter ca-certificates
  /usr/bin/prometheus-redis-exporter --version || /usr/bin/prometheus-redis-exporter -version
'
PACK_ROOT="$w/slim"
slim_tree "$r" "$PACK_ROOT" /usr/bin/prometheus-redis-exporter /redis_exporter
V="$(chroot "$r" dpkg-query -W -f '${Version}' prometheus-redis-exporter)"
cat >"$w/config.json" <<JSON
{
  "User": "59000:59000",
  "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
  "Entrypoint": ["/redis_exporter"],
  "ExposedPorts": {"9121/tcp": {}},
  "Labels": {"org.opencontainers.image.description": "e2e stand-in for oliver006/redis_exporter:v1.80.0 (Debian prometheus-redis-exporter $V)"}
}
JSON
