"""A peer delivers to the node's inbox: what is accepted, what is refused, and with which status."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from server.extensions import db
from server.models import DomainRule, InboxMessage
from tests.conftest import BASE_URL
from tests.federation.conftest import create_activity, signed_post


def _follow(actor, suffix: str = "1") -> dict:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "type": "Follow",
        "id": f"{actor.iri}/follows/{suffix}",
        "actor": actor.iri,
        "object": f"{BASE_URL}/actor",
    }


def _stored(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(InboxMessage.id)))


@pytest.mark.parametrize("scheme", ["cavage", "rfc9421"])
def test_a_signed_follow_is_stored_and_answered_202(fed_app, peer, scheme):
    """Given a peer actor, when it signs a Follow (either scheme), the inbox answers 202."""
    alice = peer.add_actor("alice")
    response = signed_post(fed_app.test_client(), alice, _follow(alice), scheme=scheme)
    assert response.status_code == 202, response.get_data(as_text=True)
    with fed_app.app_context():
        message = db.session.scalar(select(InboxMessage))
        assert message.activity_type == "Follow" and message.state == "pending"
        assert message.actor_iri == alice.iri


def test_the_same_activity_twice_is_stored_once(fed_app, peer):
    """Delivering one activity twice answers 202 both times and keeps one row."""
    alice = peer.add_actor("alice")
    client = fed_app.test_client()
    assert signed_post(client, alice, _follow(alice)).status_code == 202
    assert signed_post(client, alice, _follow(alice)).status_code == 202
    assert _stored(fed_app) == 1


def test_the_shared_and_actor_inboxes_both_accept(fed_app, peer):
    """The node's own inbox and its shared inbox take deliveries alike."""
    alice = peer.add_actor("alice")
    client = fed_app.test_client()
    assert signed_post(client, alice, _follow(alice, "a"), path="/actor/inbox").status_code == 202
    assert signed_post(client, alice, _follow(alice, "b"), path="/inbox").status_code == 202


def test_unsigned_delivery_gets_401(fed_app, peer):
    """An unsigned POST is refused with 401 and a hint to sign."""
    alice = peer.add_actor("alice")
    response = fed_app.test_client().post("/inbox", data=json.dumps(_follow(alice)))
    assert response.status_code == 401
    assert "Signature" in response.headers.get("WWW-Authenticate", "")
    assert _stored(fed_app) == 0


@pytest.mark.parametrize(
    ("age", "status"),
    [
        (timedelta(hours=1, minutes=4), 202),
        (timedelta(hours=1, minutes=6), 401),
        (-timedelta(hours=1, minutes=1), 401),
    ],
)
def test_signature_freshness_window(fed_app, peer, age, status):
    """Signatures older than 1 h 5 min or more than 1 h ahead are refused."""
    alice = peer.add_actor("alice")
    signed_at = datetime.now(UTC) - age
    response = signed_post(fed_app.test_client(), alice, _follow(alice), now=signed_at)
    assert response.status_code == status


def test_a_body_changed_after_signing_gets_401(fed_app, peer):
    """The digest must match the body that arrived."""
    alice = peer.add_actor("alice")
    client = fed_app.test_client()
    activity = _follow(alice)
    body = json.dumps(activity).encode()
    from federation.signatures import sign_request

    headers = sign_request("POST", f"{BASE_URL}/inbox", {}, body, alice.key_id, alice.private_pem)
    tampered = body.replace(b"follows/1", b"follows/2")
    assert client.post("/inbox", data=tampered, headers=headers).status_code == 401
    assert _stored(fed_app) == 0


def test_a_key_owned_by_another_actor_gets_401(fed_app, peer):
    """Mallory signs with her own key an activity claiming to be Alice's."""
    alice = peer.add_actor("alice")
    mallory = peer.add_actor("mallory")
    alice_doc = _follow(alice)
    response = signed_post(fed_app.test_client(), mallory, alice_doc)
    assert response.status_code == 401
    assert _stored(fed_app) == 0


def test_a_forged_signature_gets_401(fed_app, peer):
    """A key id pointing at Alice but a signature made with another key is refused."""
    alice = peer.add_actor("alice")
    mallory = peer.add_actor("mallory")
    alice.private_pem = mallory.private_pem
    assert signed_post(fed_app.test_client(), alice, _follow(alice)).status_code == 401


def test_an_activity_id_on_another_origin_gets_400(fed_app, peer):
    """The activity's id must be on its actor's origin."""
    alice = peer.add_actor("alice")
    activity = _follow(alice)
    activity["id"] = "http://127.0.0.1:1/elsewhere/1"
    assert signed_post(fed_app.test_client(), alice, activity).status_code == 400


