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


def _email_field(autocomplete: str = "email") -> EmailField:
    return EmailField(
        _l("Email address"),
        validators=[
            DataRequired(REQUIRED),
            Length(max=254, message=_l("This email address is not valid.")),
        ],
        render_kw={"autocomplete": autocomplete, "maxlength": 254},
    )


def _name_field() -> StringField:
    return StringField(
        _l("Display name"),
        validators=[
            Optional(),
            Length(max=120, message=_l("This text is too long (at most %(n)s characters).", n=120)),
        ],
        description=_l("Shown to other members; your address is not."),
        render_kw={"maxlength": 120, "autocomplete": "nickname"},
    )


def _new_password_field(label=None) -> PasswordField:
    return PasswordField(
        label or _l("Password"),
        validators=[
            DataRequired(REQUIRED),
            Length(max=1000, message=_l("This password is too long.")),
        ],
        description=_l("At least %(n)s characters.", n=10),
        render_kw={"autocomplete": "new-password"},
    )


def _language_field() -> ChoiceField:
    return ChoiceField(_l("Language of the pages and of the mail we send you"))


def _language_choices() -> list[tuple[str, str]]:
    return [("fr", "Français"), ("en", "English")]


class SignupForm(CleanForm):
    """A visitor asks for an account."""

    email = _email_field()
    display_name = _name_field()
    password = _new_password_field()
    language = _language_field()

    def setup(self, current: str) -> SignupForm:
        self.language.choices = _language_choices()
        if not self.is_submitted():
            self.language.data = current
        return self


class EmailForm(CleanForm):
    """An address to send a password link to."""

    email = _email_field("username")


class ConfirmForm(CleanForm):
    """A button: following a link in a mail only shows it, so that mail scanners opening
    links do not confirm or use anything."""


class NewPasswordForm(CleanForm):
    password = _new_password_field(_l("New password"))


class AcceptInvitationForm(CleanForm):
    display_name = _name_field()
    password = _new_password_field()
    language = _language_field()

    def setup(self, current: str) -> AcceptInvitationForm:
        self.language.choices = _language_choices()
        if not self.is_submitted():
            self.language.data = current
        return self


class InviteForm(CleanForm):
    """An admin invites an address with a role."""

    email = _email_field("off")
    display_name = _name_field()
    role = ChoiceField(_l("Role"))

    def setup(self) -> InviteForm:
        self.role.choices = choices.role_choices()
        if not self.is_submitted():
            self.role.data = "reader"
        return self


class PreferencesForm(CleanForm):
    display_name = _name_field()
    language = _language_field()
    digest = ChoiceField(
        _l("News of what I follow by mail"),
        description=_l("A summary of what is new in the feeds you follow."),
    )

    def setup(self) -> PreferencesForm:
        self.language.choices = _language_choices()
        self.digest.choices = [
            ("never", str(_l("Never"))),
            ("daily", str(_l("Every day"))),
            ("weekly", str(_l("Every week"))),
        ]
        return self


class ChangePasswordForm(CleanForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[
            DataRequired(REQUIRED),
            Length(max=1000, message=_l("This password is too long.")),
        ],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = _new_password_field(_l("New password"))


class DeleteAccountForm(CleanForm):
    password = PasswordField(
        _l("Your password, to confirm"),
        validators=[
            DataRequired(REQUIRED),
            Length(max=1000, message=_l("This password is too long.")),
        ],
        render_kw={"autocomplete": "current-password"},
    )
