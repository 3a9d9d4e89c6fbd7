"""shacl_core agrees with pyshacl, the reference implementation, result by result.

Every document here is validated both ways. They must agree on conformance, on every
validation result projected to what both can state (constraint component, path, value,
whether the focus node is blank; the results nested under sh:detail included), and on the
reasons worded from our sh:message texts. Where they differ, the SHACL 1.0 specification
decides: the cases where pyshacl departs from it are pinned down exactly, and those where
shacl_core did (comparisons, now made as SPARQL makes them) are ordinary tests.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyshacl
import pytest
import rdflib
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pyshacl.errors import ReportableRuntimeError
from rdflib.namespace import RDF, SH, XSD

from tests.vocab.vocab_samples import STRATEGIES, refs_are_distinct
from vocab import shacl_core
from vocab.context import CONTEXT, VocabError
from vocab.examples import EXAMPLES
from vocab.rdf import to_graph
from vocab.terms import AS, COMMONS
from vocab.triples import Lit
from vocab.validation import (
    _graph_of,
    _reason,
    compiled_shapes,
    shapes_graph,
    triples_of,
    validate,
    validate_with_pyshacl,
)

Doc = dict[str, Any] | rdflib.Graph
Mutation = Callable[[dict[str, Any]], None]
Projected = tuple[str, str | None, shacl_core.Term | None, bool]

CC = rdflib.Namespace("http://creativecommons.org/ns#")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
GEO = rdflib.Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")
SCHEMA = rdflib.Namespace("https://schema.org/")
SEC = rdflib.Namespace("https://w3id.org/security#")
TOOT = rdflib.Namespace("http://joinmastodon.org/ns#")
LICENCE = "https://creativecommons.org/licenses/by-sa/4.0/"
OTHER = "https://other.example/x"

# Hypothesis: a failure prints the whole document; shrinking examples that cost two
# pyshacl runs each would take minutes, so it is skipped.
FEW = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)


# --- the comparison -------------------------------------------------------------------


@dataclass
class Comparison:
    """One document validated both ways."""

    ours: list[str]  # validate(): shacl_core
    reference: list[str]  # validate_with_pyshacl()
    core: set[Projected]  # shacl_core's results, projected
    pyshacl: set[Projected]  # pyshacl's results (sh:detail included), projected
    messages: set[str]  # pyshacl's reasons that come from an sh:message


def _foreign(doc: Doc) -> bool:
    """A JSON-LD document not in our own context: both sides read rdflib's parse of it."""
    ours = isinstance(doc, dict) and doc.get("@context") == CONTEXT
    return isinstance(doc, dict) and not (ours and isinstance(doc.get("id"), str))


def _normal(value: shacl_core.Term | None) -> shacl_core.Term | None:
    """A literal in rdflib's canonical lexical form ("-91"^^xsd:float is "-91.0" there)."""
    if isinstance(value, Lit):
        return shacl_core._from_rdflib(shacl_core._rdflib_literal(value))
    return value


def _pyshacl_results(graph: rdflib.Graph) -> tuple[rdflib.Graph, list[rdflib.term.Node]]:
    """Run pyshacl itself, with validate_with_pyshacl's options; every sh:ValidationResult,
    those nested under sh:detail included."""
    _conforms, report, _text = pyshacl.validate(
        graph, shacl_graph=shapes_graph(), inference="none", advanced=False
    )
    return report, list(report.subjects(RDF.type, SH.ValidationResult))


def _projected(report: rdflib.Graph, result: rdflib.term.Node) -> Projected:
    path = report.value(result, SH.resultPath)
    value = report.value(result, SH.value)
    return (
        str(report.value(result, SH.sourceConstraintComponent)).removeprefix(str(SH)),
        None if path is None else str(path),
        None if value is None else _normal(shacl_core._from_rdflib(value)),
        isinstance(report.value(result, SH.focusNode), rdflib.BNode),
    )


def compare(doc: Doc) -> Comparison:
    """Validate `doc` with shacl_core and with pyshacl; the document must be readable."""
    graph = doc if isinstance(doc, rdflib.Graph) else _graph_of(doc)
    shapes = compiled_shapes()
    assert shapes is not None, "shapes.ttl should compile for shacl_core"
    triples = triples_of(graph if _foreign(doc) else doc)  # one parse: the same blank nodes
    report, results = _pyshacl_results(graph)
    message_shapes = {
        result
        for result in results
        if shapes_graph().value(report.value(result, SH.sourceShape), SH.message) is not None
    }
    return Comparison(
        ours=validate(doc),
        reference=validate_with_pyshacl(doc),
        core={
            (r.component, r.path, _normal(r.value), shacl_core._is_blank(r.focus))
            for r in shapes.validate(triples)
        },
        pyshacl={_projected(report, result) for result in results},
        messages={_reason(report, result) for result in message_shapes},
    )


def assert_agree(doc: Doc) -> list[str]:
    """Assert that shacl_core and pyshacl agree on `doc`; return validate()'s reasons."""
    try:
        triples_of(doc)
    except (VocabError, ValueError, TypeError):
        # Neither side reaches SHACL: both refuse the document with the same reason.
        ours = validate(doc)
        assert ours == validate_with_pyshacl(doc), ours
        assert ours[0].startswith("unreadable document"), ours
        return ours
    c = compare(doc)
    assert (c.ours == []) == (c.reference == []), (c.ours, c.reference)
    assert c.core == c.pyshacl, f"only shacl_core: {c.core - c.pyshacl}\n" + (
        f"only pyshacl: {c.pyshacl - c.core}"
    )
    assert c.messages <= set(c.reference), c.messages - set(c.reference)
    assert c.messages <= set(c.ours), f"worded otherwise: {c.messages - set(c.ours)}"
    return c.ours


