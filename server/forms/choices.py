"""Labels of the node's fixed lists, and the choices forms offer, in the reader's language."""

from __future__ import annotations

from babel import Locale, UnknownLocaleError
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from server.extensions import db
from server.models import Item, ItemStatus, NodeSettings, Territory, Theme, ThemeRelation
from server.models.theme import ThemeLink
from server.models.user import ROLES
from vocab.terms import LICENSES, RESOURCE_TYPES, TERRITORY_KINDS

KIND_LABELS = {
    "experience": _l("Experience"),
    "principle": _l("Guiding principle"),
    "resource": _l("Resource"),
}
KIND_PLURALS = {
    "experience": _l("Experiences"),
    "principle": _l("Guiding principles"),
    "resource": _l("Resources"),
}
# What the home page says each kind is.
KIND_DESCRIPTIONS = {
    "experience": _l("Actions told by those who led them, rooted in a territory and a period."),
    "principle": _l(
        "Conditions of success drawn from confronting experiences, for each territory to adapt."
    ),
    "resource": _l(
        "Guides, training modules, reports and videos that carry the principles to others."
    ),
}
NEW_ITEM_LABELS = {
    "experience": _l("New experience"),
    "principle": _l("New guiding principle"),
    "resource": _l("New resource"),
}
RESOURCE_TYPE_LABELS = {
    "guide": _l("Guide"),
    "training": _l("Training module"),
    "report": _l("Report"),
    "video": _l("Video"),
    "tool": _l("Tool"),
    "article": _l("Article"),
    "dataset": _l("Dataset"),
    "other": _l("Other"),
}
TERRITORY_KIND_LABELS = {
    "commune": _l("Commune"),
    "intercommunality": _l("Inter-communal body"),
    "department": _l("Department"),
    "region": _l("Region"),
    "country": _l("Country"),
    "other": _l("Other"),
}
ROLE_LABELS = {"admin": _l("Admin"), "editor": _l("Editor"), "reader": _l("Reader")}
STATUS_LABELS = {
    ItemStatus.DRAFT: _l("Draft"),
    ItemStatus.PUBLISHED: _l("Published"),
    ItemStatus.WITHDRAWN: _l("Withdrawn"),
}


def ui_locale() -> str:
    return str(get_locale() or "fr")


def language_name(tag: str, in_language: str | None = None) -> str:
    """Name a language in the interface language ("en" -> "Anglais" in French).

    With `in_language`, name it in that language instead ("fr" in "fr" -> "Français").
    """
    try:
        name = Locale.parse(tag.replace("-", "_")).get_display_name(in_language or ui_locale())
    except (ValueError, TypeError, UnknownLocaleError):
        return tag
    return (name[:1].upper() + name[1:]) if name else tag


def languages(*langmaps: dict[str, str] | None, extra: str | None = None) -> list[str]:
    """Return the node's languages, then any other language the given texts are in."""
    found = list(NodeSettings.get().languages or ["fr", "en"])
    for langmap in langmaps:
        found.extend(langmap or {})
    if extra:
        found.append(extra)
    return list(dict.fromkeys(tag for tag in found if tag))


def language_choices(tags: list[str]) -> list[tuple[str, str]]:
    return [(tag, language_name(tag)) for tag in tags]


def license_choices(current: str | None = None) -> list[tuple[str, str]]:
    choices = list(LICENSES.items())
    if current and current not in LICENSES:
        choices.append((current, current))
    return choices


def resource_type_choices() -> list[tuple[str, str]]:
    return [(key, str(RESOURCE_TYPE_LABELS.get(key, key))) for key in RESOURCE_TYPES]


def territory_kind_choices() -> list[tuple[str, str]]:
    return [(key, str(TERRITORY_KIND_LABELS.get(key, key))) for key in TERRITORY_KINDS]


def role_choices() -> list[tuple[str, str]]:
    return [(role, str(ROLE_LABELS[role])) for role in ROLES]


def _sorted(rows: list, label) -> list:
    return sorted(rows, key=lambda row: label(row).casefold())


def theme_groups(reading: list[str], exclude: int | None = None) -> list[tuple[str, list]]:
    """Group concepts under their top concept, each group and member sorted by label.

    A concept with several broader ones appears once, under the first top concept reached;
    top concepts with nothing beneath them share a last group.
    """
    themes = {t.id: t for t in db.session.scalars(select(Theme)) if t.id != exclude}
    broader: dict[int, list[int]] = {}
    for link in db.session.scalars(
        select(ThemeLink).where(ThemeLink.relation == ThemeRelation.BROADER)
    ):
        broader.setdefault(link.theme_id, []).append(link.target_id)

    def label(theme: Theme) -> str:
        return theme.label(reading)

    def root(theme_id: int) -> int:
        seen = {theme_id}
        current = theme_id
        while True:
            parents = sorted(p for p in broader.get(current, []) if p in themes and p not in seen)
            if not parents:
                return current
            current = parents[0]
            seen.add(current)

    groups: dict[int, list[Theme]] = {}
    for theme in themes.values():
        groups.setdefault(root(theme.id), []).append(theme)
    ordered = _sorted([themes[top] for top in groups if len(groups[top]) > 1], label)
    result = [
        (label(top), [(str(t.id), label(t)) for t in _sorted(groups[top.id], label)])
        for top in ordered
    ]
    # Concepts that stand alone go together at the end rather than one box each.
    alone = _sorted([themes[top] for top in groups if len(groups[top]) == 1], label)
    if alone:
        result.append((str(_l("Other themes")), [(str(t.id), label(t)) for t in alone]))
    return result


def theme_choices(reading: list[str], exclude: int | None = None) -> list[tuple[str, str]]:
    return [choice for _, members in theme_groups(reading, exclude) for choice in members]


def territory_choices(reading: list[str], exclude: int | None = None) -> list[tuple[str, str]]:
    rows = [t for t in db.session.scalars(select(Territory)) if t.id != exclude]
    return [
        (str(t.id), f"{t.label(reading)} ({TERRITORY_KIND_LABELS.get(t.kind, t.kind)})")
        for t in _sorted(rows, lambda t: t.label(reading))
    ]


def experience_choices(reading: list[str], exclude: int | None = None) -> list[tuple[str, str]]:
    """Offer every experience; drafts and withdrawn ones say so after their title."""
    rows = [
        e
        for e in db.session.scalars(select(Item).where(Item.kind == "experience"))
        if e.id != exclude
    ]

    def label(e: Item) -> str:
        title = e.label(reading)
        return title if e.is_published else f"{title} ({STATUS_LABELS[e.status]})"

    return [(str(e.id), label(e)) for e in _sorted(rows, lambda e: e.label(reading))]
