"""Linked-data exports: Turtle, JSON-LD, RDF/XML, N-Triples, read through vocab.rdf.parse
(which never fetches a context or an entity). Dublin Core, schema.org CreativeWork, DCAT
and our own vocabulary (commons:Experience, GuidingPrinciple, Resource) are recognised."""

from __future__ import annotations

import json
from collections.abc import Iterator

import rdflib
from rdflib import RDF, Literal, URIRef

from server.importer.errors import SourceError
from server.importer.records import Record, Refusal, parse_date
from server.importer.safexml import check_xml
from server.importer.sources import Source
from vocab.context import VocabError
from vocab.rdf import parse
from vocab.terms import COMMONS_NS

DCT = rdflib.Namespace("http://purl.org/dc/terms/")
DC = rdflib.Namespace("http://purl.org/dc/elements/1.1/")
SDO = rdflib.Namespace("https://schema.org/")
SDO_HTTP = rdflib.Namespace("http://schema.org/")
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
AS = rdflib.Namespace("https://www.w3.org/ns/activitystreams#")
SKOS = rdflib.Namespace("http://www.w3.org/2004/02/skos/core#")
FOAF = rdflib.Namespace("http://xmlns.com/foaf/0.1/")
CC = rdflib.Namespace("http://creativecommons.org/ns#")
COMMONS = rdflib.Namespace(COMMONS_NS)

_SCHEMA_WORKS = (
    "CreativeWork",
    "Article",
    "Book",
    "Report",
    "Guide",
    "HowTo",
    "VideoObject",
    "WebPage",
    "ScholarlyArticle",
    "Course",
    "LearningResource",
    "Dataset",
    "DigitalDocument",
)
# Recognised types, and the kind and resource type each one gives.
TYPES: dict[URIRef, tuple[str, str | None]] = {
    COMMONS.Experience: ("experience", None),
    COMMONS.GuidingPrinciple: ("principle", None),
    COMMONS.Resource: ("resource", None),
    DCAT.Dataset: ("resource", "dataset"),
    DCAT.Resource: ("resource", None),
    URIRef("http://purl.org/dc/dcmitype/Text"): ("resource", None),
    URIRef("http://purl.org/dc/dcmitype/MovingImage"): ("resource", "video"),
    URIRef("http://purl.org/dc/dcmitype/Dataset"): ("resource", "dataset"),
    FOAF.Document: ("resource", None),
}
for _name in _SCHEMA_WORKS:
    _type = {
        "Report": "report",
        "VideoObject": "video",
        "Course": "training",
        "Dataset": "dataset",
        "Article": "article",
        "ScholarlyArticle": "article",
    }
    for _ns in (SDO, SDO_HTTP):
        TYPES[_ns[_name]] = ("resource", _type.get(_name))

TITLE = (DCT.title, DC.title, SDO.name, SDO_HTTP.name, AS.name, SKOS.prefLabel)
SUMMARY = (
    DCT.description,
    DC.description,
    SDO.description,
    SDO_HTTP.description,
    AS.summary,
    DCT.abstract,
)
BODY = (AS.content, SDO.text, SDO_HTTP.text)
SUBJECT = (
    DCT.subject,
    DC.subject,
    SDO.keywords,
    SDO_HTTP.keywords,
    DCAT.keyword,
    DCAT.theme,
    SDO.about,
    SDO_HTTP.about,
)
PLACE = (
    DCT.spatial,
    DC.coverage,
    SDO.spatialCoverage,
    SDO_HTTP.spatialCoverage,
    SDO.contentLocation,
    AS.location,
)
LICENSE = (DCT.license, SDO.license, SDO_HTTP.license, CC.license, DCT.rights, DC.rights)
AUTHOR = (COMMONS.authorName, DCT.creator, DC.creator, SDO.author, SDO_HTTP.author)
DATE = (
    DCT.issued,
    DCT.created,
    SDO.datePublished,
    SDO_HTTP.datePublished,
    AS.published,
    DCT.date,
    DC.date,
)
LINK = (SDO.url, SDO_HTTP.url, DCAT.landingPage, FOAF.page, AS.url)
LABELS = (SKOS.prefLabel, rdflib.RDFS.label, SDO.name, SDO_HTTP.name, FOAF.name, AS.name)


