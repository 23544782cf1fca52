#!/usr/bin/env python3
"""Liveness check for `prefect server services start` (it has no HTTP port).

Exit 0 when the services process in this container is alive and making progress, non-zero otherwise.

What it observes: the services process runs a Docket worker that writes a heartbeat every 2 s into the
Redis sorted set `<docket>:workers` (docket "prefect"; member "<hostname>#<pid>", score = unix time).
A stopped (SIGSTOP) or hung event loop stops those writes.

  1. find the services process in this container via /proc (cmdline `prefect server services start|manager`);
     none -> exit 1. State T (stopped/traced) or Z (zombie) -> exit 1.
  2. read ZSCORE <docket>:workers <hostname>#<pid> from the Docket Redis (PREFECT_SERVER_DOCKET_URL; for a
     redis+sentinel:// URL the primary the Sentinels name now; else
     Prefect's settings); heartbeat older than --max-age (default 30 s) -> exit 1.
  3. Redis unreachable -> exit 0 with a warning: a dependency outage is not a hang, and restarting this
     container would not fix Redis. Postgres is never touched, so a Postgres outage cannot fail it.
     A heartbeat missing while Redis is up is tolerated for --grace seconds (default 60) after the
     process started or after Redis (re)started -- the worker re-registers once it has reconnected.
"""
import argparse
import os
import socket
import sys
import time

DOCKET_NAMES = ("prefect", os.environ.get("PREFECT_SERVER_DOCKET_NAME", "prefect-server"))


def find_services_pid() -> int | None:
    """Lowest pid of a python process running `prefect server services start|manager` (one per container)."""
    me = os.getpid()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                argv = [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
        except OSError:
            continue
        words = [os.path.basename(a) for a in argv]
        # the Python interpreter itself (the console script's shebang makes argv[0] python), not tini or a
        # shell wrapper such as /usr/bin/tini -g -- /opt/prefect/entrypoint.sh prefect server services start
        if words and words[0].startswith("python") and "prefect" in words[1:3] \
                and "server" in words and "services" in words and ("start" in words or "manager" in words):
            found.append(int(entry))
    return min(found) if found else None


def proc_state(pid: int) -> tuple[str, float]:
    """(state letter, seconds since process start)"""
    with open(f"/proc/{pid}/stat") as f:
        stat = f.read()
    fields = stat[stat.rindex(")") + 2:].split()
    state, start_ticks = fields[0], int(fields[19])
    with open("/proc/uptime") as f:
        uptime = float(f.read().split()[0])
    return state, uptime - start_ticks / os.sysconf("SC_CLK_TCK")


def docket_url() -> str:
    url = os.environ.get("PREFECT_SERVER_DOCKET_URL")
    if not url:
        from prefect.settings import get_current_settings  # slower (~1.5 s), only without the env var
        url = get_current_settings().server.docket.url
    return url


def redis_client(url: str):
    """A client of the Docket Redis; for a Sentinel URL (redis+sentinel://…), of the primary the Sentinels name now."""
    import redis
    if url.partition("://")[0].lower() in ("redis+sentinel", "rediss+sentinel"):
        # The URL grammar Prefect and Docket accept (prefect-redis >= 0.3.0); redis-py alone does not parse it.
        from prefect_redis.connection import redis_from_url
        return redis_from_url(url, socket_connect_timeout=3, socket_timeout=3)
    return redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-age", type=float, default=30.0, help="max heartbeat age in seconds")
    ap.add_argument("--grace", type=float, default=60.0, help="startup grace in seconds")
    ap.add_argument("--pid", type=int, help="services pid (default: found via /proc)")
    ap.add_argument("--heartbeat-only", action="store_true",
                    help="skip the /proc state test (to show the heartbeat alone catches a hang)")
    args = ap.parse_args()

    pid = args.pid or find_services_pid()
    if pid is None:
        print("DEAD: no `prefect server services start` process found")
        return 1
    try:
        state, age = proc_state(pid)
    except (OSError, IndexError, ValueError):
        print(f"DEAD: process {pid} vanished")
        return 1
    if state in ("T", "t", "Z", "X") and not args.heartbeat_only:
        print(f"DEAD: process {pid} is in state {state} (stopped/zombie)")
        return 1

    url = docket_url()
    if url.startswith("memory://"):
        print(f"ALIVE (process only): pid {pid} state {state}; docket is {url}, no heartbeat to read")
        return 0

    import redis
    from docket import Docket

    member = f"{socket.gethostname()}#{pid}"
    try:
        r = redis_client(url)
        scores = [r.zscore(Docket(name=n, url=url).workers_set, member) for n in DOCKET_NAMES]
        redis_uptime = float(r.info("server").get("uptime_in_seconds", 1e9))
    except redis.RedisError as exc:
        print(f"ALIVE (unverified): Redis unreachable ({type(exc).__name__}: {exc}); not failing liveness on a dependency outage")
        return 0
    scores = [s for s in scores if s is not None]
    if not scores:
        if age < args.grace:
            print(f"ALIVE (starting): pid {pid} up {age:.0f}s, no heartbeat yet for {member}")
            return 0
        if redis_uptime < args.grace:
            print(f"ALIVE (Redis restarted {redis_uptime:.0f}s ago): no heartbeat yet for {member}")
            return 0
        print(f"DEAD: no Docket heartbeat for {member} (process up {age:.0f}s)")
        return 1
    hb_age = time.time() - max(scores)
    if hb_age > args.max_age:
        print(f"DEAD: last Docket heartbeat of {member} is {hb_age:.1f}s old (> {args.max_age:.0f}s)")
        return 1
    print(f"ALIVE: pid {pid} state {state}, heartbeat {hb_age:.1f}s old")
    return 0


if __name__ == "__main__":
    sys.exit(main())
