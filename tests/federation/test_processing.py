"""The worker processes what the inbox stored: follows, items arriving, changing and leaving."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from federation import inbox
from federation.delivery import run_deliveries
from federation.inbox import run_inbox
from federation.signatures import parse_signature, verify_signature
from server.extensions import db
from server.models import Actor, Follow, InboxMessage, Item, clock
from tests.conftest import BASE_URL
from tests.federation.conftest import create_activity, signed_post
from vocab.objects import Experience, Ref
from vocab.terms import CC_BY_SA_4


def _experience(
    actor,
    number: int = 1,
    title: str = "Une expérience",
    updated: datetime | None = None,
    themes: list[Ref] | None = None,
) -> dict:
    base = actor.iri.rsplit("/users/", 1)[0]
    if themes is None:
        themes = [Ref(f"{base}/themes/local-savings", {"fr": "Épargne locale"})]
    obj = Experience(
        id=f"{base}/experiences/{number}",
        attributed_to=actor.iri,
        name={"fr": title, "en": "An experience"},
        language="fr",
        license=CC_BY_SA_4,
        summary={"fr": "Résumé"},
        source={"fr": "Récit"},
        content={"fr": "<p>Récit</p><script>alert(1)</script>"},
        authors=["Association du Lien"],
        themes=themes,
        published=datetime(2026, 1, 5, 10, 0, tzinfo=UTC),
        updated=updated or datetime(2026, 1, 5, 10, 0, tzinfo=UTC),
    )
    return obj.to_jsonld()


def _process(app) -> None:
    with app.app_context():
        run_inbox(app)


def _follow_peer(app, actor) -> None:
    """Make the node an accepted follower of the peer actor."""
    from federation.actors import fetch_actor

    with app.app_context():
        remote = fetch_actor(actor.iri)
        db.session.add(
            Follow(
                follower=Actor.local(),
                followed=remote,
                activity_iri=f"{BASE_URL}/f/1",
                state="accepted",
            )
        )
        db.session.commit()


def _message(app, activity_id: str) -> InboxMessage:
    with app.app_context():
        return db.session.scalar(
            select(InboxMessage).where(InboxMessage.activity_iri == activity_id)
        )


def test_a_follow_is_accepted_and_the_accept_is_signed(fed_app, peer):
    """Given auto approval, a peer's Follow is accepted and answered with a signed Accept."""
    alice = peer.add_actor("alice")
    follow = {
        "type": "Follow",
        "id": f"{alice.iri}/follows/1",
        "actor": alice.iri,
        "object": f"{BASE_URL}/actor",
    }
    signed_post(fed_app.test_client(), alice, follow)
    _process(fed_app)
    with fed_app.app_context():
        row = db.session.scalar(select(Follow))
        assert row.state == "accepted" and row.follower.iri == alice.iri
        run_deliveries(fed_app)
        public_pem = Actor.local().public_key_pem
    accept = peer.received[-1]
    assert accept["body"]["type"] == "Accept"
    assert accept["body"]["object"]["id"] == follow["id"]
    parsed = parse_signature(
        "POST", accept["path"], accept["headers"], accept["raw"], scheme="http"
    )
    verify_signature(parsed, public_pem)


def test_manual_approval_waits_for_an_admin(fed_app, peer):
    """With manual approval the follow stays pending and nothing is sent."""
    fed_app.config["SETTINGS"].follow_approval = "manual"
    alice = peer.add_actor("alice")
    follow = {
        "type": "Follow",
        "id": f"{alice.iri}/follows/1",
        "actor": alice.iri,
        "object": f"{BASE_URL}/actor",
    }
    signed_post(fed_app.test_client(), alice, follow)
    _process(fed_app)
    with fed_app.app_context():
        assert db.session.scalar(select(Follow)).state == "pending"
        run_deliveries(fed_app)
    assert peer.received == []


def test_a_followed_nodes_item_is_stored_with_provenance(fed_app, peer):
    """An experience created by a followed node is kept, attributed, its HTML cleaned again."""
    alice = peer.add_actor("alice")
    _follow_peer(fed_app, alice)
    activity = create_activity(alice, _experience(alice))
    assert signed_post(fed_app.test_client(), alice, activity).status_code == 202
    _process(fed_app)
    assert _message(fed_app, activity["id"]).state == "done"
    with fed_app.app_context():
        item = db.session.scalar(select(Item).where(Item.iri == activity["object"]["id"]))
        assert item.actor.iri == alice.iri and not item.is_local
        assert item.license == CC_BY_SA_4 and item.authors == ["Association du Lien"]
        assert "<script>" not in item.body_html["fr"]


