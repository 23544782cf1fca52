"""Flow-run load harness: what users lose while something breaks (issue 20).

A Prefect client outside the stack (a host process; PREFECT_API_URL points at the edge) creates flow runs of one
fixed shape — a flow that maps one task over `--tasks` inputs — at a fixed rate for a bounded time, and a worker
runs them. Meanwhile it samples `/api/ready` through the edge every `--ready-every` seconds and runs the fault
commands it was given at their offsets. Then it waits for the runs to settle and reports, per run: created (or the
HTTP error), started, final state, task-run count; overall: ready-gap, client-visible errors, lost runs and whether
scheduling resumed (a deployment with an interval schedule keeps getting new runs after the faults:
PrefectHQ/prefect #22436 is the class of bug).

    python flow-load.py --pool POOL --out DIR [--worker process|none] [--interval 4] [--duration 150] [--tasks 20]
                        [--fault 'SECONDS=SHELL COMMAND' ...] [--label NAME] [--settle 240] [--schedule-wait 180]
                        [--max-lost N] [--max-ready-gap S] [--require-schedule]

Interface (for other scenarios: drains, node loss, …):
- `--worker process` (default) starts `prefect worker start --type process --limit --slots` on this host for the
  pool and stops it at the end; `--worker none` uses whatever worker already polls `--pool` (e.g. the stack's
  Kubernetes worker). The flow's code reaches the worker by the deployment's pull steps (no image, no clone).
- Faults: `--fault 40='kubectl -n prefect delete pod prefect-postgres-0'` runs the command (bash -c) 40 s after the
  first run was created; or write "<epoch seconds> <label>" lines to DIR/marks from outside while the harness runs
  (DIR/t0 holds the load's start epoch once it exists). Gaps and "scheduling resumed" are measured from the last
  fault/mark. Without any, the run is a baseline.
- Output: DIR/runs.tsv (one line per attempted creation), DIR/ready.tsv ("<epoch> <HTTP code or error> <seconds>"),
  DIR/summary.json, DIR/worker.log; stdout: progress and `FIGURE <label>: …` lines.
- Exit status: 0 = measured and within the given limits (`--max-lost`, `--max-ready-gap`, `--require-schedule`;
  none given = figures only), 1 = a limit was exceeded, 2 = the harness could not measure (setup failed, a fault
  command failed, or not one run completed before the first fault: a load that never worked proves nothing).

Definitions (the FIGURE line):
- ready-gap: seconds from the first non-200 `/api/ready` sample after a fault to the next 200 (the longest such
  window; "total" = samples not 200 × the sampling period);
- errors: flow-run creations that failed as the client saw them (after the Prefect client's own retries), and other
  failed API calls of the harness;
- lost: runs created (2xx) that did not end Completed within `--settle` seconds after the load, or whose flow has
  fewer than `--tasks` Completed task runs; "orphans" are runs of the load deployment the server holds but no
  creation returned (a creation that failed client-side after the server committed it);
- scheduling resumed: a run of the scheduled deployment (interval `--schedule-interval`, on a pool no worker polls,
  so its runs only accumulate) was created by the server's scheduler after /api/ready was back from the last fault,
  within `--schedule-wait` seconds; with no fault: after the load started.
"""
import argparse
import asyncio
import base64
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone

import httpx
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import DeploymentScheduleCreate, WorkPoolCreate
from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId, FlowRunFilter, FlowRunFilterId
from prefect.client.schemas.schedules import IntervalSchedule
from prefect.settings import PREFECT_API_URL

