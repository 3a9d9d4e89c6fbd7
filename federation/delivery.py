"""Send due deliveries: claim rows, POST signed, retry with backoff, trip breakers.

Retry schedule (ours, after Mastodon's): the n-th failed attempt waits n⁴ + 15 s plus up to
10% jitter; after MAX_ATTEMPTS (16, about 2.8 days in all) a delivery is given up. Network
errors, 5xx, 401, 408 and 429 are retried (429/503 honour Retry-After); any other 4xx gives
up at once. One inbox's deliveries go in order: when one fails, the rest of that inbox's
sequence waits for it rather than failing after it.

Each origin has a circuit breaker, tripped on evidence over time: BREAKER_THRESHOLD failures
in a run that has lasted BREAKER_SPAN. While open, nothing is sent to the origin; each time
its wait is over, one delivery goes as a probe (not counted as an attempt when it was not yet
due), and the wait grows with the outage: an eighth of how long the origin has been failing,
from 30 s up to an hour, so a follower back from a ten-minute outage is probed again within
about a minute and a half. The first success, or anything the origin sends us, closes the
breaker and makes every delivery waiting for it due at once. An origin that failed on
UNAVAILABLE_DAYS distinct days with no success is marked unavailable and only probed once a
day, until it answers or sends us anything.
"""

from __future__ import annotations

import json
import logging
import random
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

from flask import Flask, current_app
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from federation.errors import FederationError, UnsafeAddress
from server.extensions import db
from server.models import Actor, Delivery, PeerHealth, clock

log = logging.getLogger("commons.delivery")

MAX_ATTEMPTS = 16
RETRY_STATUSES = {401, 408, 429}
LEASE = timedelta(minutes=5)
BATCH = 20
PARALLEL = 8  # deliveries in flight at once
BREAKER_THRESHOLD = 5  # failures in a run...
BREAKER_SPAN = timedelta(seconds=60)  # ...lasting at least this long open the breaker
BREAKER_MIN = timedelta(seconds=30)
BREAKER_MAX = timedelta(hours=1)
BREAKER_FRACTION = 8  # the breaker waits this fraction of how long the origin has failed
UNAVAILABLE_DAYS = 7
UNAVAILABLE_PROBE = timedelta(days=1)


def retry_delay(attempts: int) -> timedelta:
    """Return how long to wait after the `attempts`-th failure."""
    base = attempts**4 + 15
    return timedelta(seconds=base + random.uniform(0, base * 0.1))


def breaker_wait(failing_for: timedelta) -> timedelta:
    """Return how long an open breaker waits before its next probe."""
    return min(max(failing_for / BREAKER_FRACTION, BREAKER_MIN), BREAKER_MAX)


@dataclass(frozen=True)
class Claim:
    """Deliveries taken by one pass: their ids, and the probes sent before they were due."""

    ids: list[int]
    early: frozenset[int] = frozenset()


def _due():
    # An origin with a breaker, open or waiting for its probe, gets nothing but the probe.
    troubled = select(PeerHealth.origin).where(PeerHealth.circuit_open_until.is_not(None))
    return (
        select(Delivery.id)
        .where(Delivery.state == "pending", Delivery.next_attempt_at <= clock.now())
        .where(Delivery.origin.not_in(troubled))
        .order_by(Delivery.next_attempt_at, Delivery.id)
    )


def _head(origin: str):
    """The query for the first delivery waiting for `origin`: what its probe sends."""
    return (
        select(Delivery.id, Delivery.next_attempt_at)
        .where(Delivery.origin == origin, Delivery.state == "pending")
        .where(Delivery.claimed_at.is_(None))
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(1)
    )


def take_probes() -> list[str]:
    """Return the origins whose breaker's wait is over and that this worker will probe.

    Taking a probe pushes the breaker one lease further (compare-and-set, so two workers
    never probe one origin at once, and a probe lost with its worker is sent again later).
    Committed at once, before any delivery is locked.
    """
    now = clock.now()
    ready = select(PeerHealth.origin).where(PeerHealth.circuit_open_until <= now)
    taken = []
    for origin in db.session.scalars(ready.order_by(PeerHealth.origin)).all():
        if db.session.execute(_head(origin)).first() is None:
            continue  # nothing to send: the next delivery made for it will be the probe
        result = db.session.execute(
            update(PeerHealth)
            .where(PeerHealth.origin == origin, PeerHealth.circuit_open_until <= now)
            .values(circuit_open_until=now + LEASE)
        )
        if result.rowcount:
            taken.append(origin)
    db.session.commit()
    return taken


def _probe_heads(origins: list[str]) -> tuple[list[int], frozenset[int]]:
    """Return the probes' deliveries, and those of them not yet due by their own schedule."""
    now, ids, early = clock.now(), [], set()
    for origin in origins:
        head = db.session.execute(_head(origin).with_for_update(skip_locked=True)).first()
        if head is not None:
            ids.append(head.id)
            if head.next_attempt_at > now:
                early.add(head.id)
    return ids, frozenset(early)


