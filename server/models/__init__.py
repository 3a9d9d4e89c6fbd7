"""Database models, one module per aggregate."""

from __future__ import annotations

from server.models.actor import Actor
from server.models.audit import AuditEntry
from server.models.base import IllegalTransition, State, pick, slugify, utcnow
from server.models.delivery import Delivery, DeliveryState, PeerHealth
from server.models.follow import BackfillState, Follow, FollowState
from server.models.harvest import HarvestChange, HarvestRecord, HarvestRecordKind, HarvestSet
from server.models.heartbeat import WorkerHeartbeat
from server.models.imports import ImportedRecord, ImportRun, ImportStatus
from server.models.inbox import InboxMessage, InboxState, RemoteTombstone
from server.models.item import Attachment, Item, ItemStatus
from server.models.mail import MailState, OutgoingMail
from server.models.moderation import DomainRule, RuleKind
from server.models.node import NodeSettings
from server.models.outbox import OutboxActivity
from server.models.place import Territory
from server.models.rate_limit import RateCounter
from server.models.report import Report, ReportState, Resolution
from server.models.theme import Theme, ThemeLink, ThemeRelation
from server.models.user import AccountState, ApiToken, SigninAttempt, User

__all__ = [
    "AccountState",
    "Actor",
    "ApiToken",
    "Attachment",
    "AuditEntry",
    "BackfillState",
    "Delivery",
    "DeliveryState",
    "DomainRule",
    "Follow",
    "FollowState",
    "HarvestChange",
    "HarvestRecord",
    "HarvestRecordKind",
    "HarvestSet",
    "IllegalTransition",
    "ImportRun",
    "ImportStatus",
    "ImportedRecord",
    "InboxMessage",
    "InboxState",
    "Item",
    "ItemStatus",
    "MailState",
    "NodeSettings",
    "OutgoingMail",
    "OutboxActivity",
    "PeerHealth",
    "RateCounter",
    "RemoteTombstone",
    "Report",
    "ReportState",
    "Resolution",
    "RuleKind",
    "SigninAttempt",
    "State",
    "Territory",
    "Theme",
    "ThemeLink",
    "ThemeRelation",
    "User",
    "WorkerHeartbeat",
    "pick",
    "slugify",
    "utcnow",
]
