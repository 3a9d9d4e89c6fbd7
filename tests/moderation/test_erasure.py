"""Erasure of a person: their name leaves every item of this node, followers are told, their
account goes, and the audit log keeps that it happened, not the name."""

from __future__ import annotations

import json

from sqlalchemy import select

from server.cli import commons
from server.extensions import db
from server.models import (
    Actor,
    ApiToken,
    AuditEntry,
    Delivery,
    Follow,
    FollowState,
    Item,
    OutboxActivity,
    User,
)
from tests.conftest import make_user, sign_in
from tests.moderation.helpers import REMOTE, audited, remote_copy
from tests.server.factories import make_item

STORY = "Marie  Curie a lancé le projet. Rien à voir avec Marie Curie-Sklodowska."


def _with_follower(app) -> None:
    with app.app_context():
        remote = Actor(iri=f"{REMOTE}/actor", origin=REMOTE, inbox=f"{REMOTE}/actor/inbox")
        db.session.add(
            Follow(
                follower=remote,
                followed=Actor.local(),
                activity_iri=f"{REMOTE}/follows/1",
                state=FollowState.ACCEPTED,
            )
        )
        db.session.commit()


def _item(app, path: str) -> Item:
    return Item.by_slug("experience", path.rsplit("/", 1)[-1])


def _published_story(app) -> str:
    return make_item(
        app,
        "experience",
        "Le jardin de Marie Curie",
        authors=["Marie Curie", "Pierre"],
        organisations=["MARIE CURIE", "Mairie"],
        summary={"fr": "Avec marie curie."},
        source={"fr": STORY},
    )


def test_the_name_leaves_every_field_and_followers_get_an_update(admin_client, node):
    """An admin erases "Marie Curie": authors drop it, texts replace it, the item goes to
    followers as an Update, and the Create they got before no longer holds it either."""
    _with_follower(node)
    path = _published_story(node)
    untouched = make_item(node, "experience", "Autre chose", authors=["Pierre"])
    answer = admin_client.post(
        "/admin/erasure?lang=en", data={"name": "Marie Curie", "confirm": "1"}
    )
    assert answer.status_code == 303
    with node.app_context():
        item = _item(node, path)
        assert item.authors == ["Pierre"] and item.organisations == ["Mairie"]
        assert item.title == {"fr": "Le jardin de […]"}
        assert item.summary == {"fr": "Avec […]."}
        assert item.body == {
            "fr": "[…] a lancé le projet. Rien à voir avec Marie Curie-Sklodowska."
        }
        assert "[…] a lancé" in item.body_html["fr"]
        kinds = [
            row.activity_type
            for row in db.session.scalars(
                select(OutboxActivity)
                .where(OutboxActivity.item_id == item.id)
                .order_by(OutboxActivity.id)
            )
        ]
        assert kinds == ["Create", "Update"]
        update = db.session.scalar(
            select(OutboxActivity).where(
                OutboxActivity.activity_type == "Update", OutboxActivity.item_id == item.id
            )
        )
        assert update.raw["object"]["authors"] == ["Pierre"]
        assert (
            db.session.scalar(select(Delivery.inbox_url).where(Delivery.activity_id == update.id))
            == f"{REMOTE}/actor/inbox"
        )
        published = json.dumps([row.raw for row in db.session.scalars(select(OutboxActivity))])
        assert "marie curie" not in published.lower().replace("marie curie-sklodowska", "")
        assert "[…]" in json.dumps(
            db.session.scalar(
                select(OutboxActivity.raw).where(
                    OutboxActivity.activity_type == "Create", OutboxActivity.item_id == item.id
                )
            ),
            ensure_ascii=False,
        )
        other = _item(node, untouched)
        assert other.updated_at == other.published_at
    page = admin_client.get("/admin/erasure?lang=en").get_data(as_text=True)
    assert "Erasure done: 1 items changed, 1 sent again to followers." in page


def test_a_replacement_takes_the_names_place(runner, node):
    """`commons erase-author NAME --replace-with TEXT`: lists and texts get the replacement."""
    path = _published_story(node)
    result = runner.invoke(commons, ["erase-author", "Marie Curie", "--replace-with", "M. C."])
    assert result.exit_code == 0, result.output
    assert "1 items changed, 1 sent again" in result.output
    with node.app_context():
        item = _item(node, path)
        assert item.authors == ["M. C.", "Pierre"] and item.summary == {"fr": "Avec M. C.."}
    assert audited(node) == [
        (
            "cli",
            "author.erase",
            "",
            {"items_changed": 1, "published_again": 1, "account_removed": False},
        )
    ]


def test_the_persons_account_goes_with_its_tokens_and_session(admin_client, node):
    """The account named like the person is deleted; their open session ends; what they did
    stays in the audit log, without their email."""
    make_user(node, "marie@example.org", "editor")
    with node.app_context():
        marie = db.session.scalar(select(User).where(User.email == "marie@example.org"))
        marie.display_name = "Marie Curie"
        ApiToken.issue(marie)
        AuditEntry.add("item.withdraw", "marie@example.org", "http://node.test/x")
        db.session.commit()
    session = node.test_client()
    sign_in(session, "marie@example.org")
    assert session.get("/experiences/new").status_code == 200
    admin_client.post("/admin/erasure", data={"name": "marie curie", "confirm": "1"})
    with node.app_context():
        assert db.session.scalar(select(User).where(User.email == "marie@example.org")) is None
        assert db.session.scalar(select(ApiToken)) is None
    assert session.get("/experiences/new").status_code == 302
    entries = audited(node)
    assert entries[0][0] == "erased account"
    assert entries[-1][3]["account_removed"] is True
    assert "marie" not in json.dumps(entries).lower()


def test_copies_of_other_nodes_items_are_left_to_their_origin(admin_client, node):
    copy_id = remote_copy(node, title="Chez Marie Curie")
    admin_client.post("/admin/erasure", data={"name": "Marie Curie", "confirm": "1"})
    with node.app_context():
        assert db.session.get(Item, copy_id).title == {"fr": "Chez Marie Curie"}


def test_an_erasure_needs_a_name_and_a_confirmation(admin_client, editor_client, runner, node):
    _published_story(node)
    unconfirmed = admin_client.post("/admin/erasure", data={"name": "Marie Curie"})
    assert unconfirmed.status_code == 422
    assert (
        admin_client.post("/admin/erasure", data={"name": " ", "confirm": "1"}).status_code == 422
    )
    assert (
        editor_client.post(
            "/admin/erasure", data={"name": "Marie Curie", "confirm": "1"}
        ).status_code
        == 403
    )
    assert (
        admin_client.post("/admin/erasure", data={"name": "Marie\x00", "confirm": "1"}).status_code
        == 422
    )
    nul = {"name": "Marie Curie", "replace_with": "M\x00", "confirm": "1"}
    assert admin_client.post("/admin/erasure", data=nul).status_code == 422
    result = runner.invoke(commons, ["erase-author", "x"])
    assert result.exit_code != 0 and "Error" in result.output
    with node.app_context():
        assert db.session.scalar(select(Item.authors)) == ["Marie Curie", "Pierre"]
        assert db.session.scalar(select(AuditEntry)) is None
