"""What harvesters read: each resource's published RDF, its sets, and a log of changes.

`HarvestRecord` holds the rendered N-Triples, JSON-LD and Dublin Core of every resource
the node offers to harvesters (items, themes, territories, the concept scheme), written in
the same transaction as the change that caused it. Dumps, OAI-PMH and the SPARQL index
read these rows instead of rendering 50,000 objects again. A record whose resource left
the dataset (withdrawn, hidden, no longer indexable, deleted) stays as a tombstone
(`deleted`), which OAI-PMH serves as a deleted record.

`HarvestChange` is an append-only log of record changes: SPARQL index processes catch up
from it (see `server.sparql.replica`).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.base import UTCDateTime, utcnow


class HarvestRecordKind(StrEnum):
    """What a harvest record describes."""

    ITEM = "item"
    THEME = "theme"
    TERRITORY = "territory"
    SCHEME = "scheme"  # the thesaurus as a skos:ConceptScheme


class HarvestRecord(db.Model):
    """One harvestable resource as published: RDF, sets, datestamp, or a tombstone."""

    __table_args__ = (Index("ix_harvest_record_kind_datestamp", "kind", "datestamp"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The resource's IRI in the dataset (a federated copy's local address).
    graph: Mapped[str] = mapped_column(String(1000), unique=True)
    kind: Mapped[str] = mapped_column(String(16), info={"enum": HarvestRecordKind})
    item_kind: Mapped[str | None] = mapped_column(String(16))
    ref_id: Mapped[int | None] = mapped_column(index=True)
    local: Mapped[bool] = mapped_column(default=True)
    deleted: Mapped[bool] = mapped_column(default=False)
    # Content depends on another resource's labels that changed: render again soon.
    stale: Mapped[bool] = mapped_column(default=False, index=True)
    datestamp: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    triples: Mapped[int] = mapped_column(default=0)
    digest: Mapped[str] = mapped_column(String(64), default="")
    ntriples: Mapped[str] = mapped_column(Text, default="")
    jsonld: Mapped[str] = mapped_column(Text, default="")
    dc: Mapped[str] = mapped_column(Text, default="")
    sets: Mapped[list[str]] = mapped_column(JSON, default=list)


class HarvestSet(db.Model):
    """Membership of a record in an OAI-PMH set ("type:experience", "theme:energy")."""

    record_id: Mapped[int] = mapped_column(
        ForeignKey("harvest_record.id", ondelete="CASCADE"), primary_key=True
    )
    spec: Mapped[str] = mapped_column(String(200), primary_key=True, index=True)


class HarvestChange(db.Model):
    """A record changed (or "*": reload everything); index processes replay these."""

    id: Mapped[int] = mapped_column(primary_key=True)
    graph: Mapped[str] = mapped_column(String(1000))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