# --- valid documents ------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_examples_conform_for_both(name):
    """Given each example, as JSON-LD and as a graph, then both validators say it conforms."""
    obj = EXAMPLES[name]()
    assert assert_agree(obj.to_jsonld()) == []
    assert assert_agree(to_graph(obj)) == []


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_generated_objects_conform_for_both(name):
    """Given any generated object, when validated both ways, then both say it conforms."""

    @settings(FEW, max_examples=6)
    @given(STRATEGIES[name].filter(refs_are_distinct))
    def check(obj):
        assert assert_agree(obj.to_jsonld()) == []

    check()


# --- mutations of JSON-LD documents ---------------------------------------------------


def drop(*keys: str) -> Mutation:
    """Remove top-level keys."""

    def mutate(doc: dict[str, Any]) -> None:
        for key in keys:
            doc.pop(key, None)

    return mutate


def put(key: str, value: Any) -> Mutation:
    """Set a key (to a copy of `value`, so that documents never share state)."""
    return lambda doc: doc.__setitem__(key, copy.deepcopy(value))


def put_all(values: dict[str, Any]) -> Mutation:
    """Set several keys at once."""
    return lambda doc: doc.update(copy.deepcopy(values))


def period(start: Any, end: Any) -> Mutation:
    """Set periodStart and periodEnd."""
    return put_all({"periodStart": start, "periodEnd": end})


def chain(*mutations: Callable[[Any], None]) -> Callable[[Any], None]:
    """Apply mutations (of a document or of a graph) one after the other."""

    def mutate(doc: Any) -> None:
        for mutation in mutations:
            mutation(doc)

    return mutate


def append(key: str, value: Any) -> Mutation:
    """Add one more value to a key, keeping those already there."""

    def mutate(doc: dict[str, Any]) -> None:
        old = doc.get(key)
        old = [] if old is None else old if isinstance(old, list) else [old]
        doc[key] = [*old, copy.deepcopy(value)]

    return mutate


def twice(key: str, other: Any) -> Mutation:
    """Give a single-valued key a second value, `other` (two of them if it had none)."""

    def mutate(doc: dict[str, Any]) -> None:
        absent = f"{other}2" if isinstance(other, str) else other  # two blank nodes if a dict
        doc[key] = [copy.deepcopy(doc.get(key, absent)), copy.deepcopy(other)]

    return mutate


def inside(key: str, mutation: Mutation) -> Mutation:
    """Apply a mutation to the nested node at `key` (created empty if absent)."""

    def mutate(doc: dict[str, Any]) -> None:
        node = doc.get(key)
        if not isinstance(node, dict):
            node = doc[key] = {}
        mutation(node)

    return mutate


def foreign(doc: dict[str, Any]) -> dict[str, Any]:
    """The same document in a context that is not exactly ours (read by rdflib's parser)."""
    context = [*doc["@context"][:2], {**doc["@context"][2], "extra": "https://x.example/e"}]
    return {**doc, "@context": context}


HASHTAG = {"type": "Hashtag", "href": "https://x.example/themes/t", "name": "#Tag"}
LINK = {"type": "Link", "href": "https://x.example/link"}
DOCUMENT = {"type": "Document", "url": "https://x.example/f.pdf", "mediaType": "application/pdf"}
REF = {"id": "https://x.example/ref", "nameMap": {"fr": "Réf"}}


def without(node: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in node.items() if k != key}


