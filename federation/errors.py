"""Domain exceptions of the federation package, each mapped to the answer a view should give.

The views turn these into HTTP answers through ``http_status``; nothing here knows Flask.
Every exception carries a short ``reason`` that is safe to show to the peer or to an admin
(no keys, no stack traces).
"""

from __future__ import annotations


class FederationError(Exception):
    """Base of every error raised by the federation package."""

    http_status = 400

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SignatureError(FederationError):
    """An inbound request's signature, digest, date or key is missing or wrong."""

    http_status = 401


class BlockedError(FederationError):
    """A blocked domain, or one absent from the allowlist, sent or is the target of a request."""

    http_status = 403


class InvalidActivity(FederationError):
    """An inbound body is not JSON, not an object, or lacks what an activity must have."""

    http_status = 400


class TooLarge(FederationError):
    """A body is over the size limit."""

    http_status = 413


class FetchError(FederationError):
    """An outbound fetch or delivery failed: network, TLS, timeout, HTTP status or bad document.

    ``status`` is the remote HTTP status when the peer answered, else ``None``. For an inbound
    request whose verification needed this fetch, the view answers 401 (the key could not be
    obtained), not ``http_status``; 502 is for views that proxy a lookup for a user.
    """

    http_status = 502

    def __init__(self, reason: str, *, status: int | None = None, url: str | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.url = url


class UnsafeAddress(FetchError):
    """The outbound guard refused a URL: bad scheme, plain http, or a non-public address."""


class ResponseTooLarge(FetchError):
    """A peer's response was over the size limit; the download was aborted.

    Deliberately not a `TooLarge`: that one answers 413 to the request being served, and the
    inbox catches it before `FetchError`, so an oversized actor document fetched to check a
    signature would be answered 413 instead of 401.
    """
