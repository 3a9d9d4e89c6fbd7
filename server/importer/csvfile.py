"""Spreadsheets saved as CSV: columns named after the fields, in French or in English.

The file is read twice, streaming: once to check it whole (encoding, columns, cell sizes)
so that a bad file writes nothing, then to give its rows as records. `;` separates several
values in one cell (themes, territories, authors).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from server.importer.errors import SourceError
from server.importer.records import Record, Refusal, parse_date, split_values
from server.importer.sources import Source
from server.search.text import fold

MAX_COLUMNS = 200
MAX_CELL = csv.field_size_limit()  # the csv module's own limit: 131,072 characters

# The template's columns (English, French), then other names accepted for each field.
COLUMNS: dict[str, tuple[str, ...]] = {
    "identifier": ("identifier", "identifiant", "id"),
    "title": ("title", "titre", "name", "nom"),
    "summary": ("summary", "resume", "description"),
    "body": ("text", "texte", "body", "content", "contenu", "corps"),
    "language": ("language", "langue", "lang"),
    "kind": ("kind", "nature"),
    "authors": ("authors", "auteurs", "author", "auteur", "creator", "createur"),
    "date": ("date", "date de publication", "published", "publication"),
    "subjects": (
        "themes",
        "thèmes",
        "theme",
        "subjects",
        "sujets",
        "subject",
        "keywords",
        "mots-cles",
        "mots cles",
        "tags",
        "categories",
    ),
    "places": ("territories", "territoires", "territory", "territoire", "places", "lieux"),
    "link": ("link", "lien", "url", "source"),
    "license": ("license", "licence"),
    "resource_type": ("resource type", "type de ressource", "type"),
    "resource_url": ("resource url", "adresse de la ressource"),
    "organisations": ("organisations", "organizations", "organismes"),
    "period_start": ("period start", "debut de la periode", "debut"),
    "period_end": ("period end", "fin de la periode", "fin"),
}
TEMPLATE = {
    "en": [names[0] for names in COLUMNS.values()],
    "fr": [
        "identifiant",
        "titre",
        "résumé",
        "texte",
        "langue",
        "nature",
        "auteurs",
        "date de publication",
        "thèmes",
        "territoires",
        "lien",
        "licence",
        "type de ressource",
        "adresse de la ressource",
        "organisations",
        "début de la période",
        "fin de la période",
    ],
}
_KINDS = {
    "experience": "experience",
    "recit": "experience",
    "recit d'experience": "experience",
    "principle": "principle",
    "principe": "principle",
    "principe directeur": "principle",
    "guiding principle": "principle",
    "resource": "resource",
    "ressource": "resource",
}
_BY_NAME = {fold(name): field for field, names in COLUMNS.items() for name in names}


def _header_name(text: str) -> str:
    return " ".join(fold(text).replace("_", " ").replace("*", "").split())


def template(language: str) -> str:
    """Return the CSV template, headers in `language`, with one example row."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(TEMPLATE.get(language, TEMPLATE["en"]))
    example = {
        "identifier": "guide-1",
        "title": "Monter une régie agricole" if language == "fr" else "Setting up a farm",
        "language": language if language in ("fr", "en") else "en",
        "kind": "resource",
        "authors": "Ada; Louise",
        "date": "2024-03-01",
        "subjects": "Alimentation; Énergie",
        "places": "Mouans-Sartoux",
        "license": "CC BY-SA 4.0",
        "resource_type": "guide",
    }
    writer.writerow([example.get(field, "") for field in COLUMNS])
    return out.getvalue()


