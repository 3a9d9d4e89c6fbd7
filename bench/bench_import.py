"""Import speed and memory: RSS items and CSV rows, against parsing the same source alone.

Run: .venv/bin/python bench/bench_import.py [records] [smaller]
Defaults: 10,000 records, and 2,500 for the second size (memory should not grow with the
number of records). Each measure runs in a child process of its own on a fresh SQLite
node, so peak memory (ru_maxrss) is that measure's alone. The baseline reads the source
with the same reader and writes nothing: what is left is the cost of writing items.
"""

from __future__ import annotations

import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def write_rss(path: Path, n: int) -> None:
    with path.open("w") as out:
        out.write(
            '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/">'
            "<channel><title>Bench</title><link>https://bench.example.org/</link>"
            "<language>fr</language>\n"
        )
        for i in range(n):
            out.write(
                f"<item><title>Fiche {i}</title><link>https://bench.example.org/a{i}</link>"
                f"<guid>https://bench.example.org/a{i}</guid><dc:creator>Auteur {i % 50}"
                f"</dc:creator><dc:subject>Mobilité</dc:subject><dc:subject>Énergie"
                f"</dc:subject><dc:rights>CC BY 4.0</dc:rights>"
                f"<pubDate>Tue, 05 Mar 2024 09:00:00 +0000</pubDate>"
                f"<description>&lt;p&gt;Résumé de la fiche {i}.&lt;/p&gt;</description>"
                f"<content:encoded>&lt;p&gt;Le texte de la fiche {i}, avec "
                f"&lt;strong&gt;du gras&lt;/strong&gt;.&lt;/p&gt;</content:encoded></item>\n"
            )
        out.write("</channel></rss>\n")


def write_csv(path: Path, n: int) -> None:
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "title", "summary", "text", "authors", "themes", "license"])
        for i in range(n):
            writer.writerow(
                [
                    f"r{i}",
                    f"Fiche {i}",
                    f"Résumé {i}",
                    f"Le texte **{i}**",
                    f"Auteur {i % 50}",
                    "Mobilité; Énergie",
                    "CC BY 4.0",
                ]
            )


def child(fmt: str, n: int, mode: str) -> None:
    """One measure, printed as JSON: records/s and peak memory of this process."""
    from server import create_app
    from server.extensions import db

    tmp = Path(tempfile.mkdtemp(prefix="bench-import-"))
    source = tmp / f"source.{fmt}"
    (write_rss if fmt == "rss" else write_csv)(source, n)
    app = create_app(
        {
            "data_dir": tmp / "data",
            "database_url": f"sqlite:///{tmp}/node.db",
            "base_url": "https://bench.example.org",
        }
    )
    with app.app_context():
        from flask_migrate import upgrade

        from server.importer.run import Import, Options, open_reader
        from server.services.node import initialise_node

        upgrade()
        initialise_node()
        db.session.commit()
        start = time.perf_counter()
        reader, _ = open_reader(str(source), None)
        if mode == "parse":
            count = sum(1 for _ in reader)
        else:
            outcome = Import(Options(publish=True)).run(reader)
            count = outcome.counts["create"]
        seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"records": count, "per_second": count / seconds, "peak_mb": peak_mb}))


def measure(fmt: str, n: int, mode: str) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--child", fmt, str(n), mode],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], int(sys.argv[3]), sys.argv[4])
        return
    big = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    small = int(sys.argv[2]) if len(sys.argv) > 2 else max(big // 4, 1)
    print(f"{'source':<6} {'records':>8} {'mode':<7} {'records/s':>10} {'peak MB':>8}")
    for fmt in ("rss", "csv"):
        for n in (small, big):
            for mode in ("parse", "import"):
                m = measure(fmt, n, mode)
                assert m["records"] == n, m
                print(f"{fmt:<6} {n:>8} {mode:<7} {m['per_second']:>10.0f} {m['peak_mb']:>8.0f}")


if __name__ == "__main__":
    main()
