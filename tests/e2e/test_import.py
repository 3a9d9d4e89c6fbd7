"""A new node takes in an older node's collection through its OAI-PMH endpoint, over HTTP."""

from __future__ import annotations

import csv

import pytest

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
        "WHERE i.title LIKE '%Fiche 7\"%'"
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
    assert newcomer.query("SELECT count(*) FROM item WHERE summary LIKE '%revu 3%'") == [(1,)]
