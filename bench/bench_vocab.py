"""Time rendering one object in each RDF format: our code against rdflib doing the same.

Run: .venv/bin/python bench/bench_vocab.py [runs]
Prints a table of medians (microseconds). The rdflib baseline builds the graph by parsing
the object's JSON-LD (what rdflib alone would do), then serialises with rdflib.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import rdflib

from vocab.context import expand_contexts
from vocab.examples import ACTOR, example_principle
from vocab.objects import GuidingPrinciple
from vocab.rdf import serialize, to_graph
from vocab.terms import CC_BY_SA_4
from vocab.validation import validate

RDFLIB_FORMATS = {"jsonld": "json-ld", "turtle": "turtle", "nt": "nt", "rdfxml": "xml"}


def median_us(func: Callable[[], object], runs: int) -> float:
    """Return the median wall time of `func` in microseconds over `runs` calls."""
    func()  # warm caches (context tables, shapes) as a running server would have them
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def rdflib_render(obj: object, fmt: str) -> Callable[[], object]:
    """Return a callable rendering `obj` with rdflib only (parse JSON-LD, serialise)."""
    doc = json.dumps(expand_contexts(obj.to_jsonld()))  # type: ignore[attr-defined]

    def render() -> object:
        graph = rdflib.Graph().parse(data=doc, format="json-ld")
        return graph.serialize(format=RDFLIB_FORMATS[fmt])

    return render


def small_object() -> GuidingPrinciple:
    """Return a principle with only its required fields and one theme: about 25 triples."""
    full = example_principle()
    return GuidingPrinciple(
        id=full.id,
        attributed_to=ACTOR,
        name={"fr": full.name["fr"]},
        language="fr",
        license=CC_BY_SA_4,
        themes=full.themes,
    )


def table(label: str, obj: object, runs: int) -> None:
    """Print one table of medians for `obj`."""
    print(f"\n{label}: {len(to_graph(obj))} triples; median of {runs} runs")  # type: ignore[arg-type]
    print(f"{'format':<8} {'ours (us)':>10} {'rdflib (us)':>12} {'speed-up':>9}")
    for fmt in RDFLIB_FORMATS:
        ours = median_us(lambda fmt=fmt: serialize(obj, fmt), runs)  # type: ignore[arg-type]
        theirs = median_us(rdflib_render(obj, fmt), max(runs // 5, 20))
        print(f"{fmt:<8} {ours:>10.0f} {theirs:>12.0f} {theirs / ours:>8.1f}x")
    graph_us = median_us(lambda: to_graph(obj), runs)  # type: ignore[arg-type]
    valid_us = median_us(lambda: validate(obj.to_jsonld()), max(runs // 10, 20))  # type: ignore[attr-defined]
    print(f"to_graph (rdflib Graph, direct): {graph_us:.0f} us")
    print(f"validate (SHACL, no inference):  {valid_us:.0f} us")


def main() -> None:
    """Print the tables: a small object (the ~20-triple target) and a complete one."""
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    table("small GuidingPrinciple", small_object(), runs)
    table("complete GuidingPrinciple example", example_principle(), runs)


if __name__ == "__main__":
    main()