def _format_of(source: Source, head: bytes) -> str:
    name = (source.path.name if source.path else source.name).lower()
    for ending, fmt in (
        (".ttl", "turtle"),
        (".nt", "nt"),
        (".jsonld", "jsonld"),
        (".json", "jsonld"),
        (".rdf", "rdfxml"),
        (".owl", "rdfxml"),
    ):
        if name.endswith(ending):
            return fmt
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith((b"{", b"[")):
        return "jsonld"
    if text.startswith(b"<") and not text.startswith(b"<http"):
        return "rdfxml"
    return "turtle"  # N-Triples is Turtle too


class RdfReader:
    """The described works of one RDF document, as records."""

    def __init__(self, source: Source) -> None:
        data = source.read()
        fmt = _format_of(source, data[:512])
        if fmt == "rdfxml":
            check_xml(data, "the RDF/XML document")
        try:
            if fmt == "jsonld":
                self.graph = parse(json.loads(data), "jsonld")
            else:
                self.graph = parse(data, fmt, engine="oxigraph")
        except (VocabError, ValueError, RecursionError) as exc:
            raise SourceError(f"{source.name} is not {fmt} RDF: {exc}") from None
        self.subjects: list[tuple[URIRef, str, str | None]] = []
        for subject, _, rdf_type in self.graph.triples((None, RDF.type, None)):
            if rdf_type in TYPES and all(s != subject for s, _, _ in self.subjects):
                self.subjects.append((subject, *TYPES[rdf_type]))
        # Our own types first: an item is also a schema:CreativeWork, and says which it is.
        ours = {s: t for s, t, _ in self.subjects}
        for subject, rdf_type in [(s, t) for s, _, t in self.graph.triples((None, RDF.type, None))]:
            if rdf_type in (COMMONS.Experience, COMMONS.GuidingPrinciple):
                ours[subject] = TYPES[rdf_type][0]
        self.subjects = [(s, ours[s], r) for s, _, r in self.subjects]
        if not self.subjects:
            raise SourceError(
                f"{source.name} describes nothing of a type we import (schema:CreativeWork, "
                "dcat:Dataset, a Dublin Core type, commons:Experience, GuidingPrinciple or "
                "Resource); nothing was imported"
            )
        self.total = len(self.subjects)

    def _literals(self, subject, predicates) -> list[Literal]:
        return [
            o for p in predicates for o in self.graph.objects(subject, p) if isinstance(o, Literal)
        ]

    def _names(self, subject, predicates) -> list[str]:
        """Literal values, and the labels (or IRIs) of linked nodes."""
        found: list[str] = []
        for p in predicates:
            for o in self.graph.objects(subject, p):
                if isinstance(o, Literal):
                    found += (
                        [v.strip() for v in str(o).split(",")]
                        if p in (SDO.keywords, SDO_HTTP.keywords)
                        else [str(o).strip()]
                    )
                    continue
                labels = [str(v) for q in LABELS for v in self.graph.objects(o, q)]
                found.append(str(o) if isinstance(o, URIRef) else (labels[0] if labels else ""))
        return [f for f in dict.fromkeys(found) if f]

    def __iter__(self) -> Iterator[Record | Refusal]:
        for subject, kind, resource_type in self.subjects:
            yield self._record(subject, kind, resource_type)

    def _record(self, subject, kind: str, resource_type: str | None) -> Record | Refusal:
        identifier = str(subject)
        titles = self._literals(subject, TITLE)
        if not titles:
            return Refusal(identifier, "no title (dct:title, schema:name)")
        language = next((t.language for t in titles if t.language), None) or "fr"
        language = language.split("-")[0]

        def langmap(values: list[Literal]) -> dict[str, str]:
            texts: dict[str, str] = {}
            for value in values:
                texts.setdefault((value.language or language).split("-")[0], str(value).strip())
            return {k: v for k, v in texts.items() if v}

        link = next(iter(self._names(subject, LINK)), None)
        if link is None and isinstance(subject, URIRef) and str(subject).startswith("http"):
            link = str(subject)
        dates = [parse_date(str(d)) for d in self._literals(subject, DATE)]
        licences = self._names(subject, LICENSE)
        return Record(
            identifier=identifier,
            where=identifier,
            title=langmap(titles),
            language=language,
            summary=langmap(self._literals(subject, SUMMARY)),
            body=langmap(self._literals(subject, BODY)),
            authors=self._names(subject, AUTHOR),
            published=next((d for d in dates if d), None),
            subjects=self._names(subject, SUBJECT),
            places=self._names(subject, PLACE),
            link=link,
            license=licences[0] if licences else None,
            kind=kind,
            resource_type=resource_type,
        )
