"""Bad sources: each gets one clear message, and nothing is written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from server.extensions import db
from server.models import ImportedRecord, ImportRun, Item, Theme
from tests.importer.conftest import DATA, run_import


def _nothing_written(app) -> None:
    with app.app_context():
        counts = [
            db.session.scalar(select(func.count()).select_from(m))
            for m in (Item, ImportRun, ImportedRecord)
        ]
        assert counts == [0, 0, 0]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("latin1.csv", "the file is not UTF-8 text"),
        ("no-title.csv", "no title column"),
        ("not-xml.rss", "is not well-formed XML"),
        ("bomb.rss", "declares XML entities"),
        ("xxe.rss", "declares XML entities"),
        ("nothing.ttl", "describes nothing of a type we import"),
    ],
)
def test_a_bad_file_is_refused_whole(node, name, message):
    result = run_import(node.test_cli_runner(), DATA / name)
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    _nothing_written(node)


def test_ten_thousand_columns(node, tmp_path):
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(["title", *(f"c{n}" for n in range(9_999))]) + "\nA" + "," * 9_999)
    result = run_import(node.test_cli_runner(), wide)
    assert result.exit_code == 1 and "10,000 columns: at most 200 are read" in result.output
    _nothing_written(node)


def test_a_fifty_megabyte_cell_after_good_rows(node, tmp_path):
    """The good rows before the huge cell are not written either: the file is checked whole."""
    big = tmp_path / "big.csv"
    with big.open("w") as out:
        out.write("title,summary\nFirst,fine\nSecond,fine\n")
        out.write('Third,"' + "x" * 50_000_000 + '"\n')
    result = run_import(node.test_cli_runner(), big)
    assert result.exit_code == 1
    assert "line 4: a cell is over 131,072 characters; nothing was imported" in result.output
    _nothing_written(node)


def test_a_mapping_to_no_concept_is_refused(node):
    result = run_import(
        node.test_cli_runner(), DATA / "spip.atom", "--map", "Mobilité=no-such-theme"
    )
    assert result.exit_code == 1
    assert "no theme or territory has the slug 'no-such-theme'" in result.output
    with node.app_context():
        assert Theme.by_slug("no-such-theme") is None
    bad = run_import(node.test_cli_runner(), DATA / "spip.atom", "--map", "Mobilité")
    assert bad.exit_code == 1 and 'write it as "label=slug"' in bad.output
    _nothing_written(node)
