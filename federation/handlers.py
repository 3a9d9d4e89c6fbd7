"""What each inbound activity does: one small handler per type, in `HANDLERS`.

Each handler gets the stored message and its activity; it returns normally when done,
raises `Rejected` (recorded with reasons, nothing stored) or another FederationError
(recorded as a failure to retry a few times). `federation.inbox` claims the messages and
runs the handlers, alone or many in one transaction (`together`); in a group, the senders
and follow states come from one `Group`, and the validators' verdicts from `given`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from flask import current_app
from sqlalchemy import select, update

from federation import outbox, validators
from federation.actors import current_actors, fetch_actor, signed_get
from federation.documents import embedded_object, first, id_of
from federation.items import Rejected, delete_item, has_copy, read_object, store_item
from server.extensions import db
from server.models import Actor, Follow
from vocab.codec import origin_of

_GROUP = "inbox.group"  # Session.info key while a group of messages is processed together
_VERDICTS = "inbox.verdicts"  # Session.info key: the validators' verdicts on these messages
_KEEP_FOLLOWS = {"Create", "Update", "Announce"}  # the other handlers may change follows
# These handlers check everything before they change anything: a rejection leaves nothing.
_REJECTED_UNCHANGED = {"Create", "Update", "Announce"}


class Received(Protocol):
    """What a handler reads of a stored message besides its activity: which and whose."""

    id: int
    actor_iri: str


Handler = Callable[[Received, dict[str, Any]], None]


@dataclass
class Group:
    """Senders and follow states of a group of messages processed together, read at once."""

    senders: dict[str, Actor]
    followed: dict[int, bool] = field(default_factory=dict)  # actor id -> this node follows it

    @classmethod
    def of(cls, messages: list[Received]) -> Group:
        group = cls(current_actors({message.actor_iri for message in messages}))
        group.read_follows()
        return group

    def read_follows(self) -> None:
        """Read whether this node follows each sender (again, after a handler changed follows)."""
        ids = {actor.id for actor in self.senders.values()}
        self.followed = dict.fromkeys(ids, False)
        local_id = Actor.local_id()
        if local_id is None or not ids:
            return
        accepted = select(Follow.followed_id).where(
            Follow.follower_id == local_id,
            Follow.state == "accepted",
            Follow.followed_id.in_(sorted(ids)),
        )
        self.followed.update(dict.fromkeys(db.session.scalars(accepted), True))


def _group() -> Group | None:
    return db.session.info.get(_GROUP)  # set while a group is processed together


def _sender(message: Received) -> Actor:
    group = _group()
    if group is None:
        return fetch_actor(message.actor_iri)
    if message.actor_iri not in group.senders:
        group.senders[message.actor_iri] = fetch_actor(message.actor_iri)
    return group.senders[message.actor_iri]


def _following(actor: Actor) -> bool:
    """Return whether this node follows `actor` (accepted)."""
    group = _group()
    if group is not None and actor.id in group.followed:
        return group.followed[actor.id]
    local_id = Actor.local_id()
    if local_id is None:
        return False
    state = db.session.scalar(
        select(Follow.state).where(Follow.follower_id == local_id, Follow.followed_id == actor.id)
    )
    if group is not None:
        group.followed[actor.id] = state == "accepted"
    return state == "accepted"


def handle_follow(message: Received, activity: dict[str, Any]) -> None:
    """Someone follows the node: accept now, or wait for an admin in manual mode."""
    local = Actor.local()
    if id_of(first(activity.get("object"))) != local.iri:
        raise Rejected(["only the node actor can be followed"])
    follower = _sender(message)
    follow = Follow.between(follower, local)
    if follow is None:
        follow = Follow(
            follower=follower, followed=local, activity_iri=activity["id"], state="pending"
        )
        db.session.add(follow)
    else:
        follow.activity_iri = activity["id"]
    db.session.flush()
    if current_app.config["SETTINGS"].follow_approval == "auto" or follow.state == "accepted":
        answer_follow(follow, accept=True, activity=activity)


def answer_follow(follow: Follow, accept: bool, activity: dict[str, Any] | None = None) -> None:
    """Accept or reject a pending follow of the node, and tell the follower."""
    follow.state = "accepted" if accept else "rejected"
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


def handle_accept(message: Received, activity: dict[str, Any]) -> None:
    """A node accepted our follow: mark it and start backfilling its outbox."""
    sender = _sender(message)
    follow = _our_follow(activity, sender)
    if follow is None:
        raise Rejected(["accepts no follow of ours"])
    follow.state = "accepted"
    if follow.backfill_state in (None, "failed"):
        follow.backfill_state = "pending"
        follow.backfill_next = None


def handle_reject(message: Received, activity: dict[str, Any]) -> None:
    sender = _sender(message)
    follow = _our_follow(activity, sender)
    if follow is None:
        raise Rejected(["rejects no follow of ours"])
    follow.state = "rejected"


def handle_undo(message: Received, activity: dict[str, Any]) -> None:
    """Undo of a Follow ends it; Undo of an Announce is noted and ignored."""
    obj = activity.get("object")
    kind = obj.get("type") if isinstance(obj, dict) else None
    follow = Follow.by_activity(id_of(first(obj)) or "")
    sender = _sender(message)
    if follow is None and kind == "Follow":
        local = Actor.local()
        follow = Follow.between(sender, local)
    if follow is not None and follow.follower_id == sender.id:
        db.session.delete(follow)
        return
    if kind in (None, "Announce", "Like"):
        return
    raise Rejected(["undoes nothing known here"])


def _object_doc(activity: dict[str, Any], sender: Actor) -> tuple[dict[str, Any], bool]:
    """Return the object, fetched from its id unless embedded by its own origin, and
    whether it is the embedded one."""
    object_id = id_of(first(activity.get("object")))
    if not object_id:
        raise Rejected(["the activity has no object id"])
    embedded = embedded_object(activity)
    if embedded is not None and origin_of(object_id) == sender.origin:
        return embedded, True
    doc, _ = signed_get(object_id)
    return doc, False


def _verdict(message: Received) -> list[str] | None:
    """The shapes' reasons for the message's embedded object, if a validator gave them."""
    return db.session.info.get(_VERDICTS, {}).get(message.id)


def handle_create(message: Received, activity: dict[str, Any]) -> None:
    """A followed node published or changed an item: keep our copy in step."""
    sender = _sender(message)
    if not _following(sender):
        raise Rejected(["this node does not follow the sender"])
    doc, embedded = _object_doc(activity, sender)
    obj = read_object(doc, _verdict(message) if embedded else None)
    if origin_of(obj.attributed_to) != sender.origin or origin_of(obj.id) != sender.origin:
        raise Rejected(["the object belongs to another origin"])
    store_item(obj, sender)


def handle_delete(message: Received, activity: dict[str, Any]) -> None:
    """The owner withdrew an item (or deleted itself): remove our copy."""
    sender = _sender(message)
    object_id = id_of(first(activity.get("object")))
    if object_id == sender.iri:
        db.session.execute(
            update(Follow)
            .where((Follow.follower_id == sender.id) | (Follow.followed_id == sender.id))
            .values(state="rejected")
        )
        return
    delete_item(object_id, sender)


def handle_announce(message: Received, activity: dict[str, Any]) -> None:
    """A followed node re-shares an item: fetch it from its origin, keep it with attribution."""
    sender = _sender(message)
    if not _following(sender):
        raise Rejected(["this node does not follow the sender"])
    object_id = id_of(first(activity.get("object")))
    if not object_id:
        raise Rejected(["the announce has no object"])
    if has_copy(object_id):
        return
    doc, _ = signed_get(object_id)
    obj = read_object(doc)
    if origin_of(obj.attributed_to) != origin_of(obj.id):
        raise Rejected(["the announced object is attributed to another origin"])
    owner = fetch_actor(obj.attributed_to)
    store_item(obj, owner)


HANDLERS: dict[str, Handler] = {
    "Follow": handle_follow,
    "Accept": handle_accept,
    "Reject": handle_reject,
    "Undo": handle_undo,
    "Create": handle_create,
    "Update": handle_create,
    "Delete": handle_delete,
    "Announce": handle_announce,
}


def handle(message: Received, activity: dict[str, Any]) -> None:
    """Run the message's handler; a type nothing handles is rejected."""
    handler = HANDLERS.get(message.activity_type)
    if handler is None:
        raise Rejected([f"{message.activity_type} activities are not handled here"])
    handler(message, activity)


def rejection_changed_nothing(kind: str) -> bool:
    """Whether a rejected activity of this type is sure to have changed nothing."""
    return kind in _REJECTED_UNCHANGED or kind not in HANDLERS


def may_change_follows(kind: str) -> bool:
    return kind in HANDLERS and kind not in _KEEP_FOLLOWS


@contextmanager
def together(messages: list[Received]) -> Iterator[Group]:
    """Let the handlers of these messages share one `Group` until the block ends."""
    group = db.session.info[_GROUP] = Group.of(messages)
    try:
        yield group
    finally:
        db.session.info.pop(_GROUP, None)


@contextmanager
def given(verdicts: validators.Verdicts) -> Iterator[None]:
    """Let the handlers use these verdicts of the validators until the block ends."""
    db.session.info[_VERDICTS] = verdicts
    try:
        yield
    finally:
        db.session.info.pop(_VERDICTS, None)
