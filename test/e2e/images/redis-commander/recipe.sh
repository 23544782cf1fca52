# redis-commander: stands in for ghcr.io/joeferner/redis-commander:0.9.0 (its Dockerfile: alpine,
# /redis-commander, uid 10000 "redis" in group root, dumb-init, docker/entrypoint.sh from the package).
# App from npm (redis-commander@0.9.0, dependencies pinned by package-lock.json, installed with the
# host's npm); Node.js from Debian trixie.
command -v npm >/dev/null || die "redis-commander needs npm on the host (apt-get install nodejs npm)"
mkdir -p "$w/app"
(cd "$w" && npm pack -q "redis-commander@$REDIS_COMMANDER_VERSION" >/dev/null && tar -xzf "redis-commander-$REDIS_COMMANDER_VERSION.tgz" -C app --strip-components=1)
if [ "$LOCK" = 1 ]; then
  (cd "$w/app" && npm install --omit=dev --no-audit --no-fund --package-lock-only >&2)
  cp "$w/app/package-lock.json" "$FILES/package-lock.json"
  return 0
fi
cp "$FILES/package-lock.json" "$w/app/package-lock.json"
(cd "$w/app" && NODE_ENV=production npm ci --omit=dev --no-audit --no-fund >&2)
new_rootfs "$w"
chroot_mounts "$r"
inr "$r" '
  apt-get update -q
  apt-get install -y -q --no-install-recommends nodejs dumb-init jq sed ca-certificates
  node --version
  useradd -r -u 10000 -g root -d /redis-commander -s /sbin/nologin redis
'
cp -a "$w/app" "$r/redis-commander"
inr "$r" '
  ln -s /usr/bin/node /usr/local/bin/node
  chown -R root:root /redis-commander
  chown -R redis /redis-commander/config
  chmod g+w /redis-commander/config
  chmod ug+r,o-rwx /redis-commander/config/*.json
  for i in /redis-commander/config/*.json; do jq empty "$i"; done
  chmod 755 /redis-commander/docker/entrypoint.sh /redis-commander/bin/healthcheck.js
'
cat >"$w/config.json" <<JSON
{
  "User": "10000",
  "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
          "SERVICE_USER=redis", "HOME=/redis-commander", "NODE_ENV=production"],
  "Entrypoint": ["/usr/bin/dumb-init", "--"],
  "Cmd": ["/redis-commander/docker/entrypoint.sh"],
  "WorkingDir": "/redis-commander",
  "ExposedPorts": {"8081/tcp": {}},
  "Labels": {"org.opencontainers.image.description": "e2e stand-in for joeferner/redis-commander:$REDIS_COMMANDER_VERSION (npm redis-commander@$REDIS_COMMANDER_VERSION, Debian trixie nodejs)"}
}
JSON
