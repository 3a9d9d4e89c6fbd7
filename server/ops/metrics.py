"""Prometheus metrics: requests observed by each web process, and gauges read from the
database when /metrics is scraped.

Several gunicorn processes: `commons serve` points PROMETHEUS_MULTIPROC_DIR at
DATA_DIR/metrics before any of them starts (prometheus_client then keeps each process's
values in a small file there), empties it at start, and marks a process's live gauges dead
when it exits; a scrape, answered by any one process, adds the files up. Without that
variable (tests, a single process) the values are this process's own.

The database gauges come from `DatabaseCollector` at scrape time: counts over indexed
columns, and the counts of finished inbox messages and deliveries (which only grow) at most
once a minute per process.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time
from collections.abc import Iterator
from datetime import timedelta
from functools import lru_cache
from typing import Any

from prometheus_client import CollectorRegistry, Gauge, Histogram, generate_latest
from prometheus_client import multiprocess as prometheus_multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from sqlalchemy import case, func, select
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy.engine import Engine

from server.config import Settings, metrics_networks
from server.extensions import db
from server.models import (
    Delivery,
    Follow,
    HarvestRecord,
    InboxMessage,
    InboxState,
    PeerHealth,
    clock,
)
from server.models.heartbeat import WorkerHeartbeat

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
SLOW_COUNTS_TTL = 60.0  # seconds between two counts of finished messages and deliveries

# This process's own metrics (not prometheus_client's global registry: tests build many
# applications in one process, and nothing else of ours should appear unasked).
REGISTRY = CollectorRegistry(auto_describe=False)
REQUEST_SECONDS = Histogram(
    "commons_http_request_duration_seconds",
    "HTTP requests by route (the URL rule, not the path), method and status, with latency.",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)
POOL_IN_USE = Gauge(
    "commons_db_pool_connections_in_use",
    "Database connections checked out of the web processes' pools.",
    multiprocess_mode="livesum",
    registry=REGISTRY,
)
POOL_CAPACITY = Gauge(
    "commons_db_pool_capacity",
    "Connections the web processes' pools may open (size plus overflow).",
    multiprocess_mode="livesum",
    registry=REGISTRY,
)


def observe_request(route: str, method: str, status: str, seconds: float) -> None:
    REQUEST_SECONDS.labels(route, method if method in METHODS else "other", status).observe(seconds)


def watch_pool(engine: Engine) -> None:
    """Count the engine's checked-out connections (two pool events, a few µs each)."""
    if sqlalchemy_event.contains(engine, "checkout", _checked_out):
        return
    pool = engine.pool
    size = getattr(pool, "size", None)
    overflow = getattr(pool, "_max_overflow", 0)
    if callable(size):
        POOL_CAPACITY.set(size() + max(overflow, 0))
    sqlalchemy_event.listen(engine, "checkout", _checked_out)
    sqlalchemy_event.listen(engine, "checkin", _checked_in)


def _checked_out(*_: Any) -> None:
    POOL_IN_USE.inc()


def _checked_in(*_: Any) -> None:
    POOL_IN_USE.dec()


# Access -------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _networks(value: str) -> tuple[Any, ...]:
    return metrics_networks(value)


def allowed(
    settings: Settings, remote: str | None, authorization: str | None, proxied: bool
) -> bool:
    """Whether this client may read /metrics: the bearer token, or an allowed address.

    `proxied`: the request came through a proxy this node does not trust
    (COMMONS_TRUSTED_PROXIES unset) and names a client: the address seen is the proxy's,
    so it proves nothing.
    """
    token = settings.metrics_token
    if token and authorization:
        scheme, _, given = authorization.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), token):
            return True
    if proxied or not remote:
        return False
    try:
        address = ipaddress.ip_address(remote)
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in network for network in _networks(settings.metrics_allow))


# Exposition ---------------------------------------------------------------------------


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def exposition(settings: Settings) -> bytes:
    """The metrics of every web process (or this one), then the database's."""
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_dir():
        prometheus_multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_Own())
    registry.register(DatabaseCollector(settings))
    return generate_latest(registry)


class _Own:
    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def mark_dead(pid: int) -> None:
    """A web process exited: its live gauges (pool use) no longer count."""
    if multiprocess_dir():
        prometheus_multiprocess.mark_process_dead(pid)


class _SlowCounts:
    """Counts that need a scan of an index, kept for SLOW_COUNTS_TTL seconds."""

    def __init__(self) -> None:
        self.values: dict[str, dict[str, int]] = {}
        self.at: dict[str, float] = {}

    def get(self, name: str, load) -> dict[str, int]:
        now = time.monotonic()
        if name not in self.values or now - self.at[name] > SLOW_COUNTS_TTL:
            self.values[name] = load()
            self.at[name] = now
        return self.values[name]


_SLOW = _SlowCounts()
FINISHED_INBOX = (InboxState.DONE, InboxState.REJECTED, InboxState.FAILED)
ACTIVE_INBOX = (InboxState.PENDING, InboxState.PROCESSING)