# Breaking an experience, a guiding principle or a resource: the properties they share.
ITEM_MUTATIONS: dict[str, Mutation] = {
    # required properties missing
    "no url": drop("url"),
    "no name": drop("name", "nameMap"),
    "no language": drop("dct:language"),
    "no attributedTo": drop("attributedTo"),
    "no owner at all": drop("attributedTo", "dct:creator", "prov:wasAttributedTo"),
    "no dct:license": drop("dct:license"),
    "no licence at all": drop("dct:license", "schema:license", "ccrel:license"),
    "no attribution": drop("ccrel:attributionName", "ccrel:attributionURL"),
    "no dct:title": drop("dct:title"),
    "no mediationStep": drop("mediationStep"),
    "source without mediaType": put("source", {"content": "x"}),
    "source without content": put("source", {"mediaType": "text/markdown"}),
    "empty source": put("source", {}),
    # single-valued properties duplicated
    "two urls": twice("url", OTHER),
    "two mediaTypes": twice("mediaType", "text/plain"),
    "two published": twice("published", "2020-01-01T00:00:00Z"),
    "two languages": twice("dct:language", "en"),
    "two owners": twice("attributedTo", OTHER),
    "two creators": twice("dct:creator", OTHER),
    "two licences everywhere": put_all(
        {
            "dct:license": [LICENCE, OTHER],
            "schema:license": [OTHER, LICENCE],
            "ccrel:license": OTHER,
        }
    ),
    "two attribution names": twice("ccrel:attributionName", "Someone else"),
    "two mediation steps": twice("mediationStep", str(COMMONS.dissemination)),
    "two sources": twice("source", {"mediaType": "text/markdown", "content": "y"}),
    "two indexable": put("indexable", [True, False]),
    "two mirrorOf": twice("mirrorOf", OTHER),
    "two generatedAtTime": twice("prov:generatedAtTime", "2020-01-01T00:00:00Z"),
    # wrong datatypes and ill-typed literals
    "published in words": put("published", "1st of May"),
    "published a date only": put("published", "2021-05-01"),
    "created ill-typed": put("dct:created", "yesterday"),
    "modified on 30 February": put("dct:modified", "2021-02-30T10:00:00Z"),
    "generatedAtTime ill-typed": put("prov:generatedAtTime", "soon"),
    "sensitive as text": put("sensitive", "false"),
    "indexable yes": put("indexable", "yes"),
    "indexable a number": put("indexable", 1),
    "language a number": put("dct:language", 5),
    "author a number": put("authors", ["Claire", 7]),
    "empty author": put("authors", [""]),
    "empty attribution name": put("ccrel:attributionName", ""),
    "attribution name a number": put("ccrel:attributionName", 3),
    "name a number": put("name", 12),
    "summary a boolean": put("summary", True),
    # blank nodes, literals and IRIs in the wrong place
    "owner a blank node": put("attributedTo", {"name": "Someone"}),
    "creator a blank node": put("dct:creator", {"name": "Someone"}),
    "licence a blank node": put("dct:license", {"name": "CC"}),
    "schema licence a blank node": put("schema:license", {}),
    "url a blank node": put("url", {"name": "x"}),
    "subject a blank node": append("dct:subject", {"nameMap": {"fr": "Sans IRI"}}),
    "location a blank node": append("location", {"nameMap": {"fr": "Sans IRI"}}),
    "spatial a blank node": append("dct:spatial", {"nameMap": {"fr": "x"}}),
    "attributionURL a blank node": put("ccrel:attributionURL", {}),
    "owner a number": put("attributedTo", 5),
    "licence a boolean": put("dct:license", True),
    "to a number": append("to", 42),
    "attachment a literal": append("attachment", "https://x.example/file.pdf"),
    "tag a literal": append("tag", "#Tag"),
    "source a literal": put("source", "just text"),
    "language an IRI": put("dct:language", {"id": "https://x.example/fr"}),
    "author an IRI": append("authors", {"id": "https://x.example/claire"}),
    "published an IRI": put("published", {"id": "https://x.example/now"}),
    "attribution name an IRI": put("ccrel:attributionName", {"id": OTHER}),
    "name an IRI": put("name", {"id": OTHER}),
    "mediaType a blank node": put("mediaType", {"name": "html"}),
    # languages
    "two titles in French": put("dct:title", {"fr": ["Un", "Deux"]}),
    "French twice, by case": put("nameMap", {"fr": "Un", "FR": "Deux"}),
    "the same French title, by case": put("dct:title", {"fr": "Un", "FR": "Un"}),
    "two summaries in English": put("summaryMap", {"en": ["One", "Two"]}),
    "two contents in French": put("contentMap", {"fr": ["<p>a</p>", "<p>b</p>"]}),
    "two languages twice": put("dct:description", {"fr": ["a", "b"], "en": ["c", "d"]}),
    "two source texts in French": put(
        "source", {"mediaType": "text/markdown", "contentMap": {"fr": ["a", "b"]}}
    ),
    "reference labels twice in French": append(
        "dct:subject", {"id": "https://x.example/s", "nameMap": {"fr": ["a", "b"]}}
    ),
    "reference label without language": append(
        "location", {"id": "https://x.example/l", "name": "Plain"}
    ),
    # patterns
    "mediaType in capitals": put("mediaType", "TEXT/HTML"),
    "mediaType with parameters": put("mediaType", "text/html; charset=utf-8"),
    "mediaType an IRI": put("mediaType", {"id": "https://x.example/text/html"}),
    "language with underscore": put("dct:language", "fr_FR"),
    "language too short": put("dct:language", "f"),
    "language with spaces": put("dct:language", "not a tag"),
    "language ending in a newline": put("dct:language", "fr\n"),
    "hashtag without #": append("tag", {**HASHTAG, "name": "Tag"}),
    "hashtag with a space": append("tag", {**HASHTAG, "name": "#two words"}),
    "hashtag ##": append("tag", {**HASHTAG, "name": "##x"}),
    "hashtag ending in a newline": append("tag", {**HASHTAG, "name": "#Tag\n"}),
    "hashtag with a no-break space": append("tag", {**HASHTAG, "name": "#a\u00a0b"}),
    # values outside sh:in
    "unknown mediation step": put("mediationStep", "https://x.example/other"),
    "mediation step a number": put("mediationStep", 3),
    "attachment of type Image": append("attachment", {**DOCUMENT, "type": "Image"}),
    "attachment of two types": append("attachment", {**DOCUMENT, "type": ["Link", "Document"]}),
    "attachment without type": append("attachment", {"url": "https://x.example/f"}),
    # attachments
    "attachment with href and url": append("attachment", {**LINK, "url": "https://x.example/u"}),
    "attachment with neither href nor url": append("attachment", {"type": "Document"}),
    "attachment with two hrefs": append(
        "attachment", {**LINK, "href": ["https://x.example/a", "https://x.example/b"]}
    ),
    "negative byteSize": append("attachment", {**DOCUMENT, "dcat:byteSize": -3}),
    "byteSize as text": append("attachment", {**DOCUMENT, "dcat:byteSize": "12 kB"}),
    "attachment with two names": append("attachment", {**DOCUMENT, "name": ["a", "b"]}),
    "attachment mediaType a number": append("attachment", {**DOCUMENT, "mediaType": 3}),
    "attachment href a blank node": append("attachment", {**LINK, "href": {}}),
    # tags
    "tag that is a Link": append("tag", {**HASHTAG, "type": "Link"}),
    "tag without type": append("tag", without(HASHTAG, "type")),
    "tag without href": append("tag", without(HASHTAG, "href")),
    "tag with two names": append("tag", {**HASHTAG, "name": ["#a", "#b"]}),
    "tag an IRI": append("tag", "https://x.example/themes/t"),
    "empty tag": append("tag", {}),
    # licences that differ
    "schema:license differs": put("schema:license", OTHER),
    "ccrel:license differs": put("ccrel:license", OTHER),
    "dct:license differs from both": put("dct:license", OTHER),
    "schema:license missing only": drop("schema:license"),
    # types
    "two target types": put("type", ["Article", "Experience", "Resource"]),
    "unknown type": put("type", "Note"),
    "no type": drop("type"),
    "also an Organization": append("type", "Organization"),
}

