"""Administration of who comes in: invitations by mail, approval of sign-ups, and links
to choose a new password (shown to the admin when the node cannot send mail)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, url_for
from flask_babel import gettext as _

from server.auth import admin_required
from server.extensions import db
from server.forms.account import ConfirmForm, InviteForm
from server.models import AccountState, User
from server.services import ServiceError, accounts


def page_parts(invite_form: InviteForm | None = None, link: str = "", link_for: str = "") -> dict:
    """What the accounts page shows besides the list: the invitation form, and a link the
    admin must hand over themselves when there is no mail server."""
    return {
        "invite_form": invite_form or InviteForm(formdata=None, prefix="invite").setup(),
        "sends_mail": current_app.config["SETTINGS"].sends_mail,
        "signup_mode": current_app.config["SETTINGS"].signup,
        "handover_link": link,
        "handover_for": link_for,
        "AccountState": AccountState,
    }


def _accounts_page(**kwargs: object):
    from server.views.admin import _accounts_page as page  # admin.py adds these routes

    return page(**kwargs)


def _user_or_404(user_id: int) -> User:
    from server.views.admin import _user_or_404 as find

    return find(user_id)


def add_routes(bp: Blueprint) -> None:
    @bp.post("/accounts/invite")
    @admin_required
    def invite():
        """Invite an address with a role; the mail carries the link (or the page shows it)."""
        form = InviteForm(prefix="invite").setup()
        if form.validate():
            try:
                user, link, mailed = accounts.invite(
                    form.email.data, form.role.data, form.display_name.data or ""
                )
            except ServiceError as exc:
                db.session.rollback()
                form.show_errors(exc.errors or {"email": str(exc)})
            else:
                db.session.commit()
                if mailed:
                    flash(_("Invitation sent to %(email)s.", email=user.email), "success")
                    return redirect(url_for("admin.accounts"), 303)
                return _accounts_page(link=link, link_for=user.email)
        return _accounts_page(status=422, invite_form=form)

    @bp.post("/accounts/<int:user_id>/approve")
    @admin_required
    def approve(user_id: int):
        """Let a confirmed sign-up in."""
        user = _user_or_404(user_id)
        if not ConfirmForm().validate():
            return _accounts_page(status=422)
        if user.state != AccountState.AWAITING_APPROVAL:
            return _accounts_page(status=409, error=_("This account does not await approval."))
        accounts.approve(user)
        db.session.commit()
        flash(_("%(email)s can now sign in.", email=user.email), "success")
        return redirect(url_for("admin.accounts"), 303)

    @bp.post("/accounts/<int:user_id>/reset-link")
    @admin_required
    def reset_link(user_id: int):
        """Make a link for a member to choose a new password: mailed, or shown here."""
        user: User = _user_or_404(user_id)
        if not ConfirmForm().validate():
            return _accounts_page(status=422)
        try:
            link, mailed = accounts.password_link(user)
        except ServiceError as exc:
            return _accounts_page(status=409, error=str(exc))
        db.session.commit()
        if mailed:
            flash(_("A password link is on its way to %(email)s.", email=user.email), "success")
            return redirect(url_for("admin.accounts"), 303)
        return _accounts_page(link=link, link_for=user.email)
