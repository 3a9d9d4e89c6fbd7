"""A slow peer does not hold up the inbox: the worker fetches what it needs, then writes."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event, select

from federation.inbox import run_inbox
from server.extensions import db
from server.models import Follow, InboxMessage, Item
from tests.conftest import BASE_URL
from tests.federation.conftest import create_activity, signed_post
from tests.federation.test_processing import _experience, _follow_peer, _message
from vocab import objects

# On SQLite, a connection waits this long for the write lock before giving up (30 s in the
# node): long enough for the inbox's INSERT, short enough that a held lock fails the test soon.
LOCK_TIMEOUT_MS = 2000


def _short_lock_waits(dbapi_connection, connection_record) -> None:
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.execute(f"PRAGMA busy_timeout = {LOCK_TIMEOUT_MS}")


def short_lock_waits(fed_app) -> None:
    """Make every SQLite connection of the app, the inbox's own too, give up on a held write
    lock after LOCK_TIMEOUT_MS."""
    with fed_app.app_context():
        event.listen(db.engine, "connect", _short_lock_waits)
        db.engine.dispose()


def deliver_while_held(fed_app, held, job, sender, activity):
    """Run `job` (the worker's) in a thread until it asks for the held document, deliver
    `activity` to the inbox meanwhile, then release the document and wait for the job.
    Return the inbox's answer, the stored message (or None), and what the job raised."""
    failures: list[BaseException] = []

    def work() -> None:
        try:
            with fed_app.app_context():
                job(fed_app)
        except BaseException as exc:  # noqa: BLE001 - reported by the test's thread
            failures.append(exc)

    worker = threading.Thread(target=work, name="worker")
    worker.start()
    try:
        assert held.asked.wait(60), "the worker never asked for the slow document"
        answer = signed_post(fed_app.test_client(), sender, activity)
        stored = _message(fed_app, activity["id"])
    finally:
        held.released.set()
        worker.join(120)
    assert not worker.is_alive()
    return answer, stored, failures


def _theme(peer, name: str, label: str) -> objects.Ref:
    iri = f"{peer.base_url}/themes/{name}"
    concept = objects.Theme(id=iri, scheme=f"{peer.base_url}/themes", pref_label={"fr": label})
    peer.serve(f"/themes/{name}", concept.to_jsonld())
    return objects.Ref(iri, {"fr": f"{label} (as referred to)"})


def _theme_held(fed_app, peer, alice):
    """A Create naming two themes new here, the second served slowly: today's code stored the
    first theme, taking the write lock, before fetching the second."""
    themes = [_theme(peer, "quick", "Rapide"), _theme(peer, "slow", "Lent")]
    held = peer.hold("/themes/slow")
    activity = create_activity(alice, _experience(alice, 1, themes=themes), suffix="1")

    def check() -> None:
        with fed_app.app_context():
            item = db.session.scalar(select(Item).where(Item.iri == activity["object"]["id"]))
            assert sorted(theme.pref_label["fr"] for theme in item.themes) == ["Lent", "Rapide"]

    return held, [(alice, activity)], check


def _object_held(fed_app, peer, alice):
    """A Follow from an actor new here, then an Announce of an object served slowly: today's
    code stored the new actor, taking the write lock, before fetching the object."""
    bob = peer.add_actor("bob")
    original = _experience(bob, 7, title="Version d'origine")
    peer.serve("/experiences/7", original)
    held = peer.hold("/experiences/7")
    follow = {
        "type": "Follow",
        "id": f"{bob.iri}/follows/1",
        "actor": bob.iri,
        "object": f"{BASE_URL}/actor",
    }
    announce = {
        "type": "Announce",
        "id": f"{alice.iri}/announces/1",
        "actor": alice.iri,
        "object": original["id"],
    }

    def check() -> None:
        with fed_app.app_context():
            accepted = select(Follow.state).where(Follow.activity_iri == follow["id"])
            assert db.session.scalar(accepted) == "accepted"
            item = db.session.scalar(select(Item).where(Item.iri == original["id"]))
            assert item.title["fr"] == "Version d'origine" and item.actor.iri == bob.iri

    return held, [(bob, follow), (alice, announce)], check


@pytest.mark.parametrize("held_document", [_theme_held, _object_held], ids=["theme", "object"])
def test_the_inbox_stores_deliveries_while_the_worker_waits_for_a_slow_peer(
    fed_app, peer, held_document
):
    """Given a message whose processing needs a document a peer is slow to serve, when the
    worker waits for it, then the inbox still stores a new delivery meanwhile, and once the
    document comes the message is processed."""
    short_lock_waits(fed_app)
    alice = peer.add_actor("alice")
    _follow_peer(fed_app, alice)
    held, activities, check = held_document(fed_app, peer, alice)
    client = fed_app.test_client()
    for sender, activity in activities:
        assert signed_post(client, sender, activity).status_code == 202
    later = create_activity(alice, _experience(alice, 2), suffix="later")
    answer, stored, failures = deliver_while_held(fed_app, held, run_inbox, alice, later)
    assert answer.status_code == 202, answer.get_data(as_text=True)
    assert stored is not None and stored.state in {"pending", "processing"}
    assert failures == []
    with fed_app.app_context():
        states = db.session.execute(select(InboxMessage.activity_iri, InboxMessage.state))
        processed = {iri: state for iri, state in states if iri != later["id"]}
    assert processed == {activity["id"]: "done" for _, activity in activities}
    check()
