"""Process stored inbox messages: claim them, run their handlers, record the outcomes.

What each activity does is in `federation.handlers`. Here, the worker claims messages
(SKIP LOCKED on PostgreSQL), has the validator processes check their objects ahead
(`federation.validators`), and processes them a group at a time (`process_group`): what
the group needs from the network is fetched first (`federation.processing.prepare`), then
its handlers run in one transaction. A group that fails is processed again one message at
a time, each message as a group of one, by the same path.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from flask import Flask
from sqlalchemy import ColumnElement, Text, case, cast, select, update

from federation import handlers, processing, validators
from federation.errors import FederationError
from federation.items import Rejected
from server.extensions import db
from server.models import InboxMessage, InboxState, clock
from server.models.base import parse_json
from server.ops.logs import request_context

log = logging.getLogger("commons.inbox")
MAX_ATTEMPTS = 5
BATCH = 200  # messages per claim: four groups, which the validators check ahead
# At most this many messages per pass of the worker's loop, so that a backlog is worked
# through without stopping between claims, and deliveries still go out every pass.
PER_PASS = 1000
# Messages per transaction. Its objects are read and validated, and what it needs from the
# network fetched, before it begins; a group of Creates from known senders then writes only
# at its end, so SQLite's write lock is held for its inserts and commit. (A group that must
# store a new actor, theme or territory, or that updates or deletes, holds it from then on,
# still without waiting on the network: the inbox waits up to 30 s for it, then answers 503.)
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
        .where(InboxMessage.state == InboxState.PENDING, InboxMessage.id > after)
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
            .values(state=InboxState.PROCESSING, claimed_at=stamp or clock.now())
        )
    db.session.commit()
    return ids


def _shared() -> bool:
    """Whether several workers may share the inbox (PostgreSQL), so claims are marked."""
    return db.engine.dialect.name == "postgresql"


def _claimed() -> InboxState:
    """The state a message this worker claimed is in."""
    return InboxState.PROCESSING if _shared() else InboxState.PENDING


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
            InboxMessage.state == InboxState.PROCESSING,
            InboxMessage.claimed_at == stamp,
        )
        .values(claimed_at=clock.now())
        .returning(InboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    ours = sorted(renewed)
    db.session.commit()
    return ours


def run_inbox(app: Flask) -> int:
    """Worker job: process pending inbox messages; return how many were handled.

    Messages are processed TOGETHER at a time in one transaction, which costs a commit and
    a harvest-record pass per group rather than per message (`process_group`).
    """
    handled = 0
    claimed = _Claim.take()
    while claimed.groups:
        handled += len(claimed.messages)
        # The next claim goes to the validators before this one is processed: they check it
        # while the worker stores this one, so only the first group of a pass waits for them.
        following = _Claim.take(after=claimed.last) if claimed.full and handled < PER_PASS else None
        for group, ahead in zip(claimed.groups, claimed.verdicts, strict=True):
            messages = [claimed.messages[message_id] for message_id in group]
            process_group(messages, claimed.stamp, validators.result(ahead))
        if following is None:
            break
        claimed = following
    return handled


@dataclass
class Claimed:
    """A claimed message as stored: read once, with its activity parsed when asked for."""

    id: int
    activity_type: str
    actor_iri: str
    text: str
    state: str
    request_id: str | None = None  # of the request that delivered it (server.ops.logs)

    @cached_property
    def raw(self) -> dict[str, Any]:
        return parse_json(self.text)


@dataclass
class _Claim:
    """Messages claimed at once, in groups, with the validators' verdicts to come for each."""

    groups: list[list[int]]
    messages: dict[int, Claimed]
    verdicts: list[Future[validators.Verdicts] | None]
    stamp: datetime  # when they were claimed
    last: int  # the newest message claimed: the next claim starts after it
    full: bool  # as many as a claim takes: there may be more waiting

    @classmethod
    def take(cls, after: int = 0) -> _Claim:
        stamp = clock.now()
        ids = claim(after=after, stamp=stamp)
        messages = {message.id: message for message in read(ids)}
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


def read(ids: list[int]) -> list[Claimed]:
    """The claimed messages, in one query, in the order of `ids`: the raw activity as its
    stored text, which goes to the validators as it is, and is parsed only when processed."""
    if not ids:
        return []
    query = select(
        InboxMessage.id,
        InboxMessage.activity_type,
        InboxMessage.actor_iri,
        cast(InboxMessage.raw, Text),
        InboxMessage.state,
        InboxMessage.request_id,
    ).where(InboxMessage.id.in_(ids))
    found = {row[0]: Claimed(*row) for row in db.session.execute(query)}
    return [found[i] for i in ids if i in found]


