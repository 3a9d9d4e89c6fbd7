"""Typed objects the node publishes, one dataclass per type.

These are the single place where fields meet vocabulary terms: `to_jsonld()` writes the
compact JSON-LD a node serves, `from_jsonld()` reads it back (lossless for every field).
Multilingual text is a `LangMap`: {"fr": "...", "en": "..."}.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar, TypeVar

from vocab import codec
from vocab.actor import NodeActor
from vocab.codec import InvalidDocument, as_list, main_text
from vocab.context import CONTEXT
from vocab.terms import CC_BY_SA_4, COMMONS_NS, PUBLIC

LangMap = dict[str, str]
JsonLd = dict[str, Any]
T = TypeVar("T")

# The three steps of the mediation cycle, as individuals of the ontology.
MEDIATION_STEPS = {
    "narrative": COMMONS_NS + "narrative",
    "capitalisation": COMMONS_NS + "capitalisation",
    "dissemination": COMMONS_NS + "dissemination",
}


def _license_keys(doc: JsonLd, license_iri: str) -> None:
    # Three licence properties: aggregators read one or another, none reads all.
    doc["dct:license"] = license_iri
    doc["schema:license"] = license_iri
    doc["ccrel:license"] = license_iri


def _put_text(doc: JsonLd, key: str, texts: LangMap, language: str) -> None:
    # A plain value in the main language for software that ignores maps (Mastodon).
    plain = main_text(texts, language)
    if plain is not None:
        doc[key] = plain
        doc[key + "Map"] = dict(texts)


def _check_type(cls: type, doc: JsonLd, name: str) -> None:
    if not isinstance(doc, dict):
        raise InvalidDocument(f"expected a JSON object, got {type(doc).__name__}")
    if name not in codec.types_of(doc):
        raise InvalidDocument(f"not a {cls.__name__}: type is {doc.get('type')!r}")


@dataclass
class Ref:
    """A link to another object: its IRI and, when known, its label per language."""

    id: str
    name: LangMap = field(default_factory=dict)

    def to_jsonld(self) -> str | JsonLd:
        """Return a bare IRI, or an embedded node carrying the labels."""
        return {"id": self.id, "nameMap": dict(self.name)} if self.name else self.id

    @classmethod
    def from_jsonld(cls, value: Any, key: str = "ref") -> Ref:
        """Read what `to_jsonld()` wrote (an IRI or {"id", "nameMap"})."""
        if isinstance(value, dict):
            return cls(codec.read_iri(value, key), codec.read_lang_map(value, "nameMap"))
        return cls(codec.read_iri(value, key))


@dataclass
class Link:
    """An outside web page cited by an item."""

    href: str
    name: str = ""

    def to_jsonld(self) -> JsonLd:
        """Return an AS2 Link."""
        doc: JsonLd = {"type": "Link", "href": self.href}
        if self.name:
            doc["name"] = self.name
        return doc

    @classmethod
    def from_jsonld(cls, doc: JsonLd) -> Link:
        """Read an AS2 Link."""
        return cls(codec.read_str(doc, "href", required=True), codec.read_str(doc, "name") or "")


@dataclass
class Attachment:
    """A file published with an item (a PDF guide, an image...)."""

    url: str
    media_type: str
    name: str = ""
    size: int | None = None

    def to_jsonld(self) -> JsonLd:
        """Return an AS2 Document; the size as dcat:byteSize."""
        doc: JsonLd = {"type": "Document", "url": self.url, "mediaType": self.media_type}
        if self.name:
            doc["name"] = self.name
        if self.size is not None:
            doc["dcat:byteSize"] = self.size
        return doc

    @classmethod
    def from_jsonld(cls, doc: JsonLd) -> Attachment:
        """Read an AS2 Document written by `to_jsonld()`."""
        size = doc.get("dcat:byteSize")
        if size is not None and (not isinstance(size, int) or isinstance(size, bool)):
            raise InvalidDocument(f"dcat:byteSize: expected an integer, got {size!r}")
        return cls(
            url=codec.read_iri(doc.get("url"), "url"),
            media_type=codec.read_str(doc, "mediaType", required=True),
            name=codec.read_str(doc, "name") or "",
            size=size,
        )


@dataclass
class Item:
    """Fields every experience, guiding principle and resource shares.

    `content` is the sanitised HTML rendering of `source` (Markdown), per language.
    `attributed_to` is the owning node actor's IRI; `authors` are the names of the people or
    organisations who wrote it (attribution under the licence).
    """

    # The AS2 core type first (what plain fediverse software shows), then ours.
    TYPES: ClassVar[tuple[str, ...]] = ("Object",)
    MEDIATION_STEP: ClassVar[str] = ""

    id: str
    attributed_to: str
    name: LangMap
    language: str
    license: str
    summary: LangMap = field(default_factory=dict)
    source: LangMap = field(default_factory=dict)
    content: LangMap = field(default_factory=dict)
    authors: list[str] = field(default_factory=list)
    themes: list[Ref] = field(default_factory=list)
    territories: list[Ref] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    published: datetime | None = None
    updated: datetime | None = None
    indexable: bool = True
    # Set on a copy mirrored from another node: the original's IRI and when we took it.
    derived_from_original: str | None = None
    generated_at: datetime | None = None
    # Set on an item imported from elsewhere (a feed, an OAI-PMH record): where it came from.
    imported_from: str | None = None

    def to_jsonld(self) -> JsonLd:
        """Return the compact JSON-LD the node serves (`@context`, `type`, `id` first)."""
        lang = self.language
        doc: JsonLd = {"@context": list(CONTEXT), "type": list(self.TYPES), "id": self.id}
        doc["url"] = self.id
        doc["attributedTo"] = self.attributed_to
        doc["to"] = [PUBLIC]
        _put_text(doc, "name", self.name, lang)
        _put_text(doc, "summary", self.summary, lang)
        _put_text(doc, "content", self.content, lang)
        if self.content:
            doc["mediaType"] = "text/html"
        if self.source:
            doc["source"] = {"mediaType": "text/markdown"}
            _put_text(doc["source"], "content", self.source, lang)
        if self.published is not None:
            doc["published"] = codec.fmt_datetime(self.published)
        if self.updated is not None:
            doc["updated"] = codec.fmt_datetime(self.updated)
        doc["sensitive"] = False
        doc["indexable"] = self.indexable
        doc["dct:language"] = lang
        if self.themes:
            doc["tag"] = [
                {
                    "type": "Hashtag",
                    "href": ref.id,
                    "name": codec.hashtag_name(main_text(ref.name, lang) or "", ref.id),
                }
                for ref in self.themes
            ]
            doc["dct:subject"] = [ref.to_jsonld() for ref in self.themes]
        if self.territories:
            doc["location"] = [ref.to_jsonld() for ref in self.territories]
            doc["dct:spatial"] = [ref.id for ref in self.territories]
        if self.links or self.attachments:
            doc["attachment"] = [x.to_jsonld() for x in [*self.links, *self.attachments]]
        if self.authors:
            doc["authors"] = list(self.authors)
        self._put_specific(doc)
        # Generic triples beside ours, for harvesters that do not reason over the ontology.
        doc["mediationStep"] = self.MEDIATION_STEP
        if self.name:
            doc["dct:title"] = dict(self.name)
        if self.summary:
            doc["dct:description"] = dict(self.summary)
        if self.published is not None:
            doc["dct:created"] = doc["published"]
        if self.updated is not None:
            doc["dct:modified"] = doc["updated"]
        doc["dct:creator"] = self.attributed_to
        doc["prov:wasAttributedTo"] = self.attributed_to
        _license_keys(doc, self.license)
        # Attribution is a licence duty: the authors, else at least the origin node.
        names = ", ".join(self.authors)
        doc["ccrel:attributionName"] = names or codec.host_of(self.attributed_to)
        doc["ccrel:attributionURL"] = self.id
        derived = self._derived_iris()
        if self.derived_from_original is not None:
            doc["mirrorOf"] = self.derived_from_original
            derived.append(self.derived_from_original)
        if self.imported_from is not None:
            doc["dct:source"] = self.imported_from
            derived.append(self.imported_from)
        if derived:
            doc["prov:wasDerivedFrom"] = derived
        if self.generated_at is not None:
            doc["prov:generatedAtTime"] = codec.fmt_datetime(self.generated_at)
        return doc

    def _put_specific(self, doc: JsonLd) -> None:
        """Add the fields of the subclass (overridden)."""

    def _derived_iris(self) -> list[str]:
        """Return the IRIs this item was drawn from, besides a mirrored original."""
        return []

    @classmethod
    def from_jsonld(cls: type[T], doc: JsonLd) -> T:
        """Read a document written by `to_jsonld()` (or a peer's in the same shape)."""
        _check_type(cls, doc, cls.TYPES[1])  # type: ignore[attr-defined]
        kwargs = cls._read_common(doc)  # type: ignore[attr-defined]
        kwargs.update(cls._read_specific(doc))  # type: ignore[attr-defined]
        return cls(**kwargs)

    @classmethod
    def _read_common(cls, doc: JsonLd) -> dict[str, Any]:
        attachments = [a for a in as_list(doc.get("attachment")) if isinstance(a, dict)]
        source = doc.get("source") or {}
        if not isinstance(source, dict):
            raise InvalidDocument("source: expected an object")
        return {
            "id": codec.read_str(doc, "id", required=True),
            "attributed_to": codec.read_iri(doc.get("attributedTo"), "attributedTo"),
            "name": codec.read_lang_map(doc, "nameMap"),
            "language": codec.read_str(doc, "dct:language", required=True),
            "license": codec.read_iri(doc.get("dct:license"), "dct:license"),
            "summary": codec.read_lang_map(doc, "summaryMap"),
            "source": codec.read_lang_map(source, "contentMap"),
            "content": codec.read_lang_map(doc, "contentMap"),
            "authors": codec.read_str_list(doc, "authors"),
            "themes": [Ref.from_jsonld(v, "dct:subject") for v in as_list(doc.get("dct:subject"))],
            "territories": [Ref.from_jsonld(v, "location") for v in as_list(doc.get("location"))],
            "links": [Link.from_jsonld(a) for a in attachments if a.get("type") == "Link"],
            "attachments": [
                Attachment.from_jsonld(a) for a in attachments if a.get("type") != "Link"
            ],
            "published": codec.opt_datetime(doc, "published"),
            "updated": codec.opt_datetime(doc, "updated"),
            "indexable": codec.read_bool(doc, "indexable", True),
            "derived_from_original": codec.read_str(doc, "mirrorOf"),
            "generated_at": codec.opt_datetime(doc, "prov:generatedAtTime"),
            "imported_from": codec.read_str(doc, "dct:source"),
        }

    @classmethod
    def _read_specific(cls, doc: JsonLd) -> dict[str, Any]:
        return {}


@dataclass
class Experience(Item):
    """One action told as a narrative, rooted in a territory and a period."""

    TYPES: ClassVar[tuple[str, ...]] = ("Article", "Experience", "schema:CreativeWork")
    MEDIATION_STEP: ClassVar[str] = MEDIATION_STEPS["narrative"]

    period_start: date | None = None
    period_end: date | None = None
    organisations: list[str] = field(default_factory=list)
    circumstances: LangMap = field(default_factory=dict)
    lessons: LangMap = field(default_factory=dict)
    limits: LangMap = field(default_factory=dict)

    def _put_specific(self, doc: JsonLd) -> None:
        if self.period_start is not None:
            doc["periodStart"] = codec.fmt_date(self.period_start)
        if self.period_end is not None:
            doc["periodEnd"] = codec.fmt_date(self.period_end)
        if self.organisations:
            doc["organisations"] = list(self.organisations)
        for key in ("circumstances", "lessons", "limits"):
            if getattr(self, key):
                doc[key] = dict(getattr(self, key))

    @classmethod
    def _read_specific(cls, doc: JsonLd) -> dict[str, Any]:
        return {
            "period_start": codec.opt_date(doc, "periodStart"),
            "period_end": codec.opt_date(doc, "periodEnd"),
            "organisations": codec.read_str_list(doc, "organisations"),
            "circumstances": codec.read_lang_map(doc, "circumstances"),
            "lessons": codec.read_lang_map(doc, "lessons"),
            "limits": codec.read_lang_map(doc, "limits"),
        }


@dataclass
class GuidingPrinciple(Item):
    """A condition of success drawn from confronting several experiences.

    `name` holds the statement, `source`/`content` the explanation.
    """

    TYPES: ClassVar[tuple[str, ...]] = ("Article", "GuidingPrinciple", "schema:CreativeWork")
    MEDIATION_STEP: ClassVar[str] = MEDIATION_STEPS["capitalisation"]

    derived_from: list[Ref] = field(default_factory=list)

    def _put_specific(self, doc: JsonLd) -> None:
        if self.derived_from:
            doc["derivedFrom"] = [ref.to_jsonld() for ref in self.derived_from]

    def _derived_iris(self) -> list[str]:
        return [ref.id for ref in self.derived_from]

    @classmethod
    def _read_specific(cls, doc: JsonLd) -> dict[str, Any]:
        refs = as_list(doc.get("derivedFrom"))
        return {"derived_from": [Ref.from_jsonld(v, "derivedFrom") for v in refs]}


@dataclass
class Resource(Item):
    """A guide, training module, report, video or tool that carries principles to others."""

    TYPES: ClassVar[tuple[str, ...]] = ("Page", "Resource", "schema:CreativeWork")
    MEDIATION_STEP: ClassVar[str] = MEDIATION_STEPS["dissemination"]

    resource_type: str = "guide"
    # The resource itself when it lives elsewhere on the web.
    resource_url: str | None = None

    def _put_specific(self, doc: JsonLd) -> None:
        doc["resourceType"] = self.resource_type
        if self.resource_url is not None:
            doc["resourceURL"] = self.resource_url

    @classmethod
    def _read_specific(cls, doc: JsonLd) -> dict[str, Any]:
        return {
            "resource_type": codec.read_str(doc, "resourceType") or "guide",
            "resource_url": codec.read_str(doc, "resourceURL"),
        }


@dataclass
class Territory:
    """A commune, inter-communal body, department, region or country."""

    TYPES: ClassVar[tuple[str, ...]] = ("Place", "Territory", "schema:Place", "dct:Location")

    id: str
    name: LangMap
    kind: str
    latitude: float | None = None
    longitude: float | None = None
    code: str | None = None  # official code, e.g. INSEE
    same_as: list[str] = field(default_factory=list)  # Wikidata and other IRIs
    part_of: Ref | None = None

    def to_jsonld(self) -> JsonLd:
        """Return the territory as an AS2 Place, schema:Place and dct:Location."""
        doc: JsonLd = {"@context": list(CONTEXT), "type": list(self.TYPES), "id": self.id}
        doc["url"] = self.id
        _put_text(doc, "name", self.name, "fr")
        doc["territoryKind"] = self.kind
        # Coordinates as decimal strings: JSON numbers get a different lexical form in
        # each JSON-LD processor, and every format must yield the same graph.
        if self.latitude is not None:
            doc["latitude"] = doc["geo:lat"] = codec.fmt_decimal(self.latitude)
        if self.longitude is not None:
            doc["longitude"] = doc["geo:long"] = codec.fmt_decimal(self.longitude)
        if self.code is not None:
            doc["skos:notation"] = self.code
        if self.same_as:
            doc["skos:exactMatch"] = list(self.same_as)
        if self.part_of is not None:
            doc["schema:containedInPlace"] = self.part_of.to_jsonld()
            doc["dct:isPartOf"] = self.part_of.id
        _license_keys(doc, CC_BY_SA_4)
        return doc

    @classmethod
    def from_jsonld(cls, doc: JsonLd) -> Territory:
        """Read a document written by `to_jsonld()`."""
        _check_type(cls, doc, "Territory")
        lat, long = doc.get("latitude"), doc.get("longitude")
        part_of = doc.get("schema:containedInPlace")
        return cls(
            id=codec.read_str(doc, "id", required=True),
            name=codec.read_lang_map(doc, "nameMap"),
            kind=codec.read_str(doc, "territoryKind", required=True),
            latitude=None if lat is None else codec.parse_float(lat, "latitude"),
            longitude=None if long is None else codec.parse_float(long, "longitude"),
            code=codec.read_str(doc, "skos:notation"),
            same_as=codec.read_iri_list(doc, "skos:exactMatch"),
            part_of=None if part_of is None else Ref.from_jsonld(part_of, "containedInPlace"),
        )


@dataclass
class Theme:
    """A concept of the node's theme thesaurus (a SKOS concept)."""

    TYPES: ClassVar[tuple[str, ...]] = ("Object", "Theme", "skos:Concept")
    _LINKS: ClassVar[tuple[tuple[str, str], ...]] = (
        ("broader", "skos:broader"),
        ("narrower", "skos:narrower"),
        ("related", "skos:related"),
        ("exact_match", "skos:exactMatch"),
        ("close_match", "skos:closeMatch"),
    )

    id: str
    scheme: str
    pref_label: LangMap
    definition: LangMap = field(default_factory=dict)
    broader: list[str] = field(default_factory=list)
    narrower: list[str] = field(default_factory=list)
    related: list[str] = field(default_factory=list)
    exact_match: list[str] = field(default_factory=list)
    close_match: list[str] = field(default_factory=list)

    def to_jsonld(self) -> JsonLd:
        """Return the theme as a SKOS concept that AS2 software can still display."""
        doc: JsonLd = {"@context": list(CONTEXT), "type": list(self.TYPES), "id": self.id}
        doc["url"] = self.id
        _put_text(doc, "name", self.pref_label, "fr")
        _put_text(doc, "summary", self.definition, "fr")
        if self.pref_label:
            doc["skos:prefLabel"] = dict(self.pref_label)
        if self.definition:
            doc["skos:definition"] = dict(self.definition)
        doc["skos:inScheme"] = self.scheme
        for attr, key in self._LINKS:
            if getattr(self, attr):
                doc[key] = list(getattr(self, attr))
        _license_keys(doc, CC_BY_SA_4)
        return doc

    @classmethod
    def from_jsonld(cls, doc: JsonLd) -> Theme:
        """Read a document written by `to_jsonld()`."""
        _check_type(cls, doc, "Theme")
        links = {attr: codec.read_iri_list(doc, key) for attr, key in cls._LINKS}
        return cls(
            id=codec.read_str(doc, "id", required=True),
            scheme=codec.read_iri(doc.get("skos:inScheme"), "skos:inScheme"),
            pref_label=codec.read_lang_map(doc, "skos:prefLabel"),
            definition=codec.read_lang_map(doc, "skos:definition"),
            **links,
        )


Object = Experience | GuidingPrinciple | Resource | Territory | Theme | NodeActor

# Our own type name (second in `type`) -> dataclass; the actor is found by its AS2 type.
OBJECT_TYPES: dict[str, type] = {
    "Experience": Experience,
    "GuidingPrinciple": GuidingPrinciple,
    "Resource": Resource,
    "Territory": Territory,
    "Theme": Theme,
    "Organization": NodeActor,
}


def object_from_jsonld(doc: JsonLd) -> Object:
    """Read any of our object types, choosing the dataclass from `type`."""
    if not isinstance(doc, dict):
        raise InvalidDocument(f"expected a JSON object, got {type(doc).__name__}")
    for name in codec.types_of(doc):
        if name in OBJECT_TYPES:
            return OBJECT_TYPES[name].from_jsonld(doc)
    raise InvalidDocument(f"unknown object type {doc.get('type')!r}")
