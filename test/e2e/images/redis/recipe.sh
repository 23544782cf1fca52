# redis: stands in for library/redis:8.2.2 (Debian trixie redis-server 8.0.x).
new_rootfs "$w"
chroot_mounts "$r"
inr "$r" '
  groupadd -r -g 999 redis
  useradd -r -g redis -u 999 --home-dir /var/lib/redis --shell /usr/sbin/nologin redis
  apt-get update -q
  apt-get install -y -q --no-install-recommends gosu redis-server redis-tools ca-certificates
  redis-server --version
  # official image layout: binaries in /usr/local/bin, /data as working dir owned by redis
  for b in redis-server redis-cli redis-benchmark redis-check-aof redis-check-rdb redis-sentinel; do
    [ -e /usr/bin/$b ] && ln -sf /usr/bin/$b /usr/local/bin/$b
  done
  mkdir /data && chown redis:redis /data
  # the Debian package config/log dirs are not used by the image (no config file by default)
  rm -f /etc/redis/redis.conf.dpkg-dist
'
install -m 755 "$FILES/docker-entrypoint.sh" "$r/usr/local/bin/docker-entrypoint.sh"
RV="$(chroot "$r" dpkg-query -W -f '${Version}' redis-server)"
cat >"$w/config.json" <<JSON
{
  "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "REDIS_DEBIAN_VERSION=$RV"],
  "Entrypoint": ["docker-entrypoint.sh"],
  "Cmd": ["redis-server"],
  "WorkingDir": "/data",
  "ExposedPorts": {"6379/tcp": {}},
  "Volumes": {"/data": {}},
  "Labels": {"org.opencontainers.image.description": "e2e stand-in for library/redis:8.2.2 (Debian trixie redis-server $RV)"}
}
JSON
