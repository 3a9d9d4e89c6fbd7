"""Harvest at scale: 50,000 generated experiences, dumped, queried, listed and followed.

Run: .venv/bin/python bench/bench_harvest.py [--items 50000] [--small 10000] [--keep DIR]

Experiences are inserted in bulk (not through forms), then rendered into harvest records
the way `commons reindex` does. Then, each in its own process where memory matters:
- gzipped N-Triples dump: triples/s and peak memory, at `--small` items and at `--items`
  (target: >= 500,000 triples/s, < 150 MB, the same at both sizes); baseline rdflib
  serialising the same graph as N-Triples (on the `--small` subset: it needs ~1.3 GB/M);
- OAI-PMH ListRecords page of 100 (target < 200 ms);
- a running node (`commons serve`: 2 web processes, the background worker, the SPARQL
  index), once with the index in memory (`COMMONS_SPARQL_STORE=memory`, the design before
  issue 16) and once on disk (the default), in the same run: the proportional set size
  (PSS, /proc/<pid>/smaps_rollup) of every process and their sum (target: <= 500 MB at
  50,000 items), the index's start (load or build; then a restart), experiences counted by
  theme over HTTP /sparql (target < 0.5 s, and no slower than in memory), and catch-up:
  one publish visible to the next SPARQL query (target < 1 s).

`--node-only DIR` measures the node alone on a node kept earlier with `--keep DIR`.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import io
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from server import create_app  # noqa: E402
from server.extensions import db  # noqa: E402
from server.models import Actor, Item, Territory, Theme  # noqa: E402
from server.models.item import item_territory, item_theme  # noqa: E402
from vocab.terms import CC_BY_SA_4  # noqa: E402

STORES = ("memory", "disk")  # before issue 16, and after

COUNT_BY_THEME = """PREFIX commons: <https://w3id.org/transition-commons/ns#>
PREFIX dct: <http://purl.org/dc/terms/>
SELECT ?theme (COUNT(?e) AS ?n) WHERE { ?e a commons:Experience ; dct:subject ?theme }
GROUP BY ?theme"""
WORDS = (
    "énergie",
    "coopérative",
    "commune",
    "habitants",
    "chaleur",
    "épargne",
    "école",
    "forêt",
    "mobilité",
    "alimentation",
    "eau",
    "friche",
    "atelier",
    "réseau",
)


def app_for(data_dir: Path):
    return create_app(
        {
            "data_dir": data_dir,
            "database_url": f"sqlite:///{data_dir / 'bench.db'}",
            "base_url": "http://bench.example",
            "node_name": "Bench node",
        }
    )


def text(n: int, words: int) -> str:
    return " ".join(WORDS[(n * 7 + i * 3) % len(WORDS)] for i in range(words)) + f" {n}"


def generate(app, start: int, count: int) -> None:
    """Insert `count` published experiences in bulk, two themes and a territory each."""
    with app.app_context():
        actor = Actor.local()
        themes = list(db.session.scalars(select(Theme.id).order_by(Theme.id)))
        places = list(db.session.scalars(select(Territory.id).order_by(Territory.id)))
        if not places:
            db.session.execute(
                insert(Territory),
                [
                    {
                        "slug": f"commune-{n}",
                        "iri": f"http://bench.example/territories/commune-{n}",
                        "name": {"fr": f"Commune {n}"},
                        "kind": "commune",
                        "code": f"{10000 + n}",
                        "same_as": [],
                    }
                    for n in range(200)
                ],
            )
            places = list(db.session.scalars(select(Territory.id).order_by(Territory.id)))
        base = datetime(2020, 1, 1, tzinfo=UTC)
        for chunk in range(start, start + count, 5000):
            rows = []
            for n in range(chunk, min(chunk + 5000, start + count)):
                when = base + timedelta(minutes=n)
                rows.append(
                    {
                        "kind": "experience",
                        "slug": f"experience-{n}",
                        "iri": f"http://bench.example/experiences/experience-{n}",
                        "actor_id": actor.id,
                        "status": "published",
                        "language": "fr",
                        "license": CC_BY_SA_4,
                        "title": {"fr": text(n, 6).capitalize()},
                        "summary": {"fr": text(n + 1, 18)},
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
            ids_before = db.session.scalar(select(func.max(Item.id))) or 0
            db.session.execute(insert(Item), rows)
            new_ids = range(ids_before + 1, ids_before + 1 + len(rows))
            db.session.execute(
                insert(item_theme),
                [
                    {"item_id": i, "theme_id": themes[(i + k) % len(themes)]}
                    for i in new_ids
                    for k in (0, 5)
                ],
            )
            db.session.execute(
                insert(item_territory),
                [{"item_id": i, "territory_id": places[i % len(places)]} for i in new_ids],
            )
            db.session.commit()


def render(app, items: int) -> None:
    from server.harvest.rebuild import rebuild_all

    started = time.perf_counter()
    with app.app_context():
        rebuild_all()
        triples = db.session.execute(
            text_sql("SELECT sum(triples) FROM harvest_record WHERE deleted = 0")
        ).scalar()
    elapsed = time.perf_counter() - started
    print(
        f"records rendered: {items} items, {triples:,} triples in {elapsed:.1f} s "
        f"({items / elapsed:,.0f} items/s, the cost of `commons reindex`)"
    )


def text_sql(sql: str):
    from sqlalchemy import text as sa_text

    return sa_text(sql)


def _pss_mb(pid: int) -> float:
    """Return a process's proportional set size: shared pages split between sharers."""
    with open(f"/proc/{pid}/smaps_rollup") as handle:
        line = next(line for line in handle if line.startswith("Pss:"))
    return int(line.split()[1]) / 1024


