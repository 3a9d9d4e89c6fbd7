"""Signing in and out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from server.forms.account import SigninForm
from server.services.accounts import NotYetActive, Throttled, authenticate, signup_open
from server.views.rate_limits import limited

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str:
    """Return `target` when it is a path on this node, else the home page.

    Refuses absolute and scheme-relative addresses ("//evil.example", "/\\evil.example"),
    so a link to the sign-in page cannot send people elsewhere afterwards.
    """
    home = url_for("pages.home")
    if not target or len(target) > 2000:
        return home
    target = target.strip()
    if target.endswith("?"):
        target = target[:-1]
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/"):
        return home
    if target.startswith(("//", "/\\")) or any(ord(c) < 32 for c in target):
        return home
    return target


@bp.route("/signin", methods=["GET", "POST"])
@limited("signin", methods=("POST",))
def signin():
    """Sign in with an email address and password; failures are counted and slowed."""
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(next_url)
    form = SigninForm()
    status, headers = 200, {}
    if form.is_submitted():
        status = 422
        if form.validate():
            address = request.remote_addr or "unknown"
            try:
                user = authenticate(form.email.data, form.password.data, address)
            except Throttled as exc:
                form.form_errors.append(str(exc))
                status, headers = 429, {"Retry-After": str(exc.retry_after)}
            except NotYetActive as exc:
                form.form_errors.append(str(exc))
                status = 403
            else:
                if user is not None:
                    login_user(user, remember=bool(form.remember.data))
                    if user.locale:
                        session["lang"] = user.locale
                    flash(_("You are signed in."), "success")
                    return redirect(next_url, 303)
                form.form_errors.append(_("This email address and password do not match."))
                status = 200
    return render_template("account/signin.html", form=form, signup=signup_open()), status, headers


@bp.post("/signout")
def signout():
    """Sign out and go back to the home page."""
    logout_user()
    flash(_("You are signed out."), "success")
    return redirect(url_for("pages.home"), 303)
