"""Run one SPARQL query on a store and serialise its results, within a result cap.

Pure pyoxigraph and the standard library: this runs inside the index process's
short-lived query children (see `server.sparql.owner`), which never import Flask.
SELECT results are written here (JSON, XML, CSV, TSV) rather than by pyoxigraph so that
the row cap can stop a query after `max_rows` solutions instead of after all of them.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from vocab.rdf import PREFIXES

# name -> media type
SELECT_FORMATS: dict[str, str] = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
GRAPH_FORMATS: dict[str, str] = {
    "turtle": "text/turtle",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}
_OX_GRAPH = {
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

# Strings, IRIs and comments are removed before looking for a keyword in a query.
_LEXICAL = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|<[^<>\"{}|^`\\\x00-\x20]*>"
    r"|#[^\n]*",
    re.DOTALL,
)
_SERVICE = re.compile(r"(?<![\w:?$])SERVICE(?![\w:-])", re.IGNORECASE)


class QueryRefused(ValueError):
    """A query this endpoint will not run (a SERVICE call to another host)."""


class TooManyResults(ValueError):
    """The results passed the configured cap."""


def check_query(query: str) -> None:
    """Refuse federated queries: the index never calls other hosts."""
    if _SERVICE.search(_LEXICAL.sub(" ", query)):
        raise QueryRefused("SERVICE is not allowed: this endpoint does not query other hosts")


def run(
    store: ox.Store, query: str, select_format: str, graph_format: str, max_rows: int
) -> tuple[str, bytes]:
    """Run a query on the union of all graphs; return (media type, body)."""
    check_query(query)
    result = store.query(query, use_default_graph_as_union=True)
    if isinstance(result, ox.QueryBoolean):
        return SELECT_FORMATS[select_format], ask_body(bool(result), select_format)
    if isinstance(result, ox.QueryTriples):
        return GRAPH_FORMATS[graph_format], graph_body(result, graph_format, max_rows)
    return SELECT_FORMATS[select_format], select_body(result, select_format, max_rows)


def _capped(rows: Any, max_rows: int) -> list[Any]:
    out = []
    for row in rows:
        if len(out) >= max_rows:
            raise TooManyResults(
                f"the results pass the cap of {max_rows} rows: add a LIMIT (at most {max_rows}) "
                "and page with OFFSET"
            )
        out.append(row)
    return out


def graph_body(triples: Any, fmt: str, max_rows: int) -> bytes:
    rows = _capped(triples, max_rows)
    prefixes = None if fmt in {"nt", "jsonld"} else PREFIXES
    return ox.serialize(rows, format=_OX_GRAPH[fmt], prefixes=prefixes)


def ask_body(value: bool, fmt: str) -> bytes:
    if fmt == "xml":
        return (
            '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head/><boolean>{'true' if value else 'false'}</boolean></sparql>\n"
        ).encode()
    if fmt in {"csv", "tsv"}:
        return ("_askResult\r\n" if fmt == "csv" else "?_askResult\n").encode() + (
            b"true\n" if value else b"false\n"
        )
    return json.dumps({"head": {}, "boolean": value}).encode()


def select_body(solutions: Any, fmt: str, max_rows: int) -> bytes:
    names = [v.value for v in solutions.variables]
    rows = _capped(solutions, max_rows)
    writer = {"json": _select_json, "xml": _select_xml, "csv": _select_csv, "tsv": _select_tsv}[fmt]
    return writer(names, rows)


def _values(names: list[str], row: Any) -> list[Any]:
    return [row[name] for name in names]


def _json_term(term: Any) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value not in (XSD_STRING, RDF_LANG_STRING):
            out["datatype"] = term.datatype.value
        return out
    return {"type": "literal", "value": str(term)}  # an RDF-star triple term


def _select_json(names: list[str], rows: list[Any]) -> bytes:
    bindings = [
        {
            name: _json_term(term)
            for name, term in zip(names, _values(names, row), strict=True)
            if term is not None
        }
        for row in rows
    ]
    doc = {"head": {"vars": names}, "results": {"bindings": bindings}}
    return json.dumps(doc, ensure_ascii=False).encode()


def _xml_term(term: Any) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{_xml_text(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            datatype = quoteattr(term.datatype.value)
            return f"<literal datatype={datatype}>{_xml_text(term.value)}</literal>"
        return f"<literal>{_xml_text(term.value)}</literal>"
    return f"<literal>{_xml_text(str(term))}</literal>"


def _xml_text(value: str) -> str:
    return escape(re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f]", "", value))


def _select_xml(names: list[str], rows: list[Any]) -> bytes:
    out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>']
    out += [f"<variable name={quoteattr(name)}/>" for name in names]
    out.append("</head><results>")
    for row in rows:
        out.append("<result>")
        for name, term in zip(names, _values(names, row), strict=True):
            if term is not None:
                out.append(f"<binding name={quoteattr(name)}>{_xml_term(term)}</binding>")
        out.append("</result>")
    out.append("</results></sparql>\n")
    return "".join(out).encode()


def _csv_value(term: Any) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value if isinstance(term, ox.NamedNode | ox.Literal) else str(term)


def _select_csv(names: list[str], rows: list[Any]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(names)
    for row in rows:
        writer.writerow([_csv_value(term) for term in _values(names, row)])
    return buffer.getvalue().encode()


def _tsv_value(term: Any) -> str:
    # pyoxigraph terms print in N-Triples syntax, which TSV results use.
    return "" if term is None else str(term).replace("\t", "\\t")


def _select_tsv(names: list[str], rows: list[Any]) -> bytes:
    lines = ["\t".join(f"?{name}" for name in names)]
    lines += ["\t".join(_tsv_value(term) for term in _values(names, row)) for row in rows]
    return ("\n".join(lines) + "\n").encode()
