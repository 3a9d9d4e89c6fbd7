"""What admins do with other nodes: follow, answer follows, block, allow, hide, re-share."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from federation import outbox
from federation.actors import resolve
from federation.errors import FederationError
from federation.handlers import answer_follow
from federation.verify import host_matches, netloc_of
from server.extensions import db
from server.models import (
    Actor,
    Delivery,
    DomainRule,
    Follow,
    FollowState,
    Item,
    OutboxActivity,
    RuleKind,
    User,
)
from server.services import NotAllowed, ServiceError, audit


def _require_admin(user: User | None) -> None:
    if user is not None and not user.is_admin:
        raise NotAllowed(str(_l("Only admins can manage federation.")))


def _local() -> Actor:
    actor = Actor.local()
    if actor is None:
        raise ServiceError(str(_l("The node is not initialised: run “commons init”.")))
    return actor


def follow(target: str, user: User | None = None) -> Follow:
    """Follow a remote node by actor URL or handle@host; the Follow is queued for delivery."""
    _require_admin(user)
    local = _local()
    try:
        remote = resolve(target)
    except FederationError as exc:
        raise ServiceError(
            str(_l("Could not find %(target)s: %(reason)s", target=target, reason=str(exc)))
        ) from exc
    if remote.is_local or remote.id == local.id:
        raise ServiceError(str(_l("A node cannot follow itself.")))
    if not remote.inbox:
        raise ServiceError(str(_l("%(target)s has no inbox.", target=target)))
    existing = Follow.between(local, remote)
    if existing is not None and existing.state in {FollowState.PENDING, FollowState.ACCEPTED}:
        return existing
    if existing is not None:
        db.session.delete(existing)
        db.session.flush()
    sent = outbox.send_to(local, remote, "Follow", remote.iri)
    row = Follow(follower=local, followed=remote, activity_iri=sent.iri, state=FollowState.PENDING)
    db.session.add(row)
    audit.record("follow.request", target=remote.iri, who=user)
    db.session.commit()
    return row


def unfollow(follow_id: int, user: User | None = None) -> None:
    """Stop following a node (Undo Follow); its items already copied stay until withdrawn."""
    _require_admin(user)
    local = _local()
    row = db.session.get(Follow, follow_id)
    if row is None or row.follower_id != local.id:
        raise ServiceError(str(_l("No such follow.")))
    undo = {
        "type": "Follow",
        "id": row.activity_iri,
        "actor": local.iri,
        "object": row.followed.iri,
    }
    outbox.send_to(local, row.followed, "Undo", undo)
    audit.record("follow.undo", target=row.followed.iri, who=user)
    db.session.delete(row)
    db.session.commit()


def answer(follow_id: int, accept: bool, user: User | None = None) -> Follow:
    """Accept or reject a node that asked to follow us (manual approval)."""
    _require_admin(user)
    local = _local()
    row = db.session.get(Follow, follow_id)
    if row is None or row.followed_id != local.id:
        raise ServiceError(str(_l("No such follow request.")))
    if not accept:
        _cancel_deliveries_to(row.follower, exclude_follow=row.id)
    answer_follow(row, accept=accept)  # queued after the cancelling: the Reject still goes
    audit.record("follow.accept" if accept else "follow.reject", target=row.follower.iri, who=user)
    db.session.commit()
    return row


# What goes to an actor because it follows us; answers to follows (and our own follows of
# it) are about following itself and still go.
_FOLLOWING_ONLY = ("Follow", "Undo", "Accept", "Reject")


def _cancel_deliveries_to(actor: Actor, exclude_follow: int) -> int:
    """Give up what is still pending to a follower we reject or remove.

    Deliveries go to inboxes; an inbox that another accepted follower shares (a shared inbox)
    keeps its deliveries.
    """
    inboxes = {url for url in (actor.inbox, actor.shared_inbox) if url}
    others = db.session.scalars(
        select(Follow).where(
            Follow.state == "accepted", Follow.id != exclude_follow, Follow.follower_id != actor.id
        )
    )
    for other in others:
        if other.follower.is_local:
            continue
        inboxes -= {other.follower.inbox, other.follower.shared_inbox}
    if not inboxes:
        return 0
    going = select(OutboxActivity.id).where(OutboxActivity.activity_type.not_in(_FOLLOWING_ONLY))
    result = db.session.execute(
        update(Delivery)
        .where(Delivery.state == "pending", Delivery.inbox_url.in_(sorted(inboxes)))
        .where(Delivery.activity_id.in_(going))
        .values(state="given_up", last_error="cancelled: no longer a follower")
    )
    return result.rowcount or 0


def _cancel_deliveries_to_host(host: str) -> int:
    """Give up everything still pending to a blocked domain."""
    origins = db.session.scalars(
        select(Delivery.origin).where(Delivery.state == "pending").distinct()
    ).all()
    blocked = [origin for origin in origins if host_matches(netloc_of(origin), host)]
    if not blocked:
        return 0
    result = db.session.execute(
        update(Delivery)
        .where(Delivery.state == "pending", Delivery.origin.in_(blocked))
        .values(state="given_up", last_error="cancelled: the domain is blocked")
    )
    return result.rowcount or 0


def remove_follower(follow_id: int, user: User | None = None) -> None:
    """Reject an accepted follower, so it no longer receives our items."""
    answer(follow_id, accept=False, user=user)


def normalise_host(value: str) -> str:
    """Turn 'https://Peer.example:8443/x' or 'peer.example' into 'peer.example:8443'."""
    value = value.strip().lower()
    if "//" not in value:
        value = f"//{value}"
    parts = urlsplit(value)
    host = parts.hostname or ""
    if not host or any(c in host for c in " /@"):
        raise ServiceError(str(_l("Give a domain such as peer.example or 127.0.0.1:5002.")))
    port = parts.port
    default = (parts.scheme, port) in {("http", 80), ("https", 443)}
    return f"{host}:{port}" if port and not default else host


def add_rule(kind: str, value: str, reason: str = "", user: User | None = None) -> DomainRule:
    """Block a domain, or allow it in allowlist mode."""
    _require_admin(user)
    if kind not in set(RuleKind):
        raise ServiceError("kind must be block or allow")
    host = normalise_host(value)
    rule = db.session.scalar(
        select(DomainRule).where(DomainRule.host == host, DomainRule.kind == kind)
    )
    if rule is None:
        rule = DomainRule(host=host, kind=kind, reason=reason.strip()[:500])
        db.session.add(rule)
    if kind == RuleKind.BLOCK:
        _cut_ties(host)
        _cancel_deliveries_to_host(host)
    detail = {"reason": rule.reason} if rule.reason else None
    audit.record(f"domain.{kind}", target=host, detail=detail, who=user)
    db.session.commit()
    return rule


def _cut_ties(host: str) -> None:
    """A blocked domain's follows end at once, both ways."""
    for row in db.session.scalars(select(Follow)):
        remote = row.followed if row.follower.is_local else row.follower
        if host_matches(netloc_of(remote.iri), host):
            row.move_to(FollowState.REJECTED)


def remove_rule(rule_id: int, user: User | None = None) -> None:
    _require_admin(user)
    rule = db.session.get(DomainRule, rule_id)
    if rule is not None:
        action = "domain.unblock" if rule.kind == RuleKind.BLOCK else "domain.unallow"
        audit.record(action, target=rule.host, who=user)
        db.session.delete(rule)
        db.session.commit()


def set_hidden(item: Item, hidden: bool, user: User | None = None) -> None:
    """Hide (or show again) another node's item on this node."""
    _require_admin(user)
    if item.is_local:
        raise ServiceError(str(_l("Withdraw this node's own items instead of hiding them.")))
    if item.hidden != hidden:
        audit.record("item.hide" if hidden else "item.show", target=item.iri, who=user)
    item.hidden = hidden
    db.session.commit()


def reshare(item: Item, user: User | None = None) -> None:
    """Announce another node's item to our followers, with its attribution."""
    if user is not None and not user.can_edit:
        raise NotAllowed(str(_l("Only editors and admins can change content.")))
    if item.is_local or not item.is_published:
        raise ServiceError(str(_l("Only published items of other nodes can be re-shared.")))
    outbox.announce(_local(), item)
    db.session.commit()
