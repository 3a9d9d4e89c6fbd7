"""Member accounts: create, sign up, confirm, invite, reset, sign in with throttling."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from server.extensions import db
from server.models import AccountState, SigninAttempt, User
from server.models.user import DIGESTS, ROLES
from server.services import ServiceError, audit, links, mail
from vocab.terms import UI_LANGUAGES

MIN_PASSWORD = 10


class Throttled(ServiceError):
    """Too many failed sign-ins, or mail requests, for this account or address; retry in
    `retry_after` seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class SignupClosed(ServiceError):
    """The node does not take sign-ups (or cannot send the mail they need)."""


class NotYetActive(ServiceError):
    """The password is right but the account cannot be used yet; the message says why."""


def normalise_email(email: str) -> str:
    """Return a checked, lowercased email address or raise ServiceError."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ServiceError(
            str(_l("This email address is not valid.")),
            {"email": str(_l("This email address is not valid."))},
        ) from exc


def create_user(email: str, role: str, password: str, display_name: str = "") -> User:
    """Create a member account; raise ServiceError on a bad email, role or password."""
    email = normalise_email(email)
    errors: dict[str, str] = {}
    if role not in ROLES:
        errors["role"] = str(_l("The role must be admin, editor or reader."))
    if len(password) < MIN_PASSWORD:
        errors["password"] = str(
            _l("The password needs at least %(n)s characters.", n=MIN_PASSWORD)
        )
    if len(password) > 1000:
        errors["password"] = str(_l("This password is too long."))
    if db.session.scalar(select(User).where(User.email == email)) is not None:
        errors["email"] = str(_l("An account with this email already exists."))
    if errors:
        raise ServiceError(next(iter(errors.values())), errors)
    user = User(email=email, role=role, display_name=display_name.strip()[:120])
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str, address: str) -> User | None:
    """Return the user if the credentials match; record the attempt; raise Throttled."""
    email = (email or "").strip().lower()[:254]
    if SigninAttempt.is_throttled(email, address):
        raise Throttled(
            str(_l("Too many failed attempts. Wait a few minutes and try again.")),
            SigninAttempt.retry_after(email, address),
        )
    user = db.session.scalar(select(User).where(User.email == email))
    matches = user is not None and user.active and user.check_password(password or "")
    ok = matches and user.is_active
    db.session.add(SigninAttempt(email=email, address=address, succeeded=ok))
    db.session.commit()
    if matches and not ok:  # the right password: saying why reveals nothing to anyone else
        if user.state == AccountState.AWAITING_APPROVAL:
            raise NotYetActive(str(_l("Your account awaits the approval of an admin.")))
        raise NotYetActive(
            str(_l("Confirm your address first: follow the link in the mail we sent you."))
        )
    return user if ok else None


def _check_password(password: str) -> dict[str, str]:
    if len(password) < MIN_PASSWORD:
        return {
            "password": str(_l("The password needs at least %(n)s characters.", n=MIN_PASSWORD))
        }
    if len(password) > 1000:
        return {"password": str(_l("This password is too long."))}
    return {}


def _find(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def _throttle(action: str, email: str, address: str) -> None:
    """Count a request that sends mail, refusing when there were too many lately."""
    if SigninAttempt.is_throttled(email, address, action=action):
        raise Throttled(
            str(_l("Too many requests. Wait a few minutes and try again.")),
            SigninAttempt.retry_after(email, address, action=action),
        )
    db.session.add(SigninAttempt(email=email, address=address, action=action))


def _language(locale: str | None) -> str | None:
    return locale if locale in UI_LANGUAGES else None


def signup_mode() -> str:
    return current_app.config["SETTINGS"].signup


def signup_open() -> bool:
    """Whether visitors may make an account here: the node allows it and can send mail."""
    return signup_mode() != "closed" and mail.sends_mail()


def sign_up(email: str, display_name: str, password: str, locale: str | None, address: str) -> None:
    """Start an account and mail a confirmation link; the caller commits.

    An address that already has an account gets a mail saying so instead, and the answer
    to the person signing up is the same either way: nothing here tells whether an
    address is known. Raise SignupClosed, Throttled or ServiceError (bad input).
    """
    if not signup_open():
        raise SignupClosed(str(_l("This node does not take sign-ups.")))
    email = normalise_email(email)
    errors = _check_password(password)
    if errors:
        raise ServiceError(next(iter(errors.values())), errors)
    _throttle("signup", email, address)
    locale = _language(locale)
    user = _find(email)
    hashed = User(email=email)
    hashed.set_password(password)  # hashed either way, so both answers take as long
    if user is None:
        user = User(
            email=email,
            display_name=display_name.strip()[:120],
            role="reader",
            locale=locale,
            state=AccountState.UNCONFIRMED,
            password_hash=hashed.password_hash,
        )
        db.session.add(user)
        db.session.flush()
    elif user.state == AccountState.UNCONFIRMED:
        # Signed up before and never confirmed: the latest sign-up is the one that counts
        # (its password; the earlier link stops working as the fingerprint changes).
        user.password_hash = hashed.password_hash
        user.display_name = display_name.strip()[:120] or user.display_name
        user.locale = locale or user.locale
    else:
        mail.queue(
            user.email,
            "account_exists",
            locale or user.locale,
            user=user,
            signin_url=mail.absolute_url("auth.signin"),
            reset_url=mail.absolute_url("membership.reset"),
        )
        return
    _mail_link(user, "confirm", "account_confirm")


def _mail_link(user: User, purpose: str, template: str, **context: object) -> str:
    """Queue a mail holding a one-time link for the user; return the link."""
    url = link_url(user, purpose)
    if mail.sends_mail():
        mail.queue(user.email, template, user.locale, user=user, url=url, **context)
    return url


def link_url(user: User, purpose: str) -> str:
    endpoint = {
        "confirm": "membership.confirm",
        "reset": "membership.choose_password",
        "invite": "membership.accept_invitation",
    }[purpose]
    return mail.absolute_url(endpoint, token=links.make_token(user, purpose))


def confirm_address(token: str) -> User:
    """Confirm a signed-up address from its link; the account is then active, or awaits
    an admin's approval when the node asks for it. The caller commits."""
    user = links.read_token(token, "confirm")
    if user.state != AccountState.UNCONFIRMED:
        raise links.LinkError(
            str(_l("This link has already been used, or the account has changed since."))
        )
    if signup_mode() == "open":
        user.move_to(AccountState.ACTIVE)
        return user
    user.move_to(AccountState.AWAITING_APPROVAL)
    admins = db.session.scalars(
        select(User).where(User.role == "admin", User.active.is_(True))
    ).all()
    for admin in admins:
        if admin.state == AccountState.ACTIVE:
            mail.queue(
                admin.email,
                "approval_needed",
                admin.locale,
                member=user,
                url=mail.absolute_url("admin.accounts"),
            )
    return user