def test_creating_another_origins_object_gets_400(fed_app, peer):
    """An actor may not Create an object that lives on another origin."""
    alice = peer.add_actor("alice")
    obj = {
        "type": "Article",
        "id": "http://127.0.0.1:1/articles/1",
        "attributedTo": alice.iri,
        "name": "x",
    }
    assert signed_post(fed_app.test_client(), alice, create_activity(alice, obj)).status_code == 400


def test_an_object_attributed_to_another_origin_gets_400(fed_app, peer):
    """An object on the actor's origin but attributed elsewhere is refused."""
    alice = peer.add_actor("alice")
    obj = {
        "type": "Article",
        "id": f"{alice.iri}/articles/1",
        "attributedTo": "http://127.0.0.1:1/users/bob",
    }
    assert signed_post(fed_app.test_client(), alice, create_activity(alice, obj)).status_code == 400


def test_a_blocked_domain_gets_403_before_any_fetch(fed_app, peer):
    """A blocked peer is refused with 403 and its actor is never fetched."""
    alice = peer.add_actor("alice")
    with fed_app.app_context():
        db.session.add(DomainRule(host=f"127.0.0.1:{peer.port}", kind="block"))
        db.session.commit()
    response = signed_post(fed_app.test_client(), alice, _follow(alice))
    assert response.status_code == 403
    assert not [r for r in peer.requests if r[0] == "GET"]


def test_allowlist_mode_refuses_unlisted_domains(fed_app, peer):
    """In allowlist mode, a peer not on the list gets 403; once listed, 202."""
    alice = peer.add_actor("alice")
    fed_app.config["SETTINGS"].federation_mode = "allowlist"
    client = fed_app.test_client()
    assert signed_post(client, alice, _follow(alice, "a")).status_code == 403
    with fed_app.app_context():
        db.session.add(DomainRule(host=f"127.0.0.1:{peer.port}", kind="allow"))
        db.session.commit()
    assert signed_post(client, alice, _follow(alice, "b")).status_code == 202


def test_another_port_on_the_same_host_is_another_origin(fed_app, peer):
    """Blocking 127.0.0.1:<other port> does not block this peer."""
    alice = peer.add_actor("alice")
    with fed_app.app_context():
        db.session.add(DomainRule(host=f"127.0.0.1:{peer.port + 1}", kind="block"))
        db.session.commit()
    assert signed_post(fed_app.test_client(), alice, _follow(alice)).status_code == 202


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"not json", 400),
        (b"[1, 2, 3]", 400),
        (b'{"type": "Follow"}', 400),
        (b"{" + b'"a":' * 0 + b'"type": "Follow", "actor": 5, "id": "x"}', 400),
        (b"[" * 5000 + b"]" * 5000, 400),
        (b'{"x": "' + b"a" * 1_100_000 + b'"}', 413),
    ],
)
def test_malformed_or_oversized_bodies(fed_app, peer, body, status):
    """Non-JSON, shapeless, deeply nested and oversized bodies get 400 or 413, never 500."""
    alice = peer.add_actor("alice")
    response = signed_post(fed_app.test_client(), alice, {}, body=body)
    assert response.status_code == status
    assert _stored(fed_app) == 0


def test_a_deeply_nested_object_gets_400(fed_app, peer):
    """An activity nested thousands of levels deep is refused."""
    alice = peer.add_actor("alice")
    nested: dict = {"type": "Note"}
    for _ in range(100):
        nested = {"type": "Note", "inReplyTo": nested}
    activity = create_activity(
        alice, {"id": f"{alice.iri}/n/1", "attributedTo": alice.iri, **nested}
    )
    assert signed_post(fed_app.test_client(), alice, activity).status_code == 400


def test_a_key_url_on_a_private_address_is_not_fetched_when_not_allowed(fed_app, peer):
    """With private addresses forbidden, a loopback key id fails with 401 and no request is made."""
    alice = peer.add_actor("alice")
    fed_app.config["SETTINGS"].allow_private_addresses = False
    response = signed_post(fed_app.test_client(), alice, _follow(alice))
    assert response.status_code == 401
    assert not peer.requests


