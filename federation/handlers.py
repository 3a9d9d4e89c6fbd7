"""What each inbound activity does: one small handler per type, in `HANDLERS`.

Each handler gets the group's context (`federation.processing.Processing`: its actors and
follow states, what was fetched and read beforehand, the copies being written), the stored
message and its activity. It returns normally when done, raises `Rejected` (recorded with
reasons, nothing stored) or another FederationError (recorded as a failure to retry a few
times). It never goes to the network: what it needs was fetched before its transaction
began. `federation.inbox` claims the messages and runs the handlers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app
from sqlalchemy import select, update

from federation import outbox
from federation.actors import store_actor
from federation.documents import embedded_object, first, id_of
from federation.errors import FederationError
from federation.items import Rejected, delete_copy, store_copy
from federation.processing import Processing, Received, updates_itself
from server.extensions import db
from server.models import (
    Actor,
    AuditEntry,
    BackfillState,
    Follow,
    FollowState,
    Item,
    Report,
    ReportState,
)
from server.models.audit import SYSTEM
from server.models.report import clean_reason
from vocab import kinds
from vocab.codec import origin_of

_KEEP_FOLLOWS = {"Create", "Update", "Announce", "Flag"}  # the others may change follows
# These handlers check everything before they change anything: a rejection leaves nothing.
_REJECTED_UNCHANGED = {"Create", "Update", "Announce", "Flag"}
MAX_FLAGGED = 50  # object IRIs of one Flag looked at (Mastodon sends a few)

Handler = Callable[[Processing, Received, dict[str, Any]], None]


def handle_follow(context: Processing, message: Received, activity: dict[str, Any]) -> None:
    """Someone follows the node: accept now, or wait for an admin in manual mode."""
    local = Actor.local()
    if id_of(first(activity.get("object"))) != local.iri:
        raise Rejected(["only the node actor can be followed"])
    follower = context.sender(message)
    follow = Follow.between(follower, local)
    if follow is None:
        follow = Follow(
            follower=follower,
            followed=local,
            activity_iri=activity["id"],
            state=FollowState.PENDING,
        )
        db.session.add(follow)
    else:
        follow.activity_iri = activity["id"]
    db.session.flush()
    if (
        current_app.config["SETTINGS"].follow_approval == "auto"
        or follow.state == FollowState.ACCEPTED
    ):
        if follow.state != FollowState.ACCEPTED:
            AuditEntry.add("follow.accept", SYSTEM, follower.iri, {"automatic": True})
        answer_follow(follow, accept=True, activity=activity)


def answer_follow(follow: Follow, accept: bool, activity: dict[str, Any] | None = None) -> None:
    """Accept or reject a pending follow of the node, and tell the follower."""
    follow.move_to(FollowState.ACCEPTED if accept else FollowState.REJECTED)
    obj = activity or {
        "type": "Follow",
        "id": follow.activity_iri,
        "actor": follow.follower.iri,
        "object": follow.followed.iri,
    }
    obj = {k: v for k, v in obj.items() if k != "@context"}
    outbox.send_to(follow.followed, follow.follower, "Accept" if accept else "Reject", obj)


def _our_follow(activity: dict[str, Any], sender: Actor) -> Follow | None:
    obj = activity.get("object")
    follow = Follow.by_activity(id_of(first(obj)) or "")
    local = Actor.local()
    if follow is None and isinstance(obj, dict) and id_of(first(obj.get("actor"))) == local.iri:
        follow = Follow.between(local, sender)
    if follow is None or follow.followed_id != sender.id:
        return None
    return follow


def handle_accept(context: Processing, message: Received, activity: dict[str, Any]) -> None:
    """A node accepted our follow: mark it and start backfilling its outbox."""
    sender = context.sender(message)
    follow = _our_follow(activity, sender)
    if follow is None:
        raise Rejected(["accepts no follow of ours"])
    follow.move_to(FollowState.ACCEPTED)
    if follow.backfill_state in (None, BackfillState.FAILED):
        follow.move_backfill_to(BackfillState.PENDING)
        follow.backfill_next = None


def handle_reject(context: Processing, message: Received, activity: dict[str, Any]) -> None:
    """A node rejected (or ended) our follow."""
    sender = context.sender(message)
    follow = _our_follow(activity, sender)
    if follow is None:
        raise Rejected(["rejects no follow of ours"])
    follow.move_to(FollowState.REJECTED)


def handle_undo(context: Processing, message: Received, activity: dict[str, Any]) -> None:
    """Undo of a Follow ends it; Undo of an Announce is noted and ignored."""
    obj = activity.get("object")
    kind = obj.get("type") if isinstance(obj, dict) else None
    follow = Follow.by_activity(id_of(first(obj)) or "")
    sender = context.sender(message)
    if follow is None and kind == "Follow":
        local = Actor.local()
        follow = Follow.between(sender, local)
    if follow is not None and follow.follower_id == sender.id:
        db.session.delete(follow)
        return
    if kind in (None, "Announce", "Like"):
        return
    raise Rejected(["undoes nothing known here"])


def handle_create(context: Processing, message: Received, activity: dict[str, Any]) -> None:
    """A followed node published or changed an item: keep our copy in step.

    The object is the one the activity carries when its own origin sends it, else the one
    fetched from its id beforehand."""
    sender = context.sender(message)
    if not context.following(sender):
        raise Rejected(["this node does not follow the sender"])
    object_id = id_of(first(activity.get("object")))
    if not object_id:
        raise Rejected(["the activity has no object id"])
    embedded = embedded_object(activity) is not None and origin_of(object_id) == sender.origin
    obj = context.object_of(message, embedded)
    if origin_of(obj.attributed_to) != sender.origin or origin_of(obj.id) != sender.origin:
        raise Rejected(["the object belongs to another origin"])
    store_copy(context.copies, obj, sender)


def handle_update(context: Processing, message: Received, activity: dict[str, Any]) -> None:
    """A followed node changed an item, or an actor its own document (after a key rotation,
    say): keep our copy, or the actor's new document and key, in step."""
    if not updates_itself(message):
        handle_create(context, message, activity)
        return
    sender = context.sender(message)
    doc = embedded_object(activity)
    if doc is None:
        raise Rejected(["an actor's Update must carry its new document"])
    try:
        store_actor(doc, sender.iri)  # checks id, origin and inbox as for a fetched document
    except FederationError as exc:
        raise Rejected([str(exc)]) from exc


