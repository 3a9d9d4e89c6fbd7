"""Process stored inbox messages: claim them, run their handlers, record the outcomes.

What each activity does is in `federation.handlers`. Here, the worker claims messages
(SKIP LOCKED on PostgreSQL), has the validator processes check their objects ahead
(`federation.validators`), and runs the handlers many to a transaction, or one by one
when a group cannot be processed together.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from flask import Flask
from sqlalchemy import Text, cast, select, update

from federation import handlers, validators
from federation.documents import first, id_of
from federation.errors import FederationError, InvalidActivity
from federation.items import Rejected, batched
from server.extensions import db
from server.models import InboxMessage, clock
from server.models.base import parse_json

log = logging.getLogger("commons.inbox")
MAX_ATTEMPTS = 5
BATCH = 200  # messages per claim: four groups, which the validators check ahead
# At most this many messages per pass of the worker's loop, so that a backlog is worked
# through without stopping between claims, and deliveries still go out every pass.
PER_PASS = 1000
# Messages per transaction. A group of Creates from known senders writes only at its end,
# so SQLite's write lock is held for its inserts and commit, not while it validates. (A
# group that must store a new actor, theme or territory, or that updates or deletes, holds
# it from then on; the inbox waits up to 30 s for it before answering 503.)
TOGETHER = 50
STALE_CLAIM = timedelta(minutes=5)
CHECKED_AHEAD = ("Create", "Update")  # the types whose embedded objects validators check


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
    attempts = message.attempts + 1
    message.attempts = attempts
    try:
        handlers.handle(message, message.raw)
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
        handled += len(claimed.messages)
        # The next claim goes to the validators before this one is processed: they check it
        # while the worker stores this one, so only the first group of a pass waits for them.
        following = _Claim.take(after=claimed.last) if claimed.full and handled < PER_PASS else None
        for group, ahead in zip(claimed.groups, claimed.verdicts, strict=True):
            with handlers.given(validators.result(ahead)):
                ours = _still_ours(group, claimed.stamp)
                if len(ours) > 1 and _process_together(ours, claimed.messages):
                    continue
                for message_id in ours:
                    _process_alone(message_id)
        if following is None:
            break
        claimed = following
    return handled


@dataclass
class _Stored:
    """A claimed message as stored: read once, with its activity parsed when asked for."""

    id: int
    activity_type: str
    actor_iri: str
    text: str
    state: str

    @cached_property
    def raw(self) -> dict[str, Any]:
        return parse_json(self.text)


@dataclass
class _Claim:
    """Messages claimed at once, in groups, with the validators' verdicts to come for each."""

    groups: list[list[int]]
    messages: dict[int, _Stored]
    verdicts: list[Future[validators.Verdicts] | None]
    stamp: datetime  # when they were claimed
    last: int  # the newest message claimed: the next claim starts after it
    full: bool  # as many as a claim takes: there may be more waiting

    @classmethod
    def take(cls, after: int = 0) -> _Claim:
        stamp = clock.now()
        ids = claim(after=after, stamp=stamp)
        messages = _read(ids)
        groups = [ids[start : start + TOGETHER] for start in range(0, len(ids), TOGETHER)]
        if validators.enabled() and groups:
            checked = [
                [(i, messages[i].text) for i in group if messages[i].activity_type in CHECKED_AHEAD]
                for group in groups
            ]
            verdicts = validators.ahead(checked)
        else:
            verdicts = [None] * len(groups)
        last = ids[-1] if ids else after
        return cls(groups, messages, verdicts, stamp, last, len(ids) == BATCH)


def _read(ids: list[int]) -> dict[int, _Stored]:
    """The claimed messages, in one query: the raw activity as its stored text, which goes
    to the validators as it is, and is parsed for the worker only when a group runs."""
    if not ids:
        return {}
    query = select(
        InboxMessage.id,
        InboxMessage.activity_type,
        InboxMessage.actor_iri,
        cast(InboxMessage.raw, Text),
        InboxMessage.state,
    ).where(InboxMessage.id.in_(ids))
    return {row[0]: _Stored(*row) for row in db.session.execute(query)}


def _process_together(ids: list[int], stored: dict[int, _Stored]) -> bool:
    """Process messages in one transaction; False (and nothing kept) if any did not succeed.

    The group's senders, follow states, items and tombstones are read in a few queries
    first (`handlers.Group`, `federation.items.Batch`), and its new items are written
    together. A Create, Update or Announce that is rejected has changed nothing by then
    (the checks come first), nor has an activity of a type nothing handles: each is
    recorded as rejected, and the rest of the group goes on.
    """
    messages = [stored[i] for i in ids]
    try:
        with handlers.together(messages) as group:
            rejected = _run_handlers(messages, group)
        refused = {message_id for group_ids in rejected.values() for message_id in group_ids}
        _record(InboxMessage.id.in_([i for i in ids if i not in refused]), "done", None)
        for reasons, message_ids in rejected.items():
            _record(InboxMessage.id.in_(message_ids), "rejected", reasons)
        db.session.commit()
    except Exception:  # noqa: BLE001 - each message is retried alone, and recorded there
        log.debug("a group of %d inbox messages is processed one by one", len(ids), exc_info=True)
        db.session.rollback()
        return False
    return True


def _run_handlers(messages: list[_Stored], group: handlers.Group) -> dict[str, list[int]]:
    """Run each message's handler in order; return the rejected ones by their reasons."""
    claimed = _claimed()
    objects = {id_of(first(message.raw.get("object"))) for message in messages}
    rejected: dict[str, list[int]] = defaultdict(list)
    with batched({iri for iri in objects if iri}):
        for message in messages:
            if message.state != claimed:
                raise RuntimeError(f"inbox message {message.id} is {message.state}")
            try:
                handlers.handle(message, message.raw)
            except Rejected as exc:
                if not handlers.rejection_changed_nothing(message.activity_type):
                    raise
                rejected["\n".join(exc.reasons)].append(message.id)
                continue
            if handlers.may_change_follows(message.activity_type):
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
