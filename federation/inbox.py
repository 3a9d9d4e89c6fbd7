"""Process stored inbox messages: one small handler per activity type.

Each handler gets the message and its activity; it returns normally when done, raises
`Rejected` (recorded with reasons, nothing stored) or another FederationError (recorded as a
failure to retry a few times).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from flask import Flask, current_app
from sqlalchemy import Text, cast, select, update

from federation import clock, outbox, validators
from federation.actors import current_actors, fetch_actor, signed_get
from federation.documents import embedded_object, first, id_of
from federation.errors import FederationError, InvalidActivity
from federation.items import Rejected, batched, delete_item, has_copy, read_object, store_item
from server.extensions import db
from server.models import Actor, Follow, InboxMessage, origin_of

log = logging.getLogger("commons.inbox")
MAX_ATTEMPTS = 5
BATCH = 200  # messages per claim: four groups, which the validators check ahead
# At most this many messages per pass of the worker's loop, so that a backlog is worked
# through without stopping between claims, and deliveries still go out every pass.
PER_PASS = 1000
_GROUP = "inbox.group"  # Session.info key while a group of messages is processed together
_VERDICTS = "inbox.verdicts"  # Session.info key: the validators' verdicts on these messages
_KEEP_FOLLOWS = {"Create", "Update", "Announce"}  # the other handlers may change follows
# These handlers check everything before they change anything: a rejection leaves nothing.
_REJECTED_UNCHANGED = {"Create", "Update", "Announce"}
# Messages per transaction. A group of Creates from known senders writes only at its end,
# so SQLite's write lock is held for its inserts and commit, not while it validates. (A
# group that must store a new actor, theme or territory, or that updates or deletes, holds
# it from then on; the inbox waits up to 30 s for it before answering 503.)
TOGETHER = 50
STALE_CLAIM = timedelta(minutes=5)


class Received(Protocol):
    """What a handler reads of a stored message besides its activity: which and whose."""

    id: int
    actor_iri: str


Handler = Callable[[Received, dict[str, Any]], None]


@dataclass
class _Group:
    """Senders and follow states of a group of messages processed together, read at once."""

    senders: dict[str, Actor]
    followed: dict[int, bool] = field(default_factory=dict)  # actor id -> this node follows it

    @classmethod
    def of(cls, messages: list[Received]) -> _Group:
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


def _group() -> _Group | None:
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


def claim(limit: int = BATCH, after: int = 0, stamp: datetime | None = None) -> list[int]:
    """Take pending messages for this worker, oldest first (and newer than `after`).

    On PostgreSQL several workers share the inbox: each marks what it took as processing
    (SKIP LOCKED), claimed at `stamp`. On SQLite exactly one worker runs, so there is
    nothing to mark; marking would rewrite every row, raw activity included, once more.
    """
    query = (
        select(InboxMessage.id)
        .where(InboxMessage.state == "pending", InboxMessage.id > after)
        .order_by(InboxMessage.id)
        .limit(limit)
    )
    if not _shared():
        ids = list(db.session.scalars(query))
        db.session.commit()
        return ids
    ids = list(db.session.scalars(query.with_for_update(skip_locked=True)))
    if ids:
        db.session.execute(
            update(InboxMessage)
            .where(InboxMessage.id.in_(ids))
            .values(state="processing", claimed_at=stamp or clock.now())
        )
    db.session.commit()
    return ids


def _shared() -> bool:
    """Whether several workers may share the inbox (PostgreSQL), so claims are marked."""
    return db.engine.dialect.name == "postgresql"


def _claimed() -> str:
    """The state a message this worker claimed is in."""
    return "processing" if _shared() else "pending"


def _still_ours(ids: list[int], stamp: datetime) -> list[int]:
    """The messages claimed at `stamp` that no other worker has taken over, claim renewed.

    A claim waits while the one before it is processed; if that took longer than
    STALE_CLAIM, another worker may have requeued and claimed these (at its own time).
    Renewing each group's claim just before it is processed keeps two workers from
    processing one message.
    """
    if not _shared():
        return ids
    renewed = db.session.scalars(
        update(InboxMessage)
        .where(
            InboxMessage.id.in_(ids),
            InboxMessage.state == "processing",
            InboxMessage.claimed_at == stamp,
        )
        .values(claimed_at=clock.now())
        .returning(InboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    ours = sorted(renewed)
    db.session.commit()
    return ours


def process(message_id: int) -> str:
    """Run the handler of one message and record the outcome; return its state."""
    message = db.session.get(InboxMessage, message_id)
    handler = HANDLERS.get(message.activity_type)
    attempts = message.attempts + 1
    message.attempts = attempts
    try:
        if handler is None:
            raise Rejected([f"{message.activity_type} activities are not handled here"])
        handler(message, message.raw)
        message.state, message.error = "done", None
    except Rejected as exc:
        db.session.rollback()
        message = db.session.get(InboxMessage, message_id)
        message.attempts = attempts
        message.state, message.error = "rejected", "\n".join(exc.reasons)
    except (FederationError, InvalidActivity) as exc:
        db.session.rollback()
        message = db.session.get(InboxMessage, message_id)
        message.attempts = attempts
        message.error = str(exc)
        message.state = "failed" if message.attempts >= MAX_ATTEMPTS else "pending"
    message.processed_at = clock.now()
    db.session.commit()
    return message.state


def run_inbox(app: Flask) -> int:
    """Worker job: process pending inbox messages; return how many were handled.

    Messages are processed TOGETHER at a time in one transaction, which costs a commit and
    a harvest-record pass per group rather than per message. If one fails (or is rejected
    after it may have changed something), the group is rolled back and each of its
    messages is processed on its own.
    """
    handled = 0
    claimed = _Claim.take()
    while claimed.groups:
        handled += claimed.size
        # The next claim goes to the validators before this one is processed: they check it
        # while the worker stores this one, so only the first group of a pass waits for them.
        following = _Claim.take(after=claimed.last) if claimed.full and handled < PER_PASS else None
        for group, ahead in zip(claimed.groups, claimed.verdicts, strict=True):
            db.session.info[_VERDICTS] = validators.result(ahead)
            try:
                ours = _still_ours(group, claimed.stamp)
                if len(ours) > 1 and _process_together(ours):
                    continue
                for message_id in ours:
                    _process_alone(message_id)
            finally:
                db.session.info.pop(_VERDICTS, None)
        if following is None:
            break
        claimed = following
    return handled


@dataclass
class _Claim:
    """Messages claimed at once, in groups, with the validators' verdicts to come for each."""

    groups: list[list[int]]
    verdicts: list[Future[validators.Verdicts] | None]
    stamp: datetime  # when they were claimed
    last: int  # the newest message claimed: the next claim starts after it
    full: bool  # as many as a claim takes: there may be more waiting

    @classmethod
    def take(cls, after: int = 0) -> _Claim:
        stamp = clock.now()
        ids = claim(after=after, stamp=stamp)
        groups = [ids[start : start + TOGETHER] for start in range(0, len(ids), TOGETHER)]
        if validators.enabled() and groups:
            verdicts = validators.ahead(_raw_activities(groups))
        else:
            verdicts = [None] * len(groups)
        return cls(groups, verdicts, stamp, ids[-1] if ids else after, len(ids) == BATCH)

    @property
    def size(self) -> int:
        return sum(len(group) for group in self.groups)


