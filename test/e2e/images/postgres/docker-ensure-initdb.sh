#!/usr/bin/env bash
# Like docker-library/postgres docker-ensure-initdb.sh (MIT): initialise PGDATA if empty, then exit.
# As docker-enforce-initdb.sh it fails when the database already exists.
set -Eeuo pipefail
source /usr/local/bin/docker-entrypoint.sh
if [ "$#" -eq 0 ] || [ "$1" != 'postgres' ]; then
	set -- postgres "$@"
fi
docker_setup_env
docker_create_db_directories
if [ "$(id -u)" = '0' ]; then
	exec gosu postgres "$BASH_SOURCE" "$@"
fi
if [ -z "$DATABASE_ALREADY_EXISTS" ]; then
	docker_verify_minimum_env
	ls /docker-entrypoint-initdb.d/ > /dev/null
	docker_init_database_dir
	pg_setup_hba_conf "$@"
	export PGPASSWORD="${PGPASSWORD:-$POSTGRES_PASSWORD}"
	docker_temp_server_start "$@"
	docker_setup_db
	docker_process_init_files /docker-entrypoint-initdb.d/*
	docker_temp_server_stop
	unset PGPASSWORD
else
	self="$(basename "$0")"
	case "$self" in
		docker-ensure-initdb.sh)
			echo >&2 "$self: note: database already initialized in '$PGDATA'!"
			;;
		docker-enforce-initdb.sh)
			echo >&2 "$self: error: (unexpected) database found in '$PGDATA'!"
			exit 1
			;;
		*)
			echo >&2 "$self: error: unexpected file name: $self"
			exit 1
			;;
	esac
fi
