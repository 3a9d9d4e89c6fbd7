"""Accept a delivery to the inbox: FEDERATION.md's checks 1-8, in that order.

The view hands over the raw request; this module answers with an InboxMessage stored for
the worker, or raises an error the view turns into 401, 403, 413 or 400.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import current_app

from federation.actors import key_for
from federation.delivery import mark_heard_from
from federation.documents import id_of
from federation.errors import BlockedError, InvalidActivity, SignatureError, TooLarge
from federation.http import FetchGate, time_limit
from federation.signatures import ParsedSignature, parse_signature, verify_signature
from server.models import Actor, DomainRule, InboxMessage, clock
from server.models.actor import KnownKey
from vocab.codec import origin_of

MAX_BODY = 1_000_000
# Key fetches made by the web processes for requests anyone can send: at most this many at
# once across the node, one per origin, each within this time; an origin that did not
# answer is not asked again for a minute. A request finding no free slot gets 401 at once
# (peers retry), so a host that never answers holds one web worker, never all of them.
KEY_FETCH_SLOTS = 1
KEY_FETCH_SECONDS = 5.0
MAX_DEPTH = 32
OWNED_TYPES = {"Create", "Update", "Delete"}
_KEY_ID = re.compile(r'keyid="([^"]+)"', re.IGNORECASE)
_gates: dict[str, FetchGate] = {}


@dataclass
class Incoming:
    """A request as the inbox received it (host and path as the public URL has them)."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    request_id: str | None = None  # stored with the message (server.ops.logs)


def netloc_of(iri: str) -> str:
    """Return host[:port] of an IRI as domain rules name it (default ports dropped)."""
    return urlsplit(origin_of(iri)).netloc


def host_matches(host: str, rule: str) -> bool:
    """Return whether a rule names this host: exactly, or a port-less rule its subdomains too."""
    if host == rule:
        return True
    bare = host.split(":")[0]
    return ":" not in rule and (bare == rule or bare.endswith("." + rule))


class DomainCheck:
    """The node's domain rules, applied to every IRI a request names."""

    def __init__(self) -> None:
        self.blocked, allowed = DomainRule.current()
        allowlist = current_app.config["SETTINGS"].federation_mode == "allowlist"
        self.allowed = allowed if allowlist else None

    def __call__(self, iri: str) -> None:
        """Raise BlockedError if the IRI's host is blocked, or not allowed in allowlist mode."""
        host = netloc_of(iri)
        if not host:
            return
        if any(host_matches(host, rule) for rule in self.blocked):
            raise BlockedError(f"{host} is blocked on this node")
        allowed = self.allowed
        if allowed is not None and host not in allowed and host.split(":")[0] not in allowed:
            raise BlockedError(f"{host} is not on this node's allowlist")


def _signature_key_id(headers: dict[str, str]) -> str | None:
    for name in ("Signature", "Signature-Input"):
        value = _header(headers, name)
        if value:
            match = _KEY_ID.search(value)
            if match:
                return match.group(1)
    return None


def _header(headers: dict[str, str], name: str) -> str | None:
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return value
    return None


def _depth(value: Any, limit: int, depth: int = 1) -> int:
    """Return the nesting depth of a JSON value, stopping past `limit`.

    Only containers are visited: an activity has a few dozen of them among hundreds of
    strings, and this runs on every delivery.
    """
    if depth > limit:
        return depth
    children = value.values() if isinstance(value, dict) else value
    deepest = depth
    for child in children:
        if isinstance(child, dict | list):
            deepest = max(deepest, _depth(child, limit, depth + 1))
            if deepest > limit:
                break
    return deepest


def parse_activity(body: bytes) -> dict[str, Any]:
    """Return the activity as a dict, or raise InvalidActivity (400) / TooLarge (413)."""
    if len(body) > MAX_BODY:
        raise TooLarge("the body is larger than 1 MB")
    try:
        activity = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise InvalidActivity("the body is not JSON") from exc
    if not isinstance(activity, dict):
        raise InvalidActivity("the body is not a JSON object")
    if _depth(activity, MAX_DEPTH) > MAX_DEPTH:  # json.loads itself stops at ~1,000
        raise InvalidActivity("the body is nested too deeply")
    kind, actor, activity_id = (
        activity.get("type"),
        id_of(activity.get("actor")),
        activity.get("id"),
    )
    if not isinstance(kind, str) or not actor or not isinstance(activity_id, str):
        raise InvalidActivity("an activity needs a type, an actor and an id")
    for iri in (actor, activity_id):
        if urlsplit(iri).scheme not in {"http", "https"} or not urlsplit(iri).hostname:
            raise InvalidActivity("actor and id must be http(s) IRIs")
    return activity