def _raw_activities(groups: list[list[int]]) -> list[list[tuple[int, str]]]:
    """The Creates and Updates of each group as stored (text, for the validator processes)."""
    ids = [message_id for group in groups for message_id in group]
    query = select(InboxMessage.id, cast(InboxMessage.raw, Text)).where(
        InboxMessage.id.in_(ids), InboxMessage.activity_type.in_(("Create", "Update"))
    )
    raws = {message_id: raw for message_id, raw in db.session.execute(query)}
    return [[(i, raws[i]) for i in group if i in raws] for group in groups]


def _process_together(ids: list[int]) -> bool:
    """Process messages in one transaction; False (and nothing kept) if any did not succeed.

    The group's senders, follow states, items and tombstones are read in a few queries
    first (`_Group`, `federation.items.Batch`), and its new items are written together.
    A Create, Update or Announce that is rejected has changed nothing by then (the checks
    come first), nor has an activity of a type nothing handles: each is recorded as
    rejected, and the rest of the group goes on.
    """
    try:
        messages = _read_messages(ids)
        db.session.info[_GROUP] = _Group.of(list(messages.values()))
        rejected = _run_handlers(ids, messages)
        refused = {message_id for group_ids in rejected.values() for message_id in group_ids}
        _record(InboxMessage.id.in_([i for i in ids if i not in refused]), "done", None)
        for reasons, message_ids in rejected.items():
            _record(InboxMessage.id.in_(message_ids), "rejected", reasons)
        db.session.commit()
    except Exception:  # noqa: BLE001 - each message is retried alone, and recorded there
        log.debug("a group of %d inbox messages is processed one by one", len(ids), exc_info=True)
        db.session.rollback()
        return False
    finally:
        db.session.info.pop(_GROUP, None)
    return True


