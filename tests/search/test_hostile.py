"""A search string is data, never syntax: whatever it holds, results or a SearchError."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from server.search import Query, SearchError, search
from server.search.query import MAX_QUERY, parse_text
from tests.search.conftest import add_item, titles

HOSTILE = [
    '"',
    '"""',
    '"unbalanced phrase',
    "*",
    "énerg*",
    "NEAR(",
    "NEAR(a b, 2)",
    "a AND",
    "AND OR NOT",
    "title:énergie",
    "{title summary}: x",
    "^début",
    "((()",
    ")",
    "-",
    "--",
    "- -énergie",
    "'; DROP TABLE item; --",
    "a & b | !c <-> d:*",
    "\x00",
    "énergie\x00 sobriété",
    "\x01\x02\x1b[31m\x7f",
    "\ud800",
    "😀 🌍",
    "ǅ ß ﬁ İ",
    "x" * 999,
    ("énergie " * 200)[:MAX_QUERY],
    " ".join(f"w{i}" for i in range(300)),
    " ".join(f'"{i} {i}"' for i in range(100)),
    " ".join(f"-w{i}" for i in range(100)),
]


@pytest.fixture
def searchable(node):
    add_item(node, "experience", "Sobriété énergétique", summary={"fr": "Le début du récit."})
    return node


def test_hostile_strings_give_results(searchable):
    """Given any of these strings, then the search answers, never a database error."""
    with searchable.app_context():
        for text in HOSTILE:
            results = search(Query.from_args(MultiDict({"q": text[:MAX_QUERY]})))
            assert results.total >= 0, text
            for hit in results.hits:
                assert "<script" not in hit.snippet


def test_operators_are_words(searchable):
    """Given FTS5 or tsquery syntax around a word, the word alone is looked for."""
    assert titles(searchable, "énergétique*") == ["Sobriété énergétique"]
    assert titles(searchable, "title:énergétique") == []  # "title" is a word like any other
    assert titles(searchable, "NEAR(énergétique sobriété)") == []  # so is "near"
    assert titles(searchable, "(énergétique") == ["Sobriété énergétique"]
    assert titles(searchable, "^début") == ["Sobriété énergétique"]


def test_ten_kilobytes_of_text_is_refused_with_a_message():
    """Given 10 kB of text, then a SearchError says how long a search may be."""
    with pytest.raises(SearchError, match="too long"):
        Query.from_args(MultiDict({"q": "énergie " * 1300}))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"page": "x"}, "page"),
        ({"page": "0"}, "page"),
        ({"page": "-1"}, "page"),
        ({"page": "99999999999"}, "page"),
        ({"page": "١"}, "page"),  # an Arabic-Indic digit is no page number here
        ({"year": "MMXX"}, "year"),
        ({"sort": "random"}, "Sort"),
        ({"kind": [f"k{i}" for i in range(60)]}, "Too many"),
    ],
)
def test_bad_arguments_say_what_is_wrong(args, message):
    """Given a value no search can use, then SearchError names it."""
    with pytest.raises(SearchError, match=message):
        Query.from_args(MultiDict(args))


def test_unknown_and_hostile_facet_values_match_nothing(searchable):
    """Given facet values nobody knows, with quotes and NUL, the search answers nothing."""
    args = MultiDict(
        [
            ("theme", "x'\"); --"),
            ("territory", "\x00"),
            ("node", "a:b:c"),
            ("licence", "*"),
            ("lang", "\ud800"),
            ("kind", "\udfff\x00"),
        ]
    )
    with searchable.app_context():
        assert search(Query.from_args(args)).total == 0


def test_the_search_string_is_read_into_words_phrases_and_exclusions():
    """Given a string with a phrase, an exclusion and operators, it is read into plain parts."""
    terms = parse_text('Énergie "Transition  Écologique" -nucléaire AND (x*')
    assert terms.words == ("energie", "and", "x")
    assert terms.phrases == (("transition", "ecologique"),)
    assert terms.excluded == ("nucleaire",)


def test_from_args_reads_repeatable_facets():
    """Given repeated keys, then each facet holds all its values, in order, once each."""
    args = MultiDict(
        [
            ("q", "eau"),
            ("kind", "experience"),
            ("kind", "resource"),
            ("kind", "experience"),
            ("year", "2024"),
            ("node", "Peer.Example:8443"),
            ("sort", "date"),
            ("page", "2"),
        ]
    )
    query = Query.from_args(args)
    assert query.text == "eau" and query.kinds == ("experience", "resource")
    assert query.years == (2024,) and query.nodes == ("peer.example:8443",)
    assert query.sort == "date" and query.page == 2
    assert Query.from_args({"q": ["eau"], "theme": ["a", "b"]}).themes == ("a", "b")
