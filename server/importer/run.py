"""One import: read a source, show what would happen, write it idempotently.

`open_reader()` does all the network work (feeds, exports and OAI-PMH pages are fetched
whole first, with no database transaction open). `Import.run()` then writes records in
small batches, one transaction each: an interrupted run leaves whole items only, and the
next run picks up where it stopped, since every record already written is skipped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

from federation import outbox
from server.extensions import db
from server.importer import feeds
from server.importer.errors import SourceError
from server.importer.mapping import Choices, Matched, Matcher
from server.importer.records import Record, Refusal, open_licence
from server.importer.sources import FORMATS, Source, download, from_path, guess_format, is_url
from server.models import (
    Actor,
    ImportedRecord,
    ImportRun,
    Item,
    NodeSettings,
    Territory,
    Theme,
    User,
    utcnow,
)
from server.models.imports import MAX_REFUSALS, record_key
from server.services import ServiceError, audit
from server.services.items import create_item, publish_item, update_item
from server.services.taxonomy import TerritoryInput, ThemeInput, save_territory, save_theme
from server.services.validation import MAX_SUMMARY, MAX_TITLE
from vocab import kinds, objects
from vocab.terms import RESOURCE_TYPES

BATCH = 100  # records per transaction
ACTIONS = ("create", "update", "skip", "refuse")


def open_reader(
    source: str | Source,
    fmt: str | None,
    client=None,
    set_spec: str | None = None,
    seconds: float | None = None,
):
    """Return (reader, format) for a path, a URL or a Source; raise SourceError.

    Network I/O happens here, before any transaction: call it with none open.
    """
    from server.importer.csvfile import CsvReader
    from server.importer.oai import PAGE_SECONDS, OaiReader
    from server.importer.rdf import RdfReader

    if fmt is not None and fmt not in FORMATS:
        raise SourceError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")
    if isinstance(source, str) and is_url(source):
        if client is None:
            from federation.actors import client as node_client

            client = node_client()
        if fmt == "oai":
            return OaiReader(source, client, set_spec, seconds or PAGE_SECONDS), "oai"
        loaded = download(source, client)
        fmt = fmt or guess_format(loaded)
        if fmt == "oai":
            return OaiReader(source, client, set_spec, seconds or PAGE_SECONDS), "oai"
    else:
        loaded = source if isinstance(source, Source) else from_path(source)
        fmt = fmt or guess_format(loaded)
        if fmt == "oai":
            raise SourceError("an OAI-PMH source is the repository's http(s) address")
    if fmt == "csv":
        return CsvReader(loaded), fmt
    if fmt in ("rss", "atom"):
        return feeds.FeedReader(loaded), fmt
    return RdfReader(loaded), fmt


@dataclass
class Options:
    kind: str | None = None  # for records whose source does not say
    dry_run: bool = False
    publish: bool = False
    choices: Choices = field(default_factory=Choices)


@dataclass
class Outcome:
    counts: Counter = field(default_factory=Counter)
    refusals: list[tuple[str, str]] = field(default_factory=list)
    lines: list[tuple[str, str, str]] = field(default_factory=list)  # action, where, title
    unmatched: Counter = field(default_factory=Counter)
    new_concepts: set[tuple[str, str]] = field(default_factory=set)
    to_confirm: list[str] = field(default_factory=list)  # drafts: no open licence


Report = Callable[[str, str, str], None]


class Import:
    """Write the records of one reader as items (or, dry, say what would be written)."""

    def __init__(
        self,
        options: Options,
        run: ImportRun | None = None,
        progress: Callable[[int], None] | None = None,
        report: Report | None = None,
    ) -> None:
        self.options, self.run_row = options, run
        self.progress = progress or (lambda n: None)
        self.report = report
        self.outcome = Outcome()
        self.seen: set[str] = set()

    # The run ------------------------------------------------------------------------------

    def matcher_check(self) -> None:
        """Read the node's concepts and places; raise SourceError if a choice names none."""
        self.matcher = Matcher(self.options.choices)

    def run(self, reader) -> Outcome:
        if not hasattr(self, "matcher"):
            self.matcher_check()
        if not self.options.dry_run:
            self.matcher.remember_mappings()
            db.session.commit()
        self.default_licence = NodeSettings.get().default_license
        batch: list[Record | Refusal] = []
        for entry in reader:
            batch.append(entry)
            if len(batch) >= BATCH:
                self._write_batch(batch)
                batch = []
        if batch:
            self._write_batch(batch)
        self.outcome.unmatched = self.matcher.unmatched
        return self.outcome

    def _write_batch(self, batch: list[Record | Refusal]) -> None:
        saved = (
            Counter(self.outcome.counts),
            list(self.outcome.refusals),
            list(self.outcome.lines),
            set(self.seen),
            list(self.outcome.to_confirm),
        )
        # The session holds items weakly: keep the batch's until its commit renders their
        # records, or it would read each one and its themes, places... back from the database.
        self.held: list[Item] = []
        try:
            self._known(batch)
            results = [self._one(entry) for entry in batch]
            self._commit()
        except Exception:  # noqa: BLE001 - whatever one record does, the others go on
            # A record the database refused spoils its transaction: start the batch again,
            # one record per transaction, to keep every good one.
            db.session.rollback()
            counts, refusals, lines, seen, to_confirm = saved
            self.outcome.counts, self.outcome.refusals = counts, refusals
            self.outcome.to_confirm = to_confirm
            self.outcome.lines, self.seen = lines, seen
            self.matcher = Matcher(self.options.choices)
            self._known(batch)
            results = []
            for entry in batch:
                try:
                    results.append(self._one(entry))
                    self._commit()
                except Exception as exc:  # noqa: BLE001 - refused, and the others go on
                    db.session.rollback()
                    reason = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
                    results.append(self._refuse(entry.where, f"not stored: {reason}"))
        for action, where, text in results:
            if self.report is not None:
                self.report(action, where, text)
        self.held = []
        self.progress(len(batch))

    def _known(self, batch: list[Record | Refusal]) -> None:
        """Read, once per batch rather than once per record, what earlier runs imported of
        this batch's records and the followers a published item is sent to."""
        keys = [record_key(e.identifier) for e in batch if isinstance(e, Record)]
        self.known = {
            row.key: row
            for row in db.session.scalars(
                select(ImportedRecord).where(ImportedRecord.key.in_(keys))
            )
        }
        self.rows: dict[tuple[type, str], Theme | Territory] = {}
        self.inboxes: list[str] | None = None
        if self.options.publish and not self.options.dry_run:
            actor = Actor.local()
            self.inboxes = outbox.follower_inboxes(actor) if actor is not None else None

    def _resolved(self, obj) -> dict[str, list]:
        """The theme and place rows the object names, read once per batch (what
        `Item.apply` would query for every record)."""
        resolved = {}
        for name, model in (("themes", Theme), ("territories", Territory)):
            iris = [ref.id for ref in getattr(obj, name)]
            missing = [iri for iri in iris if (model, iri) not in self.rows]
            if missing:
                for row in db.session.scalars(select(model).where(model.iri.in_(missing))):
                    self.rows[(model, row.iri)] = row
            found = (self.rows.get((model, iri)) for iri in dict.fromkeys(iris))
            resolved[name] = [row for row in found if row is not None]
        return resolved

    def _commit(self) -> None:
        if self.options.dry_run and self.run_row is None:
            db.session.rollback()  # a dry run writes nothing
            return
        if self.run_row is not None:
            self._save_progress()  # a preview from the page: its progress and report only
        db.session.commit()

    def _save_progress(self) -> None:
        row, counts = self.run_row, self.outcome.counts
        row.created, row.updated = counts["create"], counts["update"]
        row.skipped, row.refused = counts["skip"], counts["refuse"]
        row.done = sum(counts[a] for a in ACTIONS)
        row.refusals = [{"where": w, "reason": r} for w, r in self.outcome.refusals[:MAX_REFUSALS]]

    # One record ---------------------------------------------------------------------------

    def _refuse(self, where: str, reason: str) -> tuple[str, str, str]:
        self.outcome.counts["refuse"] += 1
        self.outcome.refusals.append((where, reason))
        return "refuse", where, reason

    def _done(self, action: str, where: str, title: str) -> tuple[str, str, str]:
        self.outcome.counts[action] += 1
        self.outcome.lines.append((action, where, title))
        return action, where, title

    def _one(self, entry: Record | Refusal) -> tuple[str, str, str]:
        if isinstance(entry, Refusal):
            return self._refuse(entry.where, entry.reason)
        if entry.identifier in self.seen:
            return self._refuse(entry.where, "the same identifier came earlier in this source")
        self.seen.add(entry.identifier)
        matched = self.matcher.match(entry.subjects, entry.places)
        licence = open_licence(entry.license)
        kind = self.options.kind or entry.kind or "resource"
        if kind not in kinds.NAMES:
            return self._refuse(entry.where, f"unknown kind {kind!r}")
        existing = self.known.get(record_key(entry.identifier))
        title = next(iter(entry.title.values()), "")
        if self.options.dry_run:
            for label in matched.new_themes:
                self.outcome.new_concepts.add(("theme", label))
            for label in matched.new_places:
                self.outcome.new_concepts.add(("place", label))
        else:
            self._create_concepts(matched, entry.language)
        pending = [*matched.new_themes, *matched.new_places]  # only left in a dry run
        digest = entry.digest(
            [*matched.themes, *matched.territories, *pending, kind, licence or ""]
        )
        if existing is not None and existing.digest == digest:
            return self._done("skip", entry.where, title)
        obj = self._object(entry, kind, matched, licence)
        if existing is not None and db.session.get(Item, existing.item_id).kind != kind:
            return self._refuse(entry.where, f"was imported as another kind, not {kind}")
        try:
            if self.options.dry_run:
                from server.services.items import _checked

                _checked(kinds.by_name(kind), obj)
                if licence is None:
                    self.outcome.to_confirm.append(entry.where)
                return self._done("update" if existing else "create", entry.where, title)
            item = self._write(entry, obj, existing, digest, licence)
        except ServiceError as exc:
            detail = "; ".join(f"{k}: {v}" for k, v in (exc.errors or {}).items()) or str(exc)
            return self._refuse(entry.where, detail)
        if licence is None:
            self.outcome.to_confirm.append(entry.where)
        return self._done("update" if existing else "create", entry.where, item.label())

    def _create_concepts(self, matched: Matched, language: str) -> None:
        for label in matched.new_themes:
            theme = save_theme(ThemeInput(pref_label={language: label}))
            self.matcher.add_theme(theme)
            matched.themes.append(theme.iri)
        for label in matched.new_places:
            place = save_territory(TerritoryInput(name={language: label}, kind="other"))
            self.matcher.add_place(place)
            matched.territories.append(place.iri)
        matched.new_themes, matched.new_places = [], []

    def _object(self, entry: Record, kind: str, matched: Matched, licence: str | None):
        cls = kinds.by_name(kind).cls
        stated = entry.license if entry.license and entry.license.startswith("http") else None
        values = {
            "id": "",
            "attributed_to": "",
            "name": {k: v[:MAX_TITLE] for k, v in entry.title.items()},
            "language": entry.language,
            "license": licence or stated or self.default_licence,
            "summary": {k: _shorter(v, MAX_SUMMARY) for k, v in entry.summary.items()},
            "source": dict(entry.body),
            "authors": [a[:200] for a in entry.authors],
            "themes": [objects.Ref(iri) for iri in matched.themes],
            "territories": [objects.Ref(iri) for iri in matched.territories],
            "links": [objects.Link(href, name) for href, name in entry.attachments],
        }
        if cls is objects.Experience:
            values.update(
                period_start=entry.period_start,
                period_end=entry.period_end,
                organisations=entry.organisations,
            )
        if cls is objects.Resource:
            rtype = entry.resource_type if entry.resource_type in RESOURCE_TYPES else "other"
            values.update(
                resource_type=entry.resource_type and rtype or "guide",
                resource_url=entry.resource_url or entry.link,
            )
        return cls(**values)

    def _write(
        self, entry: Record, obj, existing: ImportedRecord | None, digest: str, licence: str | None
    ) -> Item:
        if existing is not None:
            item = db.session.get(Item, existing.item_id)
            item = update_item(item, obj, **self._resolved(obj))
            existing.digest, existing.updated_at = digest, utcnow()
            existing.run_id = self.run_row.id if self.run_row is not None else None
            existing.licence_to_confirm = licence is None
        else:
            item = create_item(obj, **self._resolved(obj))
            if entry.published is not None:
                item.created_at = entry.published
            db.session.add(
                ImportedRecord(
                    key=record_key(entry.identifier),
                    identifier=entry.identifier,
                    item_id=item.id,
                    digest=digest,
                    licence_to_confirm=licence is None,
                    run_id=self.run_row.id if self.run_row is not None else None,
                )
            )
        item.imported_from = (
            (entry.link or entry.identifier)[:1000]
            if (entry.link or entry.identifier.startswith(("http://", "https://")))
            else None
        )
        if self.options.publish and licence is not None and not item.is_published:
            if entry.published is not None and item.published_at is None:
                item.published_at = entry.published
            publish_item(item, inboxes=self.inboxes)
        db.session.flush()
        self.held.append(item)
        return item


def _shorter(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def describe_unmatched(unmatched: Counter) -> list[tuple[str, str, int]]:
    """Return (what, label, records) for every label that matched nothing, most used first."""
    return [(what, label, n) for (what, label), n in unmatched.most_common()]


__all__ = ["Import", "Options", "Outcome", "SourceError", "Theme", "Territory", "open_reader"]


def audit_run(run: ImportRun) -> None:
    """Record a finished import (not a preview) in the audit log; the caller commits."""
    if run.dry_run:
        return
    counts = {name: getattr(run, name) for name in ("created", "updated", "skipped", "refused")}
    who = db.session.get(User, run.created_by_id) if run.created_by_id else None
    audit.record(
        "data.import",
        target=run.source,
        detail={"run": run.id, "format": run.format, "status": run.status, **counts},
        who=who,
    )