RUN_ID = uuid.uuid4().hex[:8]
MODULE = f"e2e_load_{RUN_ID}"
FLOW_NAME = "e2e-load"
FLOW_SOURCE = '''
import time
from prefect import flow, task

@task
def square(i: int) -> int:
    time.sleep(0.2)
    return i * i

@flow(name="e2e-load")
def load(n: int = 20) -> int:
    return sum(square.map(range(n)).result())
'''
# The pull steps run with the worker's working directory set to /tmp (a pod's emptyDir; the host's /tmp); the module
# is written atomically (tmp + rename) because concurrent runs on one host write the same file while others import it.
WRITE = ("python -c \"import base64, os; p = '/tmp/" + MODULE + ".py'; t = p + '.' + str(os.getpid()); "
         "open(t, 'wb').write(base64.b64decode('" + base64.b64encode(FLOW_SOURCE.encode()).decode() + "')); "
         "os.replace(t, p)\"")
PULL_STEPS = [
    {"prefect.deployments.steps.set_working_directory": {"directory": "/tmp"}},
    {"prefect.deployments.steps.run_shell_script": {"script": WRITE, "stream_output": True}},
]


def now() -> float:
    return time.time()


def say(msg: str) -> None:
    print(f"[flow-load {datetime.now(timezone.utc).strftime('%H:%M:%S')}] {msg}", flush=True)


def describe_error(e: BaseException) -> str:
    """Short, value-free description of a failed API call: the HTTP status if there is one, else the exception type."""
    resp = getattr(e, "response", None)
    if resp is not None and getattr(resp, "status_code", None):
        return f"HTTP{resp.status_code}"
    return type(e).__name__


