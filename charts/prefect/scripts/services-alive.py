"""Exit 0 while the background services process in this container is alive and not stopped.

The services process has no HTTP port. tini restarts the container when the process exits; this probe catches
the case tini cannot see: a process that is still there but stopped or a zombie. It reads /proc only, so a
database or Redis outage never fails it (liveness must not restart pods for a dependency's outage).
"""
import os
import sys


def services_processes():
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
            if "server services start" in cmdline and "services-alive" not in cmdline:
                with open(f"/proc/{pid}/stat") as f:
                    state = f.read().rsplit(")", 1)[1].split()[0]
                yield int(pid), state
        except OSError:
            continue


def main() -> int:
    found = list(services_processes())
    if not found:
        print("no 'prefect server services start' process", file=sys.stderr)
        return 1
    bad = [(pid, state) for pid, state in found if state in ("T", "t", "Z", "X")]
    if bad:
        print(f"services process stopped or dead: {bad}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
