"""Database models, one module per aggregate."""

from __future__ import annotations

from server.models.actor import Actor
from server.models.base import IllegalTransition, State, pick, slugify, utcnow
from server.models.delivery import Delivery, DeliveryState, PeerHealth
from server.models.follow import BackfillState, Follow, FollowState
from server.models.harvest import HarvestChange, HarvestRecord, HarvestRecordKind, HarvestSet
from server.models.heartbeat import WorkerHeartbeat
from server.models.inbox import InboxMessage, InboxState, RemoteTombstone
from server.models.item import Attachment, Item, ItemStatus
from server.models.moderation import DomainRule, RuleKind
from server.models.node import NodeSettings
from server.models.outbox import OutboxActivity
from server.models.place import Territory
from server.models.theme import Theme, ThemeLink, ThemeRelation
from server.models.user import ApiToken, SigninAttempt, User

__all__ = [
    "Actor",
    "ApiToken",
    "Attachment",
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
    "InboxMessage",
    "InboxState",
    "Item",
    "ItemStatus",
    "NodeSettings",
    "OutboxActivity",
    "PeerHealth",
    "RemoteTombstone",
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
