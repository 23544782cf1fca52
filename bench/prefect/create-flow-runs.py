#!/usr/bin/env python3
"""create-flow-runs.py N [CONCURRENCY] -> creates one flow and N SCHEDULED flow runs (start time = now) through
the REST API at $PREFECT_API_URL; prints how long it took."""
import asyncio, os, sys, time, uuid
import httpx
N = int(sys.argv[1]); C = int(sys.argv[2]) if len(sys.argv) > 2 else 8
API = os.environ["PREFECT_API_URL"].rstrip("/")
auth = tuple(os.environ["PREFECT_API_AUTH_STRING"].split(":", 1)) if os.environ.get("PREFECT_API_AUTH_STRING") else None
async def main():
    async with httpx.AsyncClient(base_url=API, auth=auth, timeout=60) as c:
        flow_name = f"bench-{uuid.uuid4().hex[:8]}"
        r = await c.post("/flows/", json={"name": flow_name}); r.raise_for_status()
        flow_id = r.json()["id"]
        sem = asyncio.Semaphore(C); codes = {}
        async def one(i):
            async with sem:
                r = await c.post("/flow_runs/", json={"flow_id": flow_id, "name": f"{flow_name}-run-{i}",
                                                       "state": {"type": "SCHEDULED", "name": "Scheduled"}})
                codes[r.status_code] = codes.get(r.status_code, 0) + 1
        t0 = time.monotonic()
        await asyncio.gather(*(one(i) for i in range(N)))
        print(f"created {N} flow runs in {time.monotonic()-t0:.1f}s, status codes {codes}")
asyncio.run(main())