def _read_messages(ids: list[int]) -> dict[int, Any]:
    """The group's messages as rows, not ORM objects: a handler reads who sent the activity
    and the activity, and the outcomes are written by one UPDATE per outcome."""
    query = select(
        InboxMessage.id,
        InboxMessage.activity_type,
        InboxMessage.actor_iri,
        InboxMessage.raw,
        InboxMessage.state,
    ).where(InboxMessage.id.in_(ids))
    return {message.id: message for message in db.session.execute(query)}


def _run_handlers(ids: list[int], messages: dict[int, Any]) -> dict[str, list[int]]:
    """Run each message's handler in order; return the rejected ones by their reasons."""
    group = _group()
    claimed = _claimed()
    objects = {id_of(first(message.raw.get("object"))) for message in messages.values()}
    rejected: dict[str, list[int]] = defaultdict(list)
    with batched({iri for iri in objects if iri}):
        for message_id in ids:
            message = messages[message_id]
            if message.state != claimed:
                raise RuntimeError(f"inbox message {message_id} is {message.state}")
            handler = HANDLERS.get(message.activity_type)
            if handler is None:
                rejected[f"{message.activity_type} activities are not handled here"].append(
                    message_id
                )
                continue
            try:
                handler(message, message.raw)
            except Rejected as exc:
                if message.activity_type not in _REJECTED_UNCHANGED:
                    raise
                rejected["\n".join(exc.reasons)].append(message_id)
            if message.activity_type not in _KEEP_FOLLOWS:
                group.read_follows()
    return rejected


def _record(which: Any, state: str, error: str | None) -> None:
    outcome = (
        update(InboxMessage)
        .where(which)
        .values(
            state=state, error=error, attempts=InboxMessage.attempts + 1, processed_at=clock.now()
        )
        .execution_options(synchronize_session=False)
    )
    db.session.execute(outcome)


def _process_alone(message_id: int) -> None:
    state = db.session.scalar(select(InboxMessage.state).where(InboxMessage.id == message_id))
    if state != _claimed():  # a handler of the group committed it already
        return
    try:
        process(message_id)
    except Exception:  # noqa: BLE001 - record and go on with the others
        db.session.rollback()
        log.exception("inbox message %s failed", message_id)
        db.session.execute(
            update(InboxMessage)
            .where(InboxMessage.id == message_id)
            .values(state="failed", error="internal error while processing")
        )
        db.session.commit()


def release_claims() -> int:
    """Messages a dead worker was processing become pending again (single-worker databases)."""
    result = db.session.execute(
        update(InboxMessage).where(InboxMessage.state == "processing").values(state="pending")
    )
    db.session.commit()
    return result.rowcount or 0


def requeue_stale(app: Flask) -> int:
    """Worker job: messages left 'processing' by a killed worker become pending again.

    Only where workers share the inbox: on SQLite the one worker marks nothing, and
    `release_claims` frees what an older version left when the worker starts."""
    if not _shared():
        return 0
    cutoff = clock.now() - STALE_CLAIM
    result = db.session.execute(
        update(InboxMessage)
        .where(InboxMessage.state == "processing", InboxMessage.claimed_at < cutoff)
        .values(state="pending")
    )
    db.session.commit()
    return result.rowcount or 0
