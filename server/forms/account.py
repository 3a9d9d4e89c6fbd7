"""Signing in, and the accounts admins manage."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional

from server.forms import choices
from server.forms.base import CleanForm
from server.forms.fields import ChoiceField

REQUIRED = _l("This field is required.")


class SigninForm(CleanForm):
    email = EmailField(
        _l("Email address"),
        validators=[
            DataRequired(REQUIRED),
            Length(max=254, message=_l("This email address is not valid.")),
        ],
        render_kw={"autocomplete": "username", "maxlength": 254},
    )
    password = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(REQUIRED),
            Length(max=1000, message=_l("This password is too long.")),
        ],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Stay signed in on this device"))


class UserForm(CleanForm):
    """A new member account."""

    email = EmailField(
        _l("Email address"),
        validators=[
            DataRequired(REQUIRED),
            Length(max=254, message=_l("This email address is not valid.")),
        ],
        render_kw={"autocomplete": "off", "maxlength": 254},
    )
    display_name = StringField(
        _l("Display name"),
        validators=[
            Optional(),
            Length(max=120, message=_l("This text is too long (at most %(n)s characters).", n=120)),
        ],
        render_kw={"maxlength": 120},
    )
    role = ChoiceField(_l("Role"))
    password = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(REQUIRED),
            Length(max=1000, message=_l("This password is too long.")),
        ],
        description=_l("At least %(n)s characters. Give it to the person by a safe channel.", n=10),
        render_kw={"autocomplete": "new-password"},
    )

    def setup(self) -> UserForm:
        self.role.choices = choices.role_choices()
        if not self.is_submitted():
            self.role.data = "editor"
        return self


class RoleForm(CleanForm):
    """Change one member's role."""

    role = ChoiceField(_l("Role"))

    def setup(self) -> RoleForm:
        self.role.choices = choices.role_choices()
        return self
