"""The node's dataset described in VoID and DCAT-AP 3.0.1, at /.well-known/void.

One catalogue, one dataset, a distribution per dump (size and SHA-256 from the snapshot
manifest, so they describe the very bytes served), the feeds and the outbox, and the SPARQL
and OAI-PMH endpoints as data services. DCAT-AP's shapes (vendored in tests/data) ask for
at most one licence on the catalogue and each distribution: the database's ODbL there,
while CC BY-SA 4.0 stays on each object. Media types, formats and languages are IRIs from
IANA and the EU authority tables, typed with the classes DCAT-AP's range shapes expect.
"""

from __future__ import annotations

from typing import Any

from rdflib import RDF, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS as DCT
from rdflib.namespace import FOAF, SKOS
from sqlalchemy import select

from server.extensions import db
from server.harvest import dataset
from server.models import Item, ItemStatus, NodeSettings, Territory, Theme
from server.models.harvest import HarvestRecord, HarvestRecordKind
from server.models.item import item_territory
from vocab.terms import COMMONS_NS, DCAT, ODBL_1, VOID

SPDX = Namespace("http://spdx.org/rdf/terms#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
IANA = "http://www.iana.org/assignments/media-types/"
FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
EU_LANGUAGE = "http://publications.europa.eu/resource/authority/language/"
LANGUAGES = {
    "fr": "FRA",
    "en": "ENG",
    "de": "DEU",
    "es": "SPA",
    "it": "ITA",
    "nl": "NLD",
    "pt": "POR",
    "ca": "CAT",
    "br": "BRE",
    "eu": "EUS",
    "oc": "OCI",
    "pl": "POL",
    "ro": "RON",
    "el": "ELL",
}
VOCABULARIES = (
    "https://www.w3.org/ns/activitystreams#",
    COMMONS_NS,
    "https://schema.org/",
    "http://purl.org/dc/terms/",
    "http://www.w3.org/2004/02/skos/core#",
    "http://www.w3.org/ns/prov#",
    "http://www.w3.org/2003/01/geo/wgs84_pos#",
    "http://creativecommons.org/ns#",
    "http://joinmastodon.org/ns#",
)
# dump format -> (title, IANA media type of the data, EU file type, compressed?)
DUMPS: dict[str, tuple[str, str, str, bool]] = {
    "nt.gz": ("N-Triples, gzipped", "application/n-triples", "RDF_N_TRIPLES", True),
    "nt": ("N-Triples", "application/n-triples", "RDF_N_TRIPLES", False),
    "ttl": ("Turtle", "text/turtle", "RDF_TURTLE", False),
    "jsonld": ("JSON-LD", "application/ld+json", "JSON_LD", False),
}
SPARQL_PROTOCOL = "https://www.w3.org/TR/sparql11-protocol/"
OAI_PMH = "http://www.openarchives.org/OAI/2.0/openarchivesprotocol.htm"
ACTIVITYPUB = "https://www.w3.org/TR/activitypub/"
EXAMPLES = 3


class _Builder:
    def __init__(self, base_url: str) -> None:
        self.base = base_url
        self.graph = Graph(bind_namespaces="none")
        for prefix, ns in (
            ("dcat", DCAT),
            ("dct", DCT),
            ("void", VOID),
            ("foaf", FOAF),
            ("skos", SKOS),
            ("spdx", SPDX),
            ("sd", SD),
            ("xsd", XSD),
        ):
            self.graph.bind(prefix, ns)

    def ref(self, fragment: str) -> URIRef:
        return URIRef(f"{self.base}/.well-known/void#{fragment}")

    def add(self, s: Any, p: Any, o: Any) -> None:
        self.graph.add((s, p, o))

    def typed(self, iri: str, cls: URIRef) -> URIRef:
        node = URIRef(iri)
        self.add(node, RDF.type, cls)
        return node

    def texts(self, s: URIRef, p: URIRef, texts: dict[str, str]) -> None:
        for lang, text in texts.items():
            self.add(s, p, Literal(text, lang=lang))


def _languages(node: NodeSettings | None) -> list[str]:
    return [lang for lang in (node.languages if node else ["fr", "en"]) if lang in LANGUAGES]


def describe(base_url: str, manifest: dict[str, Any]) -> Graph:
    """Return the VoID + DCAT-AP description of the node's dataset."""
    b = _Builder(base_url)
    node = db.session.get(NodeSettings, 1)
    name = (node.name if node else "") or base_url
    description = dict(node.description) if node and node.description else {}
    description = description or {
        "en": f"Experiences, guiding principles and resources published by {name}.",
        "fr": f"Expériences, principes directeurs et ressources publiés par {name}.",
    }
    modified = Literal(manifest["generated_at"], datatype=XSD.dateTime)
    odbl = b.typed(ODBL_1, DCT.LicenseDocument)
    languages = [
        b.typed(EU_LANGUAGE + LANGUAGES[lang], DCT.LinguisticSystem) for lang in _languages(node)
    ]
    home = b.typed(f"{base_url}/", FOAF.Document)

    publisher = URIRef(f"{base_url}/actor")
    b.add(publisher, RDF.type, FOAF.Agent)
    b.add(publisher, RDF.type, FOAF.Organization)
    b.add(publisher, FOAF.name, Literal(name))
    b.add(publisher, FOAF.homepage, home)

    scheme = b.typed(dataset.scheme_iri(base_url), SKOS.ConceptScheme)
    from vocab.thesaurus import scheme_title

    b.texts(scheme, DCT.title, scheme_title() or {"en": f"Themes of {name}"})

    catalog, data = b.ref("catalog"), b.ref("dataset")
    b.add(catalog, RDF.type, DCAT.Catalog)
    b.add(catalog, DCT.title, Literal(name))
    b.texts(catalog, DCT.description, description)
    b.add(catalog, DCT.publisher, publisher)
    b.add(catalog, FOAF.homepage, home)
    b.add(catalog, DCT.license, odbl)
    b.add(catalog, DCAT.themeTaxonomy, scheme)
    b.add(catalog, DCAT.dataset, data)
    b.add(catalog, DCT.modified, modified)
    for language in languages:
        b.add(catalog, DCT.language, language)

    b.add(data, RDF.type, DCAT.Dataset)
    b.add(data, RDF.type, VOID.Dataset)
    b.add(data, DCT.title, Literal(name))
    b.texts(data, DCT.description, description)
    b.add(data, DCT.publisher, publisher)
    b.add(data, DCT.license, odbl)
    b.add(data, DCAT.landingPage, home)
    b.add(data, DCT.modified, modified)
    for language in languages:
        b.add(data, DCT.language, language)
    b.add(data, VOID.uriSpace, Literal(f"{base_url}/"))
    b.add(data, VOID.triples, Literal(manifest["triples"], datatype=XSD.integer))
    b.add(data, VOID.entities, Literal(manifest.get("records", 0), datatype=XSD.integer))
    b.add(data, VOID.feature, URIRef("http://www.w3.org/ns/formats/N-Triples"))
    for vocabulary in VOCABULARIES:
        b.add(data, VOID.vocabulary, URIRef(vocabulary))
    for graph in _examples():
        b.add(data, VOID.exampleResource, URIRef(graph))
    _themes_and_places(b, data, scheme)
    _distributions(b, data, odbl, manifest, modified)
    _services(b, catalog, data, odbl, publisher)
    return b.graph


def _examples() -> list[str]:
    query = (
        select(HarvestRecord.graph)
        .where(HarvestRecord.kind == HarvestRecordKind.ITEM, HarvestRecord.deleted.is_(False))
        .order_by(HarvestRecord.datestamp.desc())
        .limit(EXAMPLES)
    )
    return list(db.session.scalars(query))


def _themes_and_places(b: _Builder, data: URIRef, scheme: URIRef) -> None:
    for theme in db.session.scalars(
        select(Theme).where(Theme.origin.is_(None)).order_by(Theme.slug)
    ):
        concept = b.typed(theme.iri, SKOS.Concept)
        b.texts(concept, SKOS.prefLabel, theme.pref_label)
        b.add(concept, SKOS.inScheme, scheme)
        b.add(data, DCAT.theme, concept)
    # The places harvestable items are rooted in: the dataset's spatial coverage.
    rooted = (
        select(item_territory.c.territory_id)
        .join(Item, Item.id == item_territory.c.item_id)
        .where(
            Item.status == ItemStatus.PUBLISHED, Item.hidden.is_(False), Item.indexable.is_(True)
        )
    )
    used = (
        select(Territory)
        .where(Territory.origin.is_(None), Territory.id.in_(rooted))
        .order_by(Territory.slug)
    )
    for territory in db.session.scalars(used):
        place = b.typed(territory.iri, DCT.Location)
        b.add(data, DCT.spatial, place)


def _media_type(b: _Builder, media_type: str) -> URIRef:
    return b.typed(IANA + media_type, DCT.MediaType)


def _file_type(b: _Builder, name: str) -> URIRef:
    return b.typed(FILE_TYPE + name, DCT.MediaTypeOrExtent)


def _distribution(
    b: _Builder, data: URIRef, key: str, title: str, url: str, odbl: URIRef
) -> URIRef:
    dist = b.ref(key)
    b.add(data, DCAT.distribution, dist)
    b.add(dist, RDF.type, DCAT.Distribution)
    b.add(dist, DCT.title, Literal(title, lang="en"))
    b.add(dist, DCAT.accessURL, URIRef(url))
    b.add(dist, DCT.license, odbl)
    return dist


def _distributions(
    b: _Builder, data: URIRef, odbl: URIRef, manifest: dict[str, Any], modified: Literal
) -> None:
    for fmt, (title, media_type, file_type, compressed) in DUMPS.items():
        info = manifest["files"][fmt]
        url = f"{b.base}/dumps/{info['name']}"
        dist = _distribution(b, data, "dump-" + fmt.replace(".", "-"), f"Dump, {title}", url, odbl)
        b.add(dist, DCAT.downloadURL, URIRef(url))
        b.add(data, VOID.dataDump, URIRef(url))
        b.add(dist, DCAT.mediaType, _media_type(b, media_type))
        b.add(dist, DCT.format, _file_type(b, file_type))
        if compressed:
            b.add(dist, DCAT.compressFormat, _media_type(b, "application/gzip"))
        b.add(dist, DCAT.byteSize, Literal(info["size"], datatype=XSD.nonNegativeInteger))
        b.add(dist, DCT.modified, modified)
        checksum = BNode(f"checksum{fmt.replace('.', '')}")
        b.add(dist, SPDX.checksum, checksum)
        b.add(checksum, RDF.type, SPDX.Checksum)
        b.add(checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256)
        b.add(checksum, SPDX.checksumValue, Literal(info["sha256"], datatype=XSD.hexBinary))
    for suffix, title, media_type, file_type in (
        ("atom", "Atom feed of the latest items", "application/atom+xml", "ATOM"),
        ("rss", "RSS 2.0 feed of the latest items", None, "RSS"),
    ):
        dist = _distribution(b, data, f"feed-{suffix}", title, f"{b.base}/feed.{suffix}", odbl)
        if media_type:
            b.add(dist, DCAT.mediaType, _media_type(b, media_type))
        b.add(dist, DCT.format, _file_type(b, file_type))
    outbox = _distribution(
        b,
        data,
        "outbox",
        "ActivityStreams outbox: every change, deletions as Tombstones",
        f"{b.base}/actor/outbox",
        odbl,
    )
    b.add(outbox, DCAT.mediaType, _media_type(b, "application/activity+json"))
    b.add(outbox, DCT.conformsTo, b.typed(ACTIVITYPUB, DCT.Standard))


def _services(b: _Builder, catalog: URIRef, data: URIRef, odbl: URIRef, publisher: URIRef) -> None:
    for key, title, path, standard in (
        ("sparql", "SPARQL 1.1 endpoint (read-only)", "/sparql", SPARQL_PROTOCOL),
        ("oai", "OAI-PMH 2.0 repository (oai_dc and RDF)", "/oai", OAI_PMH),
    ):
        service = b.ref(key)
        b.add(catalog, DCAT.service, service)
        b.add(service, RDF.type, DCAT.DataService)
        b.add(service, DCT.title, Literal(title, lang="en"))
        b.add(service, DCAT.endpointURL, URIRef(b.base + path))
        b.add(service, DCT.conformsTo, b.typed(standard, DCT.Standard))
        b.add(service, DCAT.servesDataset, data)
        b.add(service, DCT.license, odbl)
        b.add(service, DCT.publisher, publisher)
        dist = _distribution(b, data, f"{key}-access", title, b.base + path, odbl)
        b.add(dist, DCAT.accessService, service)
    b.add(data, VOID.sparqlEndpoint, URIRef(f"{b.base}/sparql"))
    b.add(b.ref("sparql"), DCAT.endpointDescription, URIRef(f"{b.base}/sparql"))


def service_description(base_url: str) -> Graph:
    """Return the SPARQL service description served at /sparql without a query."""
    g = Graph(bind_namespaces="none")
    g.bind("sd", SD)
    service = URIRef(f"{base_url}/sparql")
    g.add((service, RDF.type, SD.Service))
    g.add((service, SD.endpoint, service))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    g.add((service, SD.feature, SD.UnionDefaultGraph))
    for fmt in (
        "SPARQL_Results_JSON",
        "SPARQL_Results_XML",
        "SPARQL_Results_CSV",
        "SPARQL_Results_TSV",
        "Turtle",
        "N-Triples",
        "JSON-LD",
        "RDF_XML",
    ):
        g.add((service, SD.resultFormat, URIRef(f"http://www.w3.org/ns/formats/{fmt}")))
    description = BNode("dataset")
    g.add((service, SD.defaultDataset, description))
    g.add((description, RDF.type, SD.Dataset))
    g.add((description, DCT.source, URIRef(f"{base_url}/.well-known/void#dataset")))
    return g
