"""Fixtures for federation tests: a node that may talk to loopback, and a real peer."""

from __future__ import annotations

import json

import pytest

from federation.signatures import sign_request, sign_request_rfc9421
from tests.conftest import BASE_URL
from tests.federation.peer import Peer


@pytest.fixture
def fed_app(app):
    """A node allowed to reach 127.0.0.1 peers, initialised."""
    from server.services.node import initialise_node

    app.config["SETTINGS"].allow_private_addresses = True
    with app.app_context():
        initialise_node()
    return app


@pytest.fixture
def peer():
    with Peer() as server:
        yield server


def signed_post(
    client,
    actor,
    activity: dict,
    path: str = "/inbox",
    scheme: str = "cavage",
    body: bytes | None = None,
    **overrides,
):
    """POST an activity to the node's inbox, signed by a peer actor."""
    body = json.dumps(activity).encode() if body is None else body
    url = f"{BASE_URL}{path}"
    sign = sign_request if scheme == "cavage" else sign_request_rfc9421
    headers = sign(
        "POST",
        url,
        {"Content-Type": "application/activity+json"},
        body,
        actor.key_id,
        actor.private_pem,
        **overrides,
    )
    return client.post(path, data=body, headers=headers)


def create_activity(actor, obj: dict, kind: str = "Create", suffix: str = "1") -> dict:
    return {
        "@context": ["https://www.w3.org/ns/activitystreams"],
        "type": kind,
        "id": f"{actor.iri}/activities/{kind.lower()}-{suffix}",
        "actor": actor.iri,
        "object": obj,
    }


def follow_activity(actor, suffix: str = "1") -> dict:
    """A peer actor's Follow of this node's actor."""
    return {
        "type": "Follow",
        "id": f"{actor.iri}/follows/{suffix}",
        "actor": actor.iri,
        "object": f"{BASE_URL}/actor",
    }


def followed_by(app, actor, state: str = "accepted") -> int:
    """Record that a peer actor follows the node (fetching its actor document); return the id."""
    from federation.actors import fetch_actor
    from server.extensions import db
    from server.models import Actor, Follow

    with app.app_context():
        row = Follow(
            follower=fetch_actor(actor.iri),
            followed=Actor.local(),
            activity_iri=f"{actor.iri}/follows/{state}",
            state=state,
        )
        db.session.add(row)
        db.session.commit()
        return row.id


def publish_experience(title: str) -> None:
    """Publish a minimal local experience through the services, as an editor would
    (inside an app context; the caller commits)."""
    from server.services.items import create_item, publish_item
    from vocab import objects

    draft = objects.Experience(
        id="", attributed_to="", name={"fr": title}, language="fr", license=""
    )
    publish_item(create_item(draft))
