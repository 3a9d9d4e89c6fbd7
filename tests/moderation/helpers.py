"""Rows for moderation tests: another node's actor and a copy of its item, a report."""

from __future__ import annotations

from sqlalchemy import select

from server.extensions import db
from server.models import Actor, AuditEntry, Item, ItemStatus, Report, utcnow

REMOTE = "http://other.test"


def remote_copy(app, title: str = "Récit d'ailleurs", slug: str = "recit-d-ailleurs") -> int:
    """Store another node's actor and a published copy of one of its items; return its id.

    Written as rows, as the inbox worker would leave them: what these tests check is what
    admins do with a copy, not how it arrived (tests/federation covers that)."""
    with app.app_context():
        actor = db.session.scalar(select(Actor).where(Actor.iri == f"{REMOTE}/actor"))
        if actor is None:
            actor = Actor(
                iri=f"{REMOTE}/actor",
                origin=REMOTE,
                handle="other",
                name="Other node",
                inbox=f"{REMOTE}/actor/inbox",
                shared_inbox=f"{REMOTE}/inbox",
            )
        item = Item(
            kind="experience",
            slug=slug,
            iri=f"{REMOTE}/experiences/{slug}",
            actor=actor,
            status=ItemStatus.PUBLISHED,
            license="https://creativecommons.org/licenses/by/4.0/",
            title={"fr": title},
            published_at=utcnow(),
        )
        db.session.add(item)
        db.session.commit()
        return item.id


def report_about(app, item_id: int, reason: str = "Propos injurieux", n: int = 1) -> int:
    """A report another node sent about an item held here (as the Flag handler stores it)."""
    with app.app_context():
        item = db.session.get(Item, item_id)
        report = Report(
            activity_iri=f"{REMOTE}/flags/{n}",
            reporter_iri=f"{REMOTE}/actor",
            item=item,
            item_iri=item.iri,
            reason=reason,
        )
        db.session.add(report)
        db.session.commit()
        return report.id


def audited(app, action: str | None = None) -> list[tuple[str, str, str, dict]]:
    """(who, action, target, detail) of the audit log, oldest first."""
    with app.app_context():
        entries = db.session.scalars(AuditEntry.newest(action)).all()
        return [(e.who, e.action, e.target, e.detail) for e in reversed(entries)]
