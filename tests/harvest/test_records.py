"""Harvest records follow every change, in the transaction that made it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from server.extensions import db
from server.harvest import dataset
from server.harvest.jobs import run_harvest
from server.models import Actor, Item, Theme
from server.models.harvest import HarvestChange, HarvestRecord
from server.services.taxonomy import ThemeInput, save_theme
from server.sparql.replica import ChangeCursor
from tests.harvest.helpers import REMOTE, allow_copies, publish, store_copy


def _record(app, graph: str) -> HarvestRecord | None:
    with app.app_context():
        record = db.session.scalar(select(HarvestRecord).where(HarvestRecord.graph == graph))
        if record is not None:
            db.session.expunge(record)
        return record


def test_change_cursor_waits_for_ids_committed_out_of_order():
    """Given ids 1, 2, 4 then 3, when the cursor reads them, then 3 is still delivered."""
    cursor = ChangeCursor(grace=30)
    cursor.start(0)
    assert cursor.take([(1, "a"), (2, "b"), (4, "d")], now=0) == ["a", "b", "d"]
    assert cursor.floor == 2 and 3 in cursor.gaps
    assert cursor.take([(3, "c"), (4, "d")], now=1) == ["c"]
    assert cursor.floor == 4 and not cursor.gaps


def test_change_cursor_gives_up_on_a_rolled_back_id():
    """Given a gap that never fills (a rolled-back insert), then the floor moves on after grace."""
    cursor = ChangeCursor(grace=30)
    cursor.start(10)
    cursor.take([(12, "x")], now=0)
    assert cursor.floor == 10
    assert cursor.take([], now=31) == []
    assert cursor.floor == 12


def test_publish_writes_record_sets_and_a_logged_change(node):
    """Given a node, when an item is published, then its record, sets and change are written."""
    iri = publish(node, "Une expérience", themes=["energy-transition"])
    record = _record(node, iri)
    assert record is not None and not record.deleted and record.triples > 10
    assert record.sets == ["type:experience", "theme:energy-transition"]
    with node.app_context():
        assert db.session.scalar(select(HarvestChange.id).where(HarvestChange.graph == iri))


def test_renaming_a_theme_renders_its_items_again(node):
    """Given an item tagged with a theme, when the theme is renamed, then its hashtag follows."""
    iri = publish(node, "Étiquetée", themes=["energy-transition"])
    with node.app_context():
        theme = Theme.by_slug("energy-transition")
        save_theme(
            ThemeInput(pref_label={"fr": "Sobriété joyeuse", "en": "Joyful sufficiency"}), theme
        )
        db.session.commit()
    record = _record(node, iri)
    assert '"#SobriétéJoyeuse"' in record.ntriples
    assert "Sobriété joyeuse" in record.dc


def test_a_rendering_error_never_loses_the_editors_change(node, monkeypatch):
    """Given rendering that fails, when an item is published, then it is saved and left stale."""
    iri = publish(node, "Première version")

    def broken(*args, **kwargs):
        raise RuntimeError("renderer down")

    monkeypatch.setattr(dataset, "render_item", broken)
    with node.app_context():
        item = db.session.scalar(select(Item).where(Item.iri == iri))
        item.title = {"fr": "Seconde version"}
        db.session.commit()
    monkeypatch.undo()
    with node.app_context():
        assert db.session.scalar(select(Item.title).where(Item.iri == iri)) == {
            "fr": "Seconde version"
        }
    assert _record(node, iri).stale
    with node.app_context():
        run_harvest(node)
    record = _record(node, iri)
    assert not record.stale and "Seconde version" in record.ntriples


def test_copies_follow_the_admin_switch_and_remote_deletion(node):
    """Given a federated copy, when copies are allowed, then deleted remotely, it is tombstoned."""
    from federation.items import Batch, delete_copy

    copy = store_copy(node)
    assert _record(node, copy) is None
    allow_copies(node)
    with node.app_context():
        run_harvest(node)
    record = _record(node, copy)
    assert record is not None and not record.deleted and not record.local
    assert "<http://www.w3.org/ns/prov#wasDerivedFrom>" in record.ntriples
    with node.app_context():
        owner = db.session.scalar(select(Actor).where(Actor.iri == f"{REMOTE}/actor"))
        assert delete_copy(Batch(), f"{REMOTE}/experiences/a-remote-experience", owner)
        db.session.commit()
    assert _record(node, copy).deleted


@pytest.mark.parametrize("field", ["indexable", "hidden"])
def test_consent_changes_tombstone_the_record(node, field):
    """Given a harvested item, when it is made unindexable or hidden, then its record is deleted."""
    iri = publish(node, "Bientôt discrète")
    with node.app_context():
        item = db.session.scalar(select(Item).where(Item.iri == iri))
        setattr(item, field, field == "hidden")
        db.session.commit()
    record = _record(node, iri)
    assert record.deleted and record.ntriples == ""