def process_group(
    messages: Sequence[Claimed],
    stamp: datetime,
    verdicts: validators.Verdicts | None = None,
) -> bool:
    """Process messages claimed at `stamp` in one transaction, and record their outcomes.

    What the group needs from the network is fetched before the transaction begins. Its
    senders, follow states, items and tombstones are read in a few queries, and its new
    items written together (`federation.processing.Processing`, `federation.items.Batch`).
    A Create, Update or Announce that is rejected has changed nothing by then (the checks
    come first), nor has an activity of a type nothing handles: each is recorded as
    rejected, and the rest of the group goes on. If anything else fails, the group is
    rolled back and each message processed again on its own, by this same path, its
    failure recorded there. Messages another worker took over are left to it.
    `verdicts` are the validators' on the embedded objects; the others are validated here.

    Return False when the group was processed again message by message.
    """
    ours = set(_still_ours([message.id for message in messages], stamp))
    return _process([m for m in messages if m.id in ours], verdicts or {}, None)


def _process(
    messages: list[Claimed], verdicts: validators.Verdicts, known: processing.Prepared | None
) -> bool:
    if not messages:
        return True
    prepared = None
    try:
        handled = [message for message in messages if handlers.handles(message.activity_type)]
        prepared = processing.prepare(handled, verdicts, known)
        _write(messages, prepared)
    except Exception as exc:  # each message is retried alone, and recorded there
        db.session.rollback()
        if len(messages) == 1:
            _record_failure(messages[0], exc)
            return True
        log.debug("a group of %d inbox messages goes one by one", len(messages), exc_info=True)
    else:
        return True
    query = select(InboxMessage.id, InboxMessage.state).where(
        InboxMessage.id.in_([message.id for message in messages])
    )
    states = dict(db.session.execute(query).all())
    for message in messages:
        # A handler of the group may have committed a message already.
        if states.get(message.id) == _claimed():
            _process([message], verdicts, prepared)
    return False


def _write(messages: list[Claimed], prepared: processing.Prepared) -> None:
    """Run each message's handler in order in one transaction, and record the outcomes."""
    claimed = _claimed()
    context = processing.Processing.begin(prepared, messages)
    rejected: dict[str, list[int]] = defaultdict(list)
    for message in messages:
        if message.state != claimed:
            raise RuntimeError(f"inbox message {message.id} is {message.state}")
        try:
            with request_context(message.request_id):
                handlers.handle(context, message, message.raw)
        except Rejected as exc:
            if not handlers.rejection_changed_nothing(message.activity_type):
                raise
            rejected["\n".join(exc.reasons)].append(message.id)
            continue
        if handlers.may_change_follows(message.activity_type):
            context.read_follows()
    context.copies.write()
    refused = {message_id for group_ids in rejected.values() for message_id in group_ids}
    _record(
        InboxMessage.id.in_([m.id for m in messages if m.id not in refused]), InboxState.DONE, None
    )
    for reasons, message_ids in rejected.items():
        _record(InboxMessage.id.in_(message_ids), InboxState.REJECTED, reasons)
    db.session.commit()
    for message in messages:
        _log_outcome(message, InboxState.REJECTED if message.id in refused else InboxState.DONE)


def _log_outcome(message: Claimed, state: str, error: str | None = None) -> None:
    """One line per processed activity, with the id of the request that delivered it."""
    log.info(
        "%s %s: %s",
        message.activity_type,
        message.id,
        state,
        extra={
            "request_id": message.request_id,
            "inbox_message": message.id,
            "activity_type": message.activity_type,
            "outcome": str(state),
            **({"error": error[:300]} if error else {}),
        },
    )


def _record(which: Any, state: InboxState | ColumnElement[Any], error: str | None) -> None:
    outcome = (
        update(InboxMessage)
        .where(which)
        .values(
            state=state, error=error, attempts=InboxMessage.attempts + 1, processed_at=clock.now()
        )
        .execution_options(synchronize_session=False)
    )
    db.session.execute(outcome)


def _record_failure(message: Claimed, exc: Exception) -> None:
    """Record why a message processed on its own failed: rejected with its reasons, to
    retry (failed for good after MAX_ATTEMPTS), or failed by an error of ours."""
    message_id = message.id
    which = InboxMessage.id == message_id
    if isinstance(exc, Rejected):
        _record(which, InboxState.REJECTED, "\n".join(exc.reasons))
        _log_outcome(message, InboxState.REJECTED, "; ".join(exc.reasons))
    elif isinstance(exc, FederationError):
        retry = case(
            (InboxMessage.attempts + 1 >= MAX_ATTEMPTS, InboxState.FAILED),
            else_=InboxState.PENDING,
        )
        _record(which, retry, str(exc))
        _log_outcome(message, "retry", str(exc))
    else:
        log.error(
            "inbox message %s failed",
            message_id,
            exc_info=exc,
            extra={"request_id": message.request_id, "inbox_message": message_id},
        )
        db.session.execute(
            update(InboxMessage)
            .where(which)
            .values(state=InboxState.FAILED, error="internal error while processing")
        )
    db.session.commit()


def release_claims() -> int:
    """Messages a dead worker was processing become pending again (single-worker databases)."""
    result = db.session.execute(
        update(InboxMessage)
        .where(InboxMessage.state == InboxState.PROCESSING)
        .values(state=InboxState.PENDING)
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
        .where(InboxMessage.state == InboxState.PROCESSING, InboxMessage.claimed_at < cutoff)
        .values(state=InboxState.PENDING)
    )
    db.session.commit()
    return result.rowcount or 0
