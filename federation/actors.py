"""Remote actors and their keys: fetched through the safe client, stored as Actor rows."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urldefrag, urlsplit

from flask import current_app
from sqlalchemy import select

from federation.documents import first, id_of
from federation.errors import FetchError, SignatureError
from federation.http import SafeClient
from server.extensions import db
from server.models import Actor, clock
from server.models.actor import KnownKey
from vocab.codec import origin_of

ACTOR_TYPES = {"Person", "Organization", "Service", "Application", "Group"}
ACTOR_TTL = timedelta(days=1)
KEY_REFETCH_INTERVAL = timedelta(seconds=60)

_clients: dict[bool, SafeClient] = {}


def client() -> SafeClient:
    """Return the node's one outbound HTTP client (SSRF guard per settings)."""
    allow = current_app.config["SETTINGS"].allow_private_addresses
    if allow not in _clients:
        _clients[allow] = SafeClient(allow_private=allow, user_agent=_user_agent())
    return _clients[allow]


def _user_agent() -> str:
    return f"transition-commons/0.1 (+{current_app.config['SETTINGS'].base_url})"


def signing_key() -> tuple[str, str] | None:
    """Return the key id and private key this node signs its fetches with (None before init)."""
    local = Actor.local()
    return (local.public_key_id, local.private_key_pem) if local and local.private_key_pem else None


def signed_get(url: str, sign_as: tuple[str, str] | None = None) -> tuple[dict[str, Any], str]:
    """GET a JSON-LD document signed as this node (for authorized-fetch peers).

    `sign_as` is `signing_key()` read beforehand, so that the fetch itself reads nothing from
    the database (the inbox worker fetches with no transaction open); read here otherwise.
    """
    return client().get_json(url, sign_as=sign_as or signing_key())


def _key_in(doc: dict[str, Any], key_id: str | None) -> dict[str, Any] | None:
    """Return the actor's RSA key with `key_id` (its first one when None), owned by the actor."""
    keys = doc.get("publicKey")
    for key in keys if isinstance(keys, list) else [keys]:
        if not isinstance(key, dict) or not isinstance(key.get("publicKeyPem"), str):
            continue
        owner = key.get("owner") or key.get("controller")
        if (
            owner == doc.get("id")
            and isinstance(key.get("id"), str)
            and key_id in (None, key["id"])
        ):
            return key
    return None


def store_actor(doc: dict[str, Any], url: str, key_id: str | None = None) -> Actor:
    """Create or update an Actor row from a fetched actor document.

    An actor may publish several keys; the one named `key_id` (when given) is kept.
    """
    iri = doc["id"]
    types = doc.get("type")
    types = set(types if isinstance(types, list) else [types])
    if not types & ACTOR_TYPES:
        raise FetchError(f"{url} is not an actor")
    actor = db.session.scalar(select(Actor).where(Actor.iri == iri))
    if actor is None:
        actor = Actor(iri=iri, is_local=False)
        db.session.add(actor)
    if actor.is_local:
        return actor
    actor.origin = origin_of(iri)
    actor.kind = next(iter(sorted(types & ACTOR_TYPES)))
    actor.handle = str(doc.get("preferredUsername") or "")[:120]
    actor.name = str(doc.get("name") or actor.handle)[:300]
    summary = doc.get("summary")
    actor.summary = {"und": summary[:2000]} if isinstance(summary, str) and summary else {}
    actor.url = id_of(first(doc.get("url"))) or iri
    actor.inbox = id_of(first(doc.get("inbox")))
    actor.outbox = id_of(first(doc.get("outbox")))
    endpoints = doc.get("endpoints") if isinstance(doc.get("endpoints"), dict) else {}
    actor.shared_inbox = id_of(first(endpoints.get("sharedInbox")))
    actor.followers_url = id_of(first(doc.get("followers")))
    actor.following_url = id_of(first(doc.get("following")))
    for inbox in (actor.inbox, actor.shared_inbox):
        if inbox and origin_of(inbox) != actor.origin:
            raise FetchError(f"{url}: inbox on another origin")
    key = _key_in(doc, key_id) if key_id else None
    key = key or _key_in(doc, None)
    if key is not None:
        actor.public_key_id = key["id"]
        actor.public_key_pem = key["publicKeyPem"]
    actor.raw = doc
    actor.fetched_at = clock.now()
    db.session.flush()
    return actor


