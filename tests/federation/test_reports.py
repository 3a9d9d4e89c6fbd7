"""Reports between nodes: a Flag from another node joins the moderation queue; an editor's
report of another node's item goes to that node as a Flag from this node."""

from __future__ import annotations

from sqlalchemy import select

from federation.delivery import run_deliveries
from federation.signatures import parse_signature, verify_signature
from server.extensions import db
from server.models import (
    Actor,
    DomainRule,
    InboxMessage,
    Item,
    OutboxActivity,
    Report,
    ReportState,
)
from tests.conftest import BASE_URL, make_user, sign_in
from tests.federation.conftest import create_activity, publish_experience, signed_post
from tests.federation.test_processing import _experience, _follow_peer, _process


def _flag(actor, objects: list[str], content: str = "Propos injurieux", n: int = 1) -> dict:
    """A Flag as Mastodon sends a report to a remote server: from its instance actor, the
    reported account and statuses as a list of IRIs, the comment as content."""
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "type": "Flag",
        "id": f"{actor.iri}/flags/{n}",
        "actor": actor.iri,
        "content": content,
        "object": objects,
    }


def _our_item(app) -> Item:
    with app.app_context():
        publish_experience("Notre récit")
        db.session.commit()
        return db.session.scalar(select(Item.iri))


def _admin(app):
    make_user(app, "admin@example.org", "admin")
    client = app.test_client()
    sign_in(client, "admin@example.org")
    return client


def _reports(app) -> list[tuple[str, str, str, str]]:
    with app.app_context():
        rows = db.session.scalars(select(Report).order_by(Report.id))
        return [(r.item_iri, r.reporter_iri, r.reason, r.state) for r in rows]


def test_a_flag_about_our_item_lands_in_the_queue_with_its_reason(fed_app, peer):
    """A node reports one of our items (naming our actor too): the admin sees it queued."""
    moderator = peer.add_actor("moderator", "Application")
    iri = _our_item(fed_app)
    flag = _flag(moderator, [f"{BASE_URL}/actor", iri])
    assert signed_post(fed_app.test_client(), moderator, flag).status_code == 202
    _process(fed_app)
    assert _reports(fed_app) == [(iri, moderator.iri, "Propos injurieux", ReportState.OPEN)]
    page = _admin(fed_app).get("/admin/reports").get_data(as_text=True)
    assert "Propos injurieux" in page and moderator.iri in page and "Notre récit" in page


def test_a_flag_about_a_copy_we_hold_is_queued_by_iri_or_by_our_address(fed_app, peer):
    """Another node's item copied here is reported by its IRI and by its page here: one
    report per item, whatever names it."""
    alice = peer.add_actor("alice")
    _follow_peer(fed_app, alice)
    signed_post(fed_app.test_client(), alice, create_activity(alice, _experience(alice)))
    _process(fed_app)
    with fed_app.app_context():
        copy = db.session.scalar(select(Item))
        original, here = copy.iri, f"{BASE_URL}/experiences/{copy.slug}"
    moderator = peer.add_actor("moderator", "Application")
    signed_post(fed_app.test_client(), moderator, _flag(moderator, [alice.iri, original, here]))
    _process(fed_app)
    assert [row[0] for row in _reports(fed_app)] == [original]


def test_a_reason_keeps_its_lines_but_not_control_characters(fed_app, peer):
    """A reason with a NUL byte (which PostgreSQL cannot store) is kept without it."""
    moderator = peer.add_actor("moderator", "Application")
    iri = _our_item(fed_app)
    flag = _flag(moderator, [iri], content="Ligne un\n\x00Ligne deux\x07")
    signed_post(fed_app.test_client(), moderator, flag)
    _process(fed_app)
    assert [row[2] for row in _reports(fed_app)] == ["Ligne un\nLigne deux"]


def test_a_flag_about_nothing_held_here_is_refused_with_its_reason(fed_app, peer):
    """A report about an item this node does not hold: rejected, the reason kept for
    admins, nothing queued."""
    moderator = peer.add_actor("moderator", "Application")
    flag = _flag(moderator, [f"{BASE_URL}/actor", f"{BASE_URL}/experiences/nothing-here"])
    signed_post(fed_app.test_client(), moderator, flag)
    _process(fed_app)
    assert _reports(fed_app) == []
    with fed_app.app_context():
        message = db.session.scalar(select(InboxMessage))
        assert message.state == "rejected"
        assert message.error == "the report names no item held on this node"


