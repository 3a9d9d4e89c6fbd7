"""Content for web tests, made through the same services the forms call."""

from __future__ import annotations

from datetime import date
from typing import Any

from server.extensions import db
from server.models import Item, Territory, Theme
from server.services.items import create_item, publish_item, withdraw_item
from server.services.taxonomy import TerritoryInput, ThemeInput, save_territory, save_theme
from vocab import kinds, objects


def make_territory(app, name: str, **fields: Any) -> str:
    """Create a territory and return its slug."""
    with app.app_context():
        territory = save_territory(TerritoryInput(name={"fr": name, "en": name}, **fields))
        db.session.commit()
        return territory.slug


def make_theme(app, fr: str, en: str, **fields: Any) -> str:
    """Create a thesaurus concept and return its slug."""
    with app.app_context():
        theme = save_theme(ThemeInput(pref_label={"fr": fr, "en": en}, **fields))
        db.session.commit()
        return theme.slug


def ids(app, model, slugs: list[str]) -> list[int]:
    with app.app_context():
        return [model.by_slug(slug).id for slug in slugs]


def make_item(
    app, kind: str, title: str | dict[str, str], status: str = "published", **fields: Any
) -> str:
    """Create an item of `kind` with the given fields (the typed object's) and status.

    References are given by slug (themes, territories) or path (derived_from). Return the
    item's path.
    """
    titles = title if isinstance(title, dict) else {"fr": title}
    with app.app_context():
        if "themes" in fields:
            fields["themes"] = [objects.Ref(Theme.by_slug(s).iri) for s in fields["themes"]]
        if "territories" in fields:
            fields["territories"] = [
                objects.Ref(Territory.by_slug(s).iri) for s in fields["territories"]
            ]
        if "derived_from" in fields:
            fields["derived_from"] = [
                objects.Ref(Item.by_slug("experience", s.rsplit("/", 1)[-1]).iri)
                for s in fields["derived_from"]
            ]
        obj = kinds.by_name(kind).cls(
            id="", attributed_to="", name=titles, language=next(iter(titles)), license="", **fields
        )
        item = create_item(obj)
        if status in {"published", "withdrawn"}:
            publish_item(item)
        if status == "withdrawn":
            withdraw_item(item)
        db.session.commit()
        return f"/{kinds.by_name(kind).path}/{item.slug}"


def full_experience(app) -> str:
    """Create a published experience with every field filled in; return its path."""
    region = make_territory(app, "Hauts-de-France", kind="region", code="32")
    with app.app_context():
        region_id = Territory.by_slug(region).id
    town = make_territory(
        app,
        "Loos-en-Gohelle",
        kind="commune",
        code="62528",
        latitude=50.4578,
        longitude=2.7936,
        parent_id=region_id,
    )
    energy = make_theme(app, "Énergie citoyenne", "Citizen energy")
    return make_item(
        app,
        "experience",
        {"fr": "Mettre en récit une trajectoire", "en": "Telling a trajectory"},
        summary={"fr": "Une ville minière change de cap.", "en": "A mining town changes course."},
        source={"fr": "Le **récit** commun.", "en": "The shared **story**."},
        authors=["Fabrique des transitions"],
        organisations=["Ville de Loos-en-Gohelle", "CERDD"],
        circumstances={"fr": "Un maire présent depuis longtemps.", "en": "A long-serving mayor."},
        lessons={"fr": "La participation se construit.", "en": "Participation is built."},
        limits={"fr": "Le récit ne suffit pas.", "en": "A story is not enough."},
        period_start=date(2001, 3, 1),
        period_end=date(2020, 6, 30),
        links=[objects.Link("https://example.org/loos", "Site de la ville")],
        themes=[energy],
        territories=[town],
    )
