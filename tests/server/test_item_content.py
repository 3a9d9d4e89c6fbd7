"""Item.apply(obj) and Item.to_object() are each other's inverse, for every kind."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import date
from typing import Any, get_type_hints

import pytest
from sqlalchemy import select

from server.extensions import db
from server.models import Item, Territory, Theme
from server.models.item import CONTENT
from server.services.items import create_item, publish_item
from tests.server.factories import make_item, make_territory, make_theme
from vocab import kinds, objects

KINDS = pytest.mark.parametrize("kind", kinds.KINDS, ids=lambda kind: kind.name)
# An item's identity and lifecycle, which it does not take from an object; every other
# field of the dataclass is content that must survive apply() and to_object().
LIFECYCLE = {"id", "attributed_to", "attachments", "published", "updated"}
MIRRORS = {"derived_from_original", "generated_at"}
PROVENANCE = {"imported_from"}  # set by an import, not by content (Item.imported_from)
# Values the services would refuse or change if generated from the field's type alone.
FIXED: dict[str, Any] = {
    "language": "en",
    "license": "https://creativecommons.org/licenses/by/4.0/",
    "resource_type": "report",
    "period_start": date(2019, 4, 1),
    "period_end": date(2021, 9, 30),
    "content": {"fr": "<p>Le <strong>contenu</strong></p>", "en": "<p>The content</p>"},
}


def _sample(name: str, hint: Any) -> Any:
    """Return a value that is not the field's default, from its type."""
    if name in FIXED:
        return FIXED[name]
    if hint == dict[str, str]:
        return {"fr": f"{name} en français", "en": f"{name} in English"}
    if hint == list[str]:
        return [f"{name} one", f"{name} two"]
    if hint == list[objects.Link]:
        return [objects.Link(f"https://example.org/{name}", "A page"), objects.Link("https://a.eu")]
    if hint is bool:
        return False
    if hint == date | None:
        return date(2020, 1, 31)
    if hint in (str, str | None):
        return f"https://example.org/{name}"
    raise AssertionError(f"no sample for {name}: {hint}")


def _references(app) -> dict[str, list[objects.Ref]]:
    """Refs, with the labels to_object() gives, to a theme, a territory and an experience."""
    theme = make_theme(app, "Énergie", "Energy")
    territory = make_territory(app, "Loos-en-Gohelle")
    experience = make_item(app, "experience", {"fr": "Source", "en": "Source"})
    with app.app_context():
        theme_row, place = Theme.by_slug(theme), Territory.by_slug(territory)
        source = Item.by_slug("experience", experience.rsplit("/", 1)[-1])
        return {
            "themes": [objects.Ref(theme_row.iri, dict(theme_row.pref_label))],
            "territories": [objects.Ref(place.iri, dict(place.name))],
            "derived_from": [objects.Ref(source.iri, dict(source.title))],
        }


def full_object(kind: kinds.Kind, base: objects.Item, refs: dict[str, list[objects.Ref]]):
    """Return `base` with every content field and reference of its kind filled in."""
    hints = get_type_hints(kind.cls)
    names = {f.name for f in fields(kind.cls)} - LIFECYCLE - MIRRORS - PROVENANCE
    content = {name: _sample(name, hints[name]) for name in names - set(refs)}
    return replace(base, **content, **{k: v for k, v in refs.items() if k in names})


def snapshot(item: Item) -> dict[str, Any]:
    """Every column of the item and the ids of every reference."""
    values = {c.key: getattr(item, c.key) for c in Item.__table__.columns}
    for name in ("themes", "territories", "derived_from", "attachments"):
        values[name] = sorted(row.id for row in getattr(item, name))
    return values


def _new_item(kind: kinds.Kind) -> Item:
    obj = kind.cls(id="", attributed_to="", name={"fr": "Vide"}, language="fr", license="")
    item = publish_item(create_item(obj))
    db.session.commit()
    return item


@KINDS
def test_to_object_after_apply_gives_the_object_back(node, kind):
    """Given a local item, when it applies an object with every field filled in, then
    to_object() gives that very object back."""
    refs = _references(node)
    with node.app_context():
        item = _new_item(kind)
        obj = full_object(kind, item.to_object(), refs)
        item.apply(obj)
        db.session.commit()
        item = db.session.get(Item, item.id)
        assert item.to_object() == obj


@KINDS
def test_applying_an_items_own_object_changes_nothing(node, kind):
    """Given a full item saved through the services, when it applies its own object, then
    no column and no reference changes."""
    refs = _references(node)
    with node.app_context():
        base = _new_item(kind).to_object()
        item = create_item(full_object(kind, base, refs))
        db.session.commit()
        before = snapshot(item)
        item.apply(item.to_object())
        db.session.flush()
        assert snapshot(item) == before
        db.session.commit()
        db.session.expire_all()
        assert snapshot(db.session.get(Item, item.id)) == before


@KINDS
def test_columns_of_has_every_kinds_columns(node, kind):
    """Given an object of any kind, then columns_of() has the same keys as for every other
    kind, with the values apply() stores, the other kinds' columns empty."""
    refs = _references(node)
    with node.app_context():
        item = _new_item(kind)
        obj = full_object(kind, item.to_object(), refs)
        columns = Item.columns_of(obj)
        keys = {
            k.name: set(
                Item.columns_of(k.cls(id="", attributed_to="", name={}, language="fr", license=""))
            )
            for k in kinds.KINDS
        }
        assert all(found == set(columns) for found in keys.values())
        item.apply(obj)
        own = {c.column for c in CONTENT[kind.name]}
        assert {k: v for k, v in columns.items() if k in own} == {k: getattr(item, k) for k in own}
        assert all(not v for k, v in columns.items() if k not in own)


def test_apply_sanitises_html_from_anywhere(node):
    """Given an object whose content carries a script, when applied, then the script is gone."""
    with node.app_context():
        item = _new_item(kinds.by_name("experience"))
        html = {"fr": '<p onclick="x()">Texte<script>alert(1)</script></p>'}
        item.apply(replace(item.to_object(), content=html))
        assert item.body_html == {"fr": "<p>Texte</p>"}


def test_apply_takes_resolved_references_and_drops_unknown_iris(node):
    """Given rows resolved by the caller, apply() uses them; given IRIs only, it looks them
    up and drops those this node does not know."""
    refs = _references(node)
    with node.app_context():
        item = _new_item(kinds.by_name("principle"))
        unknown = objects.Ref("https://elsewhere.example/experiences/x")
        item.apply(replace(item.to_object(), derived_from=[*refs["derived_from"], unknown]))
        assert [row.iri for row in item.derived_from] == [refs["derived_from"][0].id]
        theme = db.session.scalar(select(Theme).where(Theme.iri == refs["themes"][0].id))
        item.apply(item.to_object(), themes=[theme], derived_from=[])
        assert item.themes == [theme]
        assert item.derived_from == []


def test_apply_refuses_an_object_of_another_kind(node):
    """Given an experience, then a resource object cannot fill it."""
    with node.app_context():
        item = _new_item(kinds.by_name("experience"))
        resource = objects.Resource(id="", attributed_to="", name={}, language="fr", license="")
        with pytest.raises(ValueError, match="cannot fill"):
            item.apply(resource)


@KINDS
def test_every_kind_has_a_form_and_pages(node, kind):
    """Given a kind of the registry, then it has a form and its pages answer under its path."""
    from server.forms.items import FORMS

    assert FORMS[kind.name].kind == kind.name
    path = make_item(node, kind.name, "Une page")
    assert path.startswith(f"/{kind.path}/")
    assert node.test_client().get(path).status_code == 200
