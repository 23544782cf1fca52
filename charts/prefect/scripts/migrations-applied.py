"""Exit 0 once the database carries the installed Prefect release's head migration.

Runs as an init container of the API and background pods so that no pod serves an unmigrated schema: the
migrate Job does the upgrade; this only waits. It uses Prefect's own settings, so it connects exactly as the
server will (URL Secret or per-part settings). `--wait N` retries for up to N seconds.
"""
import argparse
import asyncio
import sys
import time


async def revisions():
    import sqlalchemy as sa
    from alembic.script import ScriptDirectory
    from prefect.server.database import provide_database_interface
    from prefect.server.database.alembic_commands import alembic_config

    db = provide_database_interface()
    config = alembic_config()
    # Prefect's env.py picks the dialect's versions folder at run time; without it there is no head (None).
    config.set_main_option("version_locations", str(db.orm.versions_dir))
    head = ScriptDirectory.from_config(config).get_current_head()
    engine = await db.engine()
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(sa.text("SELECT version_num FROM alembic_version"))).fetchall()
    finally:
        await engine.dispose()
    return head, {row[0] for row in rows}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--wait", type=float, default=0, help="seconds to keep retrying")
    args = parser.parse_args()
    deadline = time.monotonic() + args.wait
    while True:
        try:
            head, current = asyncio.run(revisions())
            if current == {head}:
                print(f"database is at head revision {head}", flush=True)
                return 0
            message = f"database at {sorted(current) or 'no revision'}, this release needs {head}: waiting for the migrate Job"
        except Exception as exc:  # the database may not be up yet, or the table not created
            message = f"cannot read the schema revision yet: {type(exc).__name__}: {exc}"
        if time.monotonic() >= deadline:
            print(message, file=sys.stderr, flush=True)
            return 1
        print(message, flush=True)
        time.sleep(5)


if __name__ == "__main__":
    sys.exit(main())