def test_items_from_nodes_we_do_not_follow_are_rejected(fed_app, peer):
    """A Create from a node this one does not follow is recorded as rejected, nothing stored."""
    alice = peer.add_actor("alice")
    activity = create_activity(alice, _experience(alice))
    signed_post(fed_app.test_client(), alice, activity)
    _process(fed_app)
    message = _message(fed_app, activity["id"])
    assert message.state == "rejected" and "does not follow" in message.error
    with fed_app.app_context():
        assert db.session.scalar(select(Item).where(Item.iri == activity["object"]["id"])) is None


def test_an_object_failing_the_shapes_is_rejected_with_reasons(fed_app, peer):
    """An experience without a licence is rejected; admins can read why."""
    alice = peer.add_actor("alice")
    _follow_peer(fed_app, alice)
    doc = _experience(alice)
    for key in ("license", "dct:license", "schema:license", "ccrel:license"):
        doc.pop(key, None)
    activity = create_activity(alice, doc)
    signed_post(fed_app.test_client(), alice, activity)
    _process(fed_app)
    message = _message(fed_app, activity["id"])
    assert message.state == "rejected"
    assert "licen" in message.error.lower()
    with fed_app.app_context():
        assert db.session.scalar(select(Item)) is None


def test_updates_change_the_copy_and_older_updates_are_ignored(fed_app, peer):
    """A newer Update changes the title; an older one arriving late changes nothing."""
    alice = peer.add_actor("alice")
    _follow_peer(fed_app, alice)
    client = fed_app.test_client()
    signed_post(client, alice, create_activity(alice, _experience(alice)))
    newer = _experience(alice, title="Titre révisé", updated=datetime(2026, 2, 1, tzinfo=UTC))
    signed_post(client, alice, create_activity(alice, newer, kind="Update", suffix="2"))
    older = _experience(alice, title="Titre ancien", updated=datetime(2026, 1, 20, tzinfo=UTC))
    signed_post(client, alice, create_activity(alice, older, kind="Update", suffix="3"))
    _process(fed_app)
    with fed_app.app_context():
        assert db.session.scalar(select(Item)).title["fr"] == "Titre révisé"


def test_a_delete_removes_the_copy_and_a_late_create_does_not_revive_it(fed_app, peer):
    """Delete withdraws the copy; the same Create replayed afterwards is not stored again."""
    alice = peer.add_actor("alice")
    _follow_peer(fed_app, alice)
    client = fed_app.test_client()
    doc = _experience(alice)
    signed_post(client, alice, create_activity(alice, doc))
    _process(fed_app)
    tombstone = {"type": "Tombstone", "id": doc["id"]}
    signed_post(client, alice, create_activity(alice, tombstone, kind="Delete", suffix="d"))
    _process(fed_app)
    signed_post(client, alice, create_activity(alice, doc, suffix="again"))
    _process(fed_app)
    with fed_app.app_context():
        assert db.session.scalar(select(Item)) is None


def test_an_announce_is_fetched_from_the_origin_not_trusted_as_sent(fed_app, peer):
    """A followed node re-shares Bob's item; the node fetches Bob's own copy."""
    alice = peer.add_actor("alice")
    bob = peer.add_actor("bob")
    _follow_peer(fed_app, alice)
    genuine = _experience(bob, number=7, title="Version d'origine")
    peer.serve("/experiences/7", genuine)
    forged = dict(genuine, name="Version falsifiée", nameMap={"fr": "Version falsifiée"})
    announce = {
        "type": "Announce",
        "id": f"{alice.iri}/announces/1",
        "actor": alice.iri,
        "object": forged,
    }
    signed_post(fed_app.test_client(), alice, announce)
    _process(fed_app)
    with fed_app.app_context():
        item = db.session.scalar(select(Item))
        assert item.title["fr"] == "Version d'origine"
        assert item.actor.iri == bob.iri


