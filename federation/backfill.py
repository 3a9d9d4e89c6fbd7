"""Backfill: page through a followed node's outbox and import what it already published.

Progress lives on the Follow row (`backfill_next`, `backfill_count`), so a restart resumes
where it stopped. Each worker pass reads a few pages, oldest state first. A pass fetches
first and writes after, like the inbox (`federation.processing`): the outbox pages, the
objects they announce, and the themes, territories and owners new here are fetched with no
transaction open, then the copies are written in one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from sqlalchemy import select

from federation.actors import current_actors, signed_get, signing_key, store_actor
from federation.documents import Fetched, id_of
from federation.errors import FederationError
from federation.items import Batch, Rejected, delete_copy, read_object, store_copy
from federation.processing import references
from server.extensions import db
from server.models import Actor, BackfillState, Follow, FollowState
from vocab import objects
from vocab.codec import origin_of

log = logging.getLogger("commons.backfill")
PAGES_PER_PASS = 3

SignAs = tuple[str, str] | None


@dataclass(frozen=True)
class Owner:
    """The followed actor, as the reads of a pass need it (no row: the reads end first)."""

    iri: str
    origin: str


@dataclass
class _Pass:
    """What one pass read from a followed node's outbox, before anything is written."""

    next_url: str  # where the next pass starts; "" when the outbox is done
    deleted: list[str] = field(default_factory=list)  # in the order the outbox gave them,
    stored: list[tuple[objects.Item, str]] = field(default_factory=list)  # with the owner IRI
    order: list[tuple[str, int]] = field(default_factory=list)  # ("delete"|"store", index)
    fetched: Fetched = field(default_factory=Fetched)


def _entries(page: dict[str, Any]) -> list[tuple[Any, Any]]:
    """The entries of an outbox page, each with the @context it was given in."""
    items = page.get("orderedItems") or page.get("items") or []
    context = page.get("@context")
    return [(entry, context) for entry in (items if isinstance(items, list) else [items])]


def _read_outbox(
    outbox: str, start: str | None, origin: str, pages: int, sign_as: SignAs
) -> tuple[list[tuple[Any, Any]], str]:
    """Fetch up to `pages` outbox pages from `start` (the collection when None); return their
    entries and where the next pass starts ("" at the end)."""
    entries: list[tuple[Any, Any]] = []
    next_url = start
    if next_url is None:
        collection, _ = signed_get(outbox, sign_as)
        first = collection.get("first")
        if isinstance(first, dict) and ("orderedItems" in first or "items" in first):
            entries += _entries(first)
            next_url = id_of(first.get("next")) or ""
        else:
            next_url = id_of(first) or ""
            entries += _entries(collection)
    for _ in range(pages):
        if not next_url:
            break
        if origin_of(next_url) != origin:
            raise FederationError("the outbox pages to another origin")
        page, _ = signed_get(next_url, sign_as)
        entries += _entries(page)
        following = id_of(page.get("next"))
        next_url = "" if following == next_url else (following or "")
    return entries, next_url


def _read_entry(entry: Any, context: Any, owner: Owner, found: _Pass, sign_as: SignAs) -> None:
    """Read one outbox entry (an activity or a bare object) into `found`, fetching the object
    an Announce names; entries that are not ours to store are skipped."""
    if not isinstance(entry, dict):
        return
    kind = entry.get("type")
    if kind == "Delete":
        object_id = id_of(entry.get("object"))
        if object_id and origin_of(object_id) == owner.origin:
            found.order.append(("delete", len(found.deleted)))
            found.deleted.append(object_id)
        return
    if kind in ("Create", "Update"):
        doc = entry.get("object")
        if not isinstance(doc, dict) or origin_of(id_of(doc) or "") != owner.origin:
            return
        if "@context" not in doc:
            doc = {"@context": entry.get("@context") or context, **doc}
    elif kind == "Announce":
        object_id = id_of(entry.get("object"))
        if not object_id:
            return
        doc, _ = signed_get(object_id, sign_as)
    else:
        return
    try:
        obj = read_object(doc)
    except Rejected as exc:
        log.info("backfill skipped %s: %s", id_of(doc), exc)
        return
    if origin_of(obj.attributed_to) == owner.origin:
        owner_iri = owner.iri
    elif kind == "Announce":
        owner_iri = obj.attributed_to  # re-shared from a third node: its own actor owns it
    else:
        return
    found.order.append(("store", len(found.stored)))
    found.stored.append((obj, owner_iri))


