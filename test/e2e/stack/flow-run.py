"""Scenarios "a flow really runs": a Prefect client on the host (PREFECT_API_URL set by the caller) creates a
deployment on a work pool and a flow run of it, then waits for the pool's worker (the stack's in-cluster Kubernetes
worker, or a process worker on the host) to run it and checks the final state and the run's logs through the API.

The flow's code cannot be baked into an image here (no registry) nor cloned (no Internet), so the deployment's
pull steps write it: Prefect runs a deployment's pull steps where the flow runs, before it loads the entrypoint.
`set_working_directory` moves to /tmp (in a pod an emptyDir: the root filesystem is read-only) and `run_shell_script`
writes the module there (its script is split with shlex and run without a shell, hence python -c and base64).

Prints one line per step; exit 0 iff the run is Completed and its log line is visible.
"""
import asyncio
import base64
import sys
import time
import uuid

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

MARKER = f"e2e-flow-ran-{uuid.uuid4().hex[:8]}"
FLOW_SOURCE = f'''
from prefect import flow, get_run_logger

@flow(name="e2e-hello")
def hello(n: int = 3) -> int:
    get_run_logger().info("{MARKER} sum=%d", sum(range(n + 1)))
    return n
'''
WRITE = ("python -c \"import base64; open('/tmp/e2e_flow.py', 'wb').write(base64.b64decode('"
         + base64.b64encode(FLOW_SOURCE.encode()).decode() + "'))\"")


async def main(pool: str, timeout: float) -> int:
    async with get_client() as client:
        flow_id = await client.create_flow_from_name("e2e-hello")
        deployment_id = await client.create_deployment(
            flow_id=flow_id,
            name=f"e2e-{uuid.uuid4().hex[:6]}",
            work_pool_name=pool,
            entrypoint="e2e_flow.py:hello",
            pull_steps=[
                {"prefect.deployments.steps.set_working_directory": {"directory": "/tmp"}},
                {"prefect.deployments.steps.run_shell_script": {"script": WRITE, "stream_output": True}},
            ],
            parameter_openapi_schema={"type": "object", "properties": {"n": {"type": "integer"}}},
        )
        print(f"deployment {deployment_id} on pool {pool}", flush=True)
        t0 = time.monotonic()
        run = await client.create_flow_run_from_deployment(deployment_id, parameters={"n": 4})
        print(f"flow run {run.id} created", flush=True)
        state = None
        while time.monotonic() - t0 < timeout:
            run = await client.read_flow_run(run.id)
            if run.state and run.state.name != state:
                state = run.state.name
                print(f"  {time.monotonic() - t0:6.1f}s {state}", flush=True)
            if run.state and run.state.is_final():
                break
            await asyncio.sleep(2)
        elapsed = time.monotonic() - t0
        if not (run.state and run.state.is_completed()):
            print(f"FAIL: flow run ended as {state} after {elapsed:.1f}s: {run.state.message if run.state else ''}")
            return 1
        print(f"flow run Completed in {elapsed:.1f}s (created -> Completed)", flush=True)
        for _ in range(15):  # logs are batched by the run's log handler: give them a moment
            logs = await client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run.id])))
            hits = [log.message for log in logs if MARKER in log.message]
            if hits:
                print(f"log via the API: {hits[0]}")
                return 0 if "sum=10" in hits[0] else 1
            await asyncio.sleep(2)
        print(f"FAIL: no log line with {MARKER} among {len(logs)} logs of the run")
        return 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "kubernetes",
                              float(sys.argv[2]) if len(sys.argv) > 2 else 300)))
