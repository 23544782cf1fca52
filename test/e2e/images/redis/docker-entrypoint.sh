#!/bin/sh
# Entrypoint of the e2e stand-in for library/redis:8: same behaviour as the docker-library
# redis entrypoint (https://github.com/docker-library/redis, BSD-3-Clause), written for this image:
#  - first arg "-x"/"--x" or "*.conf"  -> "redis-server" is prepended
#  - redis-server started as root       -> chown /data to redis and re-exec via gosu
#  - protected mode is switched off unless a given config file sets "protected-mode"
#  - umask 0077 when the umask is the default 0022
set -e

if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
	set -- redis-server "$@"
fi

if [ "$1" = 'redis-server' ] && [ "$(id -u)" = '0' ]; then
	find . \! -user redis -exec chown redis '{}' +
	exec gosu redis "$0" "$@"
fi

um="$(umask)"
if [ "$um" = '0022' ]; then
	umask 0077
fi

if [ "$1" = 'redis-server' ]; then
	doProtectedMode=1
	configFile=
	if [ -f "$2" ]; then
		configFile="$2"
		if grep -q '^protected-mode' "$configFile"; then
			doProtectedMode=
		fi
	fi
	if [ "$doProtectedMode" ]; then
		shift # "redis-server"
		if [ "$configFile" ]; then
			shift
		fi
		set -- --protected-mode no "$@"
		if [ "$configFile" ]; then
			set -- "$configFile" "$@"
		fi
		set -- redis-server "$@"
	fi
fi

exec "$@"
