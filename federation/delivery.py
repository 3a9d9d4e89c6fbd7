"""Send due deliveries: claim rows, POST signed, retry with backoff, trip breakers.

Retry schedule (ours, after Mastodon's): the n-th failed attempt waits n⁴ + 15 s plus up to
10% jitter; after MAX_ATTEMPTS (16, about 2.8 days in all) a delivery is given up. Network
errors, 5xx, 401, 408 and 429 are retried (429/503 honour Retry-After); any other 4xx gives
up at once. Each origin has a circuit breaker: after BREAKER_THRESHOLD consecutive failures
its deliveries wait (not counted as attempts) until the breaker's timeout; an origin that
failed on UNAVAILABLE_DAYS distinct days with no success is marked unavailable and only
probed once a day, until it answers or sends us anything.
"""

from __future__ import annotations

import json
import logging
import random
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
BREAKER_THRESHOLD = 5
BREAKER_MAX = timedelta(hours=1)
UNAVAILABLE_DAYS = 7
UNAVAILABLE_PROBE = timedelta(days=1)


def retry_delay(attempts: int) -> timedelta:
    """Return how long to wait after the `attempts`-th failure."""
    base = attempts**4 + 15
    return timedelta(seconds=base + random.uniform(0, base * 0.1))


def _due():
    now = clock.now()
    blocked = select(PeerHealth.origin).where(PeerHealth.circuit_open_until > now)
    return (
        select(Delivery.id)
        .where(Delivery.state == "pending", Delivery.next_attempt_at <= now)
        .where(Delivery.origin.not_in(blocked))
        .order_by(Delivery.next_attempt_at, Delivery.id)
    )


def claim(limit: int = BATCH) -> list[int]:
    """Take up to `limit` due deliveries for this (only) worker and return their ids.

    Used on SQLite, where exactly one worker runs: the claim moves `next_attempt_at` one
    lease ahead and sets `claimed_at`; a worker that starts after a crash releases what the
    dead one had claimed (`release_claims`), and the lease covers anything else.
    """
    ids = list(db.session.scalars(_due().limit(limit)))
    if ids:
        now = clock.now()
        db.session.execute(
            update(Delivery)
            .where(Delivery.id.in_(ids))
            .values(next_attempt_at=now + LEASE, claimed_at=now)
        )
    db.session.commit()
    return ids


def claim_locked(limit: int = BATCH) -> list[int]:
    """Lock due deliveries for this worker (PostgreSQL, FOR UPDATE SKIP LOCKED).

    The locks are held while the deliveries are sent and released by the commit that records
    their outcomes, so several workers never send one row at once, and a killed worker's
    rows are free again the moment its connection drops.
    """
    return list(db.session.scalars(_due().limit(limit).with_for_update(skip_locked=True)))


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


def record_success(origin: str) -> None:
    """Close the origin's breaker and clear its unavailable mark."""
    row = _health(origin)
    row.consecutive_failures = 0
    row.failure_days = []
    row.circuit_open_until = None
    row.unavailable = False
    row.last_success_at = clock.now()


def record_failure(origin: str) -> None:
    """Count a failure; open the breaker, and mark the origin unavailable after many days."""
    now = clock.now()
    row = _health(origin)
    row.consecutive_failures = (row.consecutive_failures or 0) + 1
    row.last_failure_at = now
    day = now.date().isoformat()
    if day not in (row.failure_days or []):
        row.failure_days = [*(row.failure_days or []), day][-30:]
    if len(row.failure_days) >= UNAVAILABLE_DAYS:
        row.unavailable = True
    if row.unavailable:
        row.circuit_open_until = now + UNAVAILABLE_PROBE
    elif row.consecutive_failures >= BREAKER_THRESHOLD:
        excess = row.consecutive_failures - BREAKER_THRESHOLD
        row.circuit_open_until = now + min(timedelta(seconds=30 * 2**excess), BREAKER_MAX)


@dataclass(frozen=True)
class Outcome:
    """How one attempt went: the peer's status and headers, or the error."""

    status: int | None
    headers: Mapping[str, str]
    error: str | None
    final: bool = False  # nothing to gain by trying again (an unsafe address)


def attempt(client, url: str, body: bytes, key_id: str, private_pem: str) -> Outcome:  # noqa: ANN001
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


