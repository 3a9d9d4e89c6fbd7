"""Member accounts, their sign-in attempts and their API tokens."""

from __future__ import annotations

import hashlib
import math
import secrets
from datetime import datetime, timedelta
from enum import nonmember

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.extensions import db
from server.models.base import State, UTCDateTime, utcnow

ROLES = ("admin", "editor", "reader")
DIGESTS = ("never", "daily", "weekly")
_hasher = PasswordHasher()


class AccountState(State):
    """How far an account is from being usable (deactivation is `User.active`, apart)."""

    INVITED = "invited"  # an admin invited the address; the person has not chosen a password
    UNCONFIRMED = "unconfirmed"  # signed up; the address is not confirmed yet
    AWAITING_APPROVAL = "awaiting_approval"  # confirmed; an admin has not approved it yet
    ACTIVE = "active"

    TRANSITIONS = nonmember(
        {
            None: (INVITED, UNCONFIRMED, ACTIVE),
            INVITED: (ACTIVE,),
            UNCONFIRMED: (AWAITING_APPROVAL, ACTIVE),
            AWAITING_APPROVAL: (ACTIVE,),
        }
    )


class User(UserMixin, db.Model):
    """A member of the node: admins manage it, editors publish, readers browse."""

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[str] = mapped_column(String(16), default="reader")
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(
        String(24), default=AccountState.ACTIVE, info={"enum": AccountState}
    )
    digest: Mapped[str] = mapped_column(String(8), default="never")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    def set_password(self, password: str) -> None:
        """Store an argon2id hash of the password."""
        self.password_hash = _hasher.hash(password)

    def check_password(self, password: str) -> bool:
        """Return whether the password matches, rehashing when parameters changed."""
        try:
            _hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        if _hasher.check_needs_rehash(self.password_hash):
            self.set_password(password)
        return True

    def move_to(self, state: AccountState) -> None:
        self.state = AccountState.move(self.state, state)

    @property
    def fingerprint(self) -> str:
        """A short digest of what a one-time link must find unchanged: the password and
        the account's state. Choosing a password or confirming changes it, so the link
        that did it works once."""
        seed = f"{self.password_hash}|{self.state}|{self.email}|{self.active}"
        return hashlib.sha256(seed.encode()).hexdigest()[:16]

    def get_id(self) -> str:
        """The session's key: the id and a digest of the password hash, so that changing
        the password ends the other sessions, and a deleted account's cookie opens nothing."""
        stamp = hashlib.sha256(self.password_hash.encode()).hexdigest()[:12]
        return f"{self.id}.{stamp}"

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active and self.state == AccountState.ACTIVE

    @property
    def can_edit(self) -> bool:
        return self.role in {"admin", "editor"}

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def name(self) -> str:
        return self.display_name or self.email.split("@")[0]


class SigninAttempt(db.Model):
    """One sign-in try, kept briefly so that guessing can be slowed down."""

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    succeeded: Mapped[bool] = mapped_column(default=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # "signin"; "signup" and "reset" are requests that send mail, each counted.
    action: Mapped[str] = mapped_column(String(16), default="signin")

    WINDOW = timedelta(minutes=15)
    MAX_PER_ACCOUNT = 5
    MAX_PER_ADDRESS = 20

    @classmethod
    def is_throttled(
        cls, email: str, address: str, now: datetime | None = None, action: str = "signin"
    ) -> bool:
        """Return whether too many recent failures (for sign-in) or requests (for sign-up
        and reset, which send mail) came for this account or address."""
        since = (now or utcnow()) - cls.WINDOW
        failures = select(func.count(cls.id)).where(cls.action == action, cls.at >= since)
        if action == "signin":
            failures = failures.where(cls.succeeded.is_(False))
        by_account = db.session.scalar(failures.where(cls.email == email.lower())) or 0
        by_address = db.session.scalar(failures.where(cls.address == address)) or 0
        return by_account >= cls.MAX_PER_ACCOUNT or by_address >= cls.MAX_PER_ADDRESS

    @classmethod
    def retry_after(
        cls, email: str, address: str, now: datetime | None = None, action: str = "signin"
    ) -> int:
        """Return in how many seconds the oldest counted attempt leaves the window (>= 1)."""
        now = now or utcnow()
        counted = select(func.min(cls.at)).where(
            cls.action == action,
            cls.at >= now - cls.WINDOW,
            (cls.email == email.lower()) | (cls.address == address),
        )
        if action == "signin":
            counted = counted.where(cls.succeeded.is_(False))
        oldest = db.session.scalar(counted)
        if oldest is None:
            return 1
        return max(1, math.ceil((oldest + cls.WINDOW - now).total_seconds()))


class ApiToken(db.Model):
    """A bearer token for the write API; only its SHA-256 is stored."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="tokens")

    @staticmethod
    def digest(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User) -> tuple[ApiToken, str]:
        """Create a token for the user; return the row and the secret shown once."""
        secret = secrets.token_urlsafe(32)
        row = cls(user=user, token_hash=cls.digest(secret))
        db.session.add(row)
        return row, secret

    @classmethod
    def find_user(cls, secret: str) -> User | None:
        """Return the active user a token belongs to, or None."""
        row = db.session.scalar(select(cls).where(cls.token_hash == cls.digest(secret)))
        if row is None or not row.user.active:
            return None
        row.last_used_at = utcnow()
        return row.user