def _by_state(column, states, *where) -> dict[str, int]:
    query = select(column, func.count()).where(column.in_(list(states)), *where).group_by(column)
    counts = {str(state): 0 for state in states}
    counts.update({str(state): int(n) for state, n in db.session.execute(query)})
    return counts


class DatabaseCollector:
    """Gauges read from the database when /metrics is scraped (inside a request)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def collect(self) -> Iterator[Metric]:
        now = clock.now()
        yield from self._inbox(now)
        yield from self._deliveries(now)
        yield from self._backfills()
        yield from self._index()
        yield from self._workers(now)

    def _inbox(self, now) -> Iterator[Metric]:
        counts = _by_state(InboxMessage.state, ACTIVE_INBOX)
        counts |= _SLOW.get("inbox", lambda: _by_state(InboxMessage.state, FINISHED_INBOX))
        family = GaugeMetricFamily(
            "commons_inbox_messages", "Received activities by state.", labels=["state"]
        )
        for state, count in counts.items():
            family.add_metric([state], count)
        yield family
        oldest = db.session.scalar(
            select(InboxMessage.received_at)
            .where(InboxMessage.state == InboxState.PENDING)
            .order_by(InboxMessage.id)
            .limit(1)
        )
        yield GaugeMetricFamily(
            "commons_inbox_oldest_pending_seconds",
            "How long the oldest activity waiting for processing has waited.",
            value=0 if oldest is None else max((now - oldest).total_seconds(), 0),
        )

    def _deliveries(self, now) -> Iterator[Metric]:
        counts = _by_state(Delivery.state, ("pending",))
        counts |= _SLOW.get("deliveries", lambda: _by_state(Delivery.state, ("done", "given_up")))
        family = GaugeMetricFamily(
            "commons_deliveries", "Outgoing deliveries by state.", labels=["state"]
        )
        for state, count in counts.items():
            family.add_metric([state], count)
        yield family
        health = case(
            (PeerHealth.unavailable.is_(True), "unavailable"),
            (PeerHealth.circuit_open_until.is_not(None), "circuit_open"),
            else_="healthy",
        )
        query = (
            select(health, func.count(Delivery.id))
            .select_from(Delivery)
            .outerjoin(PeerHealth, PeerHealth.origin == Delivery.origin)
            .where(Delivery.state == "pending")
            .group_by(health)
        )
        pending = {"healthy": 0, "circuit_open": 0, "unavailable": 0}
        pending.update({name: int(n) for name, n in db.session.execute(query)})
        family = GaugeMetricFamily(
            "commons_deliveries_pending_by_origin_health",
            "Pending deliveries by the health of the origin they go to.",
            labels=["health"],
        )
        for name, count in pending.items():
            family.add_metric([name], count)
        yield family
        origins = {"healthy": 0, "circuit_open": 0, "unavailable": 0}
        rows = db.session.execute(select(health, func.count()).group_by(health))
        origins.update({name: int(n) for name, n in rows})
        family = GaugeMetricFamily(
            "commons_peer_origins", "Peer origins by delivery health.", labels=["health"]
        )
        for name, count in origins.items():
            family.add_metric([name], count)
        yield family

    def _backfills(self) -> Iterator[Metric]:
        state = func.coalesce(Follow.backfill_state, "none")
        rows = db.session.execute(
            select(state, func.count(), func.coalesce(func.sum(Follow.backfill_count), 0))
            .where(Follow.backfill_state.is_not(None))
            .group_by(state)
        ).all()
        follows = GaugeMetricFamily(
            "commons_backfills", "Backfills of followed actors by state.", labels=["state"]
        )
        items = GaugeMetricFamily(
            "commons_backfill_items",
            "Objects fetched by backfills, by backfill state.",
            labels=["state"],
        )
        for name, count, fetched in rows:
            follows.add_metric([str(name)], int(count))
            items.add_metric([str(name)], int(fetched))
        yield follows
        yield items

    def _index(self) -> Iterator[Metric]:
        stale = db.session.scalar(
            select(func.count()).select_from(HarvestRecord).where(HarvestRecord.stale.is_(True))
        )
        yield GaugeMetricFamily(
            "commons_index_stale_records",
            "Harvest records waiting to be rendered again (dumps, OAI-PMH, SPARQL read them).",
            value=int(stale or 0),
        )

    def _workers(self, now) -> Iterator[Metric]:
        limit = self.settings.health_worker_max_age
        newest, alive = WorkerHeartbeat.latest(now - timedelta(seconds=limit or 1e9))
        age = float("nan") if newest is None else max((now - newest).total_seconds(), 0)
        yield GaugeMetricFamily(
            "commons_worker_heartbeat_age_seconds",
            "Seconds since a background worker last beat (NaN: none ever did).",
            value=age,
        )
        yield GaugeMetricFamily(
            "commons_workers_alive",
            "Background workers that beat within COMMONS_HEALTH_WORKER_MAX_AGE.",
            value=alive,
        )
