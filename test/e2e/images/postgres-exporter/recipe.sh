# postgres-exporter: stands in for prometheuscommunity/postgres-exporter:v0.18.1.
# The Go module proxy here refuses github.com/prometheus-community/postgres_exporter, so the binary
# is Debian trixie's prometheus-postgres-exporter, copied into a minimal tree like the upstream image
# (busybox base there; here only the binary, its libraries, passwd/group and CA certificates).
new_rootfs "$w"
chroot_mounts "$r"
inr "$r" '
  apt-get update -q
  apt-get install -y -q --no-install-recommends prometheus-postgres-exporter ca-certificates
  /usr/bin/prometheus-postgres-exporter --version
'
PACK_ROOT="$w/slim"
slim_tree "$r" "$PACK_ROOT" /usr/bin/prometheus-postgres-exporter /bin/postgres_exporter
V="$(chroot "$r" dpkg-query -W -f '${Version}' prometheus-postgres-exporter)"
cat >"$w/config.json" <<JSON
{
  "User": "65534",
  "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
  "Entrypoint": ["/bin/postgres_exporter"],
  "ExposedPorts": {"9187/tcp": {}},
  "Labels": {"org.opencontainers.image.description": "e2e stand-in for prometheuscommunity/postgres-exporter:v0.18.1 (Debian prometheus-postgres-exporter $V)"}
}
JSON
