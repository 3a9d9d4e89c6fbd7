"""What templates use to show content: the reader's language first, labels, links."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from flask import Flask, abort, current_app, g, request, url_for
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import default_exceptions

from server.extensions import db
from server.forms import choices
from server.forms.base import CONTROL
from server.i18n import reading_languages, takes_lang_facet
from server.models import Actor, ItemStatus, NodeSettings, pick
from server.services.validation import LANGUAGE_TAG
from vocab import kinds
from vocab.terms import LICENSES


@dataclass
class Localized:
    """A text in the language chosen for the reader, and that language's tag."""

    text: str
    lang: str

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return bool(self.text)


def require_sane_slug(slug: str) -> None:
    """Answer 404 at once for addresses no record can have (control characters, huge)."""
    if len(slug) > 200 or CONTROL.search(slug):
        abort(404)


def content_languages() -> list[str]:
    """Return the languages to show content in: `?read=xx` first, then the reader's."""
    if "content_languages" not in g:
        chosen = request.args.get("read", "")
        first = [chosen] if chosen and len(chosen) < 36 and LANGUAGE_TAG.match(chosen) else []
        g.content_languages = list(dict.fromkeys([*first, *reading_languages()]))
    return g.content_languages


def localized(langmap: dict[str, str] | None) -> Localized:
    """Pick a text in the reader's language (or the nearest one available)."""
    langmap = langmap or {}
    text = pick(langmap, content_languages())
    lang = next((tag for tag, value in langmap.items() if value == text), "")
    return Localized(text, lang)


def other_languages(langmap: dict[str, str] | None) -> list[str]:
    """Return the languages a text exists in besides the one shown."""
    shown = localized(langmap).lang
    return [tag for tag, text in (langmap or {}).items() if text and tag != shown]


def paragraphs(text: str) -> list[str]:
    """Split plain text on blank lines (circumstances, lessons, limits)."""
    return [part.strip() for part in text.replace("\r\n", "\n").split("\n\n") if part.strip()]


def item_url(item, **params) -> str:
    return url_for("items.show", kind_path=kinds.by_name(item.kind).path, slug=item.slug, **params)


def url_with(**params: str | int | None) -> str:
    """Return the current page's address with some query parameters changed."""
    args = request.args.to_dict()
    for key, value in params.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = str(value)
    return request.path + ("?" + urlencode(args) if args else "")


def language_url(code: str) -> str:
    """The language switcher's link: choose the interface language, then come back here
    (with this page's own `lang` facet kept, or the old `?lang=` choice dropped)."""
    here = url_with() if takes_lang_facet() else url_with(lang=None)
    return url_for("pages.language", code=code, next=here)


def node_name() -> str:
    """Return the node's display name without ever failing an error page."""
    if "node_name" not in g:
        name = ""
        try:
            row = db.session.get(NodeSettings, 1)
            name = row.name if row else ""
            if not name:
                actor = Actor.local()
                name = actor.name if actor else ""
        except SQLAlchemyError:
            db.session.rollback()
        g.node_name = name or current_app.config["SETTINGS"].node_name or "Commons"
    return g.node_name


def is_default_description(status: int, detail: str) -> bool:
    """Tell Werkzeug's English stock explanations from details written for people."""
    exception = default_exceptions.get(status)
    return not detail or (exception is not None and detail == exception.description)


def can_edit() -> bool:
    from flask_login import current_user

    return bool(current_user.is_authenticated and current_user.can_edit)


def init_app(app: Flask) -> None:
    """Make the helpers globals, so that imported macros see them too."""
    app.jinja_env.globals.update(
        {
            "localized": localized,
            "other_languages": other_languages,
            "language_name": choices.language_name,
            "paragraphs": paragraphs,
            "item_url": item_url,
            "url_with": url_with,
            "language_url": language_url,
            "node_name": node_name,
            "can_edit": can_edit,
            "is_default_description": is_default_description,
            "kind_labels": choices.KIND_LABELS,
            "kind_plurals": choices.KIND_PLURALS,
            "kind_descriptions": choices.KIND_DESCRIPTIONS,
            "item_kinds": kinds.KINDS,
            "kind_paths": {kind.name: kind.path for kind in kinds.KINDS},
            "new_item_labels": choices.NEW_ITEM_LABELS,
            "resource_type_labels": choices.RESOURCE_TYPE_LABELS,
            "territory_kind_labels": choices.TERRITORY_KIND_LABELS,
            "role_labels": choices.ROLE_LABELS,
            "status_labels": choices.STATUS_LABELS,
            "ItemStatus": ItemStatus,
            "licenses": LICENSES,
        }
    )
