"""The cost of operating a node: /healthz, /metrics, and request metrics on a normal page.

Run: .venv/bin/python bench/bench_ops.py [--messages 20000] [--requests 400]
     [--database sqlite|postgresql|both] [--postgresql URL]

A node with the demo content and `--messages` finished inbox messages and deliveries (what
years of federation leave behind; the gauges count them), plus a worker heartbeat. Requests
go through the whole WSGI application (werkzeug's test client, no network):

- `/healthz`: p50 and p95 (target: p95 < 10 ms);
- `/metrics`: p50 and p95, the first scrape (which counts the finished rows) apart;
- a theme page with metrics on against the same page with metrics off (COMMONS_METRICS=0),
  interleaved in rounds on one database: the baseline in the same run. Target: within 5%.

Prints figures only, never asserts on them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, select, text  # noqa: E402

from server import create_app  # noqa: E402
from server.extensions import db  # noqa: E402
from server.models import Delivery, InboxMessage, OutboxActivity, Theme, clock  # noqa: E402


def _times(client, path: str, count: int) -> list[float]:
    times = []
    for _ in range(count):
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code in {200, 503}, (path, response.status_code)
    return times


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _fill(app, messages: int) -> None:
    """Finished inbox messages and deliveries, in bulk."""
    from server.services.demo import seed_demo
    from server.services.node import initialise_node
    from server.worker import Heartbeat

    with app.app_context():
        db.create_all()
        initialise_node()
        seed_demo()
        now = clock.now()
        rows = [
            {
                "activity_iri": f"https://peer.example/activities/{i}",
                "activity_type": "Create",
                "actor_iri": "https://peer.example/actor",
                "origin": "https://peer.example",
                "raw": {"id": f"https://peer.example/activities/{i}", "type": "Create"},
                "state": "done" if i % 50 else "rejected",
                "attempts": 1,
                "received_at": now - timedelta(seconds=i),
            }
            for i in range(messages)
        ]
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(InboxMessage), rows[start : start + 5000])
        activity = OutboxActivity(
            iri="https://node.example/activities/bench", activity_type="Create", raw={}
        )
        db.session.add(activity)
        db.session.flush()
        deliveries = [
            {
                "activity_id": activity.id,
                "inbox_url": f"https://peer{i % 40}.example/inbox/{i}",
                "origin": f"https://peer{i % 40}.example",
                "state": "done",
                "attempts": 1,
                "next_attempt_at": now,
            }
            for i in range(messages)
        ]
        for start in range(0, len(deliveries), 5000):
            db.session.execute(insert(Delivery), deliveries[start : start + 5000])
        db.session.commit()
    Heartbeat(app).beat()


def run(database_url: str, data_dir: Path, messages: int, count: int) -> None:
    config = {"data_dir": data_dir, "database_url": database_url}
    app = create_app(config)
    _fill(app, messages)
    off = create_app({**config, "metrics": False})
    with app.app_context():
        slug = db.session.scalar(select(Theme.slug).order_by(Theme.id).limit(1))
    page = f"/themes/{slug}"
    client, baseline = app.test_client(), off.test_client()
    for c in (client, baseline):
        _times(c, page, 20)
        _times(c, "/healthz", 20)

    health = _times(client, "/healthz", count)
    first = _times(client, "/metrics", 1)[0]
    scrapes = _times(client, "/metrics", max(count // 4, 20))
    on_times: list[float] = []
    off_times: list[float] = []
    rounds = 10
    for _ in range(rounds):  # interleaved, so drift in machine load hits both alike
        on_times += _times(client, page, count // rounds)
        off_times += _times(baseline, page, count // rounds)

    print(f"  /healthz            p50 {_p(health, 0.5):6.2f} ms  p95 {_p(health, 0.95):6.2f} ms")
    print(f"  /metrics (first)    {first:6.2f} ms (counts the finished rows)")
    print(f"  /metrics            p50 {_p(scrapes, 0.5):6.2f} ms  p95 {_p(scrapes, 0.95):6.2f} ms")
    for name, values in (("metrics on ", on_times), ("metrics off", off_times)):
        print(
            f"  {page} {name} p50 {_p(values, 0.5):6.2f} ms  p95 {_p(values, 0.95):6.2f} ms"
            f"  mean {statistics.fmean(values):6.2f} ms"
        )
    ratio = statistics.median(on_times) / statistics.median(off_times) - 1
    print(f"  page p50, metrics on vs off: {ratio * 100:+.1f}%")
    with app.app_context():
        db.engine.dispose()
    with off.app_context():
        db.engine.dispose()


def _postgresql(url: str) -> str:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument(
        "--postgresql",
        default=os.environ.get("COMMONS_BENCH_DATABASE_URL", ""),
        help="a scratch PostgreSQL database (its public schema is dropped)",
    )
    args = parser.parse_args()
    print(f"load: {os.getloadavg()[0]:.2f} (1 min), {args.messages} finished messages/deliveries")
    with tempfile.TemporaryDirectory() as tmp:
        if args.database in {"sqlite", "both"}:
            print("SQLite")
            run(f"sqlite:///{tmp}/bench.db", Path(tmp) / "sqlite", args.messages, args.requests)
        if args.database in {"postgresql", "both"}:
            if not args.postgresql:
                parser.error("--postgresql URL (or COMMONS_BENCH_DATABASE_URL) is needed")
            print("PostgreSQL")
            url = _postgresql(args.postgresql)
            run(url, Path(tmp) / "pg", args.messages, args.requests)


if __name__ == "__main__":
    main()
