"""A record read from a source, whatever its format: what readers give and run.py writes."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from vocab.terms import LICENSES


@dataclass
class Record:
    """One record: `identifier` is its key in the source (a guid, an OAI identifier, an IRI,
    a CSV id or title); `where` says where to find it in a message (a line, an identifier)."""

    identifier: str
    where: str
    title: dict[str, str]
    language: str = "fr"
    summary: dict[str, str] = field(default_factory=dict)
    body: dict[str, str] = field(default_factory=dict)  # Markdown
    authors: list[str] = field(default_factory=list)
    published: datetime | None = None
    subjects: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    link: str | None = None  # the page it came from (dct:source)
    license: str | None = None  # as the source gave it
    attachments: list[tuple[str, str]] = field(default_factory=list)  # (href, name)
    kind: str | None = None  # when the source says (our own vocabulary, a CSV column)
    resource_type: str | None = None
    resource_url: str | None = None
    organisations: list[str] = field(default_factory=list)
    period_start: date | None = None
    period_end: date | None = None

    def digest(self, resolved: list[str]) -> str:
        """Return a fingerprint of what the source says, with the IRIs its labels resolved to."""
        values = asdict(self)
        values.pop("where")
        text = json.dumps([values, sorted(resolved)], sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Refusal:
    """A record a reader could not read: where it is and why."""

    where: str
    reason: str


_CC = re.compile(r"creativecommons\.org/(licenses/(by|by-sa)/(\d\.\d)|publicdomain/(zero|mark))")
_CC_TEXT = re.compile(r"^cc[ -]?(by(?:[ -]sa)?|0|zero)(?:[ -](\d\.\d))?$")
_OTHER_OPEN = {
    "etalab.gouv.fr/licence-ouverte": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
    "opendatacommons.org/licenses/odbl": "https://opendatacommons.org/licenses/odbl/1-0/",
    "licence ouverte": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
    "open licence": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
}


def open_licence(value: str | None) -> str | None:
    """Return the IRI of an open licence named by `value` (an IRI or a label), else None.

    Open means free to reuse and adapt, commercially too: CC BY, CC BY-SA, CC0, public
    domain, Licence Ouverte, ODbL. NC and ND licences are not open.
    """
    text = (value or "").strip().lower()
    if not text:
        return None
    for iri, label in LICENSES.items():
        if text.rstrip("/") == iri.lower().rstrip("/") or text == label.lower():
            return iri
    if match := _CC.search(text):
        if match.group(4) == "zero":
            return "https://creativecommons.org/publicdomain/zero/1.0/"
        if match.group(4) == "mark":
            return "https://creativecommons.org/publicdomain/mark/1.0/"
        return f"https://creativecommons.org/licenses/{match.group(2)}/{match.group(3)}/"
    if match := _CC_TEXT.match(text.replace("_", " ")):
        code = match.group(1).replace(" ", "-")
        if code in ("0", "zero"):
            return "https://creativecommons.org/publicdomain/zero/1.0/"
        return f"https://creativecommons.org/licenses/{code}/{match.group(2) or '4.0'}/"
    for needle, iri in _OTHER_OPEN.items():
        if needle in text:
            return iri
    return None


def parse_date(value: str | None) -> datetime | None:
    """Read an ISO date or date-time; None when it is not one."""
    from datetime import UTC

    text = (value or "").strip()
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        match = re.match(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", text)
        if not match:
            return None
        year, month, day = (int(g) if g else 1 for g in match.groups())
        try:
            parsed = datetime(year, month, day)
        except ValueError:
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def split_values(cell: str | None) -> list[str]:
    """Split a cell holding several values separated by `;`."""
    return [v.strip() for v in (cell or "").split(";") if v.strip()]