def record(delivery: Delivery, outcome: Outcome, now: datetime) -> str:
    """Apply an attempt's outcome to its delivery and its origin's health; return the state."""
    delivery.attempts += 1
    delivery.claimed_at = None
    delivery.last_status = outcome.status
    delivery.last_error = outcome.error
    status = outcome.status
    if outcome.error is None:
        delivery.state = "done"
        delivery.delivered_at = now
        record_success(delivery.origin)
    elif outcome.final:
        delivery.state = "given_up"
    elif status is not None and 400 <= status < 500 and status not in RETRY_STATUSES:
        delivery.state = "given_up"
        # The peer answered: it is up, it just refuses this one.
        record_success(delivery.origin)
    else:
        record_failure(delivery.origin)
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.state = "given_up"
        else:
            wait = _retry_after(outcome.headers, now) if status in {429, 503} else None
            delivery.next_attempt_at = now + max(
                wait or timedelta(0), retry_delay(delivery.attempts)
            )
    return delivery.state


def _body(delivery: Delivery) -> bytes:
    return json.dumps(delivery.activity.raw, ensure_ascii=False).encode()


def deliver_many(
    ids: list[int],
    client,
    key_id: str,
    private_pem: str,
    commit_each: bool = True,  # noqa: ANN001
) -> int:
    """Send claimed deliveries to up to PARALLEL inboxes at once, recording as they come.

    Only the HTTP requests run in threads; the rows are read before and written after, in
    this thread. A peer that is slow to answer holds one slot, not the whole batch. With
    `commit_each` (SQLite, where claims are leases) each outcome is committed on its own, so
    one bad row cannot undo the others; without (PostgreSQL, where the claim is a row lock)
    the caller commits once, which releases every lock together.
    """
    rows = [db.session.get(Delivery, i) for i in ids]
    rows = [row for row in rows if row is not None and row.state == "pending"]
    if not rows:
        return 0
    now = clock.now()
    # One inbox's deliveries go in order, one at a time (a Create before its Update and
    # Delete); different inboxes in parallel.
    by_inbox: dict[str, list[tuple[int, bytes]]] = {}
    for row in rows:
        by_inbox.setdefault(row.inbox_url, []).append((row.id, _body(row)))

    def send_in_order(url: str, jobs: list[tuple[int, bytes]]) -> list[tuple[int, Outcome]]:
        return [(i, attempt(client, url, body, key_id, private_pem)) for i, body in jobs]

    workers = min(PARALLEL, len(by_inbox))
    with ThreadPoolExecutor(workers, thread_name_prefix="delivery") as pool:
        futures = [pool.submit(send_in_order, url, jobs) for url, jobs in by_inbox.items()]
        if commit_each:
            # Recorded as they finish: a worker killed mid-batch resends only what was in
            # flight.
            for future in as_completed(futures):
                for delivery_id, outcome in future.result():
                    _record_one(delivery_id, outcome, now)
            return len(rows)
        outcomes = [done for future in futures for done in future.result()]
    # One commit for the batch: record in the order of the origins' health rows, the same
    # order in every worker, so two workers updating the same origins cannot deadlock (and
    # have their whole batch sent again).
    origins = {row.id: row.origin for row in rows}
    for delivery_id, outcome in sorted(outcomes, key=lambda done: (origins[done[0]], done[0])):
        record(db.session.get(Delivery, delivery_id), outcome, now)
    return len(rows)


def _record_one(delivery_id: int, outcome: Outcome, now: datetime) -> None:
    try:
        record(db.session.get(Delivery, delivery_id), outcome, now)
        db.session.commit()
    except Exception:  # noqa: BLE001 - one bad row must not stop the batch
        db.session.rollback()
        log.exception("delivery %s could not be recorded", delivery_id)


def run_deliveries(app: Flask) -> int:
    """Worker job: send every due delivery in batches; return how many were tried."""
    from federation.actors import client

    actor = Actor.local()
    if actor is None or not actor.private_key_pem:
        return 0
    key_id, private_pem = actor.public_key_id, actor.private_key_pem
    http = client()
    if db.engine.dialect.name == "postgresql":
        ids = claim_locked()
        try:
            done = deliver_many(ids, http, key_id, private_pem, commit_each=False)
        except Exception:  # noqa: BLE001 - nothing recorded: the rows are due again
            db.session.rollback()
            log.exception("a batch of deliveries could not be recorded")
            return len(ids)
        db.session.commit()
        return done
    return deliver_many(claim(), http, key_id, private_pem)


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
        current_app.logger.info("origin %s is answering again", origin)
