# prefect-kubernetes: stands in for prefecthq/prefect:3.9.1-python3.12-kubernetes (the prefect image plus the
# kubernetes extra, i.e. prefect-kubernetes, for the worker): the prefect recipe with that extra and this folder's
# lock file (regenerate: build.sh --lock prefect-kubernetes; it keeps every version the prefect lock shares).
PREFECT_EXTRAS="$PREFECT_KUBERNETES_EXTRAS"
PREFECT_FLAVOUR=kubernetes
PREFECT_LOCK_BASE="$HERE/prefect/constraints.txt"
. "$HERE/prefect/recipe.sh"
