"""Becoming a member: sign up, confirm the address, accept an invitation, reset a password.

The links mailed to people open a page with a button or a form; only the POST acts, so
that mail scanners opening links use nothing up.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user

from server.extensions import db
from server.forms.account import (
    AcceptInvitationForm,
    ConfirmForm,
    EmailForm,
    NewPasswordForm,
    SignupForm,
)
from server.services import ServiceError, accounts
from server.services.links import LinkError, read_token

bp = Blueprint("membership", __name__)


def _mail_request(form, request_mail) -> tuple[int, dict[str, str]]:
    """Run a request that mails a link (sign-up, reset): commit and answer 303, or roll back
    and show why (429 with Retry-After when throttled, 422 for bad input)."""
    try:
        request_mail()
    except accounts.Throttled as exc:
        db.session.rollback()
        form.form_errors.append(str(exc))
        return 429, {"Retry-After": str(exc.retry_after)}
    except ServiceError as exc:
        db.session.rollback()
        form.show_errors(exc.errors or {"": str(exc)})
        return 422, {}
    db.session.commit()
    return 303, {}


def _address() -> str:
    return request.remote_addr or "unknown"


def _link_problem(exc: LinkError):
    db.session.rollback()
    return render_template("account/link_problem.html", message=str(exc)), 400


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    """Ask for an account, when the node takes sign-ups."""
    settings = current_app.config["SETTINGS"]
    if not accounts.signup_open():
        return render_template(
            "account/signup_closed.html",
            mode=settings.signup,
            sends_mail=settings.sends_mail,
        ), 403
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("me.settings"))
    form = SignupForm().setup(str(get_locale()))
    status, headers = 200, {}
    if form.is_submitted():
        status = 422
        if form.validate():
            status, headers = _mail_request(
                form,
                lambda: accounts.sign_up(
                    form.email.data,
                    form.display_name.data or "",
                    form.password.data,
                    form.language.data,
                    _address(),
                ),
            )
            if status == 303:
                return redirect(url_for("membership.check_mail", why="signup"), 303)
    return (
        render_template("account/signup.html", form=form, approval=settings.signup == "approval"),
        status,
        headers,
    )


@bp.get("/check-your-mail")
def check_mail():
    """The same answer whatever the address: a mail is on its way if there is reason."""
    why = request.args.get("why")
    return render_template("account/check_mail.html", why=why if why == "reset" else "signup")


@bp.route("/signup/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    """Confirm an address from the link mailed at sign-up."""
    try:
        user = read_token(token, "confirm")
    except LinkError as exc:
        return _link_problem(exc)
    form = ConfirmForm()
    if not form.is_submitted():
        return render_template("account/confirm.html", form=form, user=user)
    if not form.validate():
        return render_template("account/confirm.html", form=form, user=user), 422
    try:
        user = accounts.confirm_address(token)
    except LinkError as exc:
        return _link_problem(exc)
    db.session.commit()
    if user.is_active:
        login_user(user)
        flash(_("Your address is confirmed. Welcome!"), "success")
        return redirect(url_for("me.settings"), 303)
    flash(
        _("Your address is confirmed. An admin will look at your sign-up; we will mail you."),
        "success",
    )
    return redirect(url_for("pages.home"), 303)


@bp.route("/reset", methods=["GET", "POST"])
def reset():
    """Ask for a link to choose a new password."""
    sends_mail = current_app.config["SETTINGS"].sends_mail
    form = EmailForm()
    status, headers = 200, {}
    if sends_mail and form.is_submitted():
        status = 422
        if form.validate():
            status, headers = _mail_request(
                form, lambda: accounts.request_reset(form.email.data, _address())
            )
            if status == 303:
                return redirect(url_for("membership.check_mail", why="reset"), 303)
    elif form.is_submitted():
        status = 503
    return (
        render_template("account/reset.html", form=form, sends_mail=sends_mail),
        status,
        headers,
    )


@bp.route("/reset/<token>", methods=["GET", "POST"])
def choose_password(token: str):
    """Choose a new password from the link mailed by /reset."""
    try:
        read_token(token, "reset")
    except LinkError as exc:
        return _link_problem(exc)
    form = NewPasswordForm()
    status = 200
    if form.is_submitted():
        status = 422
        if form.validate():
            try:
                accounts.reset_password(token, form.password.data)
            except LinkError as exc:
                return _link_problem(exc)
            except ServiceError as exc:
                db.session.rollback()
                form.show_errors(exc.errors or {"": str(exc)})
            else:
                db.session.commit()
                flash(_("Your new password is set. Sign in with it."), "success")
                return redirect(url_for("auth.signin"), 303)
    return render_template("account/choose_password.html", form=form), status


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """The invited person chooses their password and starts."""
    try:
        user = read_token(token, "invite")
    except LinkError as exc:
        return _link_problem(exc)
    form = AcceptInvitationForm(
        data=None if request.method == "POST" else {"display_name": user.display_name}
    ).setup(str(get_locale()))
    status = 200
    if form.is_submitted():
        status = 422
        if form.validate():
            try:
                user = accounts.accept_invitation(
                    token, form.password.data, form.display_name.data or "", form.language.data
                )
            except LinkError as exc:
                return _link_problem(exc)
            except ServiceError as exc:
                db.session.rollback()
                form.show_errors(exc.errors or {"": str(exc)})
            else:
                db.session.commit()
                login_user(user)
                flash(_("Welcome! Your account is ready."), "success")
                return redirect(url_for("me.settings"), 303)
    return render_template("account/invitation.html", form=form, user=user), status