def peak_rss_mb() -> float:
    """Return this process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited
    from the parent that forked us before exec)."""
    with open("/proc/self/status") as handle:
        line = next(line for line in handle if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def dump_child(data_dir: str, baseline: bool) -> None:
    """In a fresh process: time the gzipped N-Triples dump (or rdflib's) and its peak memory."""
    from server.harvest import dumps

    app = app_for(Path(data_dir))
    sink = io.BytesIO() if baseline else _Null()
    with app.app_context():
        db.session.execute(text_sql("SELECT 1"))
        before = peak_rss_mb()
        if baseline:
            import pyoxigraph as ox
            import rdflib

            graph = rdflib.Graph(bind_namespaces="none")
            for nt in db.session.scalars(
                text_sql("SELECT ntriples FROM harvest_record WHERE deleted = 0")
            ):
                for t in ox.parse(nt.encode(), format=ox.RdfFormat.N_TRIPLES):
                    graph.add(
                        (_rdflib(t.subject), rdflib.URIRef(t.predicate.value), _rdflib(t.object))
                    )
            tracemalloc.start()
            started = time.perf_counter()
            with gzip.GzipFile(
                fileobj=sink, mode="wb", compresslevel=dumps.GZIP_LEVEL, mtime=0
            ) as out:
                graph.serialize(out, format="nt", encoding="utf-8")
            triples = len(graph)
        else:
            tracemalloc.start()
            started = time.perf_counter()
            written, _ = dumps.write_ntriples(sink, compress=True)
            triples = written.triples
        elapsed = time.perf_counter() - started
        _, heap = tracemalloc.get_traced_memory()
    rss = peak_rss_mb()
    print(
        json.dumps(
            {"triples": triples, "seconds": elapsed, "heap_mb": heap / 1e6, "rss_mb": rss}
            | {"before_mb": before}
        )
    )


def _rdflib(term):
    import pyoxigraph as ox
    import rdflib

    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    datatype = None if term.language else rdflib.URIRef(term.datatype.value)
    return rdflib.Literal(term.value, lang=term.language, datatype=datatype)


class _Null:
    """A sink that only counts: the dump's speed without the disk's."""

    size = 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass


def measure_dump(data_dir: Path, label: str, baseline: bool = False, runs: int = 3) -> None:
    """Run the dump (or rdflib's) in fresh processes; report the median run."""
    command = [sys.executable, __file__, "--dump-child", str(data_dir)] + (
        ["--baseline"] if baseline else []
    )
    found = []
    for _ in range(1 if baseline else runs):
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        found.append(json.loads(done.stdout.strip().splitlines()[-1]))
    r = sorted(found, key=lambda run: run["seconds"])[len(found) // 2]
    who = "rdflib serialize" if baseline else f"gzipped N-Triples dump (median of {len(found)})"
    print(
        f"{who} at {label}: {r['triples']:,} triples in {r['seconds']:.2f} s = "
        f"{r['triples'] / r['seconds']:,.0f} triples/s; peak RSS {r['rss_mb']:.0f} MB, of which "
        f"{r['before_mb']:.0f} MB before the first row (the app); Python heap peak "
        f"{r['heap_mb']:.1f} MB"
    )


def measure_services(app) -> None:
    client = app.test_client()
    page = client.get("/oai?verb=ListRecords&metadataPrefix=oai_dc")
    token = page.data.decode().split('cursor="0">')[1].split("<")[0]
    for prefix, query in (
        ("oai_dc", "verb=ListRecords&metadataPrefix=oai_dc"),
        ("token", f"verb=ListRecords&resumptionToken={token}"),
        ("rdf", "verb=ListRecords&metadataPrefix=rdf"),
    ):
        timings = []
        for _ in range(7):
            started = time.perf_counter()
            response = client.get(f"/oai?{query}")
            timings.append(time.perf_counter() - started)
        assert response.status_code == 200 and response.data.count(b"<record>") == 100
        print(
            f"OAI-PMH ListRecords page of 100 ({prefix}): "
            f"median {statistics.median(timings) * 1000:.0f} ms (target < 200 ms)"
        )


def publish(app, title: str) -> str:
    """Publish one experience through the services, as an editor's form does."""
    from server.services.items import create_item, publish_item
    from vocab.objects import Experience

    with app.app_context():
        obj = Experience(id="", attributed_to="", name={"fr": title}, language="fr", license="")
        item = publish_item(create_item(obj))
        db.session.commit()
        return item.iri


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    return children


def _role(pid: int, parent_role: str) -> str:
    try:
        command = (Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")).decode()
    except OSError:
        return "gone"
    if parent_role == "SPARQL owner":
        return "SPARQL query worker"  # forked from the owner: the same command line
    if "sparql/owner.py" in command:
        return "SPARQL owner"
    if command.rstrip().endswith(" worker"):
        return "background worker"
    if parent_role == "background worker":
        return "validator"
    if parent_role == "web master":
        return "web process"
    return "web master" if parent_role == "" else f"child of {parent_role}"


def node_memory(root: int) -> list[tuple[str, int, float]]:
    """Every process of a running node (the tree under `commons serve`), with its PSS."""
    children, found = _children(), []
    todo = [(root, "")]
    while todo:
        pid, parent_role = todo.pop()
        role = _role(pid, parent_role)
        try:
            found.append((role, pid, _pss_mb(pid)))
        except (OSError, StopIteration):
            continue
        todo += [(child, role) for child in children.get(pid, [])]
    return sorted(found)


class RunningNode:
    """`commons serve` on the bench's node, with the SPARQL index kept in `store`."""

    def __init__(self, data_dir: Path, store: str, port: int = 8391) -> None:
        self.data_dir, self.store, self.port = data_dir, store, port
        self.url = f"http://127.0.0.1:{port}"
        env = dict(os.environ)
        env.update(
            COMMONS_DATA_DIR=str(data_dir),
            COMMONS_DATABASE_URL=f"sqlite:///{data_dir / 'bench.db'}",
            COMMONS_BASE_URL="http://bench.example",
            COMMONS_SPARQL_STORE=store,
            COMMONS_SPARQL_TIMEOUT="120",  # a shared, loaded machine: time, never kill
            COMMONS_ACCESS_LOG="",
            PYTHONPATH=str(ROOT),
        )
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from server.cli import main; main()", "serve"]
            + ["--port", str(port), "--workers", "2"],
            env=env,
            cwd=ROOT,
            stdout=(data_dir / f"serve-{store}.log").open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{self.url}/.well-known/nodeinfo", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline and self.process.poll() is None, "no node"
            time.sleep(0.2)

    def sparql(self, query: str) -> requests.Response:
        return requests.post(
            f"{self.url}/sparql",
            data=query.encode(),
            headers={
                "Content-Type": "application/sparql-query",
                "Accept": "application/sparql-results+json",
            },
            timeout=120,
        )

    def wait_for_index(self) -> float:
        """Ask until the index answers (it loads or builds first); return the seconds."""
        started = time.perf_counter()
        while self.sparql("ASK { ?s ?p ?o }").status_code != 200:
            assert time.perf_counter() - started < 1800, "the index never answered"
            time.sleep(0.5)
        return time.perf_counter() - started

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        # The SPARQL owner leaves when the web process that started it has gone.
        deadline = time.monotonic() + 15
        while any("sparql/owner.py" in _cmdline(pid) for pid in _pids()) and (
            time.monotonic() < deadline
        ):
            time.sleep(0.2)


def _pids() -> list[int]:
    return [int(e.name) for e in Path("/proc").iterdir() if e.name.isdigit()]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


def _index_cpu(root: int) -> float:
    """CPU seconds used so far by the SPARQL index's processes (owner and query worker):
    what a query costs, whatever else the machine runs."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for role, pid, _ in node_memory(root):
        if role.startswith("SPARQL"):
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / tick
    return total


def measure_node(app, data_dir: Path, store: str) -> dict:
    """Serve the node with its index in `store`; time the index and weigh every process."""
    node = RunningNode(data_dir, store)
    try:
        first = node.wait_for_index()
        timings, cpu = [], []
        for _ in range(7):
            used = _index_cpu(node.process.pid)
            started = time.perf_counter()
            answer = node.sparql(COUNT_BY_THEME)
            timings.append(time.perf_counter() - started)
            cpu.append(_index_cpu(node.process.pid) - used)
            assert answer.status_code == 200, answer.text
        themes = len(answer.json()["results"]["bindings"])
        latencies = []
        for n in range(5):
            iri = publish(app, f"Publiée pendant la mesure {store} {n}")
            committed = time.perf_counter()
            answer = node.sparql(f"ASK {{ <{iri}> ?p ?o }}")
            latencies.append(time.perf_counter() - committed)
            assert answer.json()["boolean"], "the publish was not visible to the next query"
        processes = node_memory(node.process.pid)
    finally:
        node.stop()
    node = RunningNode(data_dir, store)
    try:
        restart = node.wait_for_index()
    finally:
        node.stop()
    return {
        "first": first,
        "restart": restart,
        "median": statistics.median(timings),
        "cpu": statistics.median(cpu),
        "best": min(timings),
        "themes": themes,
        "catch_up": max(latencies),
        "processes": processes,
    }


def report_nodes(found: dict[str, dict]) -> None:
    """Print the two runs side by side: each process's PSS and the SPARQL times."""
    print("running node, PSS per process (MB), index in memory (before) | on disk (after):")
    for store, run in found.items():
        total = sum(pss for _, _, pss in run["processes"])
        print(f"  [{store}] total {total:.0f} MB (target <= 500 MB)")
        for role, pid, pss in run["processes"]:
            print(f"    {role:22} pid {pid:>7}  {pss:7.1f} MB")
    for store, run in found.items():
        print(
            f"  [{store}] SPARQL count experiences by theme ({run['themes']} themes) over HTTP: "
            f"median {run['median']:.3f} s, best {run['best']:.3f} s (target < 0.5 s), "
            f"CPU of the index processes {run['cpu']:.3f} s (median); "
            f"publish -> visible: worst {run['catch_up'] * 1000:.0f} ms of 5 (target < 1 s); "
            f"index ready {run['first']:.1f} s after the first query, "
            f"{run['restart']:.1f} s after a restart"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="Keep the generated node in this folder.")
    parser.add_argument("--dump-child", help=argparse.SUPPRESS)
    parser.add_argument("--baseline", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--node-only", type=Path, help="Measure the node kept in this folder.")
    args = parser.parse_args()
    if args.dump_child:
        dump_child(args.dump_child, args.baseline)
        return
    if args.node_only:
        app = app_for(args.node_only)
        report_nodes({store: measure_node(app, args.node_only, store) for store in STORES})
        return
    data_dir = args.keep or Path(tempfile.mkdtemp(prefix="bench-harvest-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    app = app_for(data_dir)
    with app.app_context():
        from server.services.node import initialise_node

        db.create_all()
        initialise_node()
    started = time.perf_counter()
    generate(app, 0, args.small)
    print(
        f"generated {args.small} experiences in {time.perf_counter() - started:.1f} s (bulk insert)"
    )
    render(app, args.small)
    measure_dump(data_dir, f"{args.small:,} items")
    measure_dump(data_dir, f"{args.small:,} items", baseline=True)
    started = time.perf_counter()
    generate(app, args.small, args.items - args.small)
    print(f"generated {args.items - args.small} more in {time.perf_counter() - started:.1f} s")
    render(app, args.items)
    measure_dump(data_dir, f"{args.items:,} items")
    measure_services(app)
    report_nodes({store: measure_node(app, data_dir, store) for store in STORES})
    if args.keep:
        print(f"(node kept in {data_dir})")
    else:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
