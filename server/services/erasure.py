"""Erasure of a person (GDPR): their name out of every item of this node, their account gone.

What changes, for a NAME (matched as whole words, not inside a longer or hyphenated name,
ignoring case and runs of spaces):

- authors and organisations: an entry that is the name is dropped (or becomes the
  replacement); an entry that contains it has it replaced;
- the texts: title, summary, body, circumstances, lessons, limits (every language), link
  names and attachment descriptions: each occurrence is replaced by the replacement, or by
  PLACEHOLDER when none is given (dropping a name from a sentence would garble it);
- the activities this node published about the changed items (its outbox, which followers
  and harvesters page through) get the same treatment;
- each changed item that is published goes to followers as an `Update`, through the
  ordinary publish path (durable delivery rows), so their copies change too;
- the member account whose display name is the name (or the one given by email) is deleted
  with its API tokens and sign-in attempts; its session ends, since no account loads for
  it; audit entries it made say "erased account" instead of its email.

Left alone, on purpose: copies of other nodes' items (their origin must erase; a report
to that node asks it to), item addresses (a slug made from a title keeps its words: the
IRI is the item's identity, and changing it would break every follower's copy), and the
words of reports received. The audit log records that an erasure happened and how many
items changed, never the name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from functools import cache
from typing import Any, get_type_hints

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update

from server.extensions import db
from server.models import (
    Actor,
    Attachment,
    AuditEntry,
    Item,
    OutboxActivity,
    SigninAttempt,
    User,
)
from server.services import NotAllowed, ServiceError, audit
from server.services.items import update_item
from vocab import objects

PLACEHOLDER = "[…]"
ERASED_ACCOUNT = "erased account"
# The content columns read to find the items that mention the name, before any is loaded.
_SEARCHED = (
    "title",
    "summary",
    "body",
    "authors",
    "organisations",
    "circumstances",
    "lessons",
    "limits",
    "links",
)
_NAME_LISTS = ("authors", "organisations")


@dataclass(frozen=True)
class Erased:
    """What an erasure changed: counts only, never the name."""

    items_changed: int
    published_again: int
    account_removed: bool


class Scrubber:
    """Finds a name in texts and lists of names, and takes it out."""

    def __init__(self, name: str, replacement: str | None) -> None:
        words = name.split()
        self.name = " ".join(words)
        self.replacement = (replacement or "").strip() or None
        body = r"\s+".join(re.escape(word) for word in words)
        self.pattern = re.compile(rf"(?<![\w-]){body}(?![\w-])", re.IGNORECASE)

    def found_in(self, text: str) -> bool:
        return self.pattern.search(text) is not None

    def text(self, value: str) -> str:
        replacement = self.replacement or PLACEHOLDER
        return self.pattern.sub(lambda _: replacement, value)

    def names(self, values: list[str]) -> list[str]:
        """A list of names: the name itself dropped (or replaced), mentions replaced."""
        kept = []
        for value in values:
            if self.pattern.fullmatch(value.strip()):
                if self.replacement:
                    kept.append(self.replacement)
            else:
                kept.append(self.text(value))
        return list(dict.fromkeys(kept))

    def json(self, value: Any) -> Any:
        """Any JSON value (an activity): every string scrubbed, names dropped from lists."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            if value and all(isinstance(v, str) for v in value):
                return self.names(value)
            return [self.json(v) for v in value]
        if isinstance(value, dict):
            return {k: self.json(v) for k, v in value.items()}
        return value

    def item(self, obj: objects.Item) -> objects.Item:
        """The object with the name taken out of its content fields."""
        changes: dict[str, Any] = {}
        for f in fields(obj):
            value = getattr(obj, f.name)
            kind = _types(type(obj)).get(f.name)
            if kind == dict[str, str] and f.name != "content":
                changes[f.name] = {lang: self.text(text) for lang, text in value.items()}
            elif f.name in _NAME_LISTS:
                changes[f.name] = self.names(value)
            elif f.name == "links":
                changes[f.name] = [objects.Link(v.href, self.text(v.name)) for v in value]
        return replace(obj, **changes)


@cache
def _types(cls: type) -> dict[str, Any]:
    return get_type_hints(cls)


