# rclone: stands in for docker.io/rclone/rclone:1.75.1 (the stack's S3 upload container; in the e2e cluster also the
# S3 server, `rclone serve s3`). The binary is rclone v1.75.1 built from its Go module by
# test/e2e/cluster/build-tools.sh (tools/rclone: the local and s3 backends only; build.sh builds it first, see
# go-tool here, and hashes it into this image's key). Like the official image (rclone's Dockerfile): the binary in
# /usr/local/bin, ENTRYPOINT ["rclone"], WORKDIR /data, XDG_CONFIG_HOME=/config, ca-certificates and tzdata, a user
# rclone 1009:1009; a shell (the stack's upload container runs `sh -c`).
new_rootfs "$w"
chroot_mounts "$r"
inr "$r" '
  apt-get update -q
  apt-get install -y -q --no-install-recommends ca-certificates tzdata
  groupadd -g 1009 rclone
  useradd -u 1009 -g rclone -d /home/rclone -m -s /bin/sh rclone
  mkdir -p /data /config
  chown 1009:1009 /data /config
'
install -m 0755 "$GO_TOOL_BIN" "$r/usr/local/bin/rclone"
V="$(chroot "$r" /usr/local/bin/rclone version | sed -n 1p)"
[ "$V" = "rclone v1.75.1" ] || die "rclone: unexpected version line '$V'"
cat >"$w/config.json" <<JSON
{
  "User": "1009:1009",
  "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "XDG_CONFIG_HOME=/config"],
  "Entrypoint": ["rclone"],
  "WorkingDir": "/data",
  "Labels": {"org.opencontainers.image.description": "e2e stand-in for rclone/rclone:1.75.1 ($V from its Go module: local and s3 backends)"}
}
JSON