class Load:
    def __init__(self, args):
        self.a = args
        self.out = args.out
        self.runs = []          # dicts: i, t_create, id | error
        self.ready = []         # (epoch, code or error, seconds)
        self.faults = []        # (epoch, label, exit status)
        self.errors = []        # other failed API calls: (epoch, what, description)
        self.t0 = None
        self.stop_ready = asyncio.Event()

    # ------------------------------------------------------------------------------------------------ set-up
    async def setup(self, client):
        if self.a.worker == "process":
            await client.create_work_pool(WorkPoolCreate(name=self.a.pool, type="process"), overwrite=True)
        else:
            # Another worker's pool (e.g. the stack's Kubernetes pool): used as it is. Overwriting it with a process
            # pool's fields would replace its base job template.
            pool = await client.read_work_pool(self.a.pool)
            say(f"pool {self.a.pool} (type {pool.type}) as it is, run by its own worker")
        self.sched_pool = f"{self.a.pool}-sched"
        await client.create_work_pool(WorkPoolCreate(name=self.sched_pool, type="process"), overwrite=True)
        flow_id = await client.create_flow_from_name(FLOW_NAME)
        schema = {"type": "object", "properties": {"n": {"type": "integer"}}}
        self.deployment_id = await client.create_deployment(
            flow_id=flow_id, name=f"load-{RUN_ID}", work_pool_name=self.a.pool, entrypoint=f"{MODULE}.py:load",
            pull_steps=PULL_STEPS, parameter_openapi_schema=schema)
        # The scheduled deployment: its runs go to a pool nobody polls, so they only accumulate as Scheduled/Late;
        # what counts is that the scheduler keeps creating them.
        self.sched_deployment_id = await client.create_deployment(
            flow_id=flow_id, name=f"sched-{RUN_ID}", work_pool_name=self.sched_pool, entrypoint=f"{MODULE}.py:load",
            pull_steps=PULL_STEPS, parameter_openapi_schema=schema,
            schedules=[DeploymentScheduleCreate(schedule=IntervalSchedule(interval=timedelta(seconds=self.a.schedule_interval)),
                                                active=True)])
        say(f"pool {self.a.pool}, deployment load-{RUN_ID} ({self.deployment_id}), scheduled deployment sched-{RUN_ID} "
            f"every {self.a.schedule_interval}s on pool {self.sched_pool} (no worker)")

    def start_worker(self):
        if self.a.worker != "process":
            return None
        log = open(os.path.join(self.out, "worker.log"), "w")
        # Its own process group: the stop reaches the flow-run subprocesses too.
        p = subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "prefect"), "worker", "start", "--pool",
                              self.a.pool, "--type", "process", "--limit", str(self.a.slots)],
                             stdout=log, stderr=subprocess.STDOUT, cwd=self.out, start_new_session=True)
        say(f"process worker pid {p.pid}, {self.a.slots} slots, log {self.out}/worker.log")
        return p

    @staticmethod
    def stop_worker(p):
        if p is None or p.poll() is not None:
            return
        os.killpg(p.pid, signal.SIGINT)
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()

    # ------------------------------------------------------------------------------------------------ load
    async def create_one(self, client, i):
        rec = {"i": i, "t_create": now()}
        self.runs.append(rec)
        try:
            run = await client.create_flow_run_from_deployment(self.deployment_id, parameters={"n": self.a.tasks})
            rec["id"] = str(run.id)
            rec["t_created"] = now()
        except Exception as e:  # what the user's client sees, after the client's own retries
            rec["error"] = describe_error(e)
            rec["t_created"] = now()
            say(f"run {i}: creation failed: {rec['error']} ({e.__class__.__name__}: {str(e)[:160]})")

    async def sample_ready(self):
        url = self.a.ready_url or (PREFECT_API_URL.value().rstrip("/") + "/ready")
        # A plain client of its own: no retries, a short timeout, one request per sample.
        async with httpx.AsyncClient(timeout=self.a.ready_every * 4) as h:
            while not self.stop_ready.is_set():
                t = now()
                try:
                    r = await h.get(url)
                    code = str(r.status_code)
                except Exception as e:
                    code = type(e).__name__
                self.ready.append((t, code, now() - t))
                try:
                    await asyncio.wait_for(self.stop_ready.wait(), max(0.0, self.a.ready_every - (now() - t)))
                except asyncio.TimeoutError:
                    pass

    async def run_fault(self, offset, command):
        await asyncio.sleep(max(0.0, self.t0 + offset - now()))
        t = now()
        say(f"fault at +{t - self.t0:.1f}s: {command}")
        proc = await asyncio.create_subprocess_exec("bash", "-c", command)
        rc = await proc.wait()
        self.faults.append((t, command, rc))
        say(f"fault command exited {rc} after {now() - t:.1f}s")

    def marks(self):
        """Faults run by the harness plus "<epoch> <label>" lines written by the caller to DIR/marks."""
        ms = [(t, label) for t, label, _ in self.faults]
        try:
            with open(os.path.join(self.out, "marks")) as f:
                for line in f:
                    parts = line.split(None, 1)
                    if parts:
                        ms.append((float(parts[0]), parts[1].strip() if len(parts) > 1 else "mark"))
        except FileNotFoundError:
            pass
        return sorted(ms)

    async def load(self, client):
        n = int(self.a.duration // self.a.interval)
        self.t0 = now()
        with open(os.path.join(self.out, "t0"), "w") as f:
            f.write(f"{self.t0:.3f}\n")
        faults = []
        for spec in self.a.fault:
            off, _, cmd = spec.partition("=")
            faults.append(asyncio.create_task(self.run_fault(float(off), cmd)))
        say(f"load: {n} runs of {self.a.tasks} mapped tasks, one every {self.a.interval}s")
        creates = []
        for i in range(n):
            await asyncio.sleep(max(0.0, self.t0 + i * self.a.interval - now()))
            creates.append(asyncio.create_task(self.create_one(client, i)))
        await asyncio.gather(*creates, *faults)
        say(f"load done at +{now() - self.t0:.1f}s: {sum('id' in r for r in self.runs)} created, "
            f"{sum('error' in r for r in self.runs)} failed")

    # ------------------------------------------------------------------------------------------------ settle
    async def api(self, what, coro):
        """An API call of the harness itself (not part of the load): failures are counted, then retried later."""
        try:
            return await coro
        except Exception as e:
            self.errors.append((now(), what, describe_error(e)))
            return None

    async def settle(self, client):
        ids = [r["id"] for r in self.runs if "id" in r]
        deadline = now() + self.a.settle
        states = {}
        while True:
            runs = []
            for k in range(0, len(ids), 100):
                got = await self.api("read flow runs", client.read_flow_runs(
                    flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=ids[k:k + 100])), limit=100))
                runs.extend(got or [])
            for fr in runs:
                states[str(fr.id)] = fr
            pending = [i for i in ids if i not in states or not (states[i].state and states[i].state.is_final())]
            if not pending or now() > deadline:
                break
            await asyncio.sleep(5)
        # Task runs arrive through events (the task-run recorder): give them until the same deadline.
        counts = {}
        while True:
            for i in ids:
                if counts.get(i, (0, 0))[1] >= self.a.tasks:
                    continue
                trs = await self.api("read task runs", client.read_task_runs(
                    flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[i])), limit=self.a.tasks * 3))
                if trs is not None:
                    counts[i] = (len(trs), sum(1 for t in trs if t.state and t.state.is_completed()))
            short = [i for i in ids if states.get(i) and states[i].state and states[i].state.is_completed()
                     and counts.get(i, (0, 0))[1] < self.a.tasks]
            if not short or now() > deadline:
                break
            await asyncio.sleep(5)
        for r in self.runs:
            fr = states.get(r.get("id"))
            if fr is not None:
                r["state"] = fr.state.name if fr.state else None
                r["completed"] = bool(fr.state and fr.state.is_completed())
                r["message"] = (fr.state.message or "")[:200] if fr.state else ""
                r["start"] = fr.start_time.timestamp() if fr.start_time else None
                r["end"] = fr.end_time.timestamp() if fr.end_time else None
                r["task_runs"], r["task_runs_completed"] = counts.get(r["id"], (None, None))
        # Orphans: runs of the load deployment that the server holds although no creation returned them.
        known = set(ids)
        all_runs = await self.api("read deployment runs", client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[self.deployment_id])), limit=200)) or []
        self.orphans = [{"id": str(fr.id), "state": fr.state.name if fr.state else None}
                        for fr in all_runs if str(fr.id) not in known]

    async def scheduling(self, client, since):
        """Seconds after `since` at which the scheduler created a run of the scheduled deployment, or None."""
        deadline = max(now(), since) + self.a.schedule_wait
        while True:
            runs = await self.api("read scheduled runs", client.read_flow_runs(
                deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[self.sched_deployment_id])), limit=200))
            created = sorted(fr.created.timestamp() for fr in (runs or []) if fr.created)
            self.sched_created = created
            after = [c for c in created if c > since]
            if after:
                return after[0] - since
            if now() > deadline:
                return None
            await asyncio.sleep(5)

    # ------------------------------------------------------------------------------------------------ report
    def ready_gaps(self, since):
        """(longest gap after `since` from the first non-200 sample to the next 200, end of that gap, total)."""
        longest, longest_end, start, total = 0.0, None, None, 0.0
        for t, code, _ in self.ready:
            if t < since:
                continue
            if code != "200":
                total += self.a.ready_every
                if start is None:
                    start = t
            elif start is not None:
                if t - start > longest:
                    longest, longest_end = t - start, t
                start = None
        if start is not None:  # never back: the gap lasts until the last sample
            last = self.ready[-1][0]
            if last - start >= longest:
                longest, longest_end = last - start, None
        return longest, longest_end, total

    async def main(self):
        os.makedirs(self.out, exist_ok=True)
        async with get_client() as client:
            await self.setup(client)
            worker = self.start_worker()
            sampler = asyncio.create_task(self.sample_ready())
            try:
                await asyncio.sleep(self.a.warmup)
                await self.load(client)
                await self.settle(client)
                marks = self.marks()
                fault_t = marks[-1][0] if marks else self.t0
                gap, gap_end, gap_total = self.ready_gaps(marks[0][0] if marks else self.t0)
                since = gap_end if (marks and gap_end) else fault_t
                if marks and gap_end is None and gap > 0:
                    since = now()  # /api/ready never came back: measure from now (it will likely say "no")
                sched = await self.scheduling(client, since)
            finally:
                self.stop_ready.set()
                await sampler
                self.stop_worker(worker)
            # Stop the schedule from piling up runs after the measurement; the load deployment stays for inspection.
            await self.api("delete scheduled deployment", client.delete_deployment(self.sched_deployment_id))
        return self.report(marks, fault_t, gap, gap_total, sched)

    def report(self, marks, fault_t, gap, gap_total, sched):
        created = [r for r in self.runs if "id" in r]
        failed = [r for r in self.runs if "error" in r]
        lost = [r for r in created if not r.get("completed") or (r.get("task_runs_completed") or 0) < self.a.tasks]
        with open(os.path.join(self.out, "runs.tsv"), "w") as f:
            f.write("i\tcreate_at_s\tid_or_error\tstarted_at_s\tstate\ttask_runs\ttask_runs_completed\tmessage\n")
            for r in self.runs:
                f.write("\t".join(str(x) for x in [
                    r["i"], f"{r['t_create'] - self.t0:.1f}", r.get("id") or r.get("error"),
                    f"{r['start'] - self.t0:.1f}" if r.get("start") else "-", r.get("state") or "-",
                    r.get("task_runs"), r.get("task_runs_completed"), (r.get("message") or "").replace("\t", " ")]) + "\n")
        with open(os.path.join(self.out, "ready.tsv"), "w") as f:
            for t, code, d in self.ready:
                f.write(f"{t:.3f} {code} {d:.3f}\n")
        before = [r for r in created if marks and r["t_create"] < marks[0][0] and r.get("completed")]
        summary = {
            "label": self.a.label, "t0": self.t0, "marks": [(t - self.t0, label) for t, label in marks],
            "fault_commands": [(t - self.t0, c, rc) for t, c, rc in self.faults],
            "attempted": len(self.runs), "created": len(created), "create_errors": [r["error"] for r in failed],
            "api_errors": [(t - self.t0, w, d) for t, w, d in self.errors],
            "lost": [{"i": r["i"], "id": r["id"], "state": r.get("state"), "task_runs_completed": r.get("task_runs_completed"),
                      "message": r.get("message")} for r in lost],
            "orphans": self.orphans, "ready_gap_s": round(gap, 1), "ready_not_200_s": round(gap_total, 1),
            "ready_samples": len(self.ready), "ready_failed_samples": sum(1 for _, c, _ in self.ready if c != "200"),
            "scheduling_resumed_after_s": None if sched is None else round(sched, 1),
            "scheduled_runs_created": len(getattr(self, "sched_created", [])),
        }
        with open(os.path.join(self.out, "summary.json"), "w") as f:
            json.dump(summary, f, indent=1)
        for r in lost:
            say(f"LOST run {r['i']} {r['id']}: state {r.get('state')}, task runs {r.get('task_runs_completed')}/{self.a.tasks} "
                f"completed: {r.get('message')}")
        for o in self.orphans:
            say(f"ORPHAN run {o['id']} ({o['state']}): created by the server, the client got an error")
        if self.errors:
            say(f"harness API errors: {[(round(t - self.t0, 1), w, d) for t, w, d in self.errors][:10]}")
        errs = ", ".join(f"{e} ×{[r['error'] for r in failed].count(e)}" for e in sorted({r["error"] for r in failed}))
        fault = "; ".join(f"+{t - self.t0:.0f}s {label if len(label) <= 70 else label[:67] + '...'}" for t, label in marks)
        if sched is None:
            resumed = f"no (no new run within {self.a.schedule_wait:.0f} s)"
        else:
            resumed = f"yes (+{sched:.0f} s after {'the load started' if not marks else 'ready was back' if gap > 0 else 'the fault'})"
        lost_states = ", ".join(sorted({str(r.get("state")) for r in lost}))
        print(f"FIGURE {self.a.label}: ready-gap {gap:.1f} s ({summary['ready_failed_samples']}/{len(self.ready)} samples "
              f"not 200) | creations {len(created)}/{len(self.runs)} ok, {len(failed)} errors{' (' + errs + ')' if errs else ''}"
              f" | lost runs {len(lost)}/{len(created)}{' (' + lost_states + ')' if lost else ''} | orphans {len(self.orphans)}"
              f" | scheduling resumed {resumed} | fault {fault or 'none'}", flush=True)
        # Exit status (see the module's docstring).
        bad_fault = [c for _, c, rc in self.faults if rc != 0]
        if bad_fault:
            say(f"a fault command failed: {bad_fault}")
            return 2
        if marks and not before:
            say("not one run created before the first fault completed: the load did not work, nothing is measured")
            return 2
        if not marks and not [r for r in created if r.get("completed")]:
            say("no run completed: the load did not work")
            return 2
        rc = 0
        if self.a.max_lost is not None and len(lost) > self.a.max_lost:
            say(f"LIMIT lost runs {len(lost)} > {self.a.max_lost}")
            rc = 1
        if self.a.max_ready_gap is not None and gap > self.a.max_ready_gap:
            say(f"LIMIT ready-gap {gap:.1f} s > {self.a.max_ready_gap} s")
            rc = 1
        if self.a.max_errors is not None and len(failed) > self.a.max_errors:
            say(f"LIMIT creation errors {len(failed)} > {self.a.max_errors}")
            rc = 1
        if self.a.require_schedule and sched is None:
            say("LIMIT scheduling did not resume")
            rc = 1
        return rc