def test_one_bad_message_in_a_group_does_not_hold_back_the_others(fed_app, peer):
    """Given several Creates processed together and one of them invalid, when the worker runs,
    then the valid ones are stored and only the invalid one is rejected, with its reasons."""
    alice = peer.add_actor("alice")
    _follow_peer(fed_app, alice)
    client = fed_app.test_client()
    broken = _experience(alice, 3)
    del broken["dct:license"]
    for number, obj in ((1, _experience(alice, 1)), (2, _experience(alice, 2)), (3, broken)):
        activity = create_activity(alice, obj, suffix=str(number))
        assert signed_post(client, alice, activity).status_code == 202
    _process(fed_app)
    states = {n: _message(fed_app, f"{alice.iri}/activities/create-{n}").state for n in (1, 2, 3)}
    assert states == {1: "done", 2: "done", 3: "rejected"}
    assert "licence" in _message(fed_app, f"{alice.iri}/activities/create-3").error
    with fed_app.app_context():
        stored = set(db.session.scalars(select(Item.iri).where(Item.remote_url.is_not(None))))
    base = alice.iri.rsplit("/users/", 1)[0]
    assert stored == {f"{base}/experiences/1", f"{base}/experiences/2"}


def _process_as_one_group(app) -> bool:
    """Claim what is pending and process it as one group; return whether it went together
    (rather than being processed again message by message)."""
    with app.app_context():
        stamp = clock.now()
        return inbox.process_group(inbox.read(inbox.claim(stamp=stamp)), stamp)


def test_copies_written_together_keep_their_themes_and_harvest_records(fed_app, peer):
    """Given a node that lets aggregators harvest copies, when several Creates are processed
    together, then each copy has its theme, its harvest record and its page."""
    from server.models import HarvestRecord
    from tests.harvest.helpers import allow_copies

    alice = peer.add_actor("alice")
    _follow_peer(fed_app, alice)
    allow_copies(fed_app)
    client = fed_app.test_client()
    for number in (1, 2, 3):
        activity = create_activity(alice, _experience(alice, number), suffix=str(number))
        assert signed_post(client, alice, activity).status_code == 202
    assert _process_as_one_group(fed_app)
    with fed_app.app_context():
        items = list(db.session.scalars(select(Item).where(Item.remote_url.is_not(None))))
        assert len(items) == 3
        assert all(
            [t.pref_label["fr"] for t in item.themes] == ["Épargne locale"] for item in items
        )
        records = db.session.scalars(
            select(HarvestRecord).where(
                HarvestRecord.kind == "item", HarvestRecord.deleted.is_(False)
            )
        )
        assert {record.ref_id for record in records} == {item.id for item in items}
        page = f"/experiences/{items[0].slug}"
    assert "Une expérience" in client.get(page).get_data(as_text=True)


def test_what_a_group_creates_the_rest_of_the_group_sees(fed_app, peer):
    """Given, in one group, a Create, a principle drawn from it, a Create then Delete of
    another, and an Update of the first, then the first copy is linked from the principle and
    updated, and the second is gone and stays withdrawn."""
    from vocab.objects import GuidingPrinciple

    alice = peer.add_actor("alice")
    _follow_peer(fed_app, alice)
    base = alice.iri.rsplit("/users/", 1)[0]
    principle = GuidingPrinciple(
        id=f"{base}/principles/1",
        attributed_to=alice.iri,
        name={"fr": "Partir des besoins"},
        language="fr",
        license=CC_BY_SA_4,
        summary={"fr": "Tiré de l'expérience 1"},
        derived_from=[Ref(f"{base}/experiences/1", {"fr": "Une expérience"})],
        published=datetime(2026, 2, 2, tzinfo=UTC),
    ).to_jsonld()
    later = datetime(2026, 2, 1, tzinfo=UTC)
    activities = [
        create_activity(alice, _experience(alice, 1), suffix="1"),
        create_activity(alice, principle, suffix="2"),
        create_activity(alice, _experience(alice, 2), suffix="3"),
        create_activity(alice, {"type": "Tombstone", "id": f"{base}/experiences/2"}, "Delete"),
        create_activity(alice, _experience(alice, 1, "Revu", later), kind="Update", suffix="4"),
    ]
    client = fed_app.test_client()
    for activity in activities:
        assert signed_post(client, alice, activity).status_code == 202
    assert _process_as_one_group(fed_app)
    with fed_app.app_context():
        states = db.session.scalars(select(InboxMessage.state))
        assert set(states) == {"done"}
        copies = {item.iri: item for item in db.session.scalars(select(Item))}
        assert set(copies) == {f"{base}/experiences/1", f"{base}/principles/1"}
        assert copies[f"{base}/experiences/1"].title["fr"] == "Revu"
        assert copies[f"{base}/principles/1"].derived_from == [copies[f"{base}/experiences/1"]]
    again = create_activity(alice, _experience(alice, 2), suffix="5")
    signed_post(client, alice, again)
    _process(fed_app)
    with fed_app.app_context():
        assert db.session.scalar(select(Item).where(Item.iri == f"{base}/experiences/2")) is None


