"""An ally's feed imported with --publish reaches the node's followers, as an editor's would."""

from __future__ import annotations

from sqlalchemy import select

from server.extensions import db
from server.models import Actor, Delivery, Follow, FollowState, Item, OutboxActivity
from tests.importer.conftest import DATA, run_import

PEER = "https://peer.example.net"


def test_each_published_import_is_sent_to_every_follower_once(places):
    with places.app_context():
        peer = Actor(iri=f"{PEER}/actor", origin=PEER, inbox=f"{PEER}/actor/inbox")
        db.session.add(
            Follow(
                follower=peer,
                followed=Actor.local(),
                activity_iri=f"{PEER}/follows/1",
                state=FollowState.ACCEPTED,
            )
        )
        db.session.commit()
    result = run_import(places.test_cli_runner(), DATA / "spip.rss", "--publish")
    assert result.exit_code == 0, result.output
    with places.app_context():
        published = db.session.scalars(select(Item).where(Item.published_at.is_not(None))).all()
        creates = db.session.scalars(
            select(OutboxActivity).where(OutboxActivity.activity_type == "Create")
        ).all()
        assert len(published) == 1  # the record without an open licence stays a draft
        assert [c.item_id for c in creates] == [published[0].id]
        deliveries = db.session.scalars(select(Delivery)).all()
        assert [(d.activity_id, d.inbox_url) for d in deliveries] == [
            (creates[0].id, f"{PEER}/actor/inbox")
        ]