def parse(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--pool", required=True, help="work pool the load's runs go to (created as type process)")
    p.add_argument("--out", required=True, help="directory for runs.tsv, ready.tsv, summary.json, worker.log, marks")
    p.add_argument("--worker", choices=["process", "none"], default="process")
    p.add_argument("--slots", type=int, default=4, help="the process worker's --limit")
    p.add_argument("--interval", type=float, default=4.0, help="seconds between flow-run creations")
    p.add_argument("--duration", type=float, default=150.0, help="seconds of load (runs created = duration / interval)")
    p.add_argument("--tasks", type=int, default=20, help="mapped tasks per flow run")
    p.add_argument("--warmup", type=float, default=5.0, help="seconds between the worker's start and the first run")
    p.add_argument("--fault", action="append", default=[], metavar="SECONDS=COMMAND",
                   help="run COMMAND (bash -c) SECONDS after the first creation; repeatable")
    p.add_argument("--ready-url", default=None, help="default: $PREFECT_API_URL/ready")
    p.add_argument("--ready-every", type=float, default=0.5)
    p.add_argument("--schedule-interval", type=int, default=10, help="the scheduled deployment's interval, seconds")
    p.add_argument("--schedule-wait", type=float, default=180.0,
                   help="seconds to wait for a scheduled run created after recovery (the scheduler loop is 60 s)")
    p.add_argument("--settle", type=float, default=240.0, help="seconds after the load for runs to finish")
    p.add_argument("--label", default="flow-run load")
    p.add_argument("--max-lost", type=int, default=None)
    p.add_argument("--max-errors", type=int, default=None)
    p.add_argument("--max-ready-gap", type=float, default=None)
    p.add_argument("--require-schedule", action="store_true")
    a = p.parse_args(argv)
    for spec in a.fault:
        off, eq, cmd = spec.partition("=")
        try:
            float(off)
        except ValueError:
            p.error(f"--fault {spec!r}: expected SECONDS=COMMAND, e.g. --fault '40=kubectl delete pod x'")
        if not eq or not cmd.strip():
            p.error(f"--fault {spec!r}: no command after '='")
    if a.interval <= 0 or a.duration < a.interval:
        p.error("--interval must be > 0 and --duration at least one interval")
    return a


if __name__ == "__main__":
    sys.exit(asyncio.run(Load(parse(sys.argv[1:])).main()))
