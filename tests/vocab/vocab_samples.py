"""Hypothesis strategies and graph helpers for the vocabulary tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import rdflib
from hypothesis import strategies as st
from rdflib.compare import isomorphic

from vocab.objects import (
    Attachment,
    Experience,
    GuidingPrinciple,
    Link,
    NodeActor,
    Ref,
    Resource,
    Territory,
    Theme,
)
from vocab.terms import LICENSES, RESOURCE_TYPES, TERRITORY_KINDS, THEMES_SCHEME

# Real BCP 47 tags, with the case conventions people write (RDF compares them caselessly).
LANGS = [
    "fr",
    "en",
    "de",
    "es",
    "it",
    "oc",
    "br",
    "eu",
    "pt-BR",
    "en-GB",
    "fr-CA",
    "zh-Hant",
    "sr-Latn-RS",
    "es-419",
    "gsw",
]
HOSTS = ["fabrique.example", "node-2.example:8443", "127.0.0.1:5001", "xn--trsor-bsa.example"]

# Printable text, no control characters (they cannot travel in RDF/XML, and sanitising
# input is the write API's job, not the vocabulary's).
text = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn")), min_size=1, max_size=30
)
lang_maps = st.dictionaries(st.sampled_from(LANGS), text, max_size=3)
lang_maps_required = st.dictionaries(st.sampled_from(LANGS), text, min_size=1, max_size=3)
segment = st.from_regex(r"[a-z0-9][a-z0-9._~-]{0,11}", fullmatch=True)
iris = st.builds(
    lambda scheme, host, parts: f"{scheme}://{host}/" + "/".join(parts),
    st.sampled_from(["https", "http"]),
    st.sampled_from(HOSTS),
    st.lists(segment, min_size=1, max_size=3),
)
zones = st.sampled_from(
    [UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5, minutes=-30))]
)
datetimes = st.datetimes(
    min_value=datetime(1950, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.none() | zones
)
dates = st.dates(min_value=date(1950, 1, 1), max_value=date(2100, 1, 1))
refs = st.builds(Ref, iris, lang_maps)
theme_refs = st.builds(Ref, st.builds(lambda s: THEMES_SCHEME + s, segment), lang_maps)
media_types = st.sampled_from(["application/pdf", "image/png", "video/mp4", "text/csv"])


@st.composite
def periods(draw: st.DrawFn) -> tuple[date | None, date | None]:
    """Draw a period whose start is never after its end."""
    start, end = draw(st.none() | dates), draw(st.none() | dates)
    if start and end and start > end:
        start, end = end, start
    return start, end


def _item_fields(draw: st.DrawFn) -> dict:
    language = draw(st.sampled_from(LANGS))
    return {
        "id": draw(iris),
        "attributed_to": draw(iris),
        "name": draw(lang_maps_required),
        "language": language,
        "license": draw(st.sampled_from(sorted(LICENSES))),
        "summary": draw(lang_maps),
        "source": draw(lang_maps),
        "content": draw(lang_maps),
        "authors": draw(st.lists(text, max_size=3)),
        "themes": draw(st.lists(theme_refs, max_size=3)),
        "territories": draw(st.lists(refs, max_size=2)),
        "links": draw(st.lists(st.builds(Link, iris, st.just("") | text), max_size=2)),
        "attachments": draw(
            st.lists(
                st.builds(
                    Attachment,
                    iris,
                    media_types,
                    st.just("") | text,
                    st.none() | st.integers(0, 2**40),
                ),
                max_size=2,
            )
        ),
        "published": draw(st.none() | datetimes),
        "updated": draw(st.none() | datetimes),
        "indexable": draw(st.booleans()),
        "derived_from_original": draw(st.none() | iris),
        "generated_at": draw(st.none() | datetimes),
    }


@st.composite
def experiences(draw: st.DrawFn) -> Experience:
    """Draw any valid experience."""
    start, end = draw(periods())
    return Experience(
        **_item_fields(draw),
        period_start=start,
        period_end=end,
        organisations=draw(st.lists(text, max_size=3)),
        circumstances=draw(lang_maps),
        lessons=draw(lang_maps),
        limits=draw(lang_maps),
    )


@st.composite
def principles(draw: st.DrawFn) -> GuidingPrinciple:
    """Draw any valid guiding principle."""
    fields = _item_fields(draw)
    # A principle is drawn from other objects: never from itself (the services refuse it too).
    sources = draw(st.lists(refs.filter(lambda ref: ref.id != fields["id"]), max_size=3))
    return GuidingPrinciple(**fields, derived_from=sources)


@st.composite
def resources(draw: st.DrawFn) -> Resource:
    """Draw any valid resource."""
    return Resource(
        **_item_fields(draw),
        resource_type=draw(st.sampled_from(RESOURCE_TYPES)),
        resource_url=draw(st.none() | iris),
    )


territories = st.builds(
    Territory,
    id=iris,
    name=lang_maps_required,
    kind=st.sampled_from(TERRITORY_KINDS),
    latitude=st.none() | st.floats(-90, 90, allow_nan=False),
    longitude=st.none() | st.floats(-180, 180, allow_nan=False),
    code=st.none() | st.from_regex(r"[0-9][0-9AB][0-9]{3}", fullmatch=True),
    same_as=st.lists(iris, max_size=2),
    part_of=st.none() | refs,
)
themes = st.builds(
    Theme,
    id=iris,
    scheme=iris,
    pref_label=lang_maps_required,
    definition=lang_maps,
    broader=st.lists(iris, max_size=2),
    narrower=st.lists(iris, max_size=2),
    related=st.lists(iris, max_size=3),
    exact_match=st.lists(iris, max_size=1),
    close_match=st.lists(iris, max_size=1),
)
actors = st.builds(
    NodeActor,
    id=iris,
    preferred_username=st.from_regex(r"[a-z][a-z0-9_]{0,15}", fullmatch=True),
    name=text,
    inbox=iris,
    outbox=iris,
    followers=iris,
    following=iris,
    public_key_id=iris.map(lambda i: i + "#main-key"),
    public_key_pem=st.just("-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n"),
    summary=st.just("") | text,
    shared_inbox=st.none() | iris,
    url=st.none() | iris,
    manually_approves_followers=st.booleans(),
    discoverable=st.booleans(),
    indexable=st.booleans(),
)

STRATEGIES = {
    "Experience": experiences(),
    "GuidingPrinciple": principles(),
    "Resource": resources(),
    "Territory": territories,
    "Theme": themes,
    "NodeActor": actors,
}
any_object = st.one_of(*STRATEGIES.values())


def caseless(graph: rdflib.Graph) -> rdflib.Graph:
    """Return the graph with language tags lowercased: RDF 1.1 compares them caselessly,
    and pyoxigraph lowercases them while rdflib keeps them as written."""
    out = rdflib.Graph()
    for s, p, o in graph:
        if isinstance(o, rdflib.Literal) and o.language:
            o = rdflib.Literal(str(o), lang=o.language.lower())
        out.add((s, p, o))
    return out


def same_graph(a: rdflib.Graph, b: rdflib.Graph) -> bool:
    """Tell whether two graphs are isomorphic (blank nodes matched, tags caseless)."""
    return len(a) == len(b) and isomorphic(caseless(a), caseless(b))


def refs_are_distinct(obj: Any) -> bool:
    """Whether no two references share an IRI, and none is the object itself.

    The strategies may draw one theme twice with different labels, or a territory part of
    itself: valid field by field, but in the graph one node then holds two labels in one
    language, or the territory's plain name. Both validators refuse those alike; tests of
    valid objects filter them out.
    """
    refs = [*getattr(obj, "themes", ()), *getattr(obj, "territories", ())]
    refs += [*getattr(obj, "derived_from", ()), *filter(None, [getattr(obj, "part_of", None)])]
    ids = [ref.id for ref in refs]
    return len(set(ids)) == len(ids) and obj.id not in ids