def _current(actor: Actor | None) -> bool:
    """Whether a stored actor can be used as it is: ours, or fetched less than a day ago."""
    if actor is None:
        return False
    return actor.is_local or bool(actor.fetched_at and clock.now() - actor.fetched_at < ACTOR_TTL)


def fetch_actor(iri: str, refresh: bool = False) -> Actor:
    """Return the actor at `iri`, fetching it when unknown, stale or asked to."""
    actor = db.session.scalar(select(Actor).where(Actor.iri == iri))
    if actor is not None and (actor.is_local or (not refresh and _current(actor))):
        return actor
    doc, final_url = signed_get(iri)
    return store_actor(doc, final_url)


def current_actors(iris: set[str]) -> dict[str, Actor]:
    """Return the stored actors among `iris` that need no fetching, in one query."""
    if not iris:
        return {}
    found = db.session.scalars(select(Actor).where(Actor.iri.in_(sorted(iris))))
    return {actor.iri: actor for actor in found if _current(actor)}


def key_for(key_id: str, actor_iri: str, refresh: bool = False) -> KnownKey:
    """Return the key `key_id` with its owner, who must be `actor_iri`.

    The key document is fetched without its fragment; the document must have the id of the
    URL fetched and hold a key whose id is exactly `key_id` and whose owner is the actor.
    """
    if not refresh:
        cached = Actor.known_key(key_id)
        if cached is not None:
            if cached.owner != actor_iri:
                raise SignatureError("the signing key belongs to another actor")
            return cached
    known = db.session.scalar(select(Actor).where(Actor.public_key_id == key_id))
    if (
        known is not None
        and refresh
        and known.fetched_at
        and (clock.now() - known.fetched_at < KEY_REFETCH_INTERVAL)
    ):
        raise SignatureError("signature does not verify (key fetched moments ago)")
    url, _ = urldefrag(key_id)
    try:
        doc, _ = signed_get(url)
    except FetchError as exc:
        raise SignatureError(f"cannot fetch the signing key: {exc}") from exc
    if "publicKey" in doc:
        actor = store_actor(doc, url, key_id=key_id)
        if actor.public_key_id != key_id:
            raise SignatureError("the actor document does not hold this key id")
    else:
        # A standalone key document (some servers serve the key at its own URL).
        if doc.get("id") != key_id or not doc.get("publicKeyPem"):
            raise SignatureError("the key document does not hold this key id")
        owner = doc.get("owner") or doc.get("controller")
        if owner != actor_iri:
            raise SignatureError("the signing key belongs to another actor")
        actor = fetch_actor(owner, refresh=True)
        actor.public_key_id = key_id
        actor.public_key_pem = doc["publicKeyPem"]
    if actor.iri != actor_iri:
        raise SignatureError("the signing key belongs to another actor")
    db.session.commit()
    return KnownKey(key_id, actor.iri, actor.origin, actor.public_key_pem or "")


def webfinger(handle: str) -> str:
    """Resolve `user@host` (with or without a leading @ or acct:) to an actor IRI."""
    address = handle.strip().removeprefix("acct:").lstrip("@")
    if address.count("@") != 1:
        raise FetchError(f"{handle!r} is not a handle like name@host")
    user, host = address.split("@")
    if not user or not host or "/" in host:
        raise FetchError(f"{handle!r} is not a handle like name@host")
    allow = current_app.config["SETTINGS"].allow_private_addresses
    schemes = ["https", "http"] if allow else ["https"]
    last_error: Exception | None = None
    for scheme in schemes:
        url = f"{scheme}://{host}/.well-known/webfinger?resource=acct:{user}@{host}"
        try:
            doc = client().get(url, accept="application/jrd+json, application/json")
        except FetchError as exc:
            last_error = exc
            continue
        for link in doc.get("links", []) if isinstance(doc, dict) else []:
            if (
                isinstance(link, dict)
                and link.get("rel") == "self"
                and "json" in str(link.get("type", ""))
                and isinstance(link.get("href"), str)
            ):
                return link["href"]
        raise FetchError(f"{handle}: WebFinger names no ActivityPub actor")
    raise FetchError(f"{handle}: WebFinger lookup failed ({last_error})")


def resolve(target: str) -> Actor:
    """Return the remote actor named by a URL or a `handle@host`."""
    target = target.strip()
    iri = target if urlsplit(target).scheme in {"http", "https"} else webfinger(target)
    actor = fetch_actor(iri, refresh=True)
    db.session.commit()
    return actor
