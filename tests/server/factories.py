"""Content for web tests, made through the same services the forms call."""

from __future__ import annotations

from datetime import date
from typing import Any

from server.extensions import db
from server.models import Item, Territory, Theme
from server.services.items import ItemInput, create_item, publish_item, withdraw_item
from server.services.taxonomy import TerritoryInput, ThemeInput, save_territory, save_theme

PATHS = {"experience": "experiences", "principle": "principles", "resource": "resources"}


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
    """Create an item of `kind` with the given fields and status; return its path."""
    titles = title if isinstance(title, dict) else {"fr": title}
    with app.app_context():
        if "themes" in fields:
            fields["theme_ids"] = [Theme.by_slug(s).id for s in fields.pop("themes")]
        if "territories" in fields:
            fields["territory_ids"] = [Territory.by_slug(s).id for s in fields.pop("territories")]
        if "derived_from" in fields:
            fields["derived_from_ids"] = [
                Item.by_slug("experience", s.rsplit("/", 1)[-1]).id
                for s in fields.pop("derived_from")
            ]
        item = create_item(kind, ItemInput(title=titles, language=next(iter(titles)), **fields))
        if status in {"published", "withdrawn"}:
            publish_item(item)
        if status == "withdrawn":
            withdraw_item(item)
        db.session.commit()
        return f"/{PATHS[kind]}/{item.slug}"


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
        body={"fr": "Le **récit** commun.", "en": "The shared **story**."},
        authors=["Fabrique des transitions"],
        organisations=["Ville de Loos-en-Gohelle", "CERDD"],
        circumstances={"fr": "Un maire présent depuis longtemps.", "en": "A long-serving mayor."},
        lessons={"fr": "La participation se construit.", "en": "Participation is built."},
        limits={"fr": "Le récit ne suffit pas.", "en": "A story is not enough."},
        period_start=date(2001, 3, 1),
        period_end=date(2020, 6, 30),
        links=[{"href": "https://example.org/loos", "name": "Site de la ville"}],
        themes=[energy],
        territories=[town],
    )