@pytest.mark.parametrize(
    "key_host",
    [
        "169.254.169.254",
        "10.0.0.1",
        "192.168.1.1",
        "[::1]",
        "localhost",
        "[::ffff:127.0.0.1]",
        "100.64.0.1",
    ],
)
def test_key_ids_on_private_or_metadata_addresses_are_refused(fed_app, peer, key_host):
    """With private addresses forbidden, a keyId on a private or metadata name gets 401."""
    alice = peer.add_actor("alice")
    fed_app.config["SETTINGS"].allow_private_addresses = False
    activity = _follow(alice)
    alice.key_id = f"http://{key_host}/users/alice#main-key"
    activity["actor"] = f"http://{key_host}/users/alice"
    activity["id"] = f"http://{key_host}/users/alice/follows/1"
    response = signed_post(fed_app.test_client(), alice, activity)
    assert response.status_code == 401
    assert _stored(fed_app) == 0


def test_behind_a_trusted_proxy_the_public_host_is_verified(peer, database_url, tmp_path):
    """Behind a TLS proxy, a signature made for https://public.example/inbox verifies."""
    from server import create_app
    from server.services.node import initialise_node

    app = create_app(
        {
            "data_dir": tmp_path / "i",
            "database_url": database_url,
            "base_url": "https://public.example",
            "trusted_proxies": 1,
            "TESTING": True,
        }
    )
    app.config["SETTINGS"].allow_private_addresses = True
    with app.app_context():
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
        initialise_node()
    alice = peer.add_actor("alice")
    activity = _follow(alice)
    activity["object"] = "https://public.example/actor"
    body = json.dumps(activity).encode()
    from federation.signatures import sign_request

    headers = sign_request(
        "POST", "https://public.example/inbox", {}, body, alice.key_id, alice.private_pem
    )
    proxied = {
        **headers,
        "Host": "127.0.0.1:8000",
        "X-Forwarded-Host": "public.example",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-For": "203.0.113.9",
    }
    response = app.test_client().post("/inbox", data=body, headers=proxied)
    assert response.status_code == 202, response.get_data(as_text=True)
    without_proxy_headers = {**headers, "Host": "127.0.0.1:8000"}
    assert (
        app.test_client().post("/inbox", data=body, headers=without_proxy_headers).status_code
        == 401
    )
    with app.app_context():
        db.session.remove()
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
        db.engine.dispose()


def test_a_block_made_by_another_process_applies_once_the_rules_are_read_again(
    fed_app, peer, monkeypatch
):
    """Given rules cached by this process, when another process blocks the peer (no ORM event
    here), then the inbox refuses it as soon as the cached rules expire."""
    from sqlalchemy import text

    from server.models import moderation

    monkeypatch.setattr(moderation._RULES, "ttl", 3600.0)
    alice = peer.add_actor("alice")
    client = fed_app.test_client()
    assert signed_post(client, alice, _follow(alice, "a")).status_code == 202
    with fed_app.app_context():  # as `commons block` run elsewhere would write it
        db.session.execute(
            text(
                "INSERT INTO domain_rule (host, kind, reason, created_at)"
                " VALUES (:h, 'block', '', :t)"
            ),
            {"h": f"127.0.0.1:{peer.port}", "t": datetime.now(UTC)},
        )
        db.session.commit()
    assert signed_post(client, alice, _follow(alice, "b")).status_code == 202  # still cached
    monkeypatch.setattr(moderation._RULES, "ttl", 0.0)
    moderation._RULES.clear()
    assert signed_post(client, alice, _follow(alice, "c")).status_code == 403


def test_the_activity_is_stored_as_the_peer_sent_it(fed_app, peer):
    """The inbox keeps the body byte for byte, and reads it back as the activity."""
    alice = peer.add_actor("alice")
    activity = _follow(alice)
    body = json.dumps(activity, indent=3, ensure_ascii=False).encode()
    assert signed_post(fed_app.test_client(), alice, activity, body=body).status_code == 202
    with fed_app.app_context():
        stored = db.session.scalar(select(InboxMessage))
        raw = db.session.execute(
            select(InboxMessage.__table__.c.raw).where(InboxMessage.id == stored.id)
        ).scalar_one()
        assert stored.raw == activity and stored.origin == f"http://127.0.0.1:{peer.port}"
        assert stored.actor_iri == alice.iri and stored.activity_type == "Follow"
    assert raw == activity


def test_json_the_standard_library_reads_is_kept_and_read_back(fed_app, peer):
    """A peer's activity with a lone surrogate escape and an integer beyond 64 bits (valid
    enough for Python's json, which the inbox parses with) is stored and read back whole."""
    alice = peer.add_actor("alice")
    activity = {**_follow(alice), "summary": "\ud800 odd", "count": 2**70}
    body = json.dumps(activity).encode()
    assert b"\\ud800" in body
    assert signed_post(fed_app.test_client(), alice, activity, body=body).status_code == 202
    with fed_app.app_context():
        stored = db.session.scalar(select(InboxMessage))
        assert stored.raw == activity
