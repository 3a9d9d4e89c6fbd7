"""Which resources the node offers to harvesters, and the RDF each one publishes.

The consent rules live here and nowhere else. An item is harvestable when it is published,
not hidden by an admin, marked indexable by its editor, and either this node's own or a
federated copy while the admin lets copies be harvested (`NodeSettings.harvest_federated`).
Items left out still federate to followers; they only stay out of dumps, SPARQL, OAI-PMH,
feeds and the sitemap.

A federated copy is published under its address on this node, with `prov:wasDerivedFrom`
and `commons:mirrorOf` its original, `prov:generatedAtTime` when we took it, and the
original's licence and attribution, so that aggregators harvesting several nodes can tell
copies from originals.

Each resource publishes only triples about itself (its IRI and its own blank nodes): the
labels it embeds for the themes, places and experiences it links to are dropped, because
those resources publish their own. So no triple appears twice in a dump, the N-Triples line
count is the dataset's triple count, and an excluded experience's title never leaks through
a principle that cites it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from server.extensions import db
from server.models import (
    Actor,
    HarvestRecordKind,
    Item,
    ItemStatus,
    NodeSettings,
    Territory,
    Theme,
)
from vocab import kinds
from vocab.objects import Theme as ThemeObject
from vocab.rdf import ntriples_lines
from vocab.terms import CC_BY_SA_4

SKOS_CONCEPT_SCHEME = "skos:ConceptScheme"
# The keys of our JSON-LD whose embedded nodes name other resources.
_TOP_KEYS_SKIPPED = {"@context", "id", "type"}


@dataclass
class Rendered:
    """One resource as harvesters get it: N-Triples, compact JSON-LD, Dublin Core, sets."""

    graph: str
    kind: HarvestRecordKind
    ref_id: int | None
    ntriples: str
    jsonld: str
    triples: int
    item_kind: str | None = None
    local: bool = True
    dc: str = ""
    sets: list[str] = field(default_factory=list)

    @property
    def digest(self) -> str:
        material = "\x1f".join((self.ntriples, self.jsonld, self.dc, " ".join(self.sets)))
        return hashlib.sha256(material.encode()).hexdigest()


class _Doc:
    """Adapt a ready JSON-LD document to `vocab.rdf.ntriples_lines`."""

    __slots__ = ("doc",)

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc

    def to_jsonld(self) -> dict[str, Any]:
        return self.doc


def harvest_federated() -> bool:
    """Return whether the admin lets federated copies be harvested (never creates the row)."""
    row = db.session.get(NodeSettings, 1)
    return bool(row and row.harvest_federated)


def harvest_iri(item: Item, base_url: str) -> str:
    """Return the item's IRI in the dataset: its own, or a copy's address on this node."""
    if item.actor is not None and item.actor.is_local:
        return item.iri
    return f"{base_url}/{kinds.by_name(item.kind).path}/{item.slug}"


def is_harvestable(item: Item, federated: bool) -> bool:
    """Apply the consent rules to one item."""
    if item.status != ItemStatus.PUBLISHED or item.hidden or not item.indexable:
        return False
    return bool(item.actor is not None and (item.actor.is_local or federated))


def harvestable_items(federated: bool | None = None) -> Select:
    """Select harvestable items, oldest first; join `Actor` for the local test."""
    if federated is None:
        federated = harvest_federated()
    query = (
        select(Item)
        .join(Actor, Item.actor_id == Actor.id)
        .where(
            Item.status == ItemStatus.PUBLISHED, Item.hidden.is_(False), Item.indexable.is_(True)
        )
    )
    if not federated:
        query = query.where(Actor.is_local.is_(True))
    return query


def with_relations(query: Select) -> Select:
    """Load what rendering an item touches in a few queries rather than one per item."""
    return query.options(
        selectinload(Item.actor),
        selectinload(Item.themes),
        selectinload(Item.territories),
        selectinload(Item.attachments),
        selectinload(Item.derived_from),
    )


def _pruned(doc: dict[str, Any]) -> dict[str, Any]:
    """Replace embedded nodes of other resources by their IRIs (see the module docstring)."""
    out: dict[str, Any] = {}
    for key, value in doc.items():
        if key in _TOP_KEYS_SKIPPED:
            out[key] = value
        elif isinstance(value, dict) and "id" in value:
            out[key] = value["id"]
        elif isinstance(value, list):
            out[key] = [v["id"] if isinstance(v, dict) and "id" in v else v for v in value]
        else:
            out[key] = value
    return out


def _rendered(
    doc: dict[str, Any], kind: HarvestRecordKind, ref_id: int | None, **extra: Any
) -> Rendered:
    doc = _pruned(doc)
    # One line per distinct triple, in the order the object writes them.
    lines = list(dict.fromkeys(ntriples_lines([_Doc(doc)])))
    body = {k: v for k, v in doc.items() if k != "@context"}
    return Rendered(
        graph=doc["id"],
        kind=kind,
        ref_id=ref_id,
        ntriples="".join(lines),
        jsonld=json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        triples=len(lines),
        **extra,
    )


def item_sets(item: Item) -> list[str]:
    """Return the OAI-PMH sets of an item: its type and each of its themes."""
    return [f"type:{item.kind}", *(f"theme:{t.slug}" for t in item.themes)]


def render_item(item: Item, base_url: str, node_name: str) -> Rendered:
    """Render a harvestable item (the caller checked `is_harvestable`)."""
    from server.harvest.dublincore import item_dc

    obj = item.to_object()
    local = item.actor.is_local
    if not local:
        obj.id = harvest_iri(item, base_url)
        obj.derived_from_original = item.iri
        obj.generated_at = item.fetched_at or item.updated_at
    doc = obj.to_jsonld()
    if not local:
        # Attribution under the licence points at the original, not at our copy.
        doc["ccrel:attributionURL"] = item.iri
    return _rendered(
        doc,
        HarvestRecordKind.ITEM,
        item.id,
        item_kind=item.kind,
        local=local,
        dc=item_dc(item, doc["id"], node_name),
        sets=item_sets(item),
    )


def scheme_iri(base_url: str) -> str:
    """Return the IRI of the node's concept scheme (the thesaurus)."""
    return f"{base_url}/themes/"