EXPERIENCE_MUTATIONS: dict[str, Mutation] = {
    "periodStart after periodEnd": period("2024-01-01", "2023-06-30"),
    "periodStart a date-time": put("periodStart", "2019-09-01T00:00:00Z"),
    "period of one day": period("2020-01-01", "2020-01-01"),
    "period with time zones": period("2020-01-02+02:00", "2020-01-01Z"),
    "period without end, ill-typed": chain(drop("periodEnd"), put("periodStart", "x")),
    "two periodStarts": period(["2019-01-01", "2019-02-01"], "2019-01-15"),
    "two periodEnds": period("2019-01-01", ["2020-01-01", "2018-01-01"]),
    "organisation empty": put("organisations", ["", "x"]),
    "organisation a number": put("organisations", [5]),
    "circumstances twice in French": put("circumstances", {"fr": ["a", "b"]}),
    "limits twice in English": put("limits", {"en": ["a", "b"], "fr": "c"}),
    "lessons an IRI": append("lessons", {"id": OTHER}),
}

RESOURCE_MUTATIONS: dict[str, Mutation] = {
    "no resourceType": drop("resourceType"),
    "resourceType outside the list": put("resourceType", "book"),
    "resourceType in capitals": put("resourceType", "Guide"),
    "two resourceTypes": put("resourceType", ["guide", "video"]),
    "resourceType a number": put("resourceType", 1),
    "resourceType an IRI": put("resourceType", {"id": "https://x.example/guide"}),
    "two resourceURLs": twice("resourceURL", OTHER),
    "resourceURL a blank node": put("resourceURL", {"name": "x"}),
}

PRINCIPLE_MUTATIONS: dict[str, Mutation] = {
    "derivedFrom a blank node": append("derivedFrom", {"nameMap": {"fr": "x"}}),
    "derivedFrom labels twice in French": append(
        "derivedFrom", {"id": "https://x.example/e", "nameMap": {"fr": ["a", "b"]}}
    ),
    "derivedFrom a number": append("derivedFrom", 3),
}

TERRITORY_MUTATIONS: dict[str, Mutation] = {
    "no territoryKind": drop("territoryKind"),
    "territoryKind outside the list": put("territoryKind", "city"),
    "two territoryKinds": put("territoryKind", ["commune", "region"]),
    "no name": drop("name", "nameMap"),
    "no url": drop("url"),
    "no licence": drop("dct:license"),
    "schema:license differs": put("schema:license", OTHER),
    "latitude above 90": put("latitude", "90.5"),
    "latitude below -90": put("latitude", "-91"),
    "latitude at 90": put("latitude", "90"),
    "longitude above 180": put("longitude", "180.5"),
    "longitude at -180": put("longitude", "-180"),
    "longitude INF": put("longitude", "INF"),
    "latitude -INF": put("latitude", "-INF"),
    "latitude as a JSON integer": put("latitude", 12),
    "latitude an IRI": put("latitude", {"id": OTHER}),
    "two latitudes": put("latitude", ["1.5", "2.5"]),
    "geo:lat above 90": put("geo:lat", "95"),
    "geo:long below -180": put("geo:long", "-200.25"),
    "geo:long in exponent form": put("geo:long", "1e2"),
    "code empty": put("skos:notation", ""),
    "code a number": put("skos:notation", 38185),
    "two codes": put("skos:notation", ["38185", "38000"]),
    "sameAs a blank node": append("skos:exactMatch", {"name": "x"}),
    "two parents": put("schema:containedInPlace", [REF, {**REF, "id": OTHER}]),
    "parent a blank node": put("schema:containedInPlace", {"nameMap": {"fr": "x"}}),
    "parent labels twice in French": put(
        "schema:containedInPlace", {**REF, "nameMap": {"fr": ["a", "b"]}}
    ),
    "isPartOf differs": put("dct:isPartOf", OTHER),
    "isPartOf without containedInPlace": chain(
        drop("schema:containedInPlace"), put("dct:isPartOf", OTHER)
    ),
    "two types": put("type", ["Place", "Territory", "Theme"]),
    "unknown type": put("type", "Place"),
}

