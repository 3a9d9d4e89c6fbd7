"""The cost of rate limits per request: a search with limits on versus off, in the same run.

Run: .venv/bin/python bench/bench_rate_limits.py [--requests 300]
     [--postgresql URL] [--redis URL]

A node with the demo content answers `GET /search?q=eau` (JSON) through the WSGI test client
(no HTTP, so the limiter's share is not hidden by the network). Two applications of the same
node, one with limits off (the baseline) and one with a limit never reached, take turns
request by request; p50 and p95 of each, and the difference of the medians. Stores: the
database on SQLite and on PostgreSQL, and Redis (counters in Redis, node on SQLite). Also the
count alone (`Limiter.hit`, one address) to show what one upsert or one Redis call costs.
Prints figures only, never asserts on them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from server import create_app  # noqa: E402
from server.extensions import db  # noqa: E402

NEVER_REACHED = "search=100000000/minute"
PATH = "/search?q=eau"


def app_for(url: str, data_dir: str, rate_limits: str, redis_url: str = ""):
    return create_app(
        {
            "data_dir": data_dir,
            "database_url": url,
            "base_url": "http://bench.example",
            "rate_limits": rate_limits,
            "redis_url": redis_url,
        }
    )


def prepare(url: str, data_dir: str) -> None:
    from server.services.demo import seed_demo
    from server.services.node import initialise_node

    app = app_for(url, data_dir, "off")
    with app.app_context():
        if url.startswith("postgresql"):
            db.session.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            db.session.execute(text("CREATE SCHEMA public"))
            db.session.commit()
        db.create_all()
        initialise_node()
        seed_demo()
        db.session.commit()
        db.engine.dispose()


def percentiles(timings: list[float]) -> tuple[float, float]:
    ordered = sorted(timings)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.95) - 1] * 1000


def run(label: str, url: str, requests: int, redis_url: str = "") -> None:
    data_dir = tempfile.mkdtemp()
    prepare(url, data_dir)
    off = app_for(url, data_dir, "off")
    on = app_for(url, data_dir, NEVER_REACHED, redis_url)
    clients = {"off": off.test_client(), "on": on.test_client()}
    timings: dict[str, list[float]] = {"off": [], "on": []}
    headers = {"Accept": "application/json"}
    for client in clients.values():  # warm both up
        for _ in range(5):
            assert client.get(PATH, headers=headers).status_code == 200
    for _ in range(requests):
        for name, client in clients.items():
            started = time.perf_counter()
            response = client.get(PATH, headers=headers)
            timings[name].append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
    off50, off95 = percentiles(timings["off"])
    on50, on95 = percentiles(timings["on"])
    limiter = on.extensions["rate_limits"]
    hits = []
    with on.app_context():
        for _ in range(requests):
            started = time.perf_counter()
            limiter.hit("search", ["address:192.0.2.9"])
            hits.append(time.perf_counter() - started)
    hit50, hit95 = percentiles(hits)
    print(
        f"{label}: search off p50 {off50:.2f} p95 {off95:.2f} ms; on p50 {on50:.2f} "
        f"p95 {on95:.2f} ms; difference of medians {on50 - off50:+.2f} ms "
        f"({(on50 - off50) / off50:+.1%}); the count alone p50 {hit50:.3f} p95 {hit95:.3f} ms"
    )
    for app in (off, on):
        with app.app_context():
            db.engine.dispose()


def reachable_postgresql(url: str) -> bool:
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means: skip PostgreSQL
        print(f"PostgreSQL skipped: {str(exc).splitlines()[0]}")
        return False
    return True


def reachable_redis(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError as exc:
        print(f"Redis skipped: {exc}")
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="timed requests per figure")
    parser.add_argument(
        "--postgresql",
        default=os.environ.get(
            "COMMONS_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench"
        ),
    )
    parser.add_argument(
        "--redis", default=os.environ.get("COMMONS_BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
    )
    args = parser.parse_args()
    run("SQLite (counters in the database)", _sqlite(), args.requests)
    if reachable_postgresql(args.postgresql):
        run("PostgreSQL (counters in the database)", args.postgresql, args.requests)
    if reachable_redis(args.redis):
        run("Redis (node on SQLite)", _sqlite(), args.requests, args.redis)


def _sqlite() -> str:
    return f"sqlite:///{tempfile.mkdtemp()}/bench.db"


if __name__ == "__main__":
    main()
