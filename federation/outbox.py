"""Build activities from models, record them in the outbox, and queue their deliveries."""

from __future__ import annotations

import uuid
from typing import Any

from flask import current_app
from sqlalchemy import select

from server.extensions import db
from server.models import Actor, Delivery, Follow, Item, OutboxActivity, clock
from server.ops.logs import current_request_id
from vocab.codec import origin_of
from vocab.context import CONTEXT
from vocab.terms import PUBLIC

JsonLd = dict[str, Any]


def _base_url() -> str:
    return current_app.config["SETTINGS"].base_url


def new_activity_iri() -> str:
    return f"{_base_url()}/activities/{uuid.uuid4()}"


def _timestamp() -> str:
    return clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")


def _envelope(
    kind: str, actor: Actor, obj: Any, public: bool = True, to: list[str] | None = None
) -> JsonLd:
    activity: JsonLd = {
        "@context": list(CONTEXT),
        "type": kind,
        "id": new_activity_iri(),
        "actor": actor.iri,
        "published": _timestamp(),
    }
    if public:
        activity["to"] = [PUBLIC]
        activity["cc"] = [actor.followers_url]
    elif to:
        activity["to"] = to
    activity["object"] = obj
    return activity


def _without_context(doc: JsonLd) -> JsonLd:
    return {k: v for k, v in doc.items() if k != "@context"}


def item_activity(kind: str, item: Item) -> JsonLd:
    """Return a Create or Update of `item` with the object embedded."""
    return _envelope(kind, item.actor, _without_context(item.to_object().to_jsonld()))


def delete_activity(item: Item) -> JsonLd:
    """Return a Delete whose object is the item's Tombstone."""
    tombstone = {
        "type": "Tombstone",
        "id": item.iri,
        "formerType": item.to_object().to_jsonld()["type"][0],
        "deleted": _timestamp(),
    }
    return _envelope("Delete", item.actor, tombstone)


def _object_iri(obj: Any) -> str | None:
    """The IRI an activity is about: its object's, or the last of a list's (a Flag's item)."""
    if isinstance(obj, list):
        obj = obj[-1] if obj else None
    return obj if isinstance(obj, str) else obj.get("id") if isinstance(obj, dict) else None


def record(activity: JsonLd, item: Item | None = None, public: bool = True) -> OutboxActivity:
    """Keep an activity in the outbox."""
    obj = activity.get("object")
    row = OutboxActivity(
        iri=activity["id"],
        activity_type=activity["type"],
        object_iri=_object_iri(obj),
        item_id=item.id if item is not None else None,
        raw=activity,
        public=public,
        published_at=clock.now(),
        request_id=current_request_id(),  # the request (or activity) that caused it
    )
    db.session.add(row)
    db.session.flush()
    return row


def follower_inboxes(actor: Actor) -> list[str]:
    """Return one inbox per accepted follower, shared inboxes first (deduplicated)."""
    inboxes: list[str] = []
    for follower in db.session.scalars(Follow.accepted_followers(actor)):
        inbox = follower.shared_inbox or follower.inbox
        if inbox and inbox not in inboxes:
            inboxes.append(inbox)
    return inboxes


def queue(activity_row: OutboxActivity, inboxes: list[str]) -> list[Delivery]:
    """Create one pending delivery per distinct inbox."""
    existing = (
        set(
            db.session.scalars(
                select(Delivery.inbox_url).where(Delivery.activity_id == activity_row.id)
            )
        )
        if inboxes
        else set()
    )
    rows = []
    now = clock.now()
    for inbox in dict.fromkeys(inboxes):
        if inbox in existing:
            continue
        row = Delivery(
            activity=activity_row, inbox_url=inbox, origin=origin_of(inbox), next_attempt_at=now
        )
        db.session.add(row)
        rows.append(row)
    db.session.flush()
    return rows


def publish(kind: str, item: Item, inboxes: list[str] | None = None) -> OutboxActivity:
    """Record a Create, Update or Delete of a local item and queue it to every follower
    (`inboxes`: `follower_inboxes(item.actor)`, when the caller already read them)."""
    activity = delete_activity(item) if kind == "Delete" else item_activity(kind, item)
    row = record(activity, item=item)
    queue(row, follower_inboxes(item.actor) if inboxes is None else inboxes)
    return row


def announce(actor: Actor, item: Item) -> OutboxActivity:
    """Re-share another node's item with followers, naming its original."""
    row = record(_envelope("Announce", actor, item.iri), item=item)
    queue(row, follower_inboxes(actor))
    return row


def send_to(actor: Actor, target: Actor, kind: str, obj: Any) -> OutboxActivity:
    """Send a non-public activity (Follow, Accept, Reject, Undo) to one actor's inbox."""
    activity = _envelope(kind, actor, obj, public=False, to=[target.iri])
    row = record(activity, public=False)
    queue(row, [target.inbox or target.shared_inbox or ""])
    return row


def flag(actor: Actor, target: Actor, objects: list[str], content: str) -> OutboxActivity:
    """Report `objects` (IRIs: the owner's actor and its items) to `target`'s node with a
    Flag, as Mastodon reports to a remote server: from the node actor, to that actor only."""
    activity = _envelope("Flag", actor, list(objects), public=False, to=[target.iri])
    activity["content"] = content
    row = record(activity, public=False)
    queue(row, [target.shared_inbox or target.inbox or ""])
    return row


def actor_update(actor: Actor, document: JsonLd) -> OutboxActivity:
    """Record an Update of an actor's own document (a new key, say) and queue it to its
    followers, who replace what they hold of the actor."""
    row = record(_envelope("Update", actor, _without_context(document)))
    queue(row, follower_inboxes(actor))
    return row
