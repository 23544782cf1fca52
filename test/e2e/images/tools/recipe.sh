# tools: probe image for e2e checks from inside the cluster (curl, psql, redis-cli, nc, dig).
new_rootfs "$w"
chroot_mounts "$r"
inr "$r" '
  apt-get update -q
  apt-get install -y -q --no-install-recommends ca-certificates curl postgresql-client-17 redis-tools \
      netcat-openbsd bind9-dnsutils iproute2 iputils-ping jq procps
  groupadd -g 10001 e2e
  useradd -u 10001 -g e2e -d /home/e2e -m -s /bin/bash e2e
  for t in curl psql pg_isready redis-cli nc dig jq; do command -v $t; done
'
cat >"$w/config.json" <<'JSON'
{
  "User": "10001:10001",
  "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/home/e2e"],
  "Cmd": ["sleep", "infinity"],
  "WorkingDir": "/home/e2e",
  "Labels": {"org.opencontainers.image.description": "e2e probe tools: curl, psql, pg_isready, redis-cli, nc, dig, jq"}
}
JSON