def claim(limit: int = BATCH, probes: list[str] = ()) -> Claim:
    """Take up to `limit` due deliveries, plus `probes`' heads, for this (only) worker.

    Used on SQLite, where exactly one worker runs: the claim moves `next_attempt_at` one
    lease ahead and sets `claimed_at`; a worker that starts after a crash releases what the
    dead one had claimed (`release_claims`), and the lease covers anything else.
    """
    heads, early = _probe_heads(list(probes))
    ids = heads + list(db.session.scalars(_due().limit(limit)))
    now = clock.now()
    leased = [i for i in ids if i not in early]
    if leased:
        db.session.execute(
            update(Delivery)
            .where(Delivery.id.in_(leased))
            .values(next_attempt_at=now + LEASE, claimed_at=now)
        )
    if early:  # an early probe keeps its own schedule, which a failed probe leaves as it was
        db.session.execute(update(Delivery).where(Delivery.id.in_(early)).values(claimed_at=now))
    db.session.commit()
    return Claim(ids, early)


def claim_locked(limit: int = BATCH, probes: list[str] = ()) -> Claim:
    """Lock due deliveries, plus `probes`' heads, for this worker (PostgreSQL, SKIP LOCKED).

    The locks are held while the deliveries are sent and released by the commit that records
    their outcomes, so several workers never send one row at once, and a killed worker's
    rows are free again the moment its connection drops.
    """
    heads, early = _probe_heads(list(probes))
    due = db.session.scalars(_due().limit(limit).with_for_update(skip_locked=True))
    return Claim(heads + list(due), early)


def release_claims() -> int:
    """Make deliveries claimed by a worker that died due again (single-worker databases)."""
    result = db.session.execute(
        update(Delivery)
        .where(Delivery.state == "pending", Delivery.claimed_at.is_not(None))
        .values(claimed_at=None, next_attempt_at=clock.now())
    )
    db.session.commit()
    return result.rowcount or 0


def _retry_after(headers: Mapping[str, str], now: datetime) -> timedelta | None:
    value = headers.get("Retry-After")
    if not value:
        return None
    try:
        return timedelta(seconds=max(0, int(value)))
    except ValueError:
        pass
    try:
        return max(parsedate_to_datetime(value) - now, timedelta(0))
    except (TypeError, ValueError):
        return None


def _health(origin: str) -> PeerHealth:
    """The origin's health row, created if need be. Two workers may meet a new origin at
    once: the row is inserted unless it exists, so neither one's batch fails on it."""
    query = select(PeerHealth).where(PeerHealth.origin == origin)
    row = db.session.scalar(query)
    if row is None:
        dialect = db.engine.dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        db.session.execute(
            insert(PeerHealth)
            .values(origin=origin, consecutive_failures=0, failure_days=[], unavailable=False)
            .on_conflict_do_nothing(index_elements=["origin"])
        )
        row = db.session.scalar(query)
    return row


def _resume(origin: str, now: datetime) -> int:
    """Make every delivery waiting for `origin` due now (it answers again).

    Rows another worker holds are skipped (they are being sent), so this never waits on a
    lock; rows this worker has claimed are left to their own outcome.
    """
    waiting = (
        select(Delivery.id)
        .where(Delivery.origin == origin, Delivery.state == "pending")
        .where(Delivery.claimed_at.is_(None), Delivery.next_attempt_at > now)
        .with_for_update(skip_locked=True)
    )
    result = db.session.execute(
        update(Delivery).where(Delivery.id.in_(waiting)).values(next_attempt_at=now)
    )
    return result.rowcount or 0


def record_success(origin: str, now: datetime | None = None) -> None:
    """Close the origin's breaker, clear its unavailable mark, resume what waited for it."""
    now = now or clock.now()
    row = _health(origin)
    troubled = bool(row.consecutive_failures or row.circuit_open_until or row.unavailable)
    row.consecutive_failures = 0
    row.failure_days = []
    row.circuit_open_until = None
    row.unavailable = False
    row.failing_since = None
    row.last_success_at = now
    if troubled:
        resumed = _resume(origin, now)
        if resumed:
            log.info("origin %s answers again: %d deliveries due now", origin, resumed)