def approve(user: User) -> None:
    """An admin lets a confirmed sign-up in; the member is told by mail."""
    user.move_to(AccountState.ACTIVE)
    audit.record("account.approve", target=user.email)
    if mail.sends_mail():
        mail.queue(
            user.email, "approved", user.locale, user=user, url=mail.absolute_url("auth.signin")
        )


def request_reset(email: str, address: str) -> None:
    """Mail a password link to the address if it has a usable account; the caller commits.

    The answer is the same whether or not it has one. Raise Throttled or ServiceError.
    """
    if not mail.sends_mail():
        raise ServiceError(str(_l("This node cannot send mail.")))
    email = normalise_email(email)
    _throttle("reset", email, address)
    user = _find(email)
    if user is not None and user.is_active:
        _mail_link(user, "reset", "password_reset")


def reset_password(token: str, password: str) -> User:
    """Set a new password from a reset link (which then stops working)."""
    user = links.read_token(token, "reset")
    if not user.is_active:
        raise links.LinkError(
            str(_l("This link has already been used, or the account has changed since."))
        )
    errors = _check_password(password)
    if errors:
        raise ServiceError(next(iter(errors.values())), errors)
    user.set_password(password)
    return user


def invite(email: str, role: str, display_name: str = "") -> tuple[User, str, bool]:
    """Invite an address with a role; return the account, its link and whether a mail was
    queued (without a mail server, the admin hands the link over). The caller commits.

    Inviting an address invited before sends a fresh link; one with an account is refused.
    """
    email = normalise_email(email)
    if role not in ROLES:
        raise ServiceError(
            str(_l("The role must be admin, editor or reader.")),
            {"role": str(_l("The role must be admin, editor or reader."))},
        )
    user = _find(email)
    if user is not None and user.state != AccountState.INVITED:
        message = str(_l("An account with this email already exists."))
        raise ServiceError(message, {"email": message})
    if user is None:
        user = User(email=email, role=role, state=AccountState.INVITED, password_hash="")
        db.session.add(user)
    user.role = role
    user.display_name = display_name.strip()[:120] or user.display_name
    db.session.flush()
    node = current_app.config["SETTINGS"].node_name or current_app.config["SETTINGS"].host
    url = _mail_link(user, "invite", "invitation", node=node)
    audit.record("account.invite", target=user.email, detail={"role": role})
    return user, url, mail.sends_mail()


