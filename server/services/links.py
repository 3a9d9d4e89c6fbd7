"""One-time links mailed to members: confirm an address, choose a new password, accept an
invitation.

A link carries the account's id and its fingerprint (`User.fingerprint`: password hash and
state), signed with the node's secret key and timestamped by itsdangerous. Using the link
changes the fingerprint, so it works once; its age is checked against the node's clock, so
it expires; any change to it breaks the signature. No table of tokens is needed.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from server.extensions import db
from server.models import User, clock
from server.services import ServiceError

LIFETIMES = {
    "confirm": timedelta(days=2),
    "reset": timedelta(hours=1),
    "invite": timedelta(days=7),
}


class LinkError(ServiceError):
    """A link that cannot be used: forged, expired or already used."""


class _ClockSigner(TimestampSigner):
    """Timestamps from the node's clock, which tests move to see a link expire."""

    def get_timestamp(self) -> int:
        return int(clock.now().timestamp())


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"], salt=f"commons-{purpose}", signer=_ClockSigner
    )


def make_token(user: User, purpose: str) -> str:
    """Return the token of a one-time link of `purpose` for the user (flushed, with an id)."""
    return _serializer(purpose).dumps({"u": user.id, "f": user.fingerprint})


def read_token(token: str, purpose: str) -> User:
    """Return the account a link is for; raise LinkError when it cannot be used."""
    max_age = int(LIFETIMES[purpose].total_seconds())
    try:
        data = _serializer(purpose).loads(token[:500], max_age=max_age)
    except SignatureExpired:
        raise LinkError(str(_l("This link has expired. Ask for a new one."))) from None
    except BadSignature:
        raise LinkError(
            str(_l("This link is not valid. Check that it was copied whole."))
        ) from None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or not user.active or data.get("f") != user.fingerprint:
        raise LinkError(
            str(_l("This link has already been used, or the account has changed since."))
        )
    return user
