"""The checks behind GET /healthz: the database, the worker's heartbeat, the backlogs.

Each check is one small indexed query (an aggregate over the heartbeat table, a LIMIT 1 on
an index, a count capped by LIMIT), so a load balancer may ask every few seconds. A
threshold of 0 turns its check off (COMMONS_HEALTH_* settings).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, text

from server.config import Settings
from server.extensions import db
from server.models import Delivery, HarvestRecord, InboxMessage, InboxState, PeerHealth, clock
from server.models.heartbeat import WorkerHeartbeat


@dataclass
class Check:
    name: str
    ok: bool
    detail: dict[str, Any] = field(default_factory=dict)


def run_checks(settings: Settings) -> list[Check]:
    """Run every check; when the database does not answer, that is the only one."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure to answer is the finding
        db.session.rollback()
        return [Check("database", False, {"error": exc.__class__.__name__})]
    checks = [Check("database", True)]
    for name, check in CHECKS:
        try:
            checks.append(check(settings))
        except Exception as exc:  # noqa: BLE001 - a check that cannot run has failed
            db.session.rollback()
            checks.append(Check(name, False, {"error": exc.__class__.__name__}))
    return checks


def _seconds(delta: timedelta) -> float:
    return round(max(delta.total_seconds(), 0.0), 1)


def worker(settings: Settings) -> Check:
    """Some worker beat within COMMONS_HEALTH_WORKER_MAX_AGE seconds."""
    limit = settings.health_worker_max_age
    now = clock.now()
    newest, alive = WorkerHeartbeat.latest(now - timedelta(seconds=limit or 1e9))
    age = None if newest is None else _seconds(now - newest)
    ok = not limit or (age is not None and age <= limit)
    return Check("worker", ok, {"last_beat_s": age, "alive": alive})


def inbox(settings: Settings) -> Check:
    """No activity has waited for processing longer than COMMONS_HEALTH_INBOX_MAX_AGE."""
    limit = settings.health_inbox_max_age
    oldest = db.session.scalar(
        select(InboxMessage.received_at)
        .where(InboxMessage.state == InboxState.PENDING)
        .order_by(InboxMessage.id)
        .limit(1)
    )
    age = 0.0 if oldest is None else _seconds(clock.now() - oldest)
    return Check("inbox", not limit or age <= limit, {"oldest_pending_s": age})


def deliveries(settings: Settings) -> Check:
    """No delivery has been due longer than COMMONS_HEALTH_DELIVERY_MAX_AGE.

    Deliveries waiting for an origin whose breaker is open do not count: that origin is
    down, not this node.
    """
    limit = settings.health_delivery_max_age
    troubled = select(PeerHealth.origin).where(PeerHealth.circuit_open_until.is_not(None))
    oldest = db.session.scalar(
        select(Delivery.next_attempt_at)
        .where(Delivery.state == "pending", Delivery.next_attempt_at <= clock.now())
        .where(Delivery.origin.not_in(troubled))
        .order_by(Delivery.next_attempt_at)
        .limit(1)
    )
    age = 0.0 if oldest is None else _seconds(clock.now() - oldest)
    return Check("deliveries", not limit or age <= limit, {"oldest_due_s": age})


def index(settings: Settings) -> Check:
    """At most COMMONS_HEALTH_INDEX_MAX_STALE harvest records wait to be rendered again
    (what dumps, OAI-PMH and the SPARQL index read); counted no further than that."""
    limit = settings.health_index_max_stale
    stale = select(HarvestRecord.id).where(HarvestRecord.stale.is_(True)).limit(limit + 1)
    count = db.session.scalar(select(func.count()).select_from(stale.subquery())) or 0
    return Check("index", not limit or count <= limit, {"stale_records": count})


CHECKS = (("worker", worker), ("inbox", inbox), ("deliveries", deliveries), ("index", index))


def report(checks: list[Check]) -> tuple[int, dict[str, Any]]:
    """The status code and body of /healthz."""
    failing = [check.name for check in checks if not check.ok]
    body = {
        "status": "failing" if failing else "ok",
        **({"failing": failing} if failing else {}),
        "checks": {check.name: {"ok": check.ok, **check.detail} for check in checks},
    }
    return (503 if failing else 200), body
