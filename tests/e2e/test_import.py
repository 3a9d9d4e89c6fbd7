"""A new node takes in an older node's collection through its OAI-PMH endpoint, over HTTP."""

from __future__ import annotations

import csv
import signal
import subprocess

import pytest

from tests.e2e.harness import COMMAND, wait_for

pytestmark = pytest.mark.slow


def test_a_node_imports_another_nodes_oai_pmh_set_page_by_page(make_node, tmp_path):
    # The older node's resource centre: 120 resources from a spreadsheet, so that its
    # /oai answers in two pages joined by a resumption token.
    sheet = tmp_path / "centre.csv"
    with sheet.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "title", "summary", "themes", "license", "kind"])
        for n in range(120):
            writer.writerow(
                [f"r{n}", f"Fiche {n}", f"Résumé {n}", "Mobilité", "CC BY 4.0", "resource"]
            )
    centre = make_node("centre", start=False)
    assert "120 created" in centre.cli("import", str(sheet), "--publish").stdout
    centre.start(workers=1, with_worker=False)
    newcomer = make_node("newcomer", start=False)

    url = f"{centre.base_url}/oai"
    dry = newcomer.cli("import", url, "--format", "oai", "--set", "type:resource", "--dry-run")
    assert "oai: 120 would be created" in dry.stdout, dry.stdout + dry.stderr
    assert newcomer.query("SELECT count(*) FROM item") == [(0,)]

    first = newcomer.cli("import", url, "--set", "type:resource", "--publish")
    assert "oai: 120 created, 0 updated, 0 skipped (unchanged), 0 refused." in first.stdout
    rows = newcomer.query(
        "SELECT i.status, i.imported_from, t.slug FROM item i "
        "JOIN item_theme it ON it.item_id = i.id JOIN theme t ON t.id = it.theme_id "
        "WHERE CAST(i.title AS TEXT) LIKE '%Fiche 7\"%'"
    )
    assert rows == [("published", f"{centre.base_url}/resources/fiche-7", "mobility")]

    again = newcomer.cli("import", url, "--set", "type:resource", "--publish")
    assert "oai: 0 created, 0 updated, 120 skipped (unchanged), 0 refused." in again.stdout
    assert newcomer.query("SELECT count(*) FROM item") == [(120,)]

    # An edit at the source shows after the next run.
    with sheet.open("a", newline="") as out:
        csv.writer(out).writerow(["r120", "Fiche 120", "", "", "CC BY 4.0", "resource"])
    sheet.write_text(sheet.read_text().replace("Résumé 3,", "Résumé revu 3,"))
    assert "1 created, 1 updated" in centre.cli("import", str(sheet), "--publish").stdout
    third = newcomer.cli("import", url, "--set", "type:resource", "--publish")
    assert "oai: 1 created, 1 updated, 119 skipped (unchanged), 0 refused." in third.stdout
    revised = "SELECT count(*) FROM item WHERE CAST(summary AS TEXT) LIKE '%revu 3%'"
    assert newcomer.query(revised) == [(1,)]


def test_an_interrupted_import_leaves_whole_items_and_finishes_when_run_again(make_node, tmp_path):
    sheet = tmp_path / "big.csv"
    with sheet.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "title", "themes", "license"])
        for n in range(1500):
            writer.writerow([f"r{n}", f"Fiche {n}", "Mobilité; Énergie", "CC BY 4.0"])
    node = make_node("centre", start=False)

    def items() -> int:
        return node.query("SELECT count(*) FROM item")[0][0]

    def whole() -> bool:
        """Every item has its import record, and every record its item."""
        orphans = node.query(
            "SELECT count(*) FROM item i LEFT JOIN imported_record r ON r.item_id = i.id "
            "WHERE r.id IS NULL"
        )
        return orphans == [(0,)]

    for sig in (signal.SIGINT, signal.SIGKILL):  # Ctrl-C, then a killed process
        before = items()
        process = subprocess.Popen(
            [*COMMAND, "import", str(sheet)],
            env=node.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        wait_for(
            lambda before=before: items() > before + 100, timeout=120, message="some rows imported"
        )
        process.send_signal(sig)
        _, err = process.communicate(timeout=60)
        assert process.returncode != 0
        if sig == signal.SIGINT:
            assert "interrupted: what was written is whole; run the same import again" in err
        assert whole() and items() < 1500

    done = items()
    last = node.cli("import", str(sheet))
    assert f"csv: {1500 - done} created, 0 updated, {done} skipped (unchanged)" in last.stdout
    assert items() == 1500 and whole()
