"""Spreadsheets in French or English, and linked-data exports, brought in."""

from __future__ import annotations

from sqlalchemy import func, select

from server.extensions import db
from server.models import ImportedRecord, Item, ItemStatus
from tests.importer.conftest import DATA, run_import


def _items() -> dict[str, Item]:
    return {i.imported_from or i.slug: i for i in db.session.scalars(select(Item))}


def test_a_french_spreadsheet_with_semicolons(places):
    runner = places.test_cli_runner()
    result = run_import(runner, DATA / "ressources-fr.csv", "--publish", "--create", "Cantines")
    assert result.exit_code == 0, result.output
    assert "csv: 2 created, 0 updated, 0 skipped (unchanged), 2 refused." in result.output
    assert "refused  line 4: no title" in result.output
    assert "refused  line 5: date: 'le 3 mars' is not a date" in result.output
    with places.app_context():
        items = _items()
        guide = items["https://centre.example.org/fiche-1"]
        assert guide.kind == "resource" and guide.resource_type == "guide"
        assert guide.authors == ["Ada Lovelace", "Louise Michel"]
        assert guide.body["fr"] == "Un **guide** pas à pas; avec des exemples"
        assert {t.slug for t in guide.themes} == {
            "housing-energy-efficiency",
            "participatory-housing",
        }
        assert [t.code for t in guide.territories] == ["06084"]
        assert guide.is_published
        story = items["https://centre.example.org/fiche-2"]
        assert story.kind == "experience"
        # "Cantines" matched nothing and the admin chose to create it.
        assert {t.label() for t in story.themes} == {"Systèmes alimentaires", "Cantines"}
        # "Tous droits réservés" is no open licence: a draft to confirm.
        assert story.status == ItemStatus.DRAFT
        assert ImportedRecord.by_identifier("fiche-2").licence_to_confirm
    again = run_import(runner, DATA / "ressources-fr.csv", "--publish", "--create", "Cantines")
    assert "csv: 0 created, 0 updated, 2 skipped (unchanged), 2 refused." in again.output


def test_an_english_spreadsheet(places):
    result = run_import(places.test_cli_runner(), DATA / "resources-en.csv")
    assert "csv: 2 created, 0 updated, 0 skipped (unchanged), 0 refused." in result.output
    with places.app_context():
        handbook = _items()["https://centre.example.org/sheet-1"]
        assert handbook.language == "en" and handbook.title == {"en": "Community energy handbook"}
        assert handbook.authors == ["Sam Jones", "Ana Silva"]
        assert {t.slug for t in handbook.themes} == {"energy-transition", "local-savings"}
        assert [t.code for t in handbook.territories] == ["06"]
        assert handbook.status == ItemStatus.DRAFT  # imported without --publish
        assert _items()["https://centre.example.org/sheet-2"].resource_type == "tool"


def test_a_turtle_export_of_dublin_core_schema_org_and_dcat(places):
    runner = places.test_cli_runner()
    result = run_import(runner, DATA / "works.ttl", "--publish")
    assert "rdf: 2 created, 0 updated, 0 skipped (unchanged), 0 refused." in result.output
    assert "subject 'Jardins'" in result.output
    with places.app_context():
        items = _items()
        atlas = items["https://data.example.org/atlas"]
        assert atlas.title == {"fr": "Atlas des jardins partagés", "en": "Atlas of shared gardens"}
        assert [t.slug for t in atlas.themes] == ["biodiversity"]  # by the shared concept's IRI
        assert [t.code for t in atlas.territories] == ["06"]  # by a linked node's label
        assert atlas.authors == ["Collectif Jardins"] and atlas.is_published
        dataset = items["https://data.example.org/energie-ecoles"]
        assert dataset.resource_type == "dataset"
        assert [t.slug for t in dataset.themes] == ["energy-transition"]
        assert dataset.license == "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
    again = run_import(runner, DATA / "works.ttl", "--publish")
    assert "0 created, 0 updated, 2 skipped" in again.output


def test_a_json_ld_export(places):
    result = run_import(places.test_cli_runner(), DATA / "works.jsonld")
    assert "rdf: 1 created" in result.output, result.output
    with places.app_context():
        video = _items()["https://data.example.org/videos/assemblee"]
        assert video.resource_type == "video" and video.authors == ["Nadia Ben"]
        assert [t.slug for t in video.themes] == ["citizen-participation"]
        assert db.session.scalar(select(func.count(Item.id))) == 1