def _fetch_pass(follow: Follow, pages: int) -> _Pass:
    """Fetch and read one pass of `follow`'s backfill; end with no transaction open."""
    followed = follow.followed
    owner = Owner(followed.iri, followed.origin)
    outbox, start = followed.outbox, follow.backfill_next
    sign_as = signing_key()
    db.session.commit()  # nothing held while the network answers
    entries, next_url = _read_outbox(outbox, start, owner.origin, pages, sign_as)
    found = _Pass(next_url)
    for entry, context in entries:
        _read_entry(entry, context, owner, found, sign_as)
    owners = {iri for _, iri in found.stored if iri != owner.iri}
    references([obj for obj, _ in found.stored], owners, found.fetched, sign_as)
    return found


def _write_pass(follow: Follow, found: _Pass) -> int:
    """Write what a pass read, in order, in the transaction open now; return copies stored."""
    followed = follow.followed
    actors = current_actors({iri for _, iri in found.stored} - {followed.iri})
    actors[followed.iri] = followed
    iris = set(found.deleted) | {obj.id for obj, _ in found.stored}
    stored = 0
    with Batch(found.fetched, iris) as copies:
        for what, index in found.order:
            if what == "delete":
                delete_copy(copies, found.deleted[index], followed)
                continue
            obj, owner_iri = found.stored[index]
            if owner_iri not in actors:
                actors[owner_iri] = store_actor(*found.fetched.document(owner_iri))
            stored += 1 if store_copy(copies, obj, actors[owner_iri]) else 0
    return stored


def backfill_step(follow: Follow, pages: int = PAGES_PER_PASS) -> bool:
    """Read up to `pages` outbox pages for `follow` and store their items; return True when
    the outbox is done. The session's transaction is committed before the network is used."""
    if follow.backfill_next is None and not follow.followed.outbox:
        follow.backfill_state = BackfillState.DONE
        return True
    found = _fetch_pass(follow, pages)
    follow.backfill_count += _write_pass(follow, found)
    follow.backfill_next = found.next_url
    done = found.next_url == ""
    follow.backfill_state = BackfillState.DONE if done else BackfillState.RUNNING
    return done


def run_backfills(app: Flask) -> int:
    """Worker job: advance every pending or running backfill by a few pages."""
    local = Actor.local()
    if local is None:
        return 0
    follow_ids = db.session.scalars(
        select(Follow.id).where(
            Follow.follower_id == local.id,
            Follow.state == FollowState.ACCEPTED,
            Follow.backfill_state.in_([BackfillState.PENDING, BackfillState.RUNNING]),
        )
    ).all()
    worked = 0
    # Only the first move is checked (move_backfill_to). A pass commits before it fetches,
    # and on PostgreSQL another worker may finish or fail the same follow meanwhile: the
    # outcome is then written as it is rather than refused.
    for follow_id in follow_ids:
        follow = db.session.get(Follow, follow_id)
        if follow is None:  # unfollowed since the list was read
            continue
        try:
            if follow.backfill_state == BackfillState.PENDING:
                follow.move_backfill_to(BackfillState.RUNNING)
                follow.backfill_count = 0
            backfill_step(follow)
            follow.backfill_error = None
        except FederationError as exc:
            db.session.rollback()
            follow = db.session.get(Follow, follow_id)
            if follow is None:
                continue
            follow.backfill_state = BackfillState.FAILED
            follow.backfill_error = str(exc)[:500]
        db.session.commit()
        worked += 1
    return worked
