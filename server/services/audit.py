"""The audit log's one entry point: `record(action, target=..., detail=...)`.

Call it in the transaction of the action it records, before that transaction commits, so
that the action and its entry are kept (or rolled back) together:

    from server.services import audit

    audit.record("key.rotate", target=actor.iri, detail={"actors": 3})
    db.session.commit()

`who` is worked out when not given: the signed-in member in a request (their email), "cli"
in a `commons` command, "system" otherwise (the worker). Pass a `User` (a service's `user`
argument) or a string to say it yourself. `detail` is a small JSON object: never put a
secret or an erased person's name in it.

The actions recorded today (dotted, the subject first):

    account.create, account.role, account.deactivate, account.activate,
    account.invite, account.approve
    domain.block, domain.allow, domain.unblock, domain.unallow
    follow.request, follow.undo, follow.accept, follow.reject
    item.hide, item.show, item.withdraw
    report.resolve, report.send
    author.erase
    key.rotate (services/keys.py), data.import (importer/run.py),
    data.backup, data.restore, data.migrate (backup/commands.py)
"""

from __future__ import annotations

from typing import Any

import click
from flask import has_request_context
from flask_login import current_user

from server.models import AuditEntry, User
from server.models.audit import CLI, SYSTEM


def current_who() -> str:
    """Who is acting now: the signed-in member, "cli" in a command, or "system"."""
    if has_request_context() and current_user.is_authenticated:
        return current_user.email
    if click.get_current_context(silent=True) is not None:
        return CLI
    return SYSTEM


def who_of(user: User | str | None) -> str:
    """The `who` of an entry for a service's `user` argument (None: as `current_who`)."""
    if isinstance(user, User):
        return user.email
    if isinstance(user, str) and user:
        return user
    return current_who()


def record(
    action: str,
    *,
    target: str = "",
    detail: dict[str, Any] | None = None,
    who: User | str | None = None,
) -> AuditEntry:
    """Add an entry for `action` to the current transaction; the caller commits."""
    return AuditEntry.add(action, who_of(who), target, detail)