def check_origins(activity: dict[str, Any]) -> None:
    """Check 7: the actor, the activity and owned objects share one origin."""
    actor = id_of(activity["actor"])
    actor_origin = origin_of(actor)
    if origin_of(activity["id"]) != actor_origin:
        raise InvalidActivity("the activity id is not on its actor's origin")
    if activity["type"] in OWNED_TYPES:
        obj = activity.get("object")
        object_id = id_of(obj)
        if not object_id:
            raise InvalidActivity(f"a {activity['type']} needs an object with an id")
        if origin_of(object_id) != actor_origin:
            raise InvalidActivity(
                "an actor may only create, update or delete its own origin's objects"
            )
        if isinstance(obj, dict) and "attributedTo" in obj:
            owner = id_of(
                obj["attributedTo"]
                if not isinstance(obj["attributedTo"], list)
                else obj["attributedTo"][0]
            )
            if not owner or origin_of(owner) != actor_origin:
                raise InvalidActivity("the object is attributed to another origin")


def verified_key(parsed: ParsedSignature, actor_iri: str) -> KnownKey:
    """Return the actor's key that verifies the signature, or raise SignatureError.

    The key this process keeps is tried first; if it fails, the database's, which another
    web process may have fetched again after the peer rotated its key (the database is the
    shared truth; a process's copy never overrules it); only then is the key fetched again.
    """
    key = Actor.known_key(parsed.key_id)
    if key is None:
        with _fetching(parsed.key_id):
            key = key_for(parsed.key_id, actor_iri)
    elif key.owner != actor_iri:
        raise SignatureError("the signing key belongs to another actor")
    try:
        verify_signature(parsed, key.pem)
        return key
    except SignatureError:
        stored = Actor.known_key(parsed.key_id, fresh=True)
    if stored is not None and stored.pem != key.pem:
        if stored.owner != actor_iri:
            raise SignatureError("the signing key belongs to another actor")
        try:
            verify_signature(parsed, stored.pem)
            return stored
        except SignatureError:
            pass
    with _fetching(parsed.key_id):
        key = key_for(parsed.key_id, actor_iri, refresh=True)
    verify_signature(parsed, key.pem)
    return key


@contextmanager
def _fetching(key_id: str) -> Iterator[None]:
    """Bound a key fetch made for an (as yet) anonymous request: see KEY_FETCH_* above."""
    data_dir = current_app.config["SETTINGS"].data_dir
    gate = _gates.get(data_dir)
    if gate is None:
        gate = _gates[data_dir] = FetchGate(Path(data_dir) / "key-fetches", KEY_FETCH_SLOTS)
    with gate.fetching(origin_of(key_id)), time_limit(KEY_FETCH_SECONDS):
        yield


def accept(incoming: Incoming) -> bool:
    """Run checks 1-8 and store the activity for the worker; return False if already stored."""
    # 1. Moderation first: the key's domain, before reading anything else.
    check_domain = DomainCheck()
    key_id = _signature_key_id(incoming.headers)
    if key_id:
        check_domain(key_id)
    # 2. Size and shape; then the actor's domain, still before any fetch.
    activity = parse_activity(incoming.body)
    actor_iri = id_of(activity["actor"])
    check_domain(actor_iri)
    # 3-5. A strong, fresh signature over this very body.
    scheme = urlsplit(current_app.config["SETTINGS"].base_url).scheme
    parsed = parse_signature(
        incoming.method,
        incoming.path,
        incoming.headers,
        incoming.body,
        now=clock.now(),
        scheme=scheme,
    )
    # 6. The key's owner is the actor; verify, re-fetching the key once on failure.
    check_domain(parsed.key_id)
    key = verified_key(parsed, actor_iri)
    # 7. Origins.
    check_origins(activity)
    mark_heard_from(key.origin)
    # 8. Store; processing is idempotent on the activity id (a unique column: a second
    # delivery of the same activity fails to insert and is answered alike).
    return InboxMessage.store(
        activity, incoming.body, actor_iri, key.origin, request_id=incoming.request_id
    )
