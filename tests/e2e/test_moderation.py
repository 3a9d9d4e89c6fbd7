"""Moderation between nodes as separate processes over real HTTP: a report from one node's
editor reaches the other's queue; an erasure on one node reaches the other's copy."""

from __future__ import annotations

import re

import pytest
import requests

from tests.e2e.harness import wait_for
from tests.e2e.test_federation import experience

pytestmark = pytest.mark.slow
PASSWORD = "a long enough password"


def _signed_in(node, email: str) -> requests.Session:
    """A browser-like session of a member, signed in through the real form (CSRF on)."""
    session = requests.Session()
    form = session.get(f"{node.base_url}/signin", timeout=10).text
    session.post(
        f"{node.base_url}/signin",
        data={"email": email, "password": PASSWORD, "csrf_token": _csrf(form)},
        timeout=10,
    ).raise_for_status()
    return session


def _csrf(html: str, action: str | None = None) -> str:
    """The CSRF token of the form posting to `action` (else the first form's)."""
    if action is not None:
        html = html[html.index(f'action="{action}"') :]
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _copy_of(node, iri: str) -> tuple[int, str, str] | None:
    """(id, slug, authors JSON) of a node's copy of the item at `iri`."""
    rows = node.query("SELECT id, slug, CAST(authors AS TEXT) FROM item WHERE iri = :iri", iri=iri)
    return rows[0] if rows else None


def test_a_report_and_an_erasure_travel_between_nodes(make_node):
    """B follows A and holds A's item. An editor on B reports it: it shows in A's queue.
    Then A erases the author's name: B's copy loses it after A's Update."""
    a = make_node("a")
    b = make_node("b")
    b.cli("follow", a.acct)
    wait_for(lambda: (b.following(a) or ("",))[0] == "accepted", message="B follows A")
    item = experience("Le jardin de Marie Curie")
    item["authors"] = ["Marie Curie", "Collectif de test"]
    created = a.post_outbox(item)
    assert created.status_code == 201, created.text
    iri = created.headers["Location"]
    copy = wait_for(lambda: _copy_of(b, iri), message="A's item copied on B")
    assert "Marie Curie" in copy[2]

    editor = _signed_in(b, "editor-b@example.org")
    page = editor.get(f"{b.base_url}/experiences/{copy[1]}", timeout=10).text
    action = f"/admin/reports/send/{copy[0]}"
    sent = editor.post(
        f"{b.base_url}{action}",
        data={"reason": "Propos diffamatoires", "csrf_token": _csrf(page, action)},
        timeout=10,
    )
    assert sent.status_code == 200  # followed the redirect back to the item
    reports = wait_for(
        lambda: a.query("SELECT item_iri, reporter_iri, reason, state FROM report"),
        message="the report in A's queue",
    )
    assert reports == [(iri, b.actor, "Propos diffamatoires", "open")]
    a.cli(
        "user",
        "create",
        "admin-a@example.org",
        "--role",
        "admin",
        "--password-stdin",
        input=PASSWORD + "\n",
    )
    queue = _signed_in(a, "admin-a@example.org").get(f"{a.base_url}/admin/reports", timeout=10)
    assert "Propos diffamatoires" in queue.text and b.actor in queue.text

    erased = a.cli("erase-author", "Marie Curie", "--replace-with", "M. C.")
    assert "1 items changed, 1 sent again to followers" in erased.stdout
    wait_for(
        lambda: "Marie Curie" not in _copy_of(b, iri)[2],
        message="B's copy without the name",
    )
    assert '"M. C."' in _copy_of(b, iri)[2]
    title = b.query("SELECT CAST(title AS TEXT) FROM item WHERE iri = :iri", iri=iri)[0][0]
    assert "Marie Curie" not in title and "M. C." in title
    log = a.cli("audit", "--json").stdout
    assert "author.erase" in log and "Marie" not in log