def handle_delete(context: Processing, message: Received, activity: dict[str, Any]) -> None:
    """The owner deleted an item (or itself): delete our copy (or end its follows)."""
    sender = context.sender(message)
    object_id = id_of(first(activity.get("object")))
    if object_id == sender.iri:
        db.session.execute(
            update(Follow)
            .where((Follow.follower_id == sender.id) | (Follow.followed_id == sender.id))
            .values(state=FollowState.REJECTED)
        )
        return
    delete_copy(context.copies, object_id, sender)


def handle_announce(context: Processing, message: Received, activity: dict[str, Any]) -> None:
    """A followed node re-shares an item: keep it, as fetched from its origin, with
    attribution."""
    sender = context.sender(message)
    if not context.following(sender):
        raise Rejected(["this node does not follow the sender"])
    object_id = id_of(first(activity.get("object")))
    if not object_id:
        raise Rejected(["the announce has no object"])
    if context.copies.has(object_id):
        return
    obj = context.object_of(message, embedded=False)
    if origin_of(obj.attributed_to) != origin_of(obj.id):
        raise Rejected(["the announced object is attributed to another origin"])
    store_copy(context.copies, obj, context.actor(obj.attributed_to))


def handle_flag(context: Processing, message: Received, activity: dict[str, Any]) -> None:
    """Another node reports items (Mastodon's report to a remote server): each item of this
    node, or copy held here, that the Flag names joins the moderation queue with its reason.

    The object is a list of IRIs: actors (the reported account) and items; an item is
    named by its IRI, or by the address of its copy on this node. A Flag naming nothing
    held here is rejected, and nothing is stored.
    """
    named = [id_of(value) for value in _as_list(activity.get("object"))[:MAX_FLAGGED]]
    items = _items_named([iri for iri in named if iri])
    if not items:
        raise Rejected(["the report names no item held on this node"])
    sender = context.sender(message)
    reason = clean_reason(_plain(activity.get("content")))
    queued = Report.known(activity["id"])
    for item in items:
        if item.iri in queued:
            continue
        db.session.add(
            Report(
                activity_iri=activity["id"],
                reporter_iri=sender.iri,
                item=item,
                item_iri=item.iri,
                reason=reason,
                state=ReportState.OPEN,
            )
        )


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value] if value else []


def _plain(value: Any) -> str:
    """The Flag's text: content (a string, or a language map), else empty."""
    if isinstance(value, dict):
        value = next((text for text in value.values() if isinstance(text, str)), "")
    return value.strip() if isinstance(value, str) else ""


def _items_named(iris: list[str]) -> list[Item]:
    """The items these IRIs name: by IRI, or by their page's address on this node."""
    found = {item.iri: item for item in db.session.scalars(select(Item).where(Item.iri.in_(iris)))}
    base = current_app.config["SETTINGS"].base_url.rstrip("/") + "/"
    for iri in iris:
        if iri in found or not iri.startswith(base):
            continue
        path, _, slug = iri[len(base) :].partition("/")
        try:
            kind = kinds.by_path(path)
        except KeyError:
            continue
        item = Item.by_slug(kind.name, slug)
        if item is not None:
            found[iri] = item
    return list({item.id: item for item in found.values()}.values())


HANDLERS: dict[str, Handler] = {
    "Follow": handle_follow,
    "Accept": handle_accept,
    "Reject": handle_reject,
    "Undo": handle_undo,
    "Create": handle_create,
    "Update": handle_update,
    "Delete": handle_delete,
    "Announce": handle_announce,
    "Flag": handle_flag,
}


def handles(kind: str) -> bool:
    """Whether a handler here takes activities of this type."""
    return kind in HANDLERS


def handle(context: Processing, message: Received, activity: dict[str, Any]) -> None:
    """Run the message's handler; a type nothing handles is rejected."""
    handler = HANDLERS.get(message.activity_type)
    if handler is None:
        raise Rejected([f"{message.activity_type} activities are not handled here"])
    handler(context, message, activity)


def rejection_changed_nothing(kind: str) -> bool:
    """Whether a rejected activity of this type is sure to have changed nothing."""
    return kind in _REJECTED_UNCHANGED or kind not in HANDLERS


def may_change_follows(kind: str) -> bool:
    return kind in HANDLERS and kind not in _KEEP_FOLLOWS
