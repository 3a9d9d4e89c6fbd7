"""Backup and restore of a node with many items, on SQLite and PostgreSQL.

Run: .venv/bin/python bench/bench_backup.py [--items 50000] [--records]
     [--database sqlite|postgresql|both] [--postgresql URL]

A node's database is filled in bulk (items in French and English with themes and places, as
bench/bench_search.py does; with --records, every item's harvest records rendered too, as
on a real node), then, each in its own process: `take_backup()` to a tar.gz, and
`restore()` of that archive into an empty database of the same kind (restore includes
rebuilding the search index and checking every table's count). Figures: seconds, rows per
second, archive size, peak memory (the process's maximum RSS). Baselines in the same run:
reading every row of every table through SQLAlchemy (what any dump must do), and the peak
memory of a process that only builds the application. Prints figures, never asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from sqlalchemy import create_engine, select, text  # noqa: E402

BASE_URL = "http://bench.test"


def _app(data_dir: Path, url: str):
    from server import create_app

    return create_app({"data_dir": data_dir, "database_url": url, "base_url": BASE_URL})


def _schema_url(base: str, schema: str) -> str:
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options={quote(f'-csearch_path={schema}')}"


def populate(data_dir: Path, url: str, items: int, records: bool) -> None:
    from bench_search import populate as insert_items
    from flask_migrate import upgrade

    from server.extensions import db

    app = _app(data_dir, url)
    with app.app_context():
        upgrade()
        insert_items(items, random.Random(7))
        if records:
            from server.harvest.rebuild import rebuild_all

            rebuild_all()
            db.session.commit()
        db.engine.dispose()


def phase(name: str, data_dir: str, url: str, archive: str) -> None:
    """One measured step in a process of its own, printing JSON on its last line."""
    from server.extensions import db

    app = _app(Path(data_dir), url)
    with app.app_context():
        started = time.perf_counter()
        rows = 0
        if name == "read":
            from server.backup.rows import tables

            with db.engine.connect() as conn:
                for table in tables():
                    result = conn.execution_options(yield_per=2000).execute(select(table))
                    for partition in result.partitions():
                        rows += len(partition)
        elif name == "backup":
            from server.backup.take import take_backup

            manifest = take_backup(Path(archive))
            rows = sum(manifest["counts"].values())
        elif name == "restore":
            from server.backup.restore import restore

            manifest = restore(Path(archive))
            rows = sum(manifest["counts"].values())
        seconds = time.perf_counter() - started
        db.engine.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "rows": rows, "peak_mb": peak}))


def _run(name: str, data_dir: Path, url: str, archive: Path) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--phase", name, str(data_dir), url, str(archive)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"{name} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def run(kind: str, source: str, target: str, items: int, records: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-backup-") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        populate(root / "source", source, items, records)
        print(f"  {items} items inserted in {time.perf_counter() - started:.1f} s")
        archive = root / "node.tar.gz"
        idle = _run("idle", root / "source", source, archive)
        read = _run("read", root / "source", source, archive)
        backup = _run("backup", root / "source", source, archive)
        restored = _run("restore", root / "target", target, archive)
        size = archive.stat().st_size / 1e6
        print(
            f"  baseline, read every row:   {read['seconds']:7.1f} s "
            f"({read['rows'] / read['seconds']:,.0f} rows/s)"
        )
        for label, figures in (("backup", backup), ("restore", restored)):
            print(
                f"  {label:<26}  {figures['seconds']:7.1f} s "
                f"({figures['rows'] / figures['seconds']:,.0f} rows/s), "
                f"peak {figures['peak_mb']:.0f} MB"
            )
        print(
            f"  archive {size:.1f} MB for {backup['rows']:,} rows; idle process peak "
            f"{idle['peak_mb']:.0f} MB ({kind})"
        )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--phase":
        phase(*sys.argv[2:6])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--records", action="store_true", help="render harvest records too")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--postgresql",
        default=os.environ.get(
            "COMMONS_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench"
        ),
    )
    args = parser.parse_args()
    print(f"Backup and restore of {args.items} items" + (" with records" if args.records else ""))
    if args.database in ("sqlite", "both"):
        print("SQLite")
        folder = Path(tempfile.mkdtemp(prefix="bench-backup-db-"))
        run(
            "sqlite",
            f"sqlite:///{folder}/source.db",
            f"sqlite:///{folder}/target.db",
            args.items,
            args.records,
        )
        for name in ("source.db", "target.db"):
            for suffix in ("", "-wal", "-shm"):
                (folder / f"{name}{suffix}").unlink(missing_ok=True)
        folder.rmdir()
    if args.database in ("postgresql", "both"):
        try:
            source = _schema_url(args.postgresql, "bench_backup_source")
            target = _schema_url(args.postgresql, "bench_backup_target")
        except Exception as exc:  # noqa: BLE001 - any failure means: skip PostgreSQL
            print(f"PostgreSQL skipped: {str(exc).splitlines()[0]}")
            return
        print("PostgreSQL")
        run("postgresql", source, target, args.items, args.records)


if __name__ == "__main__":
    main()
