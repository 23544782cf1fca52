# prefect-previous: stands in for prefecthq/prefect:<PREFECT_PREVIOUS_VERSION>-python3.12, the release before the
# pinned one, for the e2e upgrade scenario (deploy it, then re-apply with the pinned release). The prefect recipe
# with the older version and this folder's lock file (regenerate: build.sh --lock prefect-previous).
PREFECT_VERSION="$PREFECT_PREVIOUS_VERSION"
. "$HERE/prefect/recipe.sh"
