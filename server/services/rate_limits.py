"""Rate limits: how many requests one address or one token may make to a group of endpoints.

The `limits` package counts (fixed windows) and parses the settings; the counters live where
every web process sees them: the node's database (`server.models.rate_limit.SqlStorage`), or
Redis when `COMMONS_REDIS_URL` is set. When the store fails, requests are let through and
the failure is logged: a Redis outage must not take the site down. After a failure the store
is left alone for a few seconds, so a store that hangs does not slow every request.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem
from limits.errors import StorageError
from limits.storage import RedisStorage, Storage
from limits.strategies import FixedWindowRateLimiter

from server.config import Settings, parse_rate_limits
from server.models.rate_limit import SqlStorage

log = logging.getLogger(__name__)

PAUSE_AFTER_FAILURE = 10.0  # seconds without limits after the store failed
REDIS_TIMEOUT = 0.5  # seconds to connect to Redis or to get an answer


@dataclass(frozen=True)
class Refusal:
    """A request over its limit: which limit, and in how many seconds to try again."""

    group: str
    limit: str
    retry_after: int


class Limiter:
    """The limits of one node, counted in one store."""

    def __init__(self, groups: dict[str, list[RateLimitItem]], storage: Storage) -> None:
        self.groups = groups
        self.storage = storage
        self.strategy = FixedWindowRateLimiter(storage)
        self.paused_until = 0.0

    @classmethod
    def for_settings(cls, settings: Settings, engine) -> Limiter | None:
        """Return the node's limiter, or None when every limit is off."""
        groups = parse_rate_limits(settings.rate_limits)
        if not groups:
            return None
        if settings.redis_url:
            storage: Storage = RedisStorage(
                settings.redis_url,
                key_prefix=f"commons:{settings.host}",
                socket_timeout=REDIS_TIMEOUT,
                socket_connect_timeout=REDIS_TIMEOUT,
            )
        else:
            storage = SqlStorage(engine)
        return cls(groups, storage)

    def limits(self, group: str) -> bool:
        return group in self.groups

    def _now(self) -> float:
        """The store's time: the model clock for the database, the real time for Redis."""
        return self.storage.now() if isinstance(self.storage, SqlStorage) else time.time()

    def hit(self, group: str, clients: list[str]) -> Refusal | None:
        """Count one request of each client (an address, a token) against the group's limits.

        Return the refusal when one of them is over a limit; None to let the request through,
        also when the store fails (logged).
        """
        if time.monotonic() < self.paused_until:
            return None
        try:
            for item in self.groups.get(group, ()):
                for client in clients:
                    if not self.strategy.hit(item, group, client):
                        reset = self.storage.get_expiry(item.key_for(group, client))
                        wait = max(1, math.ceil(reset - self._now()))
                        return Refusal(group, str(item), wait)
        except (StorageError, *_exceptions(self.storage)) as exc:
            self.paused_until = time.monotonic() + PAUSE_AFTER_FAILURE
            log.warning(
                "rate limits: the store failed (%s: %s); requests pass unlimited for %g s",
                type(exc).__name__,
                exc,
                PAUSE_AFTER_FAILURE,
            )
        return None


def _exceptions(storage: Storage) -> tuple[type[BaseException], ...]:
    found = storage.base_exceptions
    return found if isinstance(found, tuple) else (found,)