def erase_author(
    name: str,
    replace_with: str | None = None,
    account_email: str | None = None,
    user: User | None = None,
) -> Erased:
    """Take `name` out of every item of this node, re-publish them, delete the account."""
    if user is not None and not user.is_admin:
        raise NotAllowed(str(_l("Only admins can erase a person.")))
    name = " ".join((name or "").split())
    if len(name) < 2 or len(name) > 200 or not name.isprintable():
        raise ServiceError(str(_l("Give the person's name as it appears in the items.")))
    if replace_with and (len(replace_with) > 200 or not replace_with.isprintable()):
        raise ServiceError(str(_l("The replacement is at most 200 printable characters.")))
    scrubber = Scrubber(name, replace_with)
    accounts = _accounts(scrubber, account_email)
    if user is not None and any(account.id == user.id for account in accounts):
        raise ServiceError(str(_l("You cannot erase your own account.")))
    changed = published = 0
    for item_id in _mentioning(scrubber):
        item = db.session.get(Item, item_id)
        obj = item.to_object()
        cleaned = scrubber.item(obj)
        descriptions = [a for a in item.attachments if scrubber.found_in(a.description or "")]
        for attachment in descriptions:
            attachment.description = scrubber.text(attachment.description)
        if cleaned == obj and not descriptions:
            continue
        was_published = item.is_published
        update_item(item, cleaned)  # an Update to followers when published
        changed += 1
        published += was_published
        _scrub_outbox(item.id, scrubber)
    removed = bool(accounts)
    for account in accounts:
        _remove_account(account)
    audit.record(
        "author.erase",
        detail={
            "items_changed": changed,
            "published_again": published,
            "account_removed": removed,
        },
        who=user,
    )
    db.session.commit()
    return Erased(changed, published, removed)


def _mentioning(scrubber: Scrubber) -> list[int]:
    """This node's items whose content names the person: their columns read a batch at a
    time and searched here (a LIKE cannot see through JSON escapes and spacing)."""
    local = select(Actor.id).where(Actor.is_local.is_(True)).scalar_subquery()
    columns = [getattr(Item, name) for name in _SEARCHED]
    query = (
        select(Item.id, *columns)
        .where(Item.actor_id == local)
        .order_by(Item.id)
        .execution_options(yield_per=500)
    )
    found = []
    for row in db.session.execute(query):
        if any(_mentions(scrubber, value) for value in row[1:]):
            found.append(row[0])
    attachments = (
        select(Attachment.item_id, Attachment.description).join(Item).where(Item.actor_id == local)
    )
    for item_id, description in db.session.execute(attachments):
        if item_id not in found and scrubber.found_in(description or ""):
            found.append(item_id)
    return sorted(found)


def _mentions(scrubber: Scrubber, value: Any) -> bool:
    if isinstance(value, str):
        return scrubber.found_in(value)
    if isinstance(value, dict):
        return any(_mentions(scrubber, v) for v in value.values())
    if isinstance(value, list):
        return any(_mentions(scrubber, v) for v in value)
    return False


def _scrub_outbox(item_id: int, scrubber: Scrubber) -> None:
    """The activities already published about the item lose the name too."""
    for row in db.session.scalars(select(OutboxActivity).where(OutboxActivity.item_id == item_id)):
        cleaned = scrubber.json(row.raw)
        if cleaned != row.raw:
            row.raw = cleaned


def _accounts(scrubber: Scrubber, email: str | None) -> list[User]:
    """The member accounts of the person: by display name, and the one given by email."""
    found = [
        account
        for account in db.session.scalars(select(User).where(User.display_name != ""))
        if scrubber.pattern.fullmatch(" ".join(account.display_name.split()))
    ]
    if email:
        account = db.session.scalar(select(User).where(User.email == email.strip().lower()))
        if account is None:
            raise ServiceError(str(_l("No account with this email.")))
        if account not in found:
            found.append(account)
    return found


def _remove_account(account: User) -> None:
    """The account goes with its tokens (cascade) and sign-in attempts; its audit entries
    keep what it did, not its email."""
    db.session.execute(delete(SigninAttempt).where(SigninAttempt.email == account.email))
    db.session.execute(
        update(AuditEntry).where(AuditEntry.who == account.email).values(who=ERASED_ACCOUNT)
    )
    db.session.delete(account)
    db.session.flush()
