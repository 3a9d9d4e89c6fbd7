"""Search at scale: items in French and English, half of them followed nodes' copies.

Run: .venv/bin/python bench/bench_search.py [--items 100000] [--queries 40]
     [--database sqlite|postgresql|both] [--postgresql URL]

Items, themes (three levels), territories (regions and communes) and actors (this node and
five followed ones) are inserted in bulk, then indexed the way `commons reindex` does
(`server.search.index.rebuild`): index build rate (items/s) and index size on disk.
Then, for a one-word and a two-word query, p50 and p95 of:
- bare: the full-text query alone (a page of ids by relevance, no facets, no snippets),
  the baseline, measured in the same run;
- search: `search()` with every facet counted and the page's snippets;
- page: GET /search?q=... through the Flask test client, the HTML page rendered;
- JSON: the same with `Accept: application/json`.
Search, page and JSON are each measured twice: "cold", the facet counts computed every
time (`server.search.cache` off: the first search after any change of the data), and
"kept", the same request again while the index's generation stays (the counts kept).
Target (issue 12): p95 <= 50 ms for the whole page, <= 2.5x the bare query. With the code
of before the cache (no `server.search.cache`), only one figure is printed per form.
Prints figures only, never asserts on them.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, select, text  # noqa: E402

from server import create_app  # noqa: E402
from server.extensions import db  # noqa: E402
from server.models import Actor, Item, ItemStatus, Territory, Theme, ThemeLink  # noqa: E402
from server.models.item import _ALL_COLUMNS, item_territory, item_theme  # noqa: E402
from server.search import Query, search  # noqa: E402
from server.search.index import TABLE, rebuild  # noqa: E402
from server.search.match import match  # noqa: E402

try:  # the same bench runs on the code of before the cache, for a baseline
    from server.search import cache
except ImportError:  # pragma: no cover
    cache = None
from vocab.terms import LICENSES  # noqa: E402

FR = (  # noqa: SIM905 - a sentence reads better than a list of words
    "transition énergétique logements sociaux rénovation isolation thermique habitants "
    "sobriété collectivités locales mobilités douces vélo covoiturage alimentation circuits "
    "courts agriculture biologique coopérative citoyenne économie solidaire épargne "
    "biodiversité jardins partagés eau potable déchets compost réemploi éducation populaire "
    "gouvernance partagée tiers-lieu ressourcerie chaufferie bois photovoltaïque commune "
    "territoire association bénévoles formation accompagnement financement expérimentation"
).split()
EN = (  # noqa: SIM905
    "community energy cooperative housing retrofit insulation households bills solar panels "
    "heating efficiency local savings mobility cycling car sharing food short supply chains "
    "organic farming citizen economy biodiversity shared gardens water waste compost reuse "
    "education governance third place repair café wood boiler council territory volunteers "
    "training support funding experiment neighbourhood"
).split()
SUFFIXES_FR = ("", "", "", "s", "es", "ment", "ités", "ique", "ées")
SUFFIXES_EN = ("", "", "", "s", "es", "ing", "ed")
QUERIES = {"one word": "énergie", "two words": "transition logement"}


def sentence(rnd: random.Random, lang: str, n: int) -> str:
    vocab, suffixes = (FR, SUFFIXES_FR) if lang == "fr" else (EN, SUFFIXES_EN)
    return " ".join(rnd.choice(vocab) + rnd.choice(suffixes) for _ in range(n))


def populate(count: int, rnd: random.Random) -> None:
    """Insert the thesaurus, places, actors and `count` items in bulk."""
    base = "http://bench.test"
    local = Actor(iri=f"{base}/actor", origin=base, is_local=True, handle="bench")
    peers = [
        Actor(iri=f"https://peer{i}.test/actor", origin=f"https://peer{i}.test") for i in range(5)
    ]
    db.session.add_all([local, *peers])
    themes = [
        Theme(slug=f"t{i}", iri=f"{base}/themes/t{i}", pref_label={"fr": f"thème {i}"})
        for i in range(60)
    ]
    regions = [
        Territory(slug=f"r{i}", iri=f"{base}/r/{i}", name={"fr": f"Région {i}"}, kind="region")
        for i in range(13)
    ]
    db.session.add_all(themes + regions)
    db.session.flush()
    for i, theme in enumerate(themes[6:], start=6):  # 6 roots, 18 below them, 36 below those
        parent = themes[i // 3 - 2 if i >= 24 else i % 6]
        db.session.add(ThemeLink(theme_id=theme.id, target_id=parent.id, relation="broader"))
    communes = [
        Territory(
            slug=f"c{i}",
            iri=f"{base}/c/{i}",
            name={"fr": f"Commune {i}"},
            parent_id=regions[i % 13].id,
        )
        for i in range(400)
    ]
    db.session.add_all(communes)
    db.session.commit()
    actors = [local.id] + [p.id for p in peers]
    licences = list(LICENSES)
    empty = {column: content.empty() for column, content in _ALL_COLUMNS.items()}
    start = datetime(2015, 1, 1, tzinfo=UTC)
    table = Item.__table__
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    for first in range(0, count, 2000):
        rows, links = [], []
        for i in range(first, min(count, first + 2000)):
            lang = "fr" if i % 3 else "en"
            copy = i % 2 == 1
            when = start + timedelta(hours=i * 7 % 90000)
            rows.append(
                {
                    **empty,
                    "kind": ("experience", "resource", "principle")[i % 5 % 3],
                    "slug": f"item-{i}",
                    "iri": f"https://peer{i % 5}.test/items/{i}" if copy else f"{base}/i/{i}",
                    "actor_id": actors[1 + i % 5] if copy else actors[0],
                    "status": ItemStatus.PUBLISHED,
                    "language": lang,
                    "license": licences[i % len(licences)],
                    "indexable": True,
                    "title": {lang: sentence(rnd, lang, rnd.randint(4, 10))},
                    "summary": {lang: sentence(rnd, lang, rnd.randint(20, 60))},
                    "body": {lang: sentence(rnd, lang, rnd.randint(150, 600))},
                    "authors": ["Association du Lien"],
                    "created_at": when,
                    "updated_at": when,
                    "published_at": when,
                }
            )
            links.append(
                (rnd.sample(themes, rnd.randint(1, 3)), rnd.sample(communes, rnd.randint(1, 2)))
            )
        ids = db.session.execute(statement, rows).scalars().all()
        db.session.execute(
            insert(item_theme),
            [
                {"item_id": i, "theme_id": t.id}
                for i, (ts, _) in zip(ids, links, strict=True)
                for t in ts
            ],
        )
        db.session.execute(
            insert(item_territory),
            [
                {"item_id": i, "territory_id": p.id}
                for i, (_, ps) in zip(ids, links, strict=True)
                for p in ps
            ],
        )
        db.session.commit()


def index_size(url: str) -> int:
    if url.startswith("postgresql"):
        return db.session.scalar(text(f"SELECT pg_total_relation_size('{TABLE}')"))
    try:
        return db.session.scalar(text(f"SELECT sum(pgsize) FROM dbstat WHERE name LIKE '{TABLE}%'"))
    except Exception:  # noqa: BLE001 - dbstat may be missing from this SQLite build
        return -1


def timed(fn, repeat: int) -> tuple[float, float]:
    fn()  # warm
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        db.session.rollback()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def page(client, words: str, accept: str) -> None:
    response = client.get("/search", query_string={"q": words}, headers={"Accept": accept})
    assert response.status_code == 200, response.status_code
    response.get_data()


def bare(words: str):
    query = Query(text=words)
    ranked = match(db.session, query.terms).ids.subquery()
    statement = select(ranked.c.item_id).order_by(ranked.c.score.desc()).limit(20)
    return lambda: list(db.session.scalars(statement))


def run(url: str, items: int, repeat: int) -> None:
    app = create_app({"data_dir": tempfile.mkdtemp(), "database_url": url})
    with app.app_context():
        if url.startswith("postgresql"):
            db.session.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            db.session.execute(text("CREATE SCHEMA public"))
            db.session.commit()
        db.create_all()
        started = time.perf_counter()
        populate(items, random.Random(12))
        print(f"  {items} items inserted in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        indexed = rebuild()
        db.session.commit()
        elapsed = time.perf_counter() - started
        print(f"  index build: {indexed / elapsed:,.0f} items/s ({elapsed:.1f} s)")
        if url.startswith("postgresql"):
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        size = index_size(url)
        print(f"  index size: {size / 1e6:.1f} MB" if size > 0 else "  index size: unknown")
        client = app.test_client()
        for label, words in QUERIES.items():
            total = search(Query(text=words)).total
            b50, b95 = timed(bare(words), repeat)
            print(f"  {label} ({words!r}, {total} hits): bare p50 {b50:.1f} p95 {b95:.1f} ms")
            forms = {
                "search()": lambda w=words: search(Query(text=w)),
                "HTML page": lambda w=words: page(client, w, "text/html"),
                "JSON": lambda w=words: page(client, w, "application/json"),
            }
            for mode in ("cold", "kept") if cache else ("",):
                if cache:
                    cache.enabled = mode == "kept"
                for name, fn in forms.items():
                    p50, p95 = timed(fn, repeat)
                    print(
                        f"    {name:9} {mode:4} p50 {p50:6.1f} p95 {p95:6.1f} ms "
                        f"({p95 / b95:.1f}x bare p95)"
                    )
            if cache:
                cache.enabled = True
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=40, help="timed runs per figure")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--postgresql",
        default=os.environ.get(
            "COMMONS_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench"
        ),
    )
    args = parser.parse_args()
    if args.database in ("sqlite", "both"):
        print("SQLite")
        run(f"sqlite:///{tempfile.mkdtemp()}/search.db", args.items, args.queries)
    if args.database in ("postgresql", "both"):
        try:
            engine = create_engine(args.postgresql, connect_args={"connect_timeout": 3})
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            engine.dispose()
        except Exception as exc:  # noqa: BLE001 - any failure means: skip PostgreSQL
            print(f"PostgreSQL skipped: {str(exc).splitlines()[0]}")
            return
        print("PostgreSQL")
        run(args.postgresql, args.items, args.queries)


if __name__ == "__main__":
    main()