def accept_invitation(token: str, password: str, display_name: str, locale: str | None) -> User:
    """The invited person chooses a password; the account is then active."""
    user = links.read_token(token, "invite")
    if user.state != AccountState.INVITED:
        raise links.LinkError(
            str(_l("This link has already been used, or the account has changed since."))
        )
    errors = _check_password(password)
    if errors:
        raise ServiceError(next(iter(errors.values())), errors)
    user.set_password(password)
    user.display_name = display_name.strip()[:120] or user.display_name
    user.locale = _language(locale) or user.locale
    user.move_to(AccountState.ACTIVE)
    return user


def change_password(user: User, current: str, new: str) -> None:
    """Change a member's own password; their other sessions end (see User.get_id)."""
    if not user.check_password(current or ""):
        message = str(_l("The current password is not right."))
        raise ServiceError(message, {"current_password": message})
    errors = _check_password(new)
    if errors:
        raise ServiceError(next(iter(errors.values())), {"new_password": errors["password"]})
    user.set_password(new)


def update_preferences(user: User, display_name: str, locale: str | None, digest: str) -> None:
    if digest not in DIGESTS:
        message = str(_l("Choose a frequency from the list."))
        raise ServiceError(message, {"digest": message})
    user.display_name = display_name.strip()[:120]
    user.locale = _language(locale)
    user.digest = digest


def delete_account(user: User, password: str) -> None:
    """Delete a member's own account and API tokens. Their published items stay, with
    the author names they carry; only the link to the account goes. The caller commits."""
    if not user.check_password(password or ""):
        message = str(_l("The password is not right."))
        raise ServiceError(message, {"password": message})
    if user.is_admin:
        others = db.session.scalar(
            select(func.count(User.id)).where(
                User.role == "admin", User.active.is_(True), User.id != user.id
            )
        )
        if not others:
            message = str(_l("You are the only admin: make someone else admin first."))
            raise ServiceError(message, {"password": message})
    db.session.delete(user)


def password_link(user: User) -> tuple[str, bool]:
    """An admin makes a link for a member to choose a new password; return it and whether
    it was mailed. An invited account gets a fresh invitation instead."""
    if user.state == AccountState.INVITED:
        _, url, mailed = invite(user.email, user.role)
        return url, mailed
    if not user.is_active:
        raise ServiceError(str(_l("This account is not active.")))
    return _mail_link(user, "reset", "password_reset"), mail.sends_mail()
