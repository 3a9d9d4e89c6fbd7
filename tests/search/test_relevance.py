"""Relevance: inflected forms, accents, phrases, exclusion and ranking, in French and English."""

from __future__ import annotations

import pytest

from tests.search.conftest import titles
from tests.server.factories import make_item


@pytest.fixture
def library(node):
    """A few items in French and English, each with a word the tests look for."""
    make_item(
        node,
        "experience",
        {"fr": "Les mobilités douces à Lille"},
        summary={"fr": "Vélo et marche pour aller au travail."},
    )
    make_item(
        node,
        "resource",
        {"en": "Affordable housing in Leeds"},
        summary={"en": "A cooperative builds houses for its members."},
    )
    make_item(
        node,
        "experience",
        {"fr": "Rénovation énergétique des logements"},
        summary={"fr": "La transition énergétique commence par l'isolation."},
        source={"fr": "Un récit sur la mobilité des habitants et leurs économies."},
    )
    make_item(
        node,
        "principle",
        {"fr": "Partager les savoirs"},
        summary={"fr": "Une énergie collective, une transition qui se construit ensemble."},
    )
    return node


@pytest.mark.parametrize("word", ["mobilités", "Mobilité", "mobilite", "MOBILITES"])
def test_french_inflections_and_accents_find_each_other(library, word):
    """Given French items, when searching any form of "mobilité", then both items are found."""
    found = titles(library, word)
    assert set(found) == {"Les mobilités douces à Lille", "Rénovation énergétique des logements"}


@pytest.mark.parametrize("word", ["housing", "houses", "house", "HOUSES"])
def test_english_inflections_find_each_other(library, word):
    """Given an English item on housing, when searching "housing" or "houses", it is found."""
    assert titles(library, word) == ["Affordable housing in Leeds"]


def test_accents_are_folded_both_ways(library):
    """Given "énergétique" in a text, when searching "energetique" or "ÉNERGÉTIQUE", it is found."""
    expected = ["Rénovation énergétique des logements"]
    assert titles(library, "energetique") == expected
    assert titles(library, "ÉNERGÉTIQUE") == expected


def test_words_are_all_required(library):
    """Given two words, then only items holding both (in any form) are found."""
    assert titles(library, "transition isolation") == ["Rénovation énergétique des logements"]


def test_an_exact_phrase_keeps_its_order(library):
    """Given a quoted phrase, then only items with those words in that order are found."""
    assert titles(library, '"transition énergétique"') == ["Rénovation énergétique des logements"]
    assert titles(library, '"énergétique transition"') == []


def test_a_minus_excludes_a_word(library):
    """Given "-word", then items holding that word (in any form) are left out."""
    assert titles(library, "transition -isolations") == ["Partager les savoirs"]
    assert "Les mobilités douces à Lille" in titles(library, "-logement")
    assert "Rénovation énergétique des logements" not in titles(library, "-logement")


def test_title_ranks_above_body(library):
    """Given a word in one item's title and another's body, the title's item comes first."""
    assert titles(library, "mobilité") == [
        "Les mobilités douces à Lille",
        "Rénovation énergétique des logements",
    ]


def test_summary_ranks_above_body(node):
    """Given a word in one item's summary and another's body, the summary's item comes first."""
    make_item(node, "experience", {"fr": "Premier"}, summary={"fr": "Une coopérative citoyenne."})
    make_item(node, "experience", {"fr": "Second"}, source={"fr": "Une coopérative citoyenne."})
    assert titles(node, "coopératives") == ["Premier", "Second"]  # the newer one by date


def test_sorting_by_date_puts_the_newest_first(library):
    """Given sort=date, then the most recently published item comes first."""
    assert titles(library, "mobilité", sort="date") == [
        "Rénovation énergétique des logements",
        "Les mobilités douces à Lille",
    ]


def test_french_singular_and_plural_find_each_other(node):
    """Given "vélo" in one item and "vélos" in another (French Snowball keeps an "s" after
    a vowel), when searching either form, then both items are found."""
    make_item(node, "experience", {"fr": "Un vélo partagé"})
    make_item(node, "experience", {"fr": "Des vélos cargos"})
    expected = {"Un vélo partagé", "Des vélos cargos"}
    assert set(titles(node, "vélos")) == expected
    assert set(titles(node, "velo")) == expected
