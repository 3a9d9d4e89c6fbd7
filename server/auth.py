"""Who is signed in, and what their role lets them do."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, abort, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from server.extensions import db, login_manager
from server.models import User


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.signin"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"


@login_manager.user_loader
def _load_user(session_id: str) -> User | None:
    """The member of a session: its id, and a stamp of the password it was opened with
    (`User.get_id`), so a changed password or a deleted account ends it."""
    user_id, _, _stamp = str(session_id).partition(".")
    try:
        user = db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None
    if user is None or user.get_id() != session_id:
        return None
    return user


def role_required(*roles: str) -> Callable:
    """Let through only signed-in members with one of `roles`.

    Anonymous visitors are sent to sign in; a signed-in member without the role gets 403.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return redirect(url_for("auth.signin", next=request.full_path))
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


editor_required = role_required("admin", "editor")
admin_required = role_required("admin")
