"""Backfill reads a followed node's outbox page by page: it fetches first, then writes."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from federation.backfill import run_backfills
from server.extensions import db
from server.models import BackfillState, Follow, Item
from tests.federation.conftest import create_activity
from tests.federation.test_processing import _experience, _follow_peer
from tests.federation.test_slow_remote import deliver_while_held, short_lock_waits


def _outbox(peer, actor, pages: list[list[dict]]) -> None:
    """Serve `actor`'s outbox as a collection whose pages hold these entries, in order."""
    outbox = f"{actor.iri}/outbox"
    path = outbox.removeprefix(peer.base_url)
    peer.serve(path, {"type": "OrderedCollection", "id": outbox, "first": f"{outbox}/1"})
    for number, entries in enumerate(pages, start=1):
        page = {"type": "OrderedCollectionPage", "id": f"{outbox}/{number}"}
        page["orderedItems"] = entries
        if number < len(pages):
            page["next"] = f"{outbox}/{number + 1}"
        peer.serve(f"{path}/{number}", page)


def _pending_backfill(fed_app, actor) -> None:
    _follow_peer(fed_app, actor)
    with fed_app.app_context():
        follow = db.session.scalar(select(Follow))
        follow.backfill_state = BackfillState.PENDING
        db.session.commit()


def _stored(fed_app) -> dict[str, str]:
    with fed_app.app_context():
        return {item.iri: item.title["fr"] for item in db.session.scalars(select(Item))}


def test_backfill_stores_the_outbox_in_order_deletes_and_reshares_included(fed_app, peer):
    """Given a followed node whose outbox creates, updates, deletes and re-shares an item,
    when backfill runs, then the copies are what the outbox ends with."""
    alice, bob = peer.add_actor("alice"), peer.add_actor("bob")
    first, second = _experience(alice, 1, "Première"), _experience(alice, 2, "Seconde")
    shared = _experience(bob, 9, "Chez Bob")
    peer.serve("/experiences/9", shared)
    later = datetime(2026, 2, 1, tzinfo=UTC)
    updated = create_activity(alice, _experience(alice, 1, "Première, revue", later), "Update")
    _outbox(
        peer,
        alice,
        [
            [create_activity(alice, first, suffix="1"), create_activity(alice, second, suffix="2")],
            [
                updated,
                {"type": "Delete", "id": f"{alice.iri}/d/2", "object": second["id"]},
                {"type": "Announce", "id": f"{alice.iri}/a/9", "object": shared["id"]},
            ],
        ],
    )
    _pending_backfill(fed_app, alice)
    with fed_app.app_context():
        run_backfills(fed_app)
    assert _stored(fed_app) == {first["id"]: "Première, revue", shared["id"]: "Chez Bob"}
    with fed_app.app_context():
        follow = db.session.scalar(select(Follow))
        assert (follow.backfill_state, follow.backfill_count) == (BackfillState.DONE, 4)


def test_the_inbox_stores_deliveries_while_backfill_waits_for_a_slow_outbox(fed_app, peer):
    """Given a backfill whose second outbox page the peer is slow to serve, when the worker
    waits for it, then the inbox still stores a new delivery (SQLite: no write lock is held
    across the network), and once the page comes both pages' items are stored."""
    short_lock_waits(fed_app)
    alice = peer.add_actor("alice")
    first, second = _experience(alice, 1, "Première"), _experience(alice, 2, "Seconde")
    _outbox(
        peer,
        alice,
        [[create_activity(alice, first, suffix="1")], [create_activity(alice, second, suffix="2")]],
    )
    held = peer.hold(f"{alice.iri}/outbox/2".removeprefix(peer.base_url))
    _pending_backfill(fed_app, alice)
    later = create_activity(alice, _experience(alice, 3), suffix="later")
    answer, stored, failures = deliver_while_held(fed_app, held, run_backfills, alice, later)
    assert answer.status_code == 202, answer.get_data(as_text=True)
    assert stored is not None
    assert failures == []
    assert _stored(fed_app) == {first["id"]: "Première", second["id"]: "Seconde"}