def test_an_activity_nothing_handles_is_refused_without_holding_back_its_group(fed_app, peer):
    """Given a Like among Creates, then the Like is rejected as not handled and the Creates
    are stored, all in the group's one transaction."""
    alice = peer.add_actor("alice")
    _follow_peer(fed_app, alice)
    client = fed_app.test_client()
    like = {
        "type": "Like",
        "id": f"{alice.iri}/likes/1",
        "actor": alice.iri,
        "object": f"{BASE_URL}/experiences/x",
    }
    for activity in (
        create_activity(alice, _experience(alice, 1), suffix="1"),
        like,
        create_activity(alice, _experience(alice, 2), suffix="2"),
    ):
        assert signed_post(client, alice, activity).status_code == 202
    assert _process_as_one_group(fed_app)
    assert _message(fed_app, like["id"]).state == "rejected"
    assert "not handled" in _message(fed_app, like["id"]).error
    with fed_app.app_context():
        assert db.session.scalar(select(db.func.count(Item.id))) == 2


def test_a_claim_another_worker_took_over_is_left_to_it(fed_app, peer):
    """Given messages claimed by one worker, then requeued and claimed by another (its claim
    had grown stale), when the first comes to them, then it leaves them to the second."""
    with fed_app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("one worker on SQLite: claims are not shared")
    alice = peer.add_actor("alice")
    _follow_peer(fed_app, alice)
    client = fed_app.test_client()
    for number in (1, 2):
        activity = create_activity(alice, _experience(alice, number), suffix=str(number))
        signed_post(client, alice, activity)
    with fed_app.app_context():
        first, second = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 2, tzinfo=UTC)
        kept, lost = inbox.claim(stamp=first)
        db.session.execute(
            update(InboxMessage).where(InboxMessage.id == lost).values(state="pending")
        )
        db.session.commit()
        assert inbox.claim(stamp=second) == [lost]  # the other worker
        inbox.process_group(inbox.read([kept, lost]), first)
        rows = db.session.execute(select(InboxMessage.id, InboxMessage.state)).all()
        assert dict(rows) == {
            kept: "done",
            lost: "processing",
        }
        assert db.session.get(InboxMessage, lost).claimed_at == second


def test_a_fetch_that_fails_fails_only_its_message_which_is_retried(fed_app, peer):
    """Given, in one group, an Announce of an object its origin does not serve among Creates,
    when the worker processes the group, then it goes message by message: the Creates are
    stored, and the Announce waits to be retried, with the fetch's error."""
    alice = peer.add_actor("alice")
    _follow_peer(fed_app, alice)
    client = fed_app.test_client()
    announce = {
        "type": "Announce",
        "id": f"{alice.iri}/announces/1",
        "actor": alice.iri,
        "object": f"{peer.base_url}/experiences/gone",
    }
    for activity in (
        create_activity(alice, _experience(alice, 1), suffix="1"),
        announce,
        create_activity(alice, _experience(alice, 2), suffix="2"),
    ):
        assert signed_post(client, alice, activity).status_code == 202
    assert not _process_as_one_group(fed_app)
    with fed_app.app_context():
        rows = db.session.execute(select(InboxMessage.activity_iri, InboxMessage.state)).all()
        states = dict(rows)
        assert db.session.scalar(select(db.func.count(Item.id))) == 2
    assert states.pop(announce["id"]) == "pending" and set(states.values()) == {"done"}
    waiting = _message(fed_app, announce["id"])
    assert waiting.attempts == 1 and "404" in waiting.error
    assert peer.requests.count(("GET", "/experiences/gone")) == 1  # not fetched again alone
