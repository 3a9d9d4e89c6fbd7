"""The relational atlas at scale: /atlas.json for the whole thesaurus over N published items.

Run: .venv/bin/python bench/bench_atlas.py [--items 100000] [--runs 20] [--database-url URL]

Items are inserted in bulk (Core statements, not forms) on the default thesaurus, three
themes each, mixed kinds, a territory each (with a region above them). Then /atlas.json is
requested through the test client: whole, and narrowed by kind and by territory, each
twice: "cold", the counts and co-occurrences computed every time (`server.search.cache`
off: the first request after any change of items or of the thesaurus), and "kept", asked
again while the search index's generation stays. With the code of before the cache, one
figure per address. Target: p95 < 100 ms for the whole thesaurus at 100,000 items.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select, text, update  # noqa: E402

from server import create_app  # noqa: E402
from server.extensions import db  # noqa: E402
from server.models import Actor, Item, Territory, Theme  # noqa: E402
from server.models.item import item_territory, item_theme  # noqa: E402
from vocab.terms import CC_BY_SA_4  # noqa: E402

try:  # the same bench runs on the code of before the cache, for a baseline
    from server.search import cache
except ImportError:  # pragma: no cover
    cache = None

KINDS = ("experience", "experience", "principle", "resource")
TARGET_MS = 100.0


def generate(app, count: int) -> None:
    """Insert `count` published items in bulk: three themes and a commune each."""
    with app.app_context():
        actor = Actor.local()
        themes = list(db.session.scalars(select(Theme.id).order_by(Theme.id)))
        db.session.execute(
            insert(Territory),
            [
                {
                    "slug": "region-bench",
                    "iri": "http://bench.example/territories/region-bench",
                    "name": {"fr": "Région"},
                    "kind": "region",
                    "same_as": [],
                }
            ],
        )
        region = db.session.scalar(select(Territory.id).where(Territory.slug == "region-bench"))
        db.session.execute(
            insert(Territory),
            [
                {
                    "slug": f"commune-{n}",
                    "iri": f"http://bench.example/territories/commune-{n}",
                    "name": {"fr": f"Commune {n}"},
                    "kind": "commune",
                    "same_as": [],
                    "latitude": 43.0 + n / 100,
                    "longitude": 1.0 + n / 100,
                }
                for n in range(200)
            ],
        )
        places = list(db.session.scalars(select(Territory.id).where(Territory.kind == "commune")))
        # Half the communes lie in the region, so that ?territory= walks a tree.
        db.session.execute(
            update(Territory).where(Territory.id.in_(places[:100])).values(parent_id=region)
        )
        base = datetime(2020, 1, 1, tzinfo=UTC)
        for chunk in range(0, count, 5000):
            rows = []
            for n in range(chunk, min(chunk + 5000, count)):
                when = base + timedelta(minutes=n)
                kind = KINDS[n % len(KINDS)]
                rows.append(
                    {
                        "kind": kind,
                        "slug": f"{kind}-{n}",
                        "iri": f"http://bench.example/{kind}s/{kind}-{n}",
                        "actor_id": actor.id,
                        "status": "published",
                        "language": "fr",
                        "license": CC_BY_SA_4,
                        "title": {"fr": f"Élément {n}"},
                        "summary": {},
                        "body": {},
                        "body_html": {},
                        "authors": [],
                        "links": [],
                        "indexable": True,
                        "hidden": False,
                        "organisations": [],
                        "circumstances": {},
                        "lessons": {},
                        "limits": {},
                        "created_at": when,
                        "updated_at": when,
                        "published_at": when,
                    }
                )
            before = db.session.scalar(select(func.max(Item.id))) or 0
            db.session.execute(insert(Item), rows)
            new_ids = range(before + 1, before + 1 + len(rows))
            db.session.execute(
                insert(item_theme),
                [
                    {"item_id": i, "theme_id": theme}
                    for i in new_ids
                    for theme in {themes[(i * k + k) % len(themes)] for k in (1, 3, 7)}
                ],
            )
            db.session.execute(
                insert(item_territory),
                [{"item_id": i, "territory_id": places[i % len(places)]} for i in new_ids],
            )
            db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()


def measure(client, path: str, runs: int) -> tuple[float, float, int]:
    """Return p50 and p95 in ms of `runs` requests of `path` (after one warm-up), and bytes."""
    size = len(client.get(path).data)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)], size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--database-url", default="", help="an empty database (default SQLite)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        app = create_app(
            {"data_dir": Path(tmp), "database_url": url, "base_url": "http://bench.example"}
        )
        with app.app_context():
            if url.startswith("postgresql"):
                db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
                db.session.commit()
            db.create_all()
            from server.services.node import initialise_node

            initialise_node()
            concepts = db.session.scalar(select(func.count(Theme.id)))
        started = time.perf_counter()
        generate(app, args.items)
        elapsed = time.perf_counter() - started
        print(f"{args.items} items on {concepts} concepts ({url.split(':')[0]}): {elapsed:.1f} s")
        client = app.test_client()
        worst: dict[str, float] = {}
        for mode in ("cold", "kept") if cache else ("",):
            if cache:
                cache.enabled = mode == "kept"
            for label, path in (
                ("whole thesaurus", "/atlas.json"),
                ("?kind=experience", "/atlas.json?kind=experience"),
                ("?territory=region", "/atlas.json?territory=region-bench"),
                ("one concept's neighbourhood", "/atlas.json?concept=local-savings"),
            ):
                p50, p95, size = measure(client, path, args.runs)
                if label == "whole thesaurus":
                    worst[mode] = p95
                print(
                    f"/atlas.json {label:30} {mode:4} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  "
                    f"{size} bytes"
                )
        for mode, p95 in worst.items():
            print(
                f"target: whole thesaurus {mode} p95 < {TARGET_MS:.0f} ms: "
                f"{'met' if p95 < TARGET_MS else 'NOT met'}"
            )


if __name__ == "__main__":
    main()
