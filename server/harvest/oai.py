"""OAI-PMH 2.0 over the harvest records: six verbs, oai_dc and RDF, sets, deletions.

Identifiers are the items' IRIs. Sets: `type:experience|principle|resource` and
`theme:<slug>`. Datestamps are the records' (UTC, to the second); deleted records are
kept for ever (`persistent`) and served with `status="deleted"`. Resumption tokens carry
the whole request and the last record id seen, so they never expire and survive restarts.
Protocol errors are HTTP 200 with an `<error code>` element, as the protocol says.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any

import pyoxigraph as ox
from sqlalchemy import func, select
from sqlalchemy.orm import defer

from server.extensions import db
from server.harvest.dublincore import OAI_DC_NS, OAI_DC_SCHEMA, xml_attr, xml_text
from server.models import Theme, utcnow
from server.models.harvest import HarvestRecord, HarvestRecordKind, HarvestSet

PAGE = 100
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)  # earliestDatestamp of a repository still empty
GRANULARITY = "YYYY-MM-DDThh:mm:ssZ"
FORMATS = {
    "oai_dc": (OAI_DC_SCHEMA, OAI_DC_NS),
    "rdf": (
        "http://www.openarchives.org/OAI/2.0/rdf.xsd",
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    ),
}
ARGUMENTS: dict[str, tuple[set[str], set[str]]] = {  # verb -> (required, optional)
    "Identify": (set(), set()),
    "ListMetadataFormats": (set(), {"identifier"}),
    "ListSets": (set(), {"resumptionToken"}),
    "GetRecord": ({"identifier", "metadataPrefix"}, set()),
    "ListIdentifiers": ({"metadataPrefix"}, {"from", "until", "set", "resumptionToken"}),
    "ListRecords": ({"metadataPrefix"}, {"from", "until", "set", "resumptionToken"}),
}
KIND_SETS = {
    "experience": "Experiences",
    "principle": "Guiding principles",
    "resource": "Resources",
}


class OAIError(Exception):
    """A protocol error: its code and a readable message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Repository:
    """What Identify says, and the base URL every response echoes."""

    base_url: str
    name: str
    admin_email: str

    @property
    def endpoint(self) -> str:
        return f"{self.base_url}/oai"


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_date(value: str, name: str, end: bool = False) -> tuple[datetime, str]:
    """Parse a from/until value at day or second granularity; return it and its granularity."""
    try:
        if len(value) == 10:
            day = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
            return (datetime.combine(day.date(), time.max, UTC) if end else day), "day"
        if len(value) == 20 and value.endswith("Z"):
            return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC), "second"
    except ValueError:
        pass
    raise OAIError(
        "badArgument", f"{name} must be YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ, not {value!r}"
    )


def handle(args: dict[str, list[str]], repo: Repository) -> str:
    """Answer one request (its arguments, each with every value given) with an XML document."""
    verb_values = args.get("verb", [])
    request_attrs: dict[str, str] = {}
    try:
        if len(verb_values) != 1 or verb_values[0] not in ARGUMENTS:
            raise OAIError("badVerb", "the verb is missing, repeated or not an OAI-PMH verb")
        verb = verb_values[0]
        given = {k: v for k, v in args.items() if k != "verb"}
        _check_arguments(verb, given)
        request_attrs = {"verb": verb, **{k: v[0] for k, v in given.items()}}
        params = {k: v[0] for k, v in given.items()}
        body = VERBS[verb](params, repo)
    except OAIError as error:
        attrs = request_attrs if error.code not in {"badVerb", "badArgument"} else {}
        body = f"<error code={xml_attr(error.code)}>{xml_text(str(error))}</error>"
        return _envelope(repo, attrs, body)
    return _envelope(repo, request_attrs, body)


def _check_arguments(verb: str, given: dict[str, list[str]]) -> None:
    required, optional = ARGUMENTS[verb]
    for name, values in given.items():
        if name not in required | optional:
            raise OAIError("badArgument", f"{verb} does not take the argument {name!r}")
        if len(values) != 1:
            raise OAIError("badArgument", f"the argument {name!r} is repeated")
    if "resumptionToken" in given:
        if len(given) != 1:
            raise OAIError("badArgument", "resumptionToken is an exclusive argument")
        return
    missing = required - set(given)
    if missing:
        raise OAIError("badArgument", f"{verb} needs {', '.join(sorted(missing))}")


