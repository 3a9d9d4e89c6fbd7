"""The checks behind GET /healthz: the database, the worker's heartbeat, the backlogs.

Each check is a small indexed lookup (an aggregate over the heartbeat table, a LIMIT 1 on
an index, a count capped by LIMIT), all in one statement: one round trip, so a load
balancer may ask every few seconds. A threshold of 0 turns its check off (COMMONS_HEALTH_*
settings).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, bindparam, func, select, text

from server.config import Settings
from server.extensions import db
from server.models import Delivery, HarvestRecord, InboxMessage, InboxState, PeerHealth, clock
from server.models.base import UTCDateTime
from server.models.heartbeat import WorkerHeartbeat


@dataclass
class Check:
    name: str
    ok: bool
    detail: dict[str, Any] = field(default_factory=dict)


def run_checks(settings: Settings) -> list[Check]:
    """Run every check in one statement; when the database does not answer, that is the
    only check reported."""
    now = clock.now()
    worker_limit = settings.health_worker_max_age
    params = {"now": now, "alive_since": now - timedelta(seconds=worker_limit or 1e9)}
    try:
        connection = db.session.connection()
        row = connection.execute(_statement(max(settings.health_index_max_stale, 0)), params)
        found = row.one()
    except Exception as exc:  # noqa: BLE001 - any failure to answer is the finding
        db.session.rollback()
        return _when_failing(exc)
    checks = [Check("database", True)]
    age = None if found.newest is None else _seconds(now - found.newest)
    ok = not worker_limit or (age is not None and age <= worker_limit)
    checks.append(Check("worker", ok, {"last_beat_s": age, "alive": int(found.alive or 0)}))
    limit = settings.health_inbox_max_age
    age = 0.0 if found.pending is None else _seconds(now - found.pending)
    checks.append(Check("inbox", not limit or age <= limit, {"oldest_pending_s": age}))
    limit = settings.health_delivery_max_age
    age = 0.0 if found.due is None else _seconds(now - found.due)
    checks.append(Check("deliveries", not limit or age <= limit, {"oldest_due_s": age}))
    limit, count = settings.health_index_max_stale, int(found.stale or 0)
    checks.append(Check("index", not limit or count <= limit, {"stale_records": count}))
    return checks


def _when_failing(exc: Exception) -> list[Check]:
    """The statement failed: the database is away, or (it answers) the checks themselves."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001
        db.session.rollback()
        return [Check("database", False, {"error": exc.__class__.__name__})]
    error = {"error": exc.__class__.__name__}
    return [Check("database", True), *(Check(name, False, error) for name in CHECKS)]


CHECKS = ("worker", "inbox", "deliveries", "index")


def _seconds(delta: timedelta) -> float:
    return round(max(delta.total_seconds(), 0.0), 1)


@lru_cache(maxsize=4)
def _statement(stale_cap: int) -> Select:
    """The checks as one SELECT of five scalar subqueries, built once per process.

    - worker: the newest beat of any worker, and how many beat since `alive_since`;
    - inbox: when the oldest pending message arrived (the (state, id) index, LIMIT 1);
    - deliveries: the oldest due delivery, not counting those waiting for an origin whose
      breaker is open (that origin is down, not this node) ((state, next_attempt_at), LIMIT 1);
    - index: stale harvest records, counted no further than `stale_cap` + 1.
    """
    now = bindparam("now", type_=UTCDateTime())
    alive_since = bindparam("alive_since", type_=UTCDateTime())
    beat = WorkerHeartbeat.beat_at
    troubled = select(PeerHealth.origin).where(PeerHealth.circuit_open_until.is_not(None))
    stale = select(HarvestRecord.id).where(HarvestRecord.stale.is_(True)).limit(stale_cap + 1)
    return select(
        select(func.max(beat)).scalar_subquery().label("newest"),
        select(func.count()).where(beat >= alive_since).scalar_subquery().label("alive"),
        select(InboxMessage.received_at)
        .where(InboxMessage.state == InboxState.PENDING)
        .order_by(InboxMessage.id)
        .limit(1)
        .scalar_subquery()
        .label("pending"),
        select(Delivery.next_attempt_at)
        .where(Delivery.state == "pending", Delivery.next_attempt_at <= now)
        .where(Delivery.origin.not_in(troubled))
        .order_by(Delivery.next_attempt_at)
        .limit(1)
        .scalar_subquery()
        .label("due"),
        select(func.count()).select_from(stale.subquery()).scalar_subquery().label("stale"),
    )


def report(checks: list[Check]) -> tuple[int, dict[str, Any]]:
    """The status code and body of /healthz."""
    failing = [check.name for check in checks if not check.ok]
    body = {
        "status": "failing" if failing else "ok",
        **({"failing": failing} if failing else {}),
        "checks": {check.name: {"ok": check.ok, **check.detail} for check in checks},
    }
    return (503 if failing else 200), body
