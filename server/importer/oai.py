"""OAI-PMH repositories (Omeka S, HAL, DSpace, another node's /oai), `oai_dc`, with Sickle.

Sickle asks for each page through the node's one outbound client (a subclass overrides
its `harvest`, which would otherwise use `requests` and skip the SSRF guard); every page
is checked by defusedxml before Sickle's lxml sees it. A resumption token seen twice, too
many pages, an OAI error or a timeout stop the harvest with a clear message; every page is
fetched before anything is written, with no database transaction open meanwhile.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

from sickle import Sickle, oaiexceptions
from sickle.oaiexceptions import NoRecordsMatch
from sickle.response import OAIResponse

from server.importer.errors import SourceError
from server.importer.records import Record, Refusal, parse_date
from server.importer.safexml import check_xml

DC = "{http://purl.org/dc/elements/1.1/}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
MAX_PAGES = 10_000
PAGE_BYTES = 20_000_000
PAGE_SECONDS = 30.0
# ISO 639-2 codes repositories use in dc:language, to the tags items keep.
# Sickle raises one class per OAI-PMH error code, with no common base but Exception.
OAI_ERRORS = tuple(
    value
    for value in vars(oaiexceptions).values()
    if isinstance(value, type) and issubclass(value, Exception)
)
_LANGUAGES = {"fre": "fr", "fra": "fr", "eng": "en", "spa": "es", "ger": "de", "deu": "de"}


class _Answer:
    """What Sickle reads of an HTTP answer."""

    def __init__(self, response) -> None:
        self.content = response.content
        self.status_code = response.status
        self.encoding = "utf-8"

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")


class _GuardedSickle(Sickle):
    def __init__(self, endpoint: str, client, seconds: float) -> None:
        super().__init__(endpoint, max_retries=0)
        self.client, self.seconds = client, seconds
        self.tokens: set[str] = set()
        self.pages = 0

    def harvest(self, **kwargs):
        from federation.errors import FetchError
        from federation.http import time_limit

        token = kwargs.get("resumptionToken")
        if token is not None:
            if token in self.tokens:
                raise SourceError(
                    f"{self.endpoint} gives the resumption token {token!r} twice: it loops; "
                    "nothing was imported"
                )
            self.tokens.add(token)
        self.pages += 1
        if self.pages > MAX_PAGES:
            raise SourceError(f"{self.endpoint}: over {MAX_PAGES} pages; nothing was imported")
        url = f"{self.endpoint}?{urlencode(kwargs)}"
        try:
            with time_limit(self.seconds):
                response = self.client.fetch(url, accept="text/xml", max_bytes=PAGE_BYTES)
        except FetchError as exc:
            raise SourceError(f"OAI-PMH: {exc.reason}; nothing was imported") from None
        check_xml(response.content, f"the OAI-PMH answer of {self.endpoint}")
        return OAIResponse(_Answer(response), params=kwargs)


def _texts(xml, name: str) -> list[tuple[str, str | None]]:
    return [
        (" ".join(el.text.split()), el.get(XML_LANG))
        for el in xml.iter(DC + name)
        if el.text and el.text.strip()
    ]


class OaiReader:
    """Every `oai_dc` record of a repository (or of one set), harvested before any is read."""

    def __init__(
        self, endpoint: str, client, set_spec: str | None = None, seconds: float = PAGE_SECONDS
    ) -> None:
        self.endpoint = endpoint.split("?")[0]
        sickle = _GuardedSickle(self.endpoint, client, seconds)
        params = {"metadataPrefix": "oai_dc", "ignore_deleted": True}
        if set_spec:
            params["set"] = set_spec
        self.records: list = []
        try:
            for record in sickle.ListRecords(**params):
                self.records.append((record.header.identifier, record.xml))
        except NoRecordsMatch:
            pass
        except OAI_ERRORS as exc:
            code = type(exc).__name__
            raise SourceError(
                f"the OAI-PMH endpoint answered an error ({code}: {exc}); nothing was imported"
            ) from None
        except (AttributeError, ValueError) as exc:
            raise SourceError(f"{self.endpoint} does not answer OAI-PMH ({exc})") from None
        self.total = len(self.records)

    def __iter__(self) -> Iterator[Record | Refusal]:
        for identifier, xml in self.records:
            yield self._record(identifier, xml)

    def _record(self, identifier: str, xml) -> Record | Refusal:
        where = identifier
        titles = _texts(xml, "title")
        if not titles:
            return Refusal(where, "no dc:title")
        languages = [_LANGUAGES.get(t.lower(), t.lower()[:2]) for t, _ in _texts(xml, "language")]
        language = (titles[0][1] or (languages[0] if languages else "fr")).split("-")[0]
        title: dict[str, str] = {}
        for text, lang in titles:
            title.setdefault((lang or language).split("-")[0], text)
        summary: dict[str, str] = {}
        for text, lang in _texts(xml, "description"):
            summary.setdefault((lang or language).split("-")[0], text)
        links = [t for t, _ in _texts(xml, "identifier") if t.startswith(("http://", "https://"))]
        dates = [parse_date(t) for t, _ in _texts(xml, "date")]
        places = [t for t, _ in _texts(xml, "coverage") if "/" not in t or t.startswith("http")]
        types = [t.lower() for t, _ in _texts(xml, "type")]
        kind = next((t for t in types if t in ("experience", "principle", "resource")), None)
        rights = [t for t, _ in _texts(xml, "rights")]
        return Record(
            identifier=identifier,
            where=where,
            title=title,
            language=language,
            summary=summary,
            authors=[t for t, _ in _texts(xml, "creator")],
            published=next((d for d in dates if d), None),
            subjects=list(dict.fromkeys(t for t, _ in _texts(xml, "subject"))),
            places=list(dict.fromkeys(places)),
            link=links[0] if links else None,
            license=rights[0] if rights else None,
            kind=kind,
            resource_url=links[1] if len(links) > 1 else None,
        )
