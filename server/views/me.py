"""A member's own account: name, language, digest, password, and leaving."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from server.extensions import db
from server.forms.account import ChangePasswordForm, DeleteAccountForm, PreferencesForm
from server.services import ServiceError, accounts

bp = Blueprint("me", __name__, url_prefix="/me")


def _page(preferences=None, password=None, delete=None, status: int = 200):
    user = current_user
    if preferences is None:
        preferences = PreferencesForm(
            formdata=None,
            data={
                "display_name": user.display_name,
                "language": user.locale or "",
                "digest": user.digest,
            },
        ).setup()
    return render_template(
        "account/me.html",
        preferences=preferences,
        password=password or ChangePasswordForm(formdata=None),
        delete=delete or DeleteAccountForm(formdata=None),
    ), status


@bp.get("")
@login_required
def settings():
    """The member's settings page."""
    return _page()


@bp.post("/preferences")
@login_required
def preferences():
    form = PreferencesForm().setup()
    if not form.validate():
        return _page(preferences=form, status=422)
    try:
        accounts.update_preferences(
            current_user, form.display_name.data or "", form.language.data, form.digest.data
        )
    except ServiceError as exc:
        db.session.rollback()
        form.show_errors(exc.errors or {"": str(exc)})
        return _page(preferences=form, status=422)
    db.session.commit()
    if current_user.locale:
        session["lang"] = current_user.locale
    flash(_("Your settings are saved."), "success")
    return redirect(url_for("me.settings"), 303)


@bp.post("/password")
@login_required
def password():
    form = ChangePasswordForm()
    if not form.validate():
        return _page(password=form, status=422)
    user = current_user._get_current_object()
    try:
        accounts.change_password(user, form.current_password.data, form.new_password.data)
    except ServiceError as exc:
        db.session.rollback()
        form.show_errors(exc.errors or {"": str(exc)})
        return _page(password=form, status=422)
    db.session.commit()
    login_user(user)  # this session goes on; the others end with the old password
    flash(_("Your password is changed. Your other sessions are signed out."), "success")
    return redirect(url_for("me.settings"), 303)


@bp.post("/delete")
@login_required
def delete():
    form = DeleteAccountForm()
    if not form.validate():
        return _page(delete=form, status=422)
    try:
        accounts.delete_account(current_user._get_current_object(), form.password.data)
    except ServiceError as exc:
        db.session.rollback()
        form.show_errors(exc.errors or {"": str(exc)})
        return _page(delete=form, status=422)
    db.session.commit()
    logout_user()
    flash(_("Your account is deleted. What you published stays."), "success")
    return redirect(url_for("pages.home"), 303)
