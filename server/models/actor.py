"""Actors: this node's own Organization actor and the remote actors it knows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from sqlalchemy import JSON, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.base import LangMapType, ProcessCache, UTCDateTime, pick, utcnow

if TYPE_CHECKING:
    from vocab.objects import NodeActor


@dataclass(frozen=True)
class KnownKey:
    """A public key this node has on record, with the actor that owns it."""

    key_id: str
    owner: str
    origin: str
    pem: str


class Actor(db.Model):
    """An ActivityPub actor. The local node actor holds the private key."""

    id: Mapped[int] = mapped_column(primary_key=True)
    iri: Mapped[str] = mapped_column(String(500), unique=True)
    origin: Mapped[str] = mapped_column(String(300), index=True)
    kind: Mapped[str] = mapped_column(String(32), default="Organization")
    handle: Mapped[str] = mapped_column(String(120), default="")
    name: Mapped[str] = mapped_column(String(300), default="")
    summary: Mapped[dict[str, str]] = mapped_column(LangMapType, default=dict)
    url: Mapped[str | None] = mapped_column(String(500))
    inbox: Mapped[str | None] = mapped_column(String(500))
    outbox: Mapped[str | None] = mapped_column(String(500))
    shared_inbox: Mapped[str | None] = mapped_column(String(500))
    followers_url: Mapped[str | None] = mapped_column(String(500))
    following_url: Mapped[str | None] = mapped_column(String(500))
    public_key_id: Mapped[str | None] = mapped_column(String(500), index=True)
    public_key_pem: Mapped[str | None] = mapped_column(Text)
    private_key_pem: Mapped[str | None] = mapped_column(Text)
    is_local: Mapped[bool] = mapped_column(default=False)
    raw: Mapped[dict | None] = mapped_column(JSON, deferred=True)  # kept, seldom read
    fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @classmethod
    def local(cls) -> Actor | None:
        """Return this node's own actor (None before `commons init`)."""
        return db.session.scalar(select(cls).where(cls.is_local.is_(True)).limit(1))

    @classmethod
    def local_id(cls) -> int | None:
        """Return the id of this node's actor, kept per process (it never changes)."""
        found = _ACTORS.get(
            "local_id",
            lambda: db.session.scalar(select(cls.id).where(cls.is_local.is_(True)).limit(1)),
        )
        if found is None:
            _ACTORS.forget("local_id")
        return found

    @classmethod
    def known_key(cls, key_id: str, fresh: bool = False) -> KnownKey | None:
        """Return the key on record under `key_id`, kept per process for KEYS_TTL seconds.

        `fresh`: read the database, not this process's copy (another process may have
        fetched the key again since).
        """

        def load() -> KnownKey | None:
            row = db.session.execute(
                select(cls.iri, cls.origin, cls.public_key_pem)
                .where(cls.public_key_id == key_id)
                .limit(1)
            ).first()
            if row is None or not row.public_key_pem:
                return None
            return KnownKey(key_id, row.iri, row.origin, row.public_key_pem)

        if fresh:
            _ACTORS.forget(("key", key_id))
        known = _ACTORS.get(("key", key_id), load)
        if known is None:
            _ACTORS.forget(("key", key_id))
        return known

    @property
    def acct(self) -> str:
        """Return handle@host, the WebFinger address."""
        return f"{self.handle}@{urlsplit(self.iri).netloc}"

    def to_object(self, manually_approves: bool = False) -> NodeActor:
        """Describe this actor as the vocabulary's NodeActor."""
        from vocab.objects import NodeActor

        return NodeActor(
            id=self.iri,
            preferred_username=self.handle,
            name=self.name,
            summary=pick(self.summary, ("fr", "en")),
            inbox=self.inbox or "",
            outbox=self.outbox or "",
            followers=self.followers_url or "",
            following=self.following_url or "",
            shared_inbox=self.shared_inbox or "",
            public_key_id=self.public_key_id or "",
            public_key_pem=self.public_key_pem or "",
            url=self.url or self.iri,
            manually_approves_followers=manually_approves,
        )


KEYS_TTL = 300.0
# A key rotated elsewhere fails to verify once; the inbox then re-fetches it (key_for).
_ACTORS = ProcessCache(KEYS_TTL, Actor)
