"""Content changes for harvest tests, made through the same services editors use."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from server.extensions import db
from server.models import Actor, Item, NodeSettings, Theme
from server.services.items import create_item, publish_item, withdraw_item
from vocab import objects
from vocab.terms import CC_BY_SA_4

REMOTE = "https://other.example"


def publish(app, title: str, **fields) -> str:
    """Publish an experience and return its IRI."""
    with app.app_context():
        themes = fields.pop("themes", [])
        fields["themes"] = [objects.Ref(Theme.by_slug(slug).iri) for slug in themes]
        obj = objects.Experience(
            id="", attributed_to="", name={"fr": title}, language="fr", license="", **fields
        )
        item = create_item(obj)
        publish_item(item)
        db.session.commit()
        return item.iri


def withdraw(app, iri: str) -> None:
    with app.app_context():
        withdraw_item(db.session.scalar(select(Item).where(Item.iri == iri)))
        db.session.commit()


def hide(app, iri: str) -> None:
    with app.app_context():
        item = db.session.scalar(select(Item).where(Item.iri == iri))
        item.hidden = True
        db.session.commit()


def store_copy(app, slug: str = "a-remote-experience") -> str:
    """Store a federated copy of another node's experience; return its address here."""
    from federation import items

    with app.app_context():
        owner = db.session.scalar(select(Actor).where(Actor.iri == f"{REMOTE}/actor"))
        if owner is None:
            owner = Actor(
                iri=f"{REMOTE}/actor",
                origin=REMOTE,
                handle="other",
                name="Other node",
                is_local=False,
            )
            db.session.add(owner)
            db.session.flush()
        original = objects.Experience(
            id=f"{REMOTE}/experiences/{slug}",
            attributed_to=owner.iri,
            name={"fr": "Une expérience d'ailleurs"},
            language="fr",
            license=CC_BY_SA_4,
            summary={"fr": "Racontée sur un autre nœud."},
            authors=["Collectif voisin"],
            published=datetime(2024, 5, 1, tzinfo=UTC),
        )
        with items.Batch() as copies:
            assert items.store_copy(copies, original, owner)
        db.session.commit()
        item = db.session.scalar(select(Item).where(Item.iri == original.id))
        return f"{app.config['SETTINGS'].base_url}/experiences/{item.slug}"


def allow_copies(app, allowed: bool = True) -> None:
    with app.app_context():
        NodeSettings.get().harvest_federated = allowed
        db.session.commit()


def demo_content() -> dict:
    """Return the content set the demo node loads (`seed_demo`'s default, the CLI's set "a").

    Expected counts come from here, the data the loader was given, so a loader that drops
    an entry makes the harvest tests fail instead of moving what they expect.
    """
    from server.demo.load import load_set

    return load_set("a")


def demo_items(kind: str | None = None) -> list[dict]:
    """Return the demo content's item entries, all kinds or those of `kind` ("experience"...)."""
    content = demo_content()
    groups = {"experience": "EXPERIENCES", "principle": "PRINCIPLES", "resource": "RESOURCES"}
    names = [groups[kind]] if kind else list(groups.values())
    return [entry for name in names for entry in content.get(name, [])]
