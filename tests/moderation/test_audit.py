"""Every admin and moderation action leaves a line in the audit log: who, when, what."""

from __future__ import annotations

import json

from sqlalchemy import select

from server.cli import commons
from server.extensions import db
from server.models import Actor, Follow, FollowState, User
from server.services import audit
from tests.moderation.helpers import REMOTE, audited, remote_copy, report_about
from tests.server.factories import make_item


def _follower(app, state: str = FollowState.PENDING) -> int:
    with app.app_context():
        remote = Actor(
            iri=f"{REMOTE}/actor",
            origin=REMOTE,
            handle="other",
            inbox=f"{REMOTE}/actor/inbox",
        )
        row = Follow(
            follower=remote,
            followed=Actor.local(),
            activity_iri=f"{REMOTE}/follows/1",
            state=state,
        )
        db.session.add(row)
        db.session.commit()
        return row.id


def test_account_changes_are_recorded_with_the_admin(admin_client, node):
    """An admin creates an account, changes its role, deactivates and reactivates it."""
    admin_client.post(
        "/admin/accounts",
        data={"email": "new@example.org", "role": "reader", "password": "a long enough password"},
    )
    with node.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == "new@example.org"))
    admin_client.post(f"/admin/accounts/{user_id}/role", data={"role": "editor"})
    admin_client.post(f"/admin/accounts/{user_id}/deactivate")
    admin_client.post(f"/admin/accounts/{user_id}/activate")
    assert audited(node) == [
        ("admin@example.org", "account.create", "new@example.org", {"role": "reader"}),
        (
            "admin@example.org",
            "account.role",
            "new@example.org",
            {"from": "reader", "to": "editor"},
        ),
        ("admin@example.org", "account.deactivate", "new@example.org", {}),
        ("admin@example.org", "account.activate", "new@example.org", {}),
    ]


def test_domain_rules_from_the_command_line_are_recorded_as_cli(runner, node):
    """`commons block`, `allow` and `unblock` each leave an entry by "cli"."""
    assert runner.invoke(commons, ["block", "spam.example", "--reason", "spam"]).exit_code == 0
    assert runner.invoke(commons, ["allow", "friend.example"]).exit_code == 0
    assert runner.invoke(commons, ["unblock", "spam.example"]).exit_code == 0
    assert audited(node) == [
        ("cli", "domain.block", "spam.example", {"reason": "spam"}),
        ("cli", "domain.allow", "friend.example", {}),
        ("cli", "domain.unblock", "spam.example", {}),
    ]


def test_hiding_a_copy_and_withdrawing_an_item_are_recorded(admin_client, node):
    """An admin hides another node's item and shows it again, then withdraws one of ours."""
    copy_id = remote_copy(node)
    path = make_item(node, "experience", "Le nôtre")
    admin_client.post(f"/admin/federation/items/{copy_id}/hide")
    admin_client.post(f"/admin/federation/items/{copy_id}/show")
    admin_client.post(f"{path}/withdraw")
    actions = [(who, action, target) for who, action, target, _ in audited(node)]
    assert actions == [
        ("admin@example.org", "item.hide", f"{REMOTE}/experiences/recit-d-ailleurs"),
        ("admin@example.org", "item.show", f"{REMOTE}/experiences/recit-d-ailleurs"),
        ("admin@example.org", "item.withdraw", f"http://node.test{path}"),
    ]


def test_follow_answers_are_recorded(admin_client, node):
    """In manual approval an admin accepts a follower, then removes it."""
    follow_id = _follower(node)
    admin_client.post(f"/admin/federation/followers/{follow_id}/accept")
    admin_client.post(f"/admin/federation/followers/{follow_id}/reject")
    assert [(w, a, t) for w, a, t, _ in audited(node)] == [
        ("admin@example.org", "follow.accept", f"{REMOTE}/actor"),
        ("admin@example.org", "follow.reject", f"{REMOTE}/actor"),
    ]