THEME_MUTATIONS: dict[str, Mutation] = {
    "no prefLabel": drop("skos:prefLabel"),
    "prefLabel twice in French": put("skos:prefLabel", {"fr": ["a", "b"]}),
    "definition twice in English": put("skos:definition", {"en": ["a", "b"]}),
    "no inScheme": drop("skos:inScheme"),
    "two schemes": twice("skos:inScheme", OTHER),
    "scheme a blank node": put("skos:inScheme", {"name": "x"}),
    "broader a blank node": append("skos:broader", {"name": "x"}),
    "narrower a number": append("skos:narrower", 4),
    "related a blank node": append("skos:related", {}),
    "closeMatch a literal": append("skos:closeMatch", True),
    "no url": drop("url"),
    "no name": drop("name", "nameMap"),
    "summary twice in French": put("summaryMap", {"fr": ["a", "b"]}),
    "no licence at all": drop("dct:license", "schema:license", "ccrel:license"),
    "ccrel:license differs": put("ccrel:license", OTHER),
    "two types": put("type", ["Theme", "Territory"]),
    "unknown type": put("type", "skos:Concept"),
}

ACTOR_MUTATIONS: dict[str, Mutation] = {
    "no preferredUsername": drop("preferredUsername"),
    "handle with a space": put("preferredUsername", "la fabrique"),
    "handle with @": put("preferredUsername", "@fabrique"),
    "handle ending in a newline": put("preferredUsername", "fabrique\n"),
    "handle a number": put("preferredUsername", 42),
    "two handles": twice("preferredUsername", "other"),
    "no name": drop("name"),
    "name with a language": put("nameMap", {"fr": "La Fabrique"}),
    "name an IRI": put("name", {"id": OTHER}),
    "two names": twice("name", "Other"),
    "two foaf names": twice("foaf:name", "Other"),
    "two summaries": twice("summary", "Other"),
    "summary a number": put("summary", 3),
    "no inbox": drop("inbox"),
    "no outbox": drop("outbox"),
    "no followers": drop("followers"),
    "no following": drop("following"),
    "inbox a blank node": put("inbox", {"type": "OrderedCollection"}),
    "two outboxes": twice("outbox", OTHER),
    "followers a number": put("followers", 9),
    "two urls": twice("url", OTHER),
    "url a blank node": put("url", {}),
    "no publicKey": drop("publicKey"),
    "publicKey a blank node": inside("publicKey", drop("id")),
    "publicKey without owner": inside("publicKey", drop("owner")),
    "publicKey without PEM": inside("publicKey", drop("publicKeyPem")),
    "publicKey not PEM": inside("publicKey", put("publicKeyPem", "MIIBIjANBgkq")),
    "publicKey two owners": inside("publicKey", twice("owner", OTHER)),
    "publicKey owner a blank node": inside("publicKey", put("owner", {"name": "x"})),
    "publicKey an IRI only": put("publicKey", "https://x.example/actor#key"),
    "two publicKeys": append(
        "publicKey", {"id": OTHER, "owner": OTHER, "publicKeyPem": "-----BEGIN PUBLIC KEY-----"}
    ),
    "two endpoints": append("endpoints", {"sharedInbox": OTHER}),
    "two shared inboxes": inside("endpoints", twice("sharedInbox", OTHER)),
    "shared inbox a blank node": inside("endpoints", put("sharedInbox", {})),
    "manuallyApprovesFollowers as text": put("manuallyApprovesFollowers", "no"),
    "discoverable twice": put("discoverable", [True, False]),
    "indexable a number": put("indexable", 0),
    "two types": put("type", ["Organization", "Experience"]),
    "unknown type": put("type", "Person"),
}

MUTATIONS: dict[str, dict[str, Mutation]] = {
    "Experience": ITEM_MUTATIONS | EXPERIENCE_MUTATIONS,
    "GuidingPrinciple": ITEM_MUTATIONS | PRINCIPLE_MUTATIONS,
    "Resource": ITEM_MUTATIONS | RESOURCE_MUTATIONS,
    "Territory": TERRITORY_MUTATIONS,
    "Theme": THEME_MUTATIONS,
    "NodeActor": ACTOR_MUTATIONS,
}

# The shared item mutations that also run on the resource and the principle examples.
SAMPLE = [
    "no licence at all",
    "two mediation steps",
    "two mirrorOf",
    "published in words",
    "generatedAtTime ill-typed",
    "owner a blank node",
    "subject a blank node",
    "two titles in French",
    "language with underscore",
    "mediaType in capitals",
    "hashtag without #",
    "tag that is a Link",
    "attachment with href and url",
    "negative byteSize",
    "schema:license differs",
]

# Each example broken one way: the shared item mutations on the experience (a sample on
# the resource and the principle), and each type's own mutations on its example. The
# random test below mixes them, one to three at a time, on generated objects of all types.
CASES = [
    pytest.param(kind, label, id=f"{kind}: {label}")
    for kind, labels in [
        ("Experience", MUTATIONS["Experience"]),
        ("Resource", [*SAMPLE, *RESOURCE_MUTATIONS]),
        ("GuidingPrinciple", [*SAMPLE, *PRINCIPLE_MUTATIONS]),
        ("Territory", TERRITORY_MUTATIONS),
        ("Theme", THEME_MUTATIONS),
        ("NodeActor", ACTOR_MUTATIONS),
    ]
    for label in labels
]