def record_failure(origin: str, now: datetime | None = None) -> None:
    """Count a failure; open the breaker on a run of failures over time; mark the origin
    unavailable after failures on many distinct days."""
    now = now or clock.now()
    row = _health(origin)
    if not row.consecutive_failures or row.failing_since is None:
        row.failing_since = now
    row.consecutive_failures = (row.consecutive_failures or 0) + 1
    row.last_failure_at = now
    day = now.date().isoformat()
    if day not in (row.failure_days or []):
        row.failure_days = [*(row.failure_days or []), day][-30:]
    if len(row.failure_days) >= UNAVAILABLE_DAYS:
        if not row.unavailable:
            log.warning("origin %s marked unavailable", origin)
        row.unavailable = True
    failing_for = now - row.failing_since
    if row.unavailable:
        row.circuit_open_until = now + UNAVAILABLE_PROBE
    elif row.consecutive_failures >= BREAKER_THRESHOLD and failing_for >= BREAKER_SPAN:
        row.circuit_open_until = now + breaker_wait(failing_for)


@dataclass(frozen=True)
class Outcome:
    """How one attempt went: the peer's status and headers, or the error."""

    status: int | None
    headers: Mapping[str, str]
    error: str | None
    final: bool = False  # nothing to gain by trying again (an unsafe address)

    @property
    def refused(self) -> bool:
        """The peer answered, and refuses this delivery for good (a 4xx not worth retrying)."""
        status = self.status
        return status is not None and 400 <= status < 500 and status not in RETRY_STATUSES

    @property
    def to_retry(self) -> bool:
        """The attempt failed in a way that waiting may cure (down, 5xx, 401, 408, 429)."""
        return self.error is not None and not self.final and not self.refused


def attempt(client, url: str, body: bytes, key_id: str, private_pem: str) -> Outcome:
    """POST one delivery; network only (no database), so several can run at once."""
    try:
        response = client.post(url, body, key_id, private_pem)
    except UnsafeAddress as exc:
        return Outcome(None, {}, str(exc), final=True)  # it will not become safe by waiting
    except FederationError as exc:
        return Outcome(getattr(exc, "status", None), {}, str(exc) or exc.__class__.__name__)
    status = response.status_code
    error = None if 200 <= status < 300 else f"HTTP {status}"
    return Outcome(status, response.headers, error)  # headers: case-insensitive


def record(delivery: Delivery, outcome: Outcome, now: datetime, early: bool = False) -> str:
    """Apply an attempt's outcome to its delivery and its origin's health; return the state.

    `early`: the attempt was a breaker's probe sent before the delivery was due; failing,
    it counts against the origin, not as one of the delivery's attempts.
    """
    delivery.claimed_at = None
    delivery.last_status = outcome.status
    delivery.last_error = outcome.error
    if early and outcome.to_retry:
        record_failure(delivery.origin, now)
        return delivery.state
    delivery.attempts += 1
    status = outcome.status
    if outcome.error is None:
        delivery.state = "done"
        delivery.delivered_at = now
        record_success(delivery.origin, now)
    elif outcome.final:
        delivery.state = "given_up"
    elif outcome.refused:
        delivery.state = "given_up"
        # The peer answered: it is up, it just refuses this one.
        record_success(delivery.origin, now)
    else:
        record_failure(delivery.origin, now)
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.state = "given_up"
        else:
            wait = _retry_after(outcome.headers, now) if status in {429, 503} else None
            delivery.next_attempt_at = now + max(
                wait or timedelta(0), retry_delay(delivery.attempts)
            )
    _log_outcome(delivery, outcome)
    return delivery.state


def _log_outcome(delivery: Delivery, outcome: Outcome) -> None:
    """One line per attempt, with the id of the request that published the activity."""
    log.info(
        "delivery %s to %s: %s",
        delivery.id,
        delivery.inbox_url,
        delivery.state if outcome.error is None or delivery.state != "pending" else "retry",
        extra={
            "request_id": delivery.activity.request_id,
            "delivery": delivery.id,
            "inbox": delivery.inbox_url,
            "status": outcome.status,
            "attempts": delivery.attempts,
            "outcome": str(delivery.state),
            **({"error": outcome.error[:300]} if outcome.error else {}),
        },
    )


def _body(delivery: Delivery) -> bytes:
    return json.dumps(delivery.activity.raw, ensure_ascii=False).encode()


Sent = list[tuple[int, Outcome | None]]  # one inbox's deliveries; None: not tried