class CsvReader:
    """The rows of one CSV file, as records; the file is checked whole first."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.total = 0
        with self._rows() as (rows, columns):
            self.columns = columns
            try:
                for _ in rows:
                    self.total += 1
            except csv.Error as exc:
                raise SourceError(self._cell_message(rows, exc)) from None

    def _cell_message(self, rows, exc: csv.Error) -> str:
        line = rows.line_num + 1
        if "field larger than field limit" in str(exc):
            return f"line {line}: a cell is over {MAX_CELL:,} characters; nothing was imported"
        return f"line {line}: not CSV ({exc}); nothing was imported"

    class _Opened:
        def __init__(self, reader: CsvReader) -> None:
            self.reader = reader

        def __enter__(self):
            self.handle = self.reader.source.open()
            text = io.TextIOWrapper(self.handle, encoding="utf-8-sig", newline="")
            return self.reader._start(text)

        def __exit__(self, *exc) -> None:
            self.handle.close()

    def _rows(self) -> CsvReader._Opened:
        return CsvReader._Opened(self)

    def _start(self, text: io.TextIOWrapper):
        try:
            first = text.readline(MAX_CELL * 2)
            dialect = csv.Sniffer().sniff(first, delimiters=",;\t") if first else csv.excel
        except UnicodeDecodeError as exc:
            raise SourceError(self._encoding_message(exc)) from None
        except csv.Error:
            dialect = csv.excel
        header = next(csv.reader([first], dialect), [])
        if len(header) > MAX_COLUMNS:
            raise SourceError(
                f"{len(header):,} columns: at most {MAX_COLUMNS} are read; is this the "
                "right file? nothing was imported"
            )
        columns = {i: _BY_NAME.get(_header_name(h)) for i, h in enumerate(header)}
        if "title" not in columns.values():
            raise SourceError(
                "no title column: name one “title” or “titre” (the template on the admin "
                "page has every column); nothing was imported"
            )
        rows = csv.reader(_Decoded(text, self._encoding_message), dialect)
        return rows, columns

    @staticmethod
    def _encoding_message(exc: UnicodeDecodeError) -> str:
        return (
            f"the file is not UTF-8 text (byte {exc.start}); save it as “CSV UTF-8” "
            "and try again; nothing was imported"
        )

    def __iter__(self) -> Iterator[Record | Refusal]:
        with self._rows() as (rows, columns):
            for row in rows:
                line = rows.line_num + 1  # the header was line 1
                values: dict[str, str] = {}
                for index, cell in enumerate(row):
                    field = columns.get(index)
                    if field and cell.strip() and field not in values:
                        values[field] = cell.strip()
                if not any(cell.strip() for cell in row):
                    continue
                yield self._record(values, line)

    def _record(self, values: dict[str, str], line: int) -> Record | Refusal:
        where = f"line {line}"
        title = values.get("title", "")
        if not title:
            return Refusal(where, "no title")
        language = (values.get("language") or "fr").lower()[:8]
        identifier = values.get("identifier") or values.get("link") or f"title:{fold(title)}"
        kind = _KINDS.get(fold(values.get("kind", "")), values.get("kind") or None)
        dates = {}
        for name in ("date", "period_start", "period_end"):
            if values.get(name):
                dates[name] = parse_date(values[name])
                if dates[name] is None:
                    return Refusal(where, f"{name}: {values[name]!r} is not a date (YYYY-MM-DD)")
        return Record(
            identifier=identifier,
            where=f"{where} ({identifier})",
            title={language: title},
            language=language,
            summary={language: values["summary"]} if values.get("summary") else {},
            body={language: values["body"]} if values.get("body") else {},
            authors=split_values(values.get("authors")),
            published=dates.get("date"),
            subjects=split_values(values.get("subjects")),
            places=split_values(values.get("places")),
            link=values.get("link"),
            license=values.get("license"),
            kind=kind,
            resource_type=values.get("resource_type"),
            resource_url=values.get("resource_url"),
            organisations=split_values(values.get("organisations")),
            period_start=dates["period_start"].date() if dates.get("period_start") else None,
            period_end=dates["period_end"].date() if dates.get("period_end") else None,
        )


class _Decoded:
    """Lines of the text stream, a decoding error turned into the one clear message."""

    def __init__(self, text: io.TextIOWrapper, message) -> None:
        self.text, self.message = text, message

    def __iter__(self):
        return self

    def __next__(self) -> str:
        try:
            line = self.text.readline()
        except UnicodeDecodeError as exc:
            raise SourceError(self.message(exc)) from None
        if not line:
            raise StopIteration
        return line
