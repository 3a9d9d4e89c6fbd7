"""The node itself: its actor and keys, its settings, first-run initialisation."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import current_app
from flask_babel import lazy_gettext as _l

from server.extensions import db
from server.models import Actor, NodeSettings, User
from server.services import NotAllowed, ServiceError
from server.services.validation import check_langmap, check_language, check_url, clean_langmap
from vocab.terms import LICENSES


def generate_key_pair() -> tuple[str, str]:
    """Return a new RSA-2048 key pair as (private PEM, public PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def ensure_node_actor() -> Actor:
    """Create this node's Organization actor and keys once; keep URLs in step with settings."""
    settings = current_app.config["SETTINGS"]
    base = settings.base_url
    actor = Actor.local()
    if actor is None:
        private, public = generate_key_pair()
        actor = Actor(
            is_local=True, kind="Organization", private_key_pem=private, public_key_pem=public
        )
        db.session.add(actor)
    actor.iri = f"{base}/actor"
    actor.origin = base
    actor.handle = settings.node_handle
    actor.url = f"{base}/"
    actor.inbox = f"{base}/actor/inbox"
    actor.outbox = f"{base}/actor/outbox"
    actor.shared_inbox = f"{base}/inbox"
    actor.followers_url = f"{base}/actor/followers"
    actor.following_url = f"{base}/actor/following"
    actor.public_key_id = f"{base}/actor#main-key"
    node = NodeSettings.get()
    if not node.name or (settings.node_name and node.name != settings.node_name):
        node.name = settings.node_name or settings.host
    actor.name = node.name
    actor.summary = dict(node.description or {})
    db.session.flush()
    return actor


def initialise_node() -> dict[str, int]:
    """Create the settings row, the node actor and the default thesaurus; idempotent."""
    from server.services.taxonomy import install_default_thesaurus

    NodeSettings.get()
    ensure_node_actor()
    added = install_default_thesaurus()
    db.session.commit()
    return {"themes_added": added}


@dataclass
class NodeSettingsInput:
    name: str
    description: dict[str, str]
    default_license: str
    languages: list[str]


def update_settings(data: NodeSettingsInput, user: User | None = None) -> NodeSettings:
    """Change the node's name, description, default licence and languages."""
    if user is not None and not user.is_admin:
        raise NotAllowed(str(_l("Only admins can change node settings.")))
    errors: dict[str, str] = {}
    name = (data.name or "").strip()
    if not name or len(name) > 200:
        errors["name"] = str(_l("Give the node a name of at most 200 characters."))
    description = clean_langmap(data.description)
    check_langmap(description, errors, "description", 4000)
    if data.default_license not in LICENSES:
        check_url(data.default_license, errors, "default_license")
    languages = [lang.strip() for lang in data.languages if lang and lang.strip()]
    if not languages:
        errors["languages"] = str(_l("Give at least one language."))
    for lang in languages:
        check_language(lang, errors, "languages")
    if errors:
        raise ServiceError(str(_l("Some fields need attention.")), errors)
    node = NodeSettings.get()
    node.name = name
    node.description = description
    node.default_license = data.default_license
    node.languages = languages
    actor = Actor.local()
    if actor is not None:
        actor.name = name
        actor.summary = description
    db.session.flush()
    return node
