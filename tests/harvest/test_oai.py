"""OAI-PMH 2.0 harvested with Sickle, and broken requests answered with protocol errors."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest
import rdflib
from sickle import Sickle
from sickle.oaiexceptions import IdDoesNotExist, NoRecordsMatch

from server.harvest import oai
from tests.harvest.helpers import demo_items, publish, withdraw

OAI_NS = "{http://www.openarchives.org/OAI/2.0/}"
RDF_NS = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"


def _sickle(node) -> Sickle:
    return Sickle(node.url("/oai"), max_retries=0, timeout=30)


def test_sickle_harvests_every_record_across_resumption_tokens(demo_node, monkeypatch):
    """Given pages of 5 records, when Sickle lists records, then it gets every item once."""
    monkeypatch.setattr(oai, "PAGE", 5)
    loaded = len(demo_items())
    first = ET.fromstring(demo_node.get("/oai?verb=ListRecords&metadataPrefix=oai_dc").content)
    token = first.find(f".//{OAI_NS}resumptionToken")
    assert token is not None and token.get("completeListSize") == str(loaded)
    records = list(_sickle(demo_node).ListRecords(metadataPrefix="oai_dc"))
    identifiers = [r.header.identifier for r in records]
    assert len(identifiers) == len(set(identifiers)) == loaded
    assert all(r.metadata["title"] for r in records)


def test_identify_declares_the_deleted_record_policy_and_utc_granularity(demo_node):
    """Given the repository, when Sickle identifies it, then it declares what harvesters need."""
    identify = _sickle(demo_node).Identify()
    assert identify.protocolVersion == "2.0"
    assert identify.deletedRecord == "persistent"
    assert identify.granularity == "YYYY-MM-DDThh:mm:ssZ"
    assert identify.baseURL == demo_node.url("/oai")
    assert "@" in identify.adminEmail
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", identify.earliestDatestamp)


def test_formats_and_sets_are_listed(demo_node):
    """Given the repository, then it offers oai_dc and RDF, and sets by type and by theme."""
    sickle = _sickle(demo_node)
    prefixes = {f.metadataPrefix for f in sickle.ListMetadataFormats()}
    specs = {s.setSpec for s in sickle.ListSets()}
    assert prefixes == {"oai_dc", "rdf"}
    assert {"type:experience", "type:principle", "type:resource"} <= specs
    assert any(spec.startswith("theme:") for spec in specs)


def test_a_set_narrows_the_list(demo_node):
    """Given the set of guiding principles, when identifiers are listed, only principles come."""
    headers = list(
        _sickle(demo_node).ListIdentifiers(metadataPrefix="oai_dc", set="type:principle")
    )
    assert headers
    assert all("/principles/" in h.identifier and "type:principle" in h.setSpecs for h in headers)


def test_records_in_rdf_parse_as_rdf_xml(demo_node):
    """Given an item, when its record is asked in RDF, then rdflib reads the item's triples."""
    identifier = next(iter(_sickle(demo_node).ListIdentifiers(metadataPrefix="rdf"))).identifier
    record = _sickle(demo_node).GetRecord(identifier=identifier, metadataPrefix="rdf")
    rdf = record.xml.find(f".//{RDF_NS}RDF")
    graph = rdflib.Graph().parse(data=ET.tostring(rdf), format="xml")
    assert (rdflib.URIRef(identifier), None, None) in graph
    assert len(graph) > 10


def test_datestamps_are_utc_seconds_and_windows_filter(demo_node):
    """Given from/until windows, then records fall inside them and a future window is empty."""
    headers = list(
        _sickle(demo_node).ListIdentifiers(metadataPrefix="oai_dc", **{"from": "2000-01-01"})
    )
    assert len(headers) == len(demo_items())
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", h.datestamp) for h in headers)
    with pytest.raises(NoRecordsMatch):
        list(_sickle(demo_node).ListIdentifiers(metadataPrefix="oai_dc", **{"from": "2999-01-01"}))
    with pytest.raises(NoRecordsMatch):
        list(
            _sickle(demo_node).ListIdentifiers(
                metadataPrefix="oai_dc", until="1999-12-31T23:59:59Z"
            )
        )


def test_withdrawn_item_becomes_a_deleted_record(live_node):
    """Given a harvested item, when it is withdrawn, then OAI-PMH serves it as deleted."""
    iri = publish(live_node.app, "Bientôt retirée")
    sickle = _sickle(live_node)
    assert not sickle.GetRecord(identifier=iri, metadataPrefix="oai_dc").header.deleted
    withdraw(live_node.app, iri)
    record = sickle.GetRecord(identifier=iri, metadataPrefix="oai_dc")
    assert record.header.deleted
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    recent = {
        h.identifier: h.deleted
        for h in sickle.ListIdentifiers(metadataPrefix="oai_dc", **{"from": today})
    }
    assert recent[iri] is True


def test_unindexable_item_is_never_a_record(live_node):
    """Given an item its editor kept from indexing, then OAI-PMH does not know it."""
    iri = publish(live_node.app, "Discrète", indexable=False)
    public = publish(live_node.app, "Publique")
    identifiers = {
        h.identifier for h in _sickle(live_node).ListIdentifiers(metadataPrefix="oai_dc")
    }
    assert public in identifiers and iri not in identifiers
    with pytest.raises(IdDoesNotExist):
        _sickle(live_node).GetRecord(identifier=iri, metadataPrefix="oai_dc")


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("", "badVerb"),
        ("verb=Harvest", "badVerb"),
        ("verb=Identify&verb=Identify", "badVerb"),
        ("verb=Identify&extra=1", "badArgument"),
        ("verb=ListRecords", "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=rdf", "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&from=yesterday", "badArgument"),
        (
            "verb=ListRecords&metadataPrefix=oai_dc&from=2020-01-01&until=2020-01-01T00:00:00Z",
            "badArgument",
        ),
        ("verb=ListRecords&metadataPrefix=oai_dc&from=2021-01-01&until=2020-01-01", "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&from=2020-13-45", "badArgument"),
        ("verb=ListRecords&resumptionToken=abc&metadataPrefix=oai_dc", "badArgument"),
        ("verb=ListRecords&resumptionToken=not-a-token", "badResumptionToken"),
        ("verb=ListRecords&resumptionToken=eyJhIjogIngifQ", "badResumptionToken"),
        ("verb=ListSets&resumptionToken=x", "badResumptionToken"),
        ("verb=ListRecords&metadataPrefix=marc21", "cannotDisseminateFormat"),
        (
            "verb=GetRecord&identifier=http://nowhere.example/x&metadataPrefix=oai_dc",
            "idDoesNotExist",
        ),
        ("verb=ListMetadataFormats&identifier=oai:nothing", "idDoesNotExist"),
        ("verb=ListRecords&metadataPrefix=oai_dc&set=theme:no-such-theme", "noRecordsMatch"),
    ],
)
def test_broken_requests_get_the_protocol_error_with_http_200(demo_node, query, code):
    """Given a broken request, then the answer is HTTP 200 with the protocol's error code."""
    response = demo_node.get(f"/oai?{query}")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/xml")
    errors = ET.fromstring(response.content).findall(f"{OAI_NS}error")
    assert [e.get("code") for e in errors] == [code]


def test_requests_may_be_posted(demo_node):
    """Given a harvester that POSTs its arguments, then it gets the same answer as with GET."""
    import requests

    response = requests.post(demo_node.url("/oai"), data={"verb": "Identify"}, timeout=30)
    assert response.status_code == 200
    assert ET.fromstring(response.content).find(f"{OAI_NS}Identify") is not None
