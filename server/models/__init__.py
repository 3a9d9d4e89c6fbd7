"""Database models, one module per aggregate."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine

from server.models.actor import Actor
from server.models.base import pick, slugify, utcnow
from server.models.delivery import Delivery, PeerHealth
from server.models.follow import Follow
from server.models.harvest import HarvestChange, HarvestRecord, HarvestSet  # noqa: F401
from server.models.inbox import InboxMessage, RemoteTombstone
from server.models.item import Attachment, Item
from server.models.moderation import DomainRule
from server.models.node import NodeSettings
from server.models.outbox import OutboxActivity
from server.models.place import Territory
from server.models.theme import Theme, ThemeLink
from server.models.user import ApiToken, SigninAttempt, User

__all__ = [
    "Actor",
    "ApiToken",
    "Attachment",
    "Delivery",
    "DomainRule",
    "Follow",
    "InboxMessage",
    "OutboxActivity",
    "PeerHealth",
    "RemoteTombstone",
    "Item",
    "NodeSettings",
    "SigninAttempt",
    "Territory",
    "Theme",
    "ThemeLink",
    "User",
    "pick",
    "slugify",
    "utcnow",
]


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:  # noqa: ANN001
    """Turn on foreign keys and WAL for SQLite, so web and worker processes share it."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