def _envelope(repo: Repository, attrs: dict[str, str], body: str) -> str:
    attributes = "".join(f" {k}={xml_attr(v)}" for k, v in attrs.items())
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/ '
        'http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">'
        f"<responseDate>{_stamp(utcnow())}</responseDate>"
        f"<request{attributes}>{xml_text(repo.endpoint)}</request>{body}</OAI-PMH>\n"
    )


def _items():
    return select(HarvestRecord).where(HarvestRecord.kind == HarvestRecordKind.ITEM)


def identify(params: dict[str, str], repo: Repository) -> str:
    earliest = db.session.scalar(
        select(func.min(HarvestRecord.datestamp)).where(
            HarvestRecord.kind == HarvestRecordKind.ITEM
        )
    )
    return (
        "<Identify>"
        f"<repositoryName>{xml_text(repo.name)}</repositoryName>"
        f"<baseURL>{xml_text(repo.endpoint)}</baseURL>"
        "<protocolVersion>2.0</protocolVersion>"
        f"<adminEmail>{xml_text(repo.admin_email)}</adminEmail>"
        f"<earliestDatestamp>{_stamp(earliest or EPOCH)}</earliestDatestamp>"
        "<deletedRecord>persistent</deletedRecord>"
        f"<granularity>{GRANULARITY}</granularity>"
        "</Identify>"
    )


def _record(identifier: str) -> HarvestRecord:
    record = db.session.scalar(_items().where(HarvestRecord.graph == identifier))
    if record is None:
        raise OAIError("idDoesNotExist", f"no item has the identifier {identifier!r}")
    return record


def list_metadata_formats(params: dict[str, str], repo: Repository) -> str:
    if "identifier" in params:
        _record(params["identifier"])
    formats = "".join(
        f"<metadataFormat><metadataPrefix>{prefix}</metadataPrefix><schema>{schema}</schema>"
        f"<metadataNamespace>{namespace}</metadataNamespace></metadataFormat>"
        for prefix, (schema, namespace) in FORMATS.items()
    )
    return f"<ListMetadataFormats>{formats}</ListMetadataFormats>"


def list_sets(params: dict[str, str], repo: Repository) -> str:
    if "resumptionToken" in params:
        raise OAIError("badResumptionToken", "ListSets is answered in one response")
    sets = [(f"type:{kind}", name) for kind, name in KIND_SETS.items()]
    used = select(HarvestSet.spec).where(HarvestSet.spec.like("theme:%")).distinct()
    labels = {f"theme:{t.slug}": t.label(("en", "fr")) for t in db.session.scalars(select(Theme))}
    sets += [(spec, labels.get(spec, spec[6:])) for spec in sorted(db.session.scalars(used))]
    body = "".join(
        f"<set><setSpec>{xml_text(spec)}</setSpec><setName>{xml_text(name)}</setName></set>"
        for spec, name in sets
    )
    return f"<ListSets>{body}</ListSets>"


def _header(record: HarvestRecord) -> str:
    status = ' status="deleted"' if record.deleted else ""
    specs = "".join(f"<setSpec>{xml_text(spec)}</setSpec>" for spec in record.sets or [])
    return (
        f"<header{status}><identifier>{xml_text(record.graph)}</identifier>"
        f"<datestamp>{_stamp(record.datestamp)}</datestamp>{specs}</header>"
    )


def _metadata(record: HarvestRecord, prefix: str) -> str:
    if record.deleted:
        return ""
    if prefix == "oai_dc":
        return f"<metadata>{record.dc}</metadata>"
    triples = ox.parse(record.ntriples.encode(), format=ox.RdfFormat.N_TRIPLES, lenient=True)
    xml = ox.serialize(triples, format=ox.RdfFormat.RDF_XML).decode()
    if xml.startswith("<?xml"):
        xml = xml[xml.index("?>") + 2 :].lstrip()
    return f"<metadata>{xml}</metadata>"


def _check_prefix(prefix: str) -> None:
    if prefix not in FORMATS:
        raise OAIError(
            "cannotDisseminateFormat", f"metadataPrefix must be one of {', '.join(FORMATS)}"
        )


