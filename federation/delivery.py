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
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

from flask import Flask, current_app
from sqlalchemy import select, update

from federation import clock
from federation.errors import FederationError, UnsafeAddress
from server.extensions import db
from server.models import Actor, Delivery, PeerHealth

log = logging.getLogger("commons.delivery")

MAX_ATTEMPTS = 16
RETRY_STATUSES = {401, 408, 429}
LEASE = timedelta(minutes=5)
BATCH = 20
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


def claim_locked() -> int | None:
    """Lock one due delivery for this worker (PostgreSQL, FOR UPDATE SKIP LOCKED).

    The lock is held while the delivery is sent and released by the commit that records the
    outcome, so several workers never send one row at once, and a killed worker's row is
    free again the moment its connection drops.
    """
    return db.session.scalar(_due().limit(1).with_for_update(skip_locked=True))


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
    row = db.session.scalar(select(PeerHealth).where(PeerHealth.origin == origin))
    if row is None:
        row = PeerHealth(origin=origin, consecutive_failures=0, failure_days=[], unavailable=False)
        db.session.add(row)
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


def deliver_one(delivery_id: int, client, key_id: str, private_pem: str) -> str:
    """Send one claimed delivery and record the outcome; return its new state."""
    delivery = db.session.get(Delivery, delivery_id)
    if delivery is None or delivery.state != "pending":
        return "skipped"
    body = json.dumps(delivery.activity.raw, ensure_ascii=False).encode()
    now = clock.now()
    delivery.attempts += 1
    delivery.claimed_at = None
    status: int | None = None
    headers: Mapping[str, str] = {}
    final = False
    try:
        response = client.post(delivery.inbox_url, body, key_id, private_pem)
        status = response.status_code
        headers = response.headers  # case-insensitive
        error = None if 200 <= status < 300 else f"HTTP {status}"
    except UnsafeAddress as exc:
        error, final = str(exc), True  # it will not become safe by waiting
    except FederationError as exc:
        error = str(exc) or exc.__class__.__name__
        status = getattr(exc, "status", None)
    delivery.last_status = status
    delivery.last_error = error
    if error is None:
        delivery.state = "done"
        delivery.delivered_at = now
        record_success(delivery.origin)
    elif final:
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
            wait = _retry_after(headers, now) if status in {429, 503} else None
            delivery.next_attempt_at = now + max(
                wait or timedelta(0), retry_delay(delivery.attempts)
            )
    db.session.commit()
    return delivery.state


def run_deliveries(app: Flask) -> int:
    """Worker job: send every due delivery in batches; return how many were tried."""
    from federation.actors import client

    actor = Actor.local()
    if actor is None or not actor.private_key_pem:
        return 0
    key_id, private_pem = actor.public_key_id, actor.private_key_pem
    http = client()
    if db.engine.dialect.name == "postgresql":
        done = 0
        while done < BATCH and (delivery_id := claim_locked()) is not None:
            _send(delivery_id, http, key_id, private_pem)
            done += 1
        db.session.commit()
        return done
    ids = claim()
    for delivery_id in ids:
        _send(delivery_id, http, key_id, private_pem)
    return len(ids)


def _send(delivery_id: int, http, key_id: str, private_pem: str) -> None:
    try:
        deliver_one(delivery_id, http, key_id, private_pem)
    except Exception:  # noqa: BLE001 - one bad row must not stop the batch
        db.session.rollback()
        log.exception("delivery %s failed unexpectedly", delivery_id)


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
