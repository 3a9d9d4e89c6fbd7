"""An ally brings its SPIP and WordPress feeds in: preview, import, run again, edit."""

from __future__ import annotations

import shutil

from sqlalchemy import func, select

from server.extensions import db
from server.models import AuditEntry, ImportedRecord, ImportRun, Item, ItemStatus, Theme
from tests.importer.conftest import DATA, run_import


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_dry_run_shows_the_mapping_and_writes_nothing(places):
    """The admin first looks: what would be created, what is refused, what matched nothing."""
    result = run_import(places.test_cli_runner(), DATA / "spip.rss", "--dry-run")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "would create" in out and "Monter une régie agricole communale" in out
    assert "refused  entry 3" in out and "no title" in out
    # Accent- and case-insensitive: "ALIMENTATION" is no theme, "Mouans-Sartoux" a place.
    assert "subject 'Cantines bio'" in out
    assert "'Mouans-Sartoux'" not in out
    assert "No open licence, would be kept as drafts (licence to confirm):\n  entry 2" in out
    assert "rss: 2 would be created, 0 would be updated, 0 would be skipped" in out
    assert "1 would be refused" in out
    with places.app_context():
        assert _count(Item) == _count(ImportRun) == _count(ImportedRecord) == 0
        assert _count(AuditEntry) == 0


def test_import_maps_keeps_provenance_and_holds_back_what_has_no_open_licence(places):
    runner = places.test_cli_runner()
    result = run_import(
        runner,
        DATA / "spip.rss",
        "--publish",
        "--map",
        "Énergie=energy-transition",
        "--map",
        "alimentation=agri-food-systems",
    )
    assert result.exit_code == 0, result.output
    assert "rss: 2 created, 0 updated, 0 skipped (unchanged), 1 refused." in result.output
    with places.app_context():
        regie = db.session.scalar(select(Item).where(Item.imported_from.like("%article12")))
        assert regie.status == ItemStatus.PUBLISHED
        assert regie.license == "https://creativecommons.org/licenses/by-sa/4.0/"
        assert {t.slug for t in regie.themes} == {"energy-transition", "agri-food-systems"}
        assert [t.name["fr"] for t in regie.territories] == ["Mouans-Sartoux"]
        assert regie.authors == ["Camille Martin"]
        assert "**achète**" in regie.body["fr"]
        assert regie.links[0]["href"].endswith("regie.pdf")
        doc = regie.to_object().to_jsonld()
        assert doc["dct:source"] == "https://ressources.example.org/spip.php?article12"
        assert doc["dct:source"] in doc["prov:wasDerivedFrom"]
        # No licence in the source: a draft, marked, never published by the import.
        monnaie = db.session.scalar(select(Item).where(Item.imported_from.like("%article13")))
        assert monnaie.status == ItemStatus.DRAFT
        assert ImportedRecord.by_identifier(monnaie.imported_from).licence_to_confirm
        # The mapping is remembered: "Énergie" is now an alternative label of the concept.
        assert "Énergie" in Theme.by_slug("energy-transition").alt_labels["und"]
        run = db.session.scalar(select(ImportRun))
        assert (run.status, run.created, run.refused) == ("done", 2, 1)
        assert run.refusals[0]["reason"] == "no title"


def test_a_second_run_changes_nothing_and_an_edit_shows_after_the_next(places, tmp_path):
    runner = places.test_cli_runner()
    feed = tmp_path / "feed.rss"
    shutil.copy(DATA / "wordpress.rss", feed)
    assert "2 created" in run_import(runner, feed, "--publish").output
    again = run_import(runner, feed, "--publish")
    assert "0 created, 0 updated, 2 skipped (unchanged), 0 refused." in again.output
    feed.write_text(feed.read_text().replace("412", "413"))
    edited = run_import(runner, feed, "--publish")
    assert "0 created, 1 updated, 1 skipped (unchanged)" in edited.output
    with places.app_context():
        assert _count(Item) == 2
        repair = db.session.scalar(select(Item).where(Item.imported_from.like("%repair-cafe/")))
        assert "413" in repair.body["en"] and repair.language == "en"
        assert repair.status == ItemStatus.PUBLISHED
        assert repair.license == "https://creativecommons.org/licenses/by/4.0/"
        # The feed says BY-NC-ND for the minutes: not open, kept as a draft to confirm.
        minutes = db.session.scalar(select(Item).where(Item.imported_from.like("%minutes/")))
        assert minutes.status == ItemStatus.DRAFT
        assert minutes.license == "https://creativecommons.org/licenses/by-nc-nd/4.0/"


def test_an_atom_feed_matches_a_place_by_its_official_code(places):
    result = run_import(places.test_cli_runner(), DATA / "spip.atom", "--kind", "experience")
    assert "atom: 1 created" in result.output, result.output
    with places.app_context():
        item = db.session.scalar(select(Item))
        assert item.kind == "experience"
        assert [t.code for t in item.territories] == ["06"]
        assert [t.slug for t in item.themes] == ["mobility"]
        assert item.imported_from == "https://reseau.example.org/spip.php?article7"