@pytest.mark.parametrize(("kind", "label"), CASES)
def test_broken_examples_get_the_same_results(kind, label):
    """Given an example broken one way, when validated both ways, then the results agree."""
    doc = EXAMPLES[kind]().to_jsonld()
    MUTATIONS[kind][label](doc)
    assert_agree(doc)


# A tag with capitals ("fr-CA" of the generated objects, "FR") is worded lower-cased by
# validate() in our own context (the same RDF term), as written by pyshacl: wording only.
# "also an Organization" puts the object's tagged names under the actor's xsd:string name
# shape, whose reason quotes them: kept out of the mix.
UNMIXED = {"French twice, by case", "also an Organization"}


@st.composite
def broken_documents(draw: st.DrawFn) -> dict[str, Any]:
    """Draw a valid object of any type, then break it in one to three ways."""
    kind = draw(st.sampled_from(sorted(STRATEGIES)))
    doc = draw(STRATEGIES[kind]).to_jsonld()
    mixable = sorted(set(MUTATIONS[kind]) - UNMIXED)
    labels = draw(st.lists(st.sampled_from(mixable), min_size=1, max_size=3))
    for label in labels:
        MUTATIONS[kind][label](doc)
    return doc


@settings(FEW, max_examples=60)
@given(broken_documents())
def test_randomly_broken_objects_get_the_same_results(doc):
    """Given any object broken in one to three random ways, then both validators agree."""
    assert_agree(doc)


@pytest.mark.parametrize(
    "label",
    [None, "schema:license differs", "two titles in French", "byteSize as text", "tag an IRI"],
    ids=lambda label: label or "unchanged",
)
def test_documents_in_another_context_get_the_same_results(label):
    """Given an experience in a context not exactly ours (parsed by rdflib), unchanged or
    broken one way, then both validators agree."""
    doc = EXAMPLES["Experience"]().to_jsonld()
    if label:
        ITEM_MUTATIONS[label](doc)
    assert_agree(foreign(doc))


def test_documents_neither_validator_can_read_are_refused_alike():
    """Given a JSON float, an unknown key or a list, then both refuse them alike."""
    territory = EXAMPLES["Territory"]().to_jsonld()
    territory["latitude"] = 123.5
    experience = EXAMPLES["Experience"]().to_jsonld()
    experience["bogus"] = "value"
    for doc in (territory, experience, [1, 2]):
        assert assert_agree(doc)[0].startswith("unreadable document")


def test_a_json_float_in_another_context_is_checked_alike():
    """Given latitude 123.5 as a JSON float in another context, then both refuse it alike."""
    doc = EXAMPLES["Territory"]().to_jsonld()
    doc["latitude"] = 123.5
    reasons = assert_agree(foreign(doc))
    assert any("between -90 and 90" in reason for reason in reasons)


# --- documents given as graphs --------------------------------------------------------

GraphMutation = Callable[[rdflib.Graph], None]


def replace(predicate: rdflib.URIRef, new: rdflib.term.Node) -> GraphMutation:
    """Replace every value of `predicate` by `new`."""

    def mutate(graph: rdflib.Graph) -> None:
        for subject in set(graph.subjects(predicate, None)):
            graph.remove((subject, predicate, None))
            graph.add((subject, predicate, new))

    return mutate


def add(cls: rdflib.URIRef, predicate: rdflib.URIRef, *values: rdflib.term.Node) -> GraphMutation:
    """Add values of `predicate` to the instances of `cls`."""

    def mutate(graph: rdflib.Graph) -> None:
        for subject in set(graph.subjects(RDF.type, cls)):
            for value in values:
                graph.add((subject, predicate, value))

    return mutate


def retype(old: rdflib.URIRef, new: rdflib.term.Node) -> GraphMutation:
    """Give the instances of `old` the type `new` instead."""

    def mutate(graph: rdflib.Graph) -> None:
        for subject in set(graph.subjects(RDF.type, old)):
            graph.remove((subject, RDF.type, old))
            graph.add((subject, RDF.type, new))

    return mutate


def only(*triples: tuple) -> GraphMutation:
    """Replace the whole graph by these triples."""

    def mutate(graph: rdflib.Graph) -> None:
        graph.remove((None, None, None))
        for triple in triples:
            graph.add(triple)

    return mutate


def text(value: str, lang: str | None = None, datatype: Any = None) -> rdflib.Literal:
    return rdflib.Literal(value, lang=lang, datatype=datatype)


