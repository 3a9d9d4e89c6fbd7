"""JSON-LD contexts, bundled, and the only document loader the node uses.

Every JSON-LD document the node writes starts with `CONTEXT`: the AS2 and security v1
contexts by URL, then our terms inline, so that no one has to fetch our context. Readers
here never fetch either: `expand_contexts()` swaps every context URL for the bundled copy
before a document reaches rdflib or pyoxigraph, and refuses any URL it does not hold
(rdflib would otherwise download it, which is both a leak and a server-side request forgery
vector).
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from vocab.terms import AS2_CONTEXT_URL, COMMONS_NS, SECURITY_CONTEXT_URL

CONTEXTS_DIR = Path(__file__).parent / "contexts"


class VocabError(ValueError):
    """Base of every error the vocabulary raises on data it was given."""


class ContextNotAllowed(VocabError):
    """A document names a context (or any document) we do not bundle: we will not fetch it."""


# Spellings seen in the wild for the two contexts; all mean the same published document.
_BUNDLED: dict[str, str] = {
    AS2_CONTEXT_URL: "activitystreams.jsonld",
    "http://www.w3.org/ns/activitystreams": "activitystreams.jsonld",
    "https://www.w3.org/ns/activitystreams.jsonld": "activitystreams.jsonld",
    SECURITY_CONTEXT_URL: "security-v1.jsonld",
    "http://w3id.org/security/v1": "security-v1.jsonld",
    "https://w3id.org/security/v1.jsonld": "security-v1.jsonld",
    # What other fediverse servers put in their documents (Fedify, GoToSocial, Lemmy,
    # Mastodon): copies of the published documents, as Fedify 2.3.6 preloads them.
    "https://w3id.org/identity/v1": "identity-v1.jsonld",
    "https://w3id.org/security/data-integrity/v1": "data-integrity-v1.jsonld",
    "https://w3id.org/security/data-integrity/v2": "data-integrity-v2.jsonld",
    "https://w3id.org/security/multikey/v1": "multikey-v1.jsonld",
    "https://www.w3.org/ns/did/v1": "did-v1.jsonld",
    "https://www.w3.org/ns/cid/v1": "cid-v1.jsonld",
    "https://gotosocial.org/ns": "gotosocial.jsonld",
    "https://w3id.org/fep/5711": "fep-5711.jsonld",
    "https://w3id.org/fep/ef61": "fep-ef61.jsonld",
    "https://purl.archive.org/socialweb/webfinger": "webfinger.jsonld",
    "https://purl.archive.org/miscellany": "miscellany.jsonld",
    "https://join-lemmy.org/context.json": "lemmy.jsonld",
    "http://joinmastodon.org/ns": "mastodon.jsonld",
}

XSD = "http://www.w3.org/2001/XMLSchema#"

# Our terms. AS2 terms are never redefined here; `Hashtag`, `sensitive`,
# `manuallyApprovesFollowers`, `indexable` and `discoverable` are not in the published AS2
# context, so we define them exactly as Mastodon does, which makes them expand everywhere.
# Generic vocabularies use prefixed keys ("dct:title") so a reader sees which one it is;
# the prefix `ccrel` stands for Creative Commons because AS2 already owns the term `cc`.
INLINE_CONTEXT: dict[str, Any] = {
    "commons": COMMONS_NS,
    "schema": "https://schema.org/",
    "dct": "http://purl.org/dc/terms/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#",
    "geo": "http://www.w3.org/2003/01/geo/wgs84_pos#",
    "ccrel": "http://creativecommons.org/ns#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "toot": "http://joinmastodon.org/ns#",
    # Fediverse extensions of AS2 (Mastodon's spellings).
    "Hashtag": "as:Hashtag",
    "sensitive": "as:sensitive",
    "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
    "indexable": "toot:indexable",
    "discoverable": "toot:discoverable",
    # Our classes.
    "Experience": "commons:Experience",
    "GuidingPrinciple": "commons:GuidingPrinciple",
    "Resource": "commons:Resource",
    "Territory": "commons:Territory",
    "Theme": "commons:Theme",
    # Our properties.
    "circumstances": {"@id": "commons:circumstances", "@container": "@language"},
    "lessons": {"@id": "commons:lessons", "@container": "@language"},
    "limits": {"@id": "commons:limits", "@container": "@language"},
    "periodStart": {"@id": "commons:periodStart", "@type": "xsd:date"},
    "periodEnd": {"@id": "commons:periodEnd", "@type": "xsd:date"},
    "organisations": "commons:involvedOrganisation",
    "authors": "commons:authorName",
    "resourceType": "commons:resourceType",
    "resourceURL": {"@id": "commons:resourceURL", "@type": "@id"},
    "mediationStep": {"@id": "commons:mediationStep", "@type": "@id"},
    "derivedFrom": {"@id": "commons:derivedFrom", "@type": "@id"},
    "mirrorOf": {"@id": "commons:mirrorOf", "@type": "@id"},
    "territoryKind": "commons:territoryKind",
    # Generic vocabularies, published beside ours for aggregators that do not reason.
    "dct:title": {"@container": "@language"},
    "dct:description": {"@container": "@language"},
    "dct:created": {"@type": "xsd:dateTime"},
    "dct:modified": {"@type": "xsd:dateTime"},
    "dct:creator": {"@type": "@id"},
    "dct:license": {"@type": "@id"},
    "dct:subject": {"@type": "@id"},
    "dct:spatial": {"@type": "@id"},
    "dct:isPartOf": {"@type": "@id"},
    "dct:source": {"@type": "@id"},
    "schema:license": {"@type": "@id"},
    "schema:containedInPlace": {"@type": "@id"},
    "ccrel:license": {"@type": "@id"},
    "ccrel:attributionURL": {"@type": "@id"},
    "prov:wasAttributedTo": {"@type": "@id"},
    "prov:wasDerivedFrom": {"@type": "@id"},
    "prov:generatedAtTime": {"@type": "xsd:dateTime"},
    "geo:lat": {"@type": "xsd:decimal"},
    "geo:long": {"@type": "xsd:decimal"},
    "skos:prefLabel": {"@container": "@language"},
    "skos:definition": {"@container": "@language"},
    "skos:inScheme": {"@type": "@id"},
    "skos:broader": {"@type": "@id"},
    "skos:narrower": {"@type": "@id"},
    "skos:related": {"@type": "@id"},
    "skos:exactMatch": {"@type": "@id"},
    "skos:closeMatch": {"@type": "@id"},
    "dcat:byteSize": {"@type": "xsd:nonNegativeInteger"},
}

CONTEXT: list[Any] = [AS2_CONTEXT_URL, SECURITY_CONTEXT_URL, INLINE_CONTEXT]


@cache
def _bundled(filename: str) -> str:
    return (CONTEXTS_DIR / filename).read_text(encoding="utf-8")


def bundled_urls() -> tuple[str, ...]:
    """Return every context URL served from memory."""
    return tuple(_BUNDLED)


def load_document(url: str) -> dict[str, Any]:
    """Return the bundled JSON-LD document for `url`; raise ContextNotAllowed for any other.

    A fresh copy each call, so that a caller mutating it cannot corrupt the bundle.
    """
    filename = _BUNDLED.get(url.strip())
    if filename is None:
        raise ContextNotAllowed(f"context {url!r} is not bundled and will not be fetched")
    return json.loads(_bundled(filename))


def expand_contexts(doc: Any) -> Any:
    """Return a copy of `doc` where every `@context` URL is replaced by its bundled content.

    Walks the whole document (embedded nodes and scoped contexts can carry `@context` too).
    Raises ContextNotAllowed for a context URL we do not bundle and for `@import`, so
    that the result can be handed to any JSON-LD processor without it touching the network.
    """
    return _inline(copy.deepcopy(doc))


def _inline(node: Any) -> Any:
    if isinstance(node, list):
        return [_inline(item) for item in node]
    if not isinstance(node, dict):
        return node
    if "@import" in node:
        raise ContextNotAllowed("@import is not supported: it would fetch a document")
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "@context":
            out[key] = _inline_context(value)
        else:
            out[key] = _inline(value)
    return out


def _inline_context(value: Any) -> Any:
    if isinstance(value, str):
        return load_document(value)["@context"]
    if isinstance(value, list):
        return [_inline_context(item) for item in value]
    if isinstance(value, dict):
        return _inline(value)
    if value is None:
        return None
    raise ContextNotAllowed(f"@context of unexpected type {type(value).__name__}")


@cache
def active_terms() -> dict[str, Any]:
    """Return the term definitions of CONTEXT merged in order (AS2, security, ours)."""
    merged: dict[str, Any] = {}
    for entry in CONTEXT:
        merged.update(load_document(entry)["@context"] if isinstance(entry, str) else entry)
    return merged


def expand_iri(value: str, terms: dict[str, Any] | None = None) -> str:
    """Expand a term or compact IRI ("dct:title", "Article") against CONTEXT."""
    terms = active_terms() if terms is None else terms
    definition = terms.get(value)
    if definition is not None and not value.startswith("@"):
        target = definition if isinstance(definition, str) else definition.get("@id", value)
        if target != value:
            return expand_iri(target, terms)
    prefix, sep, suffix = value.partition(":")
    if sep and not suffix.startswith("//"):
        base = terms.get(prefix)
        if isinstance(base, str):
            return expand_iri(base, terms) + suffix
    return value
