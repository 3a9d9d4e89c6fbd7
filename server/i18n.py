"""Interface language: the reader's choice, else the browser's, else the node's."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import Babel, get_locale

from vocab.terms import UI_LANGUAGES

View = TypeVar("View", bound=Callable)


def lang_is_a_facet(view: View) -> View:
    """Mark a view whose `lang` argument filters content by its language (the search facet
    of the contract), so that there it does not also choose the interface language."""
    view.lang_facet = True  # type: ignore[attr-defined]
    return view


def takes_lang_facet() -> bool:
    """Whether the view of this request reads `lang` as a content-language facet."""
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "lang_facet", False))


def select_locale() -> str:
    """Pick the interface language for this request (the default one outside requests)."""
    if not has_request_context():
        # The command line speaks the shell's language.
        shell = (
            os.environ.get("LC_ALL")
            or os.environ.get("LC_MESSAGES")
            or os.environ.get("LANG")
            or ""
        )
        return "fr" if shell.lower().startswith("fr") else "en"
    chosen = None if takes_lang_facet() else request.args.get("lang")
    if chosen in UI_LANGUAGES:
        session["lang"] = chosen
        return chosen
    if session.get("lang") in UI_LANGUAGES:
        return session["lang"]
    return request.accept_languages.best_match(UI_LANGUAGES) or UI_LANGUAGES[0]


def reading_languages() -> list[str]:
    """Return the languages to show content in, the reader's first."""
    if "reading_languages" not in g:
        first = str(get_locale() or UI_LANGUAGES[0])
        browser = [lang.split("-")[0] for lang, _ in request.accept_languages] if request else []
        ordered = [first, *browser, *UI_LANGUAGES]
        g.reading_languages = list(dict.fromkeys(lang for lang in ordered if lang))
    return g.reading_languages


def init_app(app: Flask, babel: Babel) -> None:
    babel.init_app(app, locale_selector=select_locale)

    @app.context_processor
    def _languages() -> dict[str, object]:
        return {
            "current_locale": str(get_locale() or UI_LANGUAGES[0]),
            "ui_languages": UI_LANGUAGES,
            "reading_languages": reading_languages,
        }