GRAPH_CASES = [
    pytest.param(kind, mutate, id=f"{kind}: {label}")
    for kind, label, mutate in [
        ("Experience", "owner a plain literal", replace(AS.attributedTo, text(OTHER))),
        ("Experience", "owner a blank node", replace(AS.attributedTo, rdflib.BNode())),
        ("Experience", "language an IRI", replace(DCT.language, rdflib.URIRef(OTHER))),
        ("Experience", "language with a tag", replace(DCT.language, text("fr", "fr"))),
        ("Experience", "language typed", replace(DCT.language, text("fr", None, XSD.string))),
        ("Experience", "indexable typed 1", replace(TOOT.indexable, text("1", None, XSD.boolean))),
        ("Experience", "indexable an integer", replace(TOOT.indexable, rdflib.Literal(1))),
        ("Experience", "attribution tagged", replace(CC.attributionName, text("C", "fr"))),
        ("Experience", "a French name by case", add(COMMONS.Experience, AS.name, text("X", "FR"))),
        (
            "Experience",
            "periodEnd a date-time",
            replace(COMMONS.periodEnd, text("2023-06-30T00:00:00Z", None, XSD.dateTime)),
        ),
        (
            "Experience",
            "period as plain strings",
            chain(
                replace(COMMONS.periodStart, text("2019-09-01")),
                replace(COMMONS.periodEnd, text("2023-06-30")),
            ),
        ),
        (
            "Territory",
            "fr-CA and FR-ca",
            add(COMMONS.Territory, AS.name, text("a", "fr-CA"), text("b", "FR-ca")),
        ),
        ("Territory", "latitude a double", replace(AS.latitude, text("45.0", None, XSD.double))),
        ("Territory", "latitude an IRI", replace(AS.latitude, rdflib.URIRef(OTHER))),
        ("Territory", "latitude a blank node", replace(AS.latitude, rdflib.BNode())),
        ("Territory", "geo:lat an integer", replace(GEO.lat, rdflib.Literal(95))),
        ("Territory", "kind with a tag", replace(COMMONS.territoryKind, text("commune", "fr"))),
        ("Territory", "kind an IRI", replace(COMMONS.territoryKind, rdflib.URIRef(OTHER))),
        (
            "Resource",
            "mediation step a literal",
            replace(COMMONS.mediationStep, text(str(COMMONS.dissemination))),
        ),
        ("Theme", "schema:license a literal", replace(SCHEMA.license, text(LICENCE))),
        ("GuidingPrinciple", "hashtag type a literal", retype(AS.Hashtag, text(str(AS.Hashtag)))),
        (
            "NodeActor",
            "PEM with a tag",
            replace(SEC.publicKeyPem, text("-----BEGIN PUBLIC KEY-----", "en")),
        ),
        ("NodeActor", "a type alone", only((rdflib.URIRef(OTHER), RDF.type, AS.Organization))),
        ("Theme", "empty graph", only()),
    ]
]


@pytest.mark.parametrize(("kind", "mutate"), GRAPH_CASES)
def test_broken_graphs_get_the_same_results(kind, mutate):
    """Given an example's graph with triples changed, then both validators agree on it."""
    graph = to_graph(EXAMPLES[kind]())
    mutate(graph)
    assert_agree(graph)


# --- where pyshacl departs from SHACL 1.0 and shacl_core follows it -------------------

LTOE = "LessThanOrEqualsConstraintComponent"
MAX = "MaxInclusiveConstraintComponent"
MIN = "MinInclusiveConstraintComponent"
PERIOD_START = str(COMMONS.periodStart)


def _date(value: str) -> Lit:
    return Lit(value, str(XSD.date))


def _broken(kind: str, mutation: Mutation) -> dict[str, Any]:
    doc = EXAMPLES[kind]().to_jsonld()
    mutation(doc)
    return doc


@pytest.mark.parametrize(
    ("doc", "only_core"),
    [
        pytest.param(
            _broken("Experience", period("2021-02-30", "2023-06-30")),
            {(LTOE, PERIOD_START, _date("2021-02-30"), False)},
            id="ill-typed periodStart",
        ),
        pytest.param(
            _broken("Experience", period("1st of May", "2023-06-30")),
            {(LTOE, PERIOD_START, _date("1st of May"), False)},
            id="periodStart in words",
        ),
        pytest.param(
            _broken("Experience", period("2019-09-01", "mid 2023")),
            {(LTOE, PERIOD_START, _date("2019-09-01"), False)},
            id="ill-typed periodEnd",
        ),
        pytest.param(
            _broken(
                "Experience", period({"id": "https://x.example/a"}, {"id": "https://x.example/b"})
            ),
            {(LTOE, PERIOD_START, "https://x.example/a", False)},
            id="period as IRIs",
        ),
        pytest.param(
            _broken("Territory", put("latitude", "north")),
            {(MAX, str(AS.latitude), Lit("north", str(XSD.float)), False)},
            id="latitude not a number",
        ),
        pytest.param(
            _broken("Territory", put("geo:lat", "1,5")),
            {(MAX, str(GEO.lat), Lit("1,5", str(XSD.decimal)), False)},
            id="geo:lat not a number",
        ),
    ],
)
def test_values_that_cannot_be_compared_are_violations_which_pyshacl_misses(doc, only_core):
    """Given values that cannot be compared (ill-typed, or IRIs), then shacl_core reports a
    result for sh:lessThanOrEquals and sh:maxInclusive, as SHACL 1.0 says (4.3.4, 4.5.4:
    "does not return true", "or where the two values cannot be compared"); pyshacl
    compares lexical forms (and IRIs as strings), or ranks an unparsed number below 90."""
    c = compare(doc)
    assert c.core - c.pyshacl == only_core
    assert c.pyshacl <= c.core
    assert c.ours and c.reference  # the datatype constraint refuses these documents anyway


def test_a_typed_xsd_string_is_the_same_literal_as_a_plain_one():
    """Given resourceType "guide"^^xsd:string (in another context), then shacl_core accepts
    it: in RDF 1.1 it is the literal "guide" of the sh:in list; pyshacl (rdflib) tells the
    two apart and refuses the resource. validate() answers documents in other contexts with
    pyshacl (rdflib rewrites some literals as it reads them), so it refuses it too."""
    doc = EXAMPLES["Resource"]().to_jsonld()
    doc["resourceType"] = {"@value": "guide", "@type": str(XSD.string)}
    c = compare(foreign(doc))
    assert c.core == set()
    assert c.pyshacl == {("InConstraintComponent", str(COMMONS.resourceType), Lit("guide"), False)}
    assert c.ours == c.reference != []


