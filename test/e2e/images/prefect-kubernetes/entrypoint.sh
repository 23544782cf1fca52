#!/usr/bin/env bash
# /opt/prefect/entrypoint.sh of the e2e Prefect image: same behaviour as PrefectHQ/prefect
# scripts/entrypoint.sh: source ~/.bashrc if present, pip install $EXTRA_PIP_PACKAGES if set,
# then exec "$@" (or an interactive login shell when no command is given).
set -e

if [ -f ~/.bashrc ]; then
  . ~/.bashrc
fi

if [ -n "$EXTRA_PIP_PACKAGES" ]; then
  echo "+pip install $EXTRA_PIP_PACKAGES"
  pip install $EXTRA_PIP_PACKAGES
fi

if [ -z "$*" ]; then
  echo "Prefect $(prefect --version 2>/dev/null) (e2e image). No command given: starting a login shell."
  exec bash --login
else
  exec "$@"
fi
