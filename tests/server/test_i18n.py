"""The interface in French and English: every message translated, compiled, and shown."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from tests.server.factories import full_experience

ROOT = Path(__file__).resolve().parents[2]
SERVER = ROOT / "server"
TRANSLATIONS = SERVER / "translations"
LANGUAGES = ("fr", "en")


def source_messages() -> set[str | tuple[str, ...]]:
    """Extract every translatable message from the code and templates, as `pybabel extract` does."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    found: set[str | tuple[str, ...]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        found.add(message)
    return found


def as_key(value):
    """Plural messages come back as lists from .mo files and tuples from .po files."""
    return tuple(value) if isinstance(value, list | tuple) else value


def catalog(lang: str):
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as po:
        return read_po(po, locale=lang)


def test_extraction_finds_the_leads_and_our_messages():
    """Given the source, extraction finds services', errors', forms' and templates' messages."""
    found = source_messages()
    for message in [
        "Some fields need attention.",
        "Please sign in to see this page.",
        "Page not found",
        "Choose a value from the list.",
        "Skip to content",
    ]:
        assert message in found, message


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_is_translated(lang):
    """Given the source messages, each has a non-empty, non-fuzzy translation in the catalogue."""
    translations = {m.id: m for m in catalog(lang) if m.id}
    problems = []
    for message in sorted(source_messages(), key=str):
        entry = translations.get(message)
        strings = (
            entry.string
            if entry and isinstance(entry.string, tuple)
            else (entry.string if entry else "",)
        )
        if entry is None or entry.fuzzy or not all(strings):
            problems.append(message)
    assert not problems, f"untranslated in {lang}: {problems[:20]}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_compiled_catalogue_matches_its_source(lang):
    """Given the .po catalogue, the compiled .mo holds exactly the same translations."""
    folder = TRANSLATIONS / lang / "LC_MESSAGES"
    with open(folder / "messages.mo", "rb") as mo:
        compiled = {as_key(m.id): as_key(m.string) for m in read_mo(mo) if m.id}
    source = {as_key(m.id): as_key(m.string) for m in catalog(lang) if m.id and not m.fuzzy}
    assert compiled == source, "run: pybabel compile -d server/translations"


def test_placeholders_survive_translation():
    """Given French translations, each keeps the %(name)s placeholders of its English message."""
    import re

    pattern = re.compile(r"%\(\w+\)s")
    for message in catalog("fr"):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert set(pattern.findall(ids[0])) == set(pattern.findall(strings[0])), message.id


@pytest.mark.parametrize(
    "lang,expected",
    [
        ("fr", ["Expériences", "Aller au contenu", "Menu principal", "Thèmes"]),
        ("en", ["Experiences", "Skip to content", "Main menu", "Themes"]),
    ],
)
def test_main_pages_speak_the_chosen_language(client, node, lang, expected):
    """Given ?lang=, when the main pages are shown, then <html lang> and their text follow it."""
    path = full_experience(node)
    for url in [
        "/",
        "/experiences",
        "/principles",
        "/resources",
        "/themes",
        "/territories",
        path,
        "/territories/loos-en-gohelle",
        "/signin",
    ]:
        page = client.get(f"{url}?lang={lang}").get_data(as_text=True)
        assert f'<html lang="{lang}">' in page, url
        for text in expected:
            assert text in page, (url, text)


def test_language_choice_is_remembered(client, node):
    """Given a reader who picked English, when they move on without ?lang, then it stays English."""
    client.get("/?lang=en")
    assert '<html lang="en">' in client.get("/experiences").get_data(as_text=True)
    client.get("/?lang=fr")
    assert '<html lang="fr">' in client.get("/experiences").get_data(as_text=True)


def test_browser_language_is_the_default(client, node):
    """Given a browser asking for English, when no choice was made, then the page is English."""
    page = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9,fr;q=0.5"}).get_data(
        as_text=True
    )
    assert '<html lang="en">' in page and "What this node shares" in page


def test_language_switch_links_keep_the_page(client, node):
    """Given a page in French, the switch offers English, labelled in English, and brings the
    reader back to the same page, now in English."""
    page = client.get("/experiences?page=2&lang=fr").get_data(as_text=True)
    link = re.search(r'href="([^"]+)" lang="en" hreflang="en">English</a>', page)
    assert link is not None
    answer = client.get(html.unescape(link.group(1)))
    assert answer.status_code == 303 and answer.location == "/experiences?page=2"
    assert '<html lang="en">' in client.get(answer.location).get_data(as_text=True)


def test_on_search_pages_lang_filters_content_and_leaves_the_interface(client, node):
    """Given the interface in English, when a search filters French content with ?lang=fr,
    then the interface stays English, and the switch keeps the filter."""
    client.get("/language/en")
    page = client.get("/search?q=ville&lang=fr").get_data(as_text=True)
    assert '<html lang="en">' in page
    link = re.search(r'href="([^"]+)" lang="fr" hreflang="fr">', page)
    answer = client.get(html.unescape(link.group(1)))
    assert answer.location == "/search?q=ville&lang=fr"
    assert '<html lang="fr">' in client.get(answer.location).get_data(as_text=True)


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil"])
def test_the_language_switch_never_leaves_the_node(client, node, target):
    """Given a `next` that points elsewhere, the switch goes to the home page instead."""
    answer = client.get("/language/en", query_string={"next": target})
    assert answer.status_code == 303 and answer.location == "/"


def test_error_pages_are_translated(client, node):
    """Given a missing page, the 404 page speaks the reader's language."""
    french = client.get("/experiences/nope?lang=fr").get_data(as_text=True)
    english = client.get("/experiences/nope?lang=en").get_data(as_text=True)
    assert "Page introuvable" in french and "Page not found" in english
