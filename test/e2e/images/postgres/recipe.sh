# postgres: stands in for library/postgres:17.6 (docker-library/postgres 17/trixie).
# Sourced by build.sh with $r $w $FILES set.
new_rootfs "$w"
chroot_mounts "$r"
inr "$r" '
  groupadd -r postgres --gid=999
  useradd -r -g postgres --uid=999 --home-dir=/var/lib/postgresql --shell=/bin/bash postgres
  install -d -o postgres -g postgres -m 1777 /var/lib/postgresql
  apt-get update -q
  apt-get install -y -q --no-install-recommends gosu less locales libnss-wrapper xz-utils zstd ca-certificates
  echo "en_US.UTF-8 UTF-8" >> /etc/locale.gen
  locale-gen
  locale -a | grep -q en_US.utf8
  apt-get install -y -q --no-install-recommends postgresql-common
  sed -ri "s/#(create_main_cluster) .*$/\1 = false/" /etc/postgresql-common/createcluster.conf
  apt-get install -y -q --no-install-recommends postgresql-17 postgresql-client-17
  find /usr -name "*.pyc" -type f -delete
  /usr/lib/postgresql/17/bin/postgres --version
  # make the sample config listen on all addresses by default (as the official image)
  dpkg-divert --add --rename --divert /usr/share/postgresql/postgresql.conf.sample.dpkg /usr/share/postgresql/17/postgresql.conf.sample
  cp /usr/share/postgresql/postgresql.conf.sample.dpkg /usr/share/postgresql/postgresql.conf.sample
  ln -s ../postgresql.conf.sample /usr/share/postgresql/17/
  sed -ri "s!^#?(listen_addresses)\s*=\s*\S+.*!\1 = '"'"'*'"'"'!" /usr/share/postgresql/postgresql.conf.sample
  grep -F "listen_addresses = '"'"'*'"'"'" /usr/share/postgresql/postgresql.conf.sample
  install -d -o postgres -g postgres -m 3777 /var/run/postgresql
  install -d -o postgres -g postgres -m 1777 /var/lib/postgresql/data
  mkdir /docker-entrypoint-initdb.d
'
install -m 755 "$FILES/docker-entrypoint.sh" "$r/usr/local/bin/docker-entrypoint.sh"
install -m 755 "$FILES/docker-ensure-initdb.sh" "$r/usr/local/bin/docker-ensure-initdb.sh"
ln -sT docker-ensure-initdb.sh "$r/usr/local/bin/docker-enforce-initdb.sh"
PGV="$(chroot "$r" dpkg-query -W -f '${Version}' postgresql-17)"
cat >"$w/config.json" <<JSON
{
  "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/lib/postgresql/17/bin",
          "GOSU_VERSION=debian", "LANG=en_US.utf8", "PG_MAJOR=17", "PG_VERSION=$PGV",
          "PGDATA=/var/lib/postgresql/data"],
  "Entrypoint": ["docker-entrypoint.sh"],
  "Cmd": ["postgres"],
  "ExposedPorts": {"5432/tcp": {}},
  "Volumes": {"/var/lib/postgresql/data": {}},
  "StopSignal": "SIGINT",
  "Labels": {"org.opencontainers.image.description": "e2e stand-in for library/postgres:17.6 (Debian trixie postgresql-17 $PGV)"}
}
JSON