def theme_scheme(theme: Theme, base_url: str) -> str:
    """Return the scheme a concept belongs to: ours, or its node's for a remote one."""
    return f"{theme.origin}/themes/" if theme.origin else scheme_iri(base_url)


def render_theme(theme: Theme, base_url: str) -> Rendered:
    """Render a concept of the thesaurus."""
    obj: ThemeObject = theme.to_object(scheme=theme_scheme(theme, base_url))
    return _rendered(obj.to_jsonld(), HarvestRecordKind.THEME, theme.id, local=theme.origin is None)


def render_territory(territory: Territory) -> Rendered:
    """Render a territory."""
    return _rendered(
        territory.to_object().to_jsonld(),
        HarvestRecordKind.TERRITORY,
        territory.id,
        local=territory.origin is None,
    )


def render_scheme(base_url: str, titles: dict[str, str]) -> Rendered:
    """Render the node's concept scheme: a SKOS scheme with a title, as DCAT-AP asks."""
    from vocab.context import CONTEXT

    doc: dict[str, Any] = {
        "@context": list(CONTEXT),
        "type": [SKOS_CONCEPT_SCHEME],
        "id": scheme_iri(base_url),
        "dct:title": dict(titles),
        "skos:prefLabel": dict(titles),
        "dct:license": CC_BY_SA_4,
    }
    return _rendered(doc, HarvestRecordKind.SCHEME, None)


def is_published_resource(model: Theme | Territory, federated: bool) -> bool:
    """Return whether a theme or territory belongs in the dataset (ours, or copies allowed)."""
    return model.origin is None or federated
