/**
 * The worker pod's init container: creates the work pool, or brings its base job template up to date, and
 * touches nothing else. `prefect work-pool create --overwrite` would also reset a pool an operator paused and
 * clear its concurrency limit, so this uses Prefect's client directly. Idempotent: an unchanged template is not
 * written; two replicas racing to create the pool both end with it created. Waits for the API (first install:
 * the API waits for migrations). Exit 0 = pool in place; 2 = a pool of that name has another type;
 * 3 = the API refused the template or the credentials; 1 = the API stayed unreachable.
 * Environment: PREFECT_API_URL (and PREFECT_API_AUTH_STRING), WORK_POOL_NAME, WORK_POOL_TYPE,
 * WORK_POOL_TEMPLATE (path of the JSON), WORK_POOL_WAIT_SECONDS.
 */
export const ENSURE_WORK_POOL_PY = `"""Create the work pool or update its base job template (cdk8s-prefect-stack, charts/worker)."""
import asyncio
import json
import os
import sys
import time

from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import WorkPoolCreate, WorkPoolUpdate
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound, PrefectHTTPStatusError

POOL = os.environ["WORK_POOL_NAME"]
TYPE = os.environ.get("WORK_POOL_TYPE", "kubernetes")
with open(os.environ["WORK_POOL_TEMPLATE"]) as f:
    TEMPLATE = json.load(f)


async def ensure() -> str:
    async with get_client() as client:
        try:
            pool = await client.read_work_pool(work_pool_name=POOL)
        except ObjectNotFound:
            await client.create_work_pool(
                work_pool=WorkPoolCreate(name=POOL, type=TYPE, base_job_template=TEMPLATE)
            )
            return "created"
        if pool.type != TYPE:
            print(f"work pool {POOL!r} exists with type {pool.type!r}, not {TYPE!r}: "
                  "rename worker.workPool or delete that pool", file=sys.stderr)
            sys.exit(2)
        if pool.base_job_template == TEMPLATE:
            return "unchanged"
        # Only the template: the pool's paused state, concurrency limit and description stay the operator's.
        await client.update_work_pool(
            work_pool_name=POOL, work_pool=WorkPoolUpdate(base_job_template=TEMPLATE)
        )
        return "updated"


def main() -> None:
    deadline = time.monotonic() + float(os.environ.get("WORK_POOL_WAIT_SECONDS", "900"))
    while True:
        try:
            result = asyncio.run(ensure())
            print(f"work pool {POOL!r} ({TYPE}): base job template {result}")
            return
        except ObjectAlreadyExists:
            continue  # another replica created it a moment ago: compare again
        except SystemExit:
            raise
        except PrefectHTTPStatusError as exc:
            status = exc.response.status_code
            if 400 <= status < 500 and status not in (408, 429):
                # The API refused the template (or the credentials): retrying cannot help.
                print(f"the API refused work pool {POOL!r}: {status} {exc.response.text}", file=sys.stderr)
                sys.exit(3)
            if time.monotonic() > deadline:
                print(f"giving up on work pool {POOL!r}: {exc!r}", file=sys.stderr)
                sys.exit(1)
            time.sleep(5)
        except Exception as exc:  # API not up yet (first install), or a transient error
            if time.monotonic() > deadline:
                print(f"giving up on work pool {POOL!r}: {exc!r}", file=sys.stderr)
                sys.exit(1)
            print(f"waiting for the API: {exc!r}", file=sys.stderr)
            time.sleep(5)


if __name__ == "__main__":
    main()
`;
