"""Key rotation: new key pairs for this node's actors, announced to their followers.

The key id stays `<actor>#main-key`: peers holding the old key find that it no longer
verifies, fetch the actor again (once) and accept the new key, as Mastodon, Fedify and our
own inbox (`federation.verify.verified_key`) do. The `Update` each actor sends with its
new document lets followers replace the key before that. Deliveries are signed with the key
read when they are sent (`federation.delivery.run_deliveries`), so from the commit on,
including those queued before it.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from federation import outbox
from server.extensions import db
from server.models import Actor, User
from server.services import NotAllowed, ServiceError, audit, node


def rotate_keys(user: User | None = None) -> list[Actor]:
    """Give each actor this node holds a private key for a new key pair; queue an `Update`
    of each to its followers, in one transaction; return the actors."""
    if user is not None and not user.is_admin:
        raise NotAllowed(str(_l("Only admins can rotate the node's keys.")))
    actors = list(
        db.session.scalars(
            select(Actor).where(Actor.private_key_pem.is_not(None)).order_by(Actor.id)
        )
    )
    if not actors:
        raise ServiceError(str(_l("The node is not initialised: run “commons init”.")))
    manual = current_app.config["SETTINGS"].follow_approval == "manual"
    for actor in actors:
        actor.private_key_pem, actor.public_key_pem = node.generate_key_pair()
        db.session.flush()
        outbox.actor_update(actor, actor.to_object(manually_approves=manual).to_jsonld())
        audit.record("key.rotate", target=actor.iri, who=user)
    db.session.commit()
    return actors