def test_an_admin_withdraws_the_reported_item_and_followers_hear_of_it(fed_app, peer):
    """Resolved by withdrawing: our item is withdrawn and a Delete is queued."""
    moderator = peer.add_actor("moderator", "Application")
    iri = _our_item(fed_app)
    signed_post(fed_app.test_client(), moderator, _flag(moderator, [iri]))
    _process(fed_app)
    admin = _admin(fed_app)
    with fed_app.app_context():
        report_id = db.session.scalar(select(Report.id))
    answer = admin.post(f"/admin/reports/{report_id}/resolve", data={"resolution": "withdraw"})
    assert answer.status_code == 303
    with fed_app.app_context():
        assert db.session.scalar(select(Item.status)) == "withdrawn"
        assert (
            db.session.scalar(
                select(OutboxActivity.activity_type).order_by(OutboxActivity.id.desc())
            )
            == "Delete"
        )
        report = db.session.get(Report, report_id)
        assert (report.state, report.resolution, report.resolved_by) == (
            "resolved",
            "withdraw",
            "admin@example.org",
        )
    again = admin.post(f"/admin/reports/{report_id}/resolve", data={"resolution": "dismiss"})
    assert again.status_code == 303  # told it is already resolved, nothing changes
    with fed_app.app_context():
        assert db.session.get(Report, report_id).resolution == "withdraw"
    assert (
        admin.post(f"/admin/reports/{report_id}/resolve", data={"resolution": "x"}).status_code
        == 400
    )
    assert (
        admin.post("/admin/reports/999/resolve", data={"resolution": "dismiss"}).status_code == 404
    )


def test_blocking_from_a_report_about_our_item_blocks_the_reporter(fed_app, peer):
    """A node sending unfounded reports about our items can be blocked from the queue."""
    moderator = peer.add_actor("moderator", "Application")
    iri = _our_item(fed_app)
    signed_post(fed_app.test_client(), moderator, _flag(moderator, [iri]))
    _process(fed_app)
    with fed_app.app_context():
        report_id = db.session.scalar(select(Report.id))
    _admin(fed_app).post(f"/admin/reports/{report_id}/resolve", data={"resolution": "block"})
    with fed_app.app_context():
        assert db.session.scalar(select(DomainRule.host)) == f"127.0.0.1:{peer.port}"


def test_an_editor_reports_a_copy_to_its_node_as_the_node(fed_app, peer):
    """An editor reports another node's item: that node receives a Flag signed by our node
    actor, naming its actor and item, with the reason; the editor is named only if asked."""
    alice = peer.add_actor("alice")
    _follow_peer(fed_app, alice)
    signed_post(fed_app.test_client(), alice, create_activity(alice, _experience(alice)))
    _process(fed_app)
    with fed_app.app_context():
        copy = db.session.scalar(select(Item))
        copy_id, original, path = copy.id, copy.iri, f"/experiences/{copy.slug}"
    make_user(fed_app, "editor@example.org", "editor")
    editor = fed_app.test_client()
    sign_in(editor, "editor@example.org")
    assert "Report to its node" in editor.get(f"{path}?lang=en").get_data(as_text=True)
    editor.post(f"/admin/reports/send/{copy_id}", data={"reason": "Données personnelles"})
    editor.post(f"/admin/reports/send/{copy_id}", data={"reason": "Encore", "name_me": "1"})
    assert editor.post(f"/admin/reports/send/{copy_id}", data={"reason": " "}).status_code == 303
    with fed_app.app_context():
        run_deliveries(fed_app)
        public_pem = Actor.local().public_key_pem
    flags = [r for r in peer.received if r["body"]["type"] == "Flag"]
    assert len(flags) == 2
    first, second = (flag["body"] for flag in flags)
    assert first["actor"] == f"{BASE_URL}/actor"
    assert first["object"] == [alice.iri, original]
    assert first["content"] == "Données personnelles"
    assert "editor" not in first["content"]
    assert second["content"].startswith("Encore") and "editor" in second["content"]
    parsed = parse_signature(
        "POST", flags[0]["path"], flags[0]["headers"], flags[0]["raw"], scheme="http"
    )
    verify_signature(parsed, public_pem)


def test_our_own_items_and_readers_cannot_be_reported_outward(fed_app, peer):
    iri = _our_item(fed_app)
    with fed_app.app_context():
        item_id = db.session.scalar(select(Item.id).where(Item.iri == iri))
    make_user(fed_app, "reader@example.org", "reader")
    reader = fed_app.test_client()
    sign_in(reader, "reader@example.org")
    assert reader.post(f"/admin/reports/send/{item_id}", data={"reason": "x"}).status_code == 403
    admin = _admin(fed_app)
    admin.post(f"/admin/reports/send/{item_id}", data={"reason": "x"})
    with fed_app.app_context():
        assert (
            db.session.scalar(select(OutboxActivity).where(OutboxActivity.activity_type == "Flag"))
            is None
        )