def get_record(params: dict[str, str], repo: Repository) -> str:
    _check_prefix(params["metadataPrefix"])
    record = _record(params["identifier"])
    metadata = _metadata(record, params["metadataPrefix"])
    return f"<GetRecord><record>{_header(record)}{metadata}</record></GetRecord>"


def _encode(state: dict[str, Any]) -> str:
    return (
        base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode())
        .decode()
        .rstrip("=")
    )


def _decode(token: str) -> dict[str, Any]:
    try:
        padded = token + "=" * (-len(token) % 4)
        state = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if (
            not isinstance(state, dict)
            or not isinstance(state.get("a"), int)
            or not isinstance(state.get("p"), str)
        ):
            raise ValueError("not a token")
        for key in ("s", "f", "u"):
            if state.get(key) is not None and not isinstance(state[key], str):
                raise ValueError("not a token")
        return state
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise OAIError(
            "badResumptionToken", "the resumptionToken is not one this repository issued"
        ) from exc


def _listing(params: dict[str, str], verb: str) -> str:
    if "resumptionToken" in params:
        state = _decode(params["resumptionToken"])
    else:
        state = {
            "p": params["metadataPrefix"],
            "s": params.get("set"),
            "f": params.get("from"),
            "u": params.get("until"),
            "a": 0,
            "c": 0,
        }
    _check_prefix(state["p"])
    query = _items()
    granularities = set()
    if state.get("f"):
        start, grain = parse_date(state["f"], "from")
        granularities.add(grain)
        query = query.where(HarvestRecord.datestamp >= start)
    if state.get("u"):
        end, grain = parse_date(state["u"], "until", end=True)
        granularities.add(grain)
        query = query.where(HarvestRecord.datestamp <= end)
        if state.get("f") and parse_date(state["f"], "from")[0] > end:
            raise OAIError("badArgument", "from is later than until")
    if len(granularities) > 1:
        raise OAIError("badArgument", "from and until must have the same granularity")
    if state.get("s"):
        query = query.where(
            HarvestRecord.id.in_(select(HarvestSet.record_id).where(HarvestSet.spec == state["s"]))
        )
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    # Read only the column the format needs: a record's other renderings are kilobytes.
    unused = [
        HarvestRecord.jsonld,
        HarvestRecord.ntriples if state["p"] == "oai_dc" else HarvestRecord.dc,
    ]
    if verb == "ListIdentifiers":
        unused = [HarvestRecord.jsonld, HarvestRecord.ntriples, HarvestRecord.dc]
    page_query = (
        query.where(HarvestRecord.id > state["a"]).order_by(HarvestRecord.id).limit(PAGE + 1)
    )
    rows = list(db.session.scalars(page_query.options(*(defer(column) for column in unused))))
    if not rows and not state.get("c"):
        raise OAIError("noRecordsMatch", "no record matches these arguments")
    page, more = rows[:PAGE], len(rows) > PAGE
    cursor = int(state.get("c") or 0)
    if verb == "ListRecords":
        body = "".join(f"<record>{_header(r)}{_metadata(r, state['p'])}</record>" for r in page)
    else:
        body = "".join(_header(r) for r in page)
    if more:
        token = _encode({**state, "a": page[-1].id, "c": cursor + len(page)})
        body += f'<resumptionToken completeListSize="{total}" cursor="{cursor}">{token}'
        body += "</resumptionToken>"
    elif "resumptionToken" in params:
        body += f'<resumptionToken completeListSize="{total}" cursor="{cursor}"/>'
    return f"<{verb}>{body}</{verb}>"


def list_identifiers(params: dict[str, str], repo: Repository) -> str:
    return _listing(params, "ListIdentifiers")


def list_records(params: dict[str, str], repo: Repository) -> str:
    return _listing(params, "ListRecords")


VERBS = {
    "Identify": identify,
    "ListMetadataFormats": list_metadata_formats,
    "ListSets": list_sets,
    "GetRecord": get_record,
    "ListIdentifiers": list_identifiers,
    "ListRecords": list_records,
}


def admin_email(base_url: str, configured: str | None) -> str:
    """Return the contact address Identify must give (COMMONS_CONTACT_EMAIL, else a guess)."""
    if configured:
        return configured
    host = base_url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    if "." not in host or host.replace(".", "").isdigit():
        host = "localhost.localdomain"  # an IP address or a bare name is no mail domain
    return f"webmaster@{host}"