def test_a_negative_json_number_is_not_a_non_negative_integer():
    """Given an attachment's byteSize -3, a JSON number, in another context, then
    shacl_core refuses it; pyshacl accepts it: rdflib's JSON-LD parser builds the literal
    from the Python int and never marks "-3"^^xsd:nonNegativeInteger ill-typed. validate()
    gives pyshacl's answer for documents in other contexts (a known gap, in our own context
    the value is refused)."""
    doc = EXAMPLES["Experience"]().to_jsonld()
    doc["attachment"][1]["dcat:byteSize"] = -3
    c = compare(foreign(doc))
    assert c.pyshacl == set() and c.reference == []
    negative = Lit("-3", str(XSD.nonNegativeInteger))
    assert ("DatatypeConstraintComponent", str(DCAT.byteSize), negative, True) in c.core
    assert c.ours == []
    own = EXAMPLES["Experience"]().to_jsonld()
    own["attachment"][1]["dcat:byteSize"] = -3
    assert any("non-negative integer" in reason for reason in validate(own))


def test_a_blank_periodStart_is_refused_where_pyshacl_raises():
    """Given a periodStart that is a blank node, then shacl_core refuses it (a blank node
    cannot be compared), where pyshacl raises "Cannot use sh:lessThanOrEquals to compare
    a BlankNode" and validate_with_pyshacl() with it."""
    doc = _broken("Experience", period({"name": "x"}, "2023-06-30"))
    assert any("not after periodEnd" in reason for reason in validate(doc))
    results = compiled_shapes().validate(triples_of(doc))
    assert {r.component for r in results} == {"DatatypeConstraintComponent", LTOE}
    with pytest.raises(ReportableRuntimeError, match="compare a BlankNode"):
        validate_with_pyshacl(doc)


# --- comparisons as SPARQL makes them (NaN, text against numbers or dates) -------------


def test_a_nan_latitude_is_refused():
    """Given latitude "NaN"^^xsd:float, then both bounds are violated (pyshacl reports the
    sh:minInclusive one, and refuses the territory)."""
    c = compare(_broken("Territory", put("latitude", "NaN")))
    nan = _normal(Lit("NaN", str(XSD.float)))
    assert {(MIN, str(AS.latitude), nan, False), (MAX, str(AS.latitude), nan, False)} <= c.core
    assert c.ours != []


def test_a_latitude_given_as_text_violates_both_bounds():
    """Given latitude "45.0" as a plain string (in a graph), then sh:minInclusive is
    violated as sh:maxInclusive is (pyshacl reports both)."""
    graph = to_graph(EXAMPLES["Territory"]())
    replace(AS.latitude, text("45.0"))(graph)
    assert_agree(graph)


def test_a_periodEnd_given_as_text_cannot_be_compared():
    """Given a periodEnd "2023-06-30" as a plain string (in a graph), then periodStart
    violates sh:lessThanOrEquals (pyshacl reports it)."""
    graph = to_graph(EXAMPLES["Experience"]())
    replace(COMMONS.periodEnd, text("2023-06-30"))(graph)
    assert_agree(graph)


def test_an_ill_typed_boolean_in_another_context_is_refused():
    """Given indexable "yes"^^xsd:boolean in a document in another context (a peer's), then
    validate() refuses it: "yes" is not an xsd:boolean. rdflib rewrites the literal to
    "false" as it reads it, which only pyshacl sees through: documents in other contexts
    are validated by pyshacl."""
    doc = foreign(EXAMPLES["Experience"]().to_jsonld())
    doc["indexable"] = {"@value": "yes", "@type": str(XSD.boolean)}
    assert validate(doc) == validate_with_pyshacl(doc) != []


def test_plain_text_values_are_worded_as_pyshacl_words_them():
    """Given indexable "yes" as plain text, then validate() gives the reason
    validate_with_pyshacl() gives, word for word."""
    doc = EXAMPLES["Experience"]().to_jsonld()
    doc["indexable"] = "yes"
    assert validate(doc) == validate_with_pyshacl(doc) == ['indexable: true or false (got "yes")']


@pytest.mark.parametrize(
    ("predicate", "value"),
    [
        pytest.param(CC.attributionName, text("C", "FR"), id='"C"@FR worded "C"@fr'),
        pytest.param(DCT.title, text("T", None, XSD.string), id='"T"^^xsd:string worded "T"'),
    ],
)
def test_values_are_worded_as_they_were_written(predicate, value):
    """Given a value written in another form of the same RDF term (in a graph), then
    validate() gives the reason validate_with_pyshacl() gives, word for word."""
    graph = to_graph(EXAMPLES["Experience"]())
    replace(predicate, value)(graph)
    assert_agree(graph)


def test_text_where_a_language_map_is_expected_is_refused():
    """Given dct:title "Plain" where a language map is expected, then it is refused as
    unreadable, by both."""
    doc = EXAMPLES["Experience"]().to_jsonld()
    doc["dct:title"] = "Plain"
    assert validate(doc) == validate_with_pyshacl(doc)
    assert validate(doc)[0].startswith("unreadable document")
