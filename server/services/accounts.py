"""Member accounts: create them, sign them in with throttling."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from server.extensions import db
from server.models import SigninAttempt, User
from server.models.user import ROLES
from server.services import ServiceError

MIN_PASSWORD = 10


class Throttled(ServiceError):
    """Too many failed sign-ins for this account or address; retry in `retry_after` s."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def normalise_email(email: str) -> str:
    """Return a checked, lowercased email address or raise ServiceError."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ServiceError(
            str(_l("This email address is not valid.")),
            {"email": str(_l("This email address is not valid."))},
        ) from exc


def create_user(email: str, role: str, password: str, display_name: str = "") -> User:
    """Create a member account; raise ServiceError on a bad email, role or password."""
    email = normalise_email(email)
    errors: dict[str, str] = {}
    if role not in ROLES:
        errors["role"] = str(_l("The role must be admin, editor or reader."))
    if len(password) < MIN_PASSWORD:
        errors["password"] = str(
            _l("The password needs at least %(n)s characters.", n=MIN_PASSWORD)
        )
    if len(password) > 1000:
        errors["password"] = str(_l("This password is too long."))
    if db.session.scalar(select(User).where(User.email == email)) is not None:
        errors["email"] = str(_l("An account with this email already exists."))
    if errors:
        raise ServiceError(next(iter(errors.values())), errors)
    user = User(email=email, role=role, display_name=display_name.strip()[:120])
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str, address: str) -> User | None:
    """Return the user if the credentials match; record the attempt; raise Throttled."""
    email = (email or "").strip().lower()[:254]
    if SigninAttempt.is_throttled(email, address):
        raise Throttled(
            str(_l("Too many failed attempts. Wait a few minutes and try again.")),
            SigninAttempt.retry_after(email, address),
        )
    user = db.session.scalar(select(User).where(User.email == email))
    ok = user is not None and user.active and user.check_password(password or "")
    db.session.add(SigninAttempt(email=email, address=address, succeeded=ok))
    db.session.commit()
    return user if ok else None