def deliver_many(
    claimed: Claim | list[int],
    client,
    key_id: str,
    private_pem: str,
    commit_each: bool = True,
) -> int:
    """Send claimed deliveries to up to PARALLEL inboxes at once, recording as they come.

    Only the HTTP requests run in threads; the rows are read before and written after, in
    this thread. A peer that is slow to answer holds one slot, not the whole batch. With
    `commit_each` (SQLite, where claims are leases) each inbox's outcomes are committed on
    their own, so one bad row cannot undo the others; without (PostgreSQL, where the claim
    is a row lock) the caller commits once, which releases every lock together.
    """
    if not isinstance(claimed, Claim):
        claimed = Claim(list(claimed))
    rows = [db.session.get(Delivery, i) for i in claimed.ids]
    rows = [row for row in rows if row is not None and row.state == "pending"]
    if not rows:
        return 0
    now = clock.now()
    # One inbox's deliveries go in order, one at a time (a Create before its Update and
    # Delete); different inboxes in parallel.
    by_inbox: dict[str, list[tuple[int, bytes]]] = {}
    for row in rows:
        by_inbox.setdefault(row.inbox_url, []).append((row.id, _body(row)))

    # With commit_each, an inbox is sent only while fewer than PARALLEL inboxes are sent but
    # not yet recorded: a worker killed at any moment resends at most PARALLEL inboxes' rows,
    # however far the recording lags behind the sending.
    unrecorded = threading.BoundedSemaphore(PARALLEL)

    def send_in_order(url: str, jobs: list[tuple[int, bytes]]) -> Sent:
        if commit_each:
            unrecorded.acquire()
        sent: Sent = []
        for i, body in jobs:
            outcome = attempt(client, url, body, key_id, private_pem)
            sent.append((i, outcome))
            if outcome.to_retry:
                # The inbox is not answering: the rest of its sequence waits for this one
                # instead of failing after it (and counting against its origin each time).
                return sent + [(j, None) for j, _ in jobs[len(sent) :]]
        return sent

    early = claimed.early
    workers = min(PARALLEL, len(by_inbox))
    with ThreadPoolExecutor(workers, thread_name_prefix="delivery") as pool:
        futures = [pool.submit(send_in_order, url, jobs) for url, jobs in by_inbox.items()]
        if commit_each:
            # Recorded as each inbox is done: a worker killed mid-batch resends only what
            # was in flight.
            for future in as_completed(futures):
                try:
                    _record_committed(future.result(), now, early)
                finally:
                    unrecorded.release()
            return len(rows)
        sequences = [future.result() for future in futures]
    # One commit for the batch: record in the order of the origins' health rows, the same
    # order in every worker, so two workers updating the same origins cannot deadlock (and
    # have their whole batch sent again).
    origins = {row.id: row.origin for row in rows}
    for sent in sorted(sequences, key=lambda sent: (origins[sent[0][0]], sent[0][0])):
        _record_sequence(sent, now, early)
    return len(rows)


def _record_sequence(sent: Sent, now: datetime, early: frozenset[int]) -> None:
    """Record one inbox's outcomes; what was not tried comes due with the one that failed."""
    after = now
    for delivery_id, outcome in sent:
        row = db.session.get(Delivery, delivery_id)
        if outcome is None:
            row.claimed_at = None
            row.next_attempt_at = after
            continue
        record(row, outcome, now, early=delivery_id in early)
        after = max(after, row.next_attempt_at)


def _record_committed(sent: Sent, now: datetime, early: frozenset[int]) -> None:
    try:
        _record_sequence(sent, now, early)
        db.session.commit()
    except Exception:  # one bad row must not stop the batch
        db.session.rollback()
        log.exception("deliveries %s could not be recorded", [i for i, _ in sent])


def run_deliveries(app: Flask) -> int:
    """Worker job: probe origins whose breaker waited long enough, send what is due."""
    from federation.actors import client

    actor = Actor.local()
    if actor is None or not actor.private_key_pem:
        return 0
    key_id, private_pem = actor.public_key_id, actor.private_key_pem
    http = client()
    probes = take_probes()
    if db.engine.dialect.name == "postgresql":
        claimed = claim_locked(probes=probes)
        try:
            done = deliver_many(claimed, http, key_id, private_pem, commit_each=False)
        except Exception:  # nothing recorded: the rows are due again
            db.session.rollback()
            log.exception("a batch of deliveries could not be recorded")
            return len(claimed.ids)
        db.session.commit()
        return done
    return deliver_many(claim(probes=probes), http, key_id, private_pem)


def retry_origin(origin: str) -> int:
    """Admin action: make every pending or given-up delivery to `origin` due now."""
    now = clock.now()
    result = db.session.execute(
        update(Delivery)
        .where(Delivery.origin == origin, Delivery.state.in_(["pending", "given_up"]))
        .values(state="pending", next_attempt_at=now, attempts=0)
    )
    health = _health(origin)
    health.circuit_open_until = None
    health.consecutive_failures = 0
    health.failing_since = None
    db.session.commit()
    return result.rowcount or 0


def mark_heard_from(origin: str) -> None:
    """An origin sent us something: it is up, resume delivering to it."""
    if origin not in PeerHealth.troubled():
        return
    row = db.session.scalar(select(PeerHealth).where(PeerHealth.origin == origin))
    if row is not None and (row.unavailable or row.circuit_open_until):
        row.unavailable = False
        row.circuit_open_until = None
        row.consecutive_failures = 0
        row.failure_days = []
        row.failing_since = None
        _resume(origin, clock.now())
        current_app.logger.info("origin %s is answering again", origin)
