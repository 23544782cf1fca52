#!/usr/bin/env python3
"""Exit 0 only when the Prefect database is migrated to the installed Prefect's alembic head(s).

Uses Prefect's own settings and database interface, so it honours whatever PREFECT_SERVER_DATABASE_*
variables the pod has (per-part settings or a full connection URL). Meant as an init container in the
API pods: it gates serving until the migrate Job has finished.

  python migrations-applied.py            check once
  python migrations-applied.py --wait 600 poll every 5 s for up to 600 s

Exit codes: 0 up to date; 1 database behind/ahead/unknown revision; 2 database unreachable.
"""
import asyncio
import sys
import time


async def check() -> tuple[int, str]:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from prefect.server.database import provide_database_interface
    from prefect.server.database.alembic_commands import alembic_config

    db = provide_database_interface()
    cfg = alembic_config()
    # Prefect's env.py picks the dialect's versions folder the same way
    cfg.set_main_option("version_locations", str(db.orm.versions_dir))
    heads = set(ScriptDirectory.from_config(cfg).get_heads())

    engine = await db.engine()
    try:
        async with engine.connect() as conn:
            current = set(
                await conn.run_sync(
                    lambda c: MigrationContext.configure(c).get_current_heads()
                )
            )
    except Exception as exc:  # connection refused, auth failure, timeout ...
        return 2, f"database unreachable: {type(exc).__name__}: {exc}".splitlines()[0]
    finally:
        await engine.dispose()

    if current == heads:
        return 0, f"database at head {sorted(heads)}"
    if not current:
        return 1, f"database not migrated (no alembic_version); expected head {sorted(heads)}"
    return 1, f"database revision {sorted(current)} != installed Prefect head {sorted(heads)}"


def main() -> int:
    wait = 0.0
    if len(sys.argv) == 3 and sys.argv[1] == "--wait":
        wait = float(sys.argv[2])
    elif len(sys.argv) != 1:
        print(__doc__, file=sys.stderr)
        return 64
    deadline = time.monotonic() + wait
    while True:
        code, message = asyncio.run(check())
        print(("OK: " if code == 0 else "NOT READY: ") + message, flush=True)
        if code == 0 or time.monotonic() >= deadline:
            return code
        time.sleep(5)


if __name__ == "__main__":
    sys.exit(main())
