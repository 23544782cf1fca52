#!/usr/bin/env bash
# Runs shellcheck (settings: .shellcheckrc) over every shell script git tracks: the *.sh files and the extensionless ones
# with a sh/bash shebang (.ci/run). Exits non-zero on any finding (style included). Part of `npm run lint`.
# Installs nothing: CI installs Debian's shellcheck package (0.9.0) with its other host packages.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v shellcheck >/dev/null || { echo "shellcheck.sh: shellcheck is missing (apt-get install shellcheck)" >&2; exit 2; }

scripts=()
while IFS= read -r -d '' f; do
  [ -f "$f" ] || continue
  case "${f##*/}" in
    *.sh) scripts+=("$f") ;;
    *.*) ;;
    *) if head -n 1 "$f" | grep -qE '^#!.*[/ ](ba)?sh( |$)'; then scripts+=("$f"); fi ;;
  esac
done < <(git ls-files -z)

rc=0
declare -A excepted=()
# except <shellcheck options> -- <file>...: checks the files with the options (exclusions) given here, not in the file.
except() {
  local opts=()
  while [ "$1" != -- ]; do opts+=("$1"); shift; done
  shift
  shellcheck "${opts[@]}" "$@" || rc=1
  local f
  for f in "$@"; do excepted[$f]=1; done
}

# The exceptions below are made here because a directive written in these files would cost more than it says:
# test/e2e/images/build.sh and the image folders are the input hash of the cached e2e images (build.sh's image_hash),
# so any edit rebuilds every image; charts/data/scripts/*.sh go verbatim into the data tier's ConfigMap, so any edit
# changes the synthesized manifests (dist/, prefect-stack.yaml).

# The recipes are fragments that build.sh's build_one sources (no shebang: bash): it sets $w, $r and $name, and
# `local` is valid there (SC2154, SC2168); the prefect-* recipes source "$HERE/prefect/recipe.sh" (-P SCRIPTDIR/..).
except -s bash -P SCRIPTDIR/.. -e SC2154,SC2168 -- test/e2e/images/*/recipe.sh
# FILES, GO_TOOL_BIN and the PREFECT_* parameters are for the recipe it sources (SC2034); `for m in $(awk …)` splits the mount
# points under its own work directories, which have no blanks (SC2013).
except -e SC2034,SC2013 -- test/e2e/images/build.sh
# Adapted from docker-library/postgres and kept close to it: `VAR= cmd` clears VAR for one command (SC1007, SC2097,
# SC2098); $BASH_SOURCE is the script's path (SC2128); psql is for the init scripts it sources (SC2034); it sources
# /docker-entrypoint-initdb.d's scripts and the image's /usr/local/bin/docker-entrypoint.sh (SC1090, SC1091).
except -e SC1007,SC1090,SC1091,SC2034,SC2097,SC2098,SC2128 -- \
  test/e2e/images/postgres/docker-entrypoint.sh test/e2e/images/postgres/docker-ensure-initdb.sh
# Adapted from pgadmin-org/pgadmin4's entrypoint and kept close to it: cd into the image's own directories (SC2164),
# sed over the e-mail address (SC2001).
except -e SC2164,SC2001 -- test/e2e/images/pgadmin/entrypoint.sh
# As PrefectHQ/prefect's entrypoint: sources the user's ~/.bashrc (SC1090); $EXTRA_PIP_PACKAGES is a list of pip
# arguments, split on purpose (SC2086).
except -e SC1090,SC2086 -- test/e2e/images/prefect/entrypoint.sh
# The `ls` only names the dumps in an error message (SC2012).
except -e SC2012 -- charts/data/scripts/pg-restore.sh

rest=()
for f in "${scripts[@]}"; do [ -n "${excepted[$f]:-}" ] || rest+=("$f"); done
shellcheck "${rest[@]}" || rc=1
[ "$rc" = 0 ] && echo "shellcheck: ${#scripts[@]} scripts, no findings"
exit "$rc"
