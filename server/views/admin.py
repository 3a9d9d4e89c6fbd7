"""Administration: member accounts and node settings (admins only)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from server.auth import admin_required
from server.extensions import db
from server.forms.account import RoleForm, UserForm
from server.forms.admin import SettingsForm
from server.forms.choices import ROLE_LABELS
from server.models import User
from server.services import ServiceError, audit
from server.services.accounts import create_user
from server.services.node import update_settings
from server.views import admin_import, admin_invitations, admin_taxonomy

bp = Blueprint("admin", __name__, url_prefix="/admin")
admin_taxonomy.add_routes(bp)  # the thesaurus and territories, on this same blueprint
admin_invitations.add_routes(bp)  # invitations, approvals, password links
admin_import.add_routes(bp)  # imports of existing resource centres


@bp.get("/")
@admin_required
def index():
    """List what admins can manage."""
    return render_template("admin/index.html")


def _accounts_page(
    form: UserForm | None = None, status: int = 200, error: str = "", **extra: object
):
    users = db.session.scalars(select(User).order_by(User.email)).all()
    return render_template(
        "admin/accounts.html",
        users=users,
        form=form or UserForm(formdata=None).setup(),
        role_form=RoleForm(formdata=None).setup(),
        error=error,
        **admin_invitations.page_parts(**extra),
    ), status


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.get("/accounts")
@admin_required
def accounts():
    """List member accounts, with a form to add one."""
    return _accounts_page()


@bp.post("/accounts")
@admin_required
def create_account():
    """Create a member account with a role."""
    form = UserForm().setup()
    if form.validate():
        try:
            user = create_user(
                form.email.data, form.role.data, form.password.data, form.display_name.data or ""
            )
            audit.record("account.create", target=user.email, detail={"role": user.role})
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            form.show_errors(exc.errors or {"email": str(exc)})
        else:
            flash(_("Account created for %(email)s.", email=user.email), "success")
            return redirect(url_for("admin.accounts"), 303)
    return _accounts_page(form, 422)


@bp.post("/accounts/<int:user_id>/role")
@admin_required
def change_role(user_id: int):
    """Give a member another role (never one's own: an admin cannot lock themselves out)."""
    user = _user_or_404(user_id)
    form = RoleForm().setup()
    if not form.validate():
        return _accounts_page(status=422, error=_("Choose a role from the list."))
    if user.id == current_user.id:
        return _accounts_page(status=422, error=_("You cannot change your own role."))
    if user.role != form.role.data:
        audit.record(
            "account.role", target=user.email, detail={"from": user.role, "to": form.role.data}
        )
    user.role = form.role.data
    db.session.commit()
    role = str(ROLE_LABELS[user.role])
    flash(_("%(email)s is now: %(role)s.", email=user.email, role=role), "success")
    return redirect(url_for("admin.accounts"), 303)


@bp.post("/accounts/<int:user_id>/deactivate")
@admin_required
def deactivate(user_id: int):
    """Stop a member from signing in, keeping what they wrote."""
    user = _user_or_404(user_id)
    if user.id == current_user.id:
        return _accounts_page(status=422, error=_("You cannot deactivate your own account."))
    if user.active:
        audit.record("account.deactivate", target=user.email)
    user.active = False
    db.session.commit()
    flash(_("The account of %(email)s is deactivated.", email=user.email), "success")
    return redirect(url_for("admin.accounts"), 303)


@bp.post("/accounts/<int:user_id>/activate")
@admin_required
def activate(user_id: int):
    """Let a deactivated member sign in again."""
    user = _user_or_404(user_id)
    if not user.active:
        audit.record("account.activate", target=user.email)
    user.active = True
    db.session.commit()
    flash(_("The account of %(email)s is active again.", email=user.email), "success")
    return redirect(url_for("admin.accounts"), 303)


@bp.route("/settings", methods=["GET", "POST"])
@admin_required
def settings():
    """Change the node's name, description, default licence and languages."""
    form = SettingsForm.build()
    status = 200
    if form.is_submitted():
        status = 422
        if form.validate():
            try:
                update_settings(form.to_input(), current_user)
                db.session.commit()
            except ServiceError as exc:
                db.session.rollback()
                form.add_errors(exc.errors, str(exc))
            else:
                flash(_("Settings saved."), "success")
                return redirect(url_for("admin.settings"), 303)
    return render_template("admin/settings.html", form=form), status