def test_resolving_a_report_is_recorded_with_what_was_done(admin_client, node):
    """Dismissing a report, and hiding the item of another, each leave their entries."""
    copy_id = remote_copy(node)
    first = report_about(node, copy_id, n=1)
    second = report_about(node, copy_id, n=2)
    admin_client.post(f"/admin/reports/{first}/resolve", data={"resolution": "dismiss"})
    admin_client.post(f"/admin/reports/{second}/resolve", data={"resolution": "hide"})
    iri = f"{REMOTE}/experiences/recit-d-ailleurs"
    assert audited(node) == [
        ("admin@example.org", "report.resolve", iri, {"report": first, "resolution": "dismiss"}),
        ("admin@example.org", "report.resolve", iri, {"report": second, "resolution": "hide"}),
        ("admin@example.org", "item.hide", iri, {}),
    ]


def test_a_report_sent_and_an_erasure_are_recorded_without_the_name(
    admin_client, editor_client, node
):
    """An editor reports a copy; an admin erases a person: the log keeps counts, no name."""
    copy_id = remote_copy(node)
    make_item(node, "experience", "Jardin de Marie Curie", authors=["Marie Curie"])
    editor_client.post(f"/admin/reports/send/{copy_id}", data={"reason": "Faux"})
    admin_client.post("/admin/erasure", data={"name": "Marie Curie", "confirm": "1"})
    entries = audited(node)
    assert entries[0] == (
        "editor@example.org",
        "report.send",
        f"{REMOTE}/experiences/recit-d-ailleurs",
        {"named": False},
    )
    assert entries[1] == (
        "admin@example.org",
        "author.erase",
        "",
        {"items_changed": 1, "published_again": 1, "account_removed": False},
    )
    assert "Curie" not in json.dumps(entries)


def test_record_says_who_acted_where(node):
    """Outside a request and a command, the node itself acted ("system")."""
    with node.app_context():
        audit.record("key.rotate", target="http://node.test/actor", detail={"actors": 1})
        db.session.commit()
    assert audited(node) == [("system", "key.rotate", "http://node.test/actor", {"actors": 1})]


def test_the_audit_page_pages_and_filters(admin_client, node):
    """Sixty entries: the page shows fifty, the next the rest; a filter keeps one action."""
    with node.app_context():
        for n in range(55):
            audit.record("domain.block", target=f"spam{n}.example", who="cli")
        for n in range(5):
            audit.record("item.hide", target=f"{REMOTE}/experiences/{n}", who="cli")
        db.session.commit()
    first = admin_client.get("/admin/audit").get_data(as_text=True)
    assert first.count("<tr>") == 51  # the heading and fifty entries
    assert "spam54.example" not in first or "item.hide" in first
    second = admin_client.get("/admin/audit?page=2").get_data(as_text=True)
    assert second.count("<tr>") == 11
    only = admin_client.get("/admin/audit?action=item.hide").get_data(as_text=True)
    assert only.count("<tr>") == 6 and "spam0.example" not in only
    assert admin_client.get("/admin/audit?page=abc").status_code == 200
    assert admin_client.get("/admin/audit?action=%00").status_code == 400


def test_only_admins_read_the_audit_log(editor_client):
    assert editor_client.get("/admin/audit").status_code == 403


def test_commons_audit_prints_json_lines(runner, node):
    """`commons audit --json --action A --limit N`: the newest N entries of A, one per line."""
    runner.invoke(commons, ["block", "a.example"])
    runner.invoke(commons, ["block", "b.example"])
    runner.invoke(commons, ["allow", "c.example"])
    result = runner.invoke(commons, ["audit", "--json", "--action", "domain.block", "--limit", "1"])
    assert result.exit_code == 0
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [(e["who"], e["action"], e["target"]) for e in lines] == [
        ("cli", "domain.block", "b.example")
    ]
    plain = runner.invoke(commons, ["audit"])
    assert plain.output.count("\n") == 3 and "c.example" in plain.output.splitlines()[0]
    assert runner.invoke(commons, ["audit", "--limit", "0"]).exit_code != 0
    refused = runner.invoke(commons, ["audit", "--action", "domain\x00block"])
    assert refused.exit_code != 0 and "Traceback" not in refused.output
