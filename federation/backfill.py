"""Backfill: page through a followed node's outbox and import what it already published.

Progress lives on the Follow row (`backfill_next`, `backfill_count`), so a restart resumes
where it stopped. Each worker pass reads a few pages, oldest state first.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from sqlalchemy import select

from federation.actors import signed_get
from federation.documents import id_of
from federation.errors import FederationError
from federation.items import Batch, Rejected, delete_copy, read_object, store_copy
from federation.processing import references
from server.extensions import db
from server.models import Actor, BackfillState, Follow, FollowState
from vocab.codec import origin_of

log = logging.getLogger("commons.backfill")
PAGES_PER_PASS = 3
MAX_PAGES = 10_000


def _import_entry(entry: Any, owner: Actor, context: Any = None) -> int:
    """Import one outbox entry (an activity or a bare object); return 1 if stored."""
    if not isinstance(entry, dict):
        return 0
    kind = entry.get("type")
    if kind == "Delete":
        object_id = id_of(entry.get("object"))
        if object_id and origin_of(object_id) == owner.origin:
            with Batch(object_iris={object_id}) as copies:
                delete_copy(copies, object_id, owner)
        return 0
    if kind in ("Create", "Update"):
        doc = entry.get("object")
        if not isinstance(doc, dict) or origin_of(id_of(doc) or "") != owner.origin:
            return 0
        if "@context" not in doc:
            doc = {"@context": entry.get("@context") or context, **doc}
    elif kind == "Announce":
        object_id = id_of(entry.get("object"))
        if not object_id:
            return 0
        doc, _ = signed_get(object_id)
    else:
        return 0
    try:
        obj = read_object(doc)
    except Rejected as exc:
        log.info("backfill skipped %s: %s", id_of(doc), exc)
        return 0
    if kind == "Announce":
        owner = owner if origin_of(obj.attributed_to) == owner.origin else None
        if owner is None:
            from federation.actors import fetch_actor

            owner = fetch_actor(obj.attributed_to)
    elif origin_of(obj.attributed_to) != owner.origin:
        return 0
    with Batch(references([obj]), {obj.id}) as copies:
        return 1 if store_copy(copies, obj, owner) else 0


def backfill_step(follow: Follow, pages: int = PAGES_PER_PASS) -> bool:
    """Read up to `pages` outbox pages for `follow`; return True when the outbox is done."""
    followed = follow.followed
    if follow.backfill_next is None:
        if not followed.outbox:
            follow.backfill_state = BackfillState.DONE
            return True
        collection, _ = signed_get(followed.outbox)
        first = collection.get("first")
        if isinstance(first, dict) and ("orderedItems" in first or "items" in first):
            page_doc = first
            follow.backfill_count += _import_page(page_doc, followed)
            follow.backfill_next = id_of(page_doc.get("next")) or ""
        else:
            follow.backfill_next = id_of(first) or ""
            items = collection.get("orderedItems") or collection.get("items") or []
            for entry in items:
                follow.backfill_count += _import_entry(entry, followed, collection.get("@context"))
    for _ in range(pages):
        if not follow.backfill_next:
            break
        url = follow.backfill_next
        if origin_of(url) != followed.origin:
            raise FederationError("the outbox pages to another origin")
        page, _ = signed_get(url)
        follow.backfill_count += _import_page(page, followed)
        next_url = id_of(page.get("next"))
        follow.backfill_next = "" if next_url == url else (next_url or "")
    done = follow.backfill_next == ""
    follow.backfill_state = BackfillState.DONE if done else BackfillState.RUNNING
    return done


def _import_page(page: dict[str, Any], owner: Actor) -> int:
    items = page.get("orderedItems") or page.get("items") or []
    context = page.get("@context")
    entries = items if isinstance(items, list) else [items]
    return sum(_import_entry(entry, owner, context) for entry in entries)


def run_backfills(app: Flask) -> int:
    """Worker job: advance every pending or running backfill by a few pages."""
    local = Actor.local()
    if local is None:
        return 0
    follows = db.session.scalars(
        select(Follow).where(
            Follow.follower_id == local.id,
            Follow.state == FollowState.ACCEPTED,
            Follow.backfill_state.in_([BackfillState.PENDING, BackfillState.RUNNING]),
        )
    ).all()
    worked = 0
    # Only the first move is checked (move_backfill_to). Each commit expires the rows, so a
    # later follow is read again, and on PostgreSQL another worker may have finished or
    # failed it meanwhile: the outcome is then written as before rather than refused.
    for follow in follows:
        try:
            if follow.backfill_state == BackfillState.PENDING:
                follow.move_backfill_to(BackfillState.RUNNING)
                follow.backfill_count = 0
            backfill_step(follow)
            follow.backfill_error = None
        except FederationError as exc:
            db.session.rollback()
            follow = db.session.get(Follow, follow.id)
            follow.backfill_state = BackfillState.FAILED
            follow.backfill_error = str(exc)[:500]
        db.session.commit()
        worked += 1
    return worked
