"""JSON-LD contexts: bundled, complete, and never fetched from the network."""

from __future__ import annotations

import contextlib
import json
import socket
import threading

import pytest
import rdflib

from vocab.context import (
    CONTEXT,
    INLINE_CONTEXT,
    ContextNotAllowed,
    VocabError,
    bundled_urls,
    expand_contexts,
    load_document,
)
from vocab.examples import EXAMPLES
from vocab.rdf import parse, parse_jsonld
from vocab.terms import AS, AS2_CONTEXT_URL, SECURITY_CONTEXT_URL, TOOT
from vocab.triples import compile_document


def test_context_names_as2_and_security_then_our_terms():
    """Given CONTEXT, then it is the AS2 URL, the security v1 URL and our inline terms."""
    assert CONTEXT == [AS2_CONTEXT_URL, SECURITY_CONTEXT_URL, INLINE_CONTEXT]


def test_inline_terms_never_redefine_as2_or_security_terms():
    """Given our inline terms, then none is a term of the AS2 or security contexts."""
    for url in (AS2_CONTEXT_URL, SECURITY_CONTEXT_URL):
        theirs = set(load_document(url)["@context"])
        assert not theirs & set(INLINE_CONTEXT), url


def test_bundled_documents_are_served_and_others_refused():
    """Given the loader, then bundled URLs load and any other URL raises."""
    for url in bundled_urls():
        assert "@context" in load_document(url)
    assert "Public" in load_document(AS2_CONTEXT_URL)["@context"]
    with pytest.raises(ContextNotAllowed):
        load_document("https://example.org/context.jsonld")


def test_loader_returns_copies():
    """Given a loaded document, when the caller mutates it, then the bundle is unchanged."""
    load_document(AS2_CONTEXT_URL)["@context"]["name"] = "hijacked"
    assert load_document(AS2_CONTEXT_URL)["@context"]["name"] == "as:name"


def test_fediverse_terms_expand_to_their_iris():
    """Given a document using Hashtag, sensitive, nameMap..., then rdflib expands each."""
    doc = {
        "@context": CONTEXT,
        "type": "Organization",
        "id": "https://x.example/a",
        "nameMap": {"fr": "Nom"},
        "sensitive": False,
        "manuallyApprovesFollowers": True,
        "indexable": True,
        "discoverable": True,
        "tag": [{"type": "Hashtag", "name": "#Eau", "href": "https://x.example/t"}],
        "publicKey": {"id": "https://x.example/a#k", "publicKeyPem": "PEM"},
    }
    graph = parse_jsonld(doc)
    predicates = set(graph.predicates())
    for term in (
        AS.name,
        AS.sensitive,
        AS.manuallyApprovesFollowers,
        AS.tag,
        TOOT.indexable,
        TOOT.discoverable,
        rdflib.URIRef("https://w3id.org/security#publicKey"),
    ):
        assert term in predicates, term
    assert (None, rdflib.RDF.type, AS.Hashtag) in graph


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_key_we_emit_is_defined(name):
    """Given every example, then every key maps to an IRI (nothing dropped by @vocab _:)."""
    doc = EXAMPLES[name]().to_jsonld()
    compile_document(doc)  # raises on a key outside the context
    expanded_keys = _keys(doc)
    graph = parse_jsonld(doc)
    assert not any(str(p).startswith("_:") for p in graph.predicates())
    assert expanded_keys  # sanity: the walk saw the keys


def _keys(node):
    if isinstance(node, list):
        return set().union(*(_keys(x) for x in node)) if node else set()
    if isinstance(node, dict):
        found = {k for k in node if k != "@context"}
        for k, v in node.items():
            if k != "@context":
                found |= _keys(v)
        return found
    return set()


def test_expand_contexts_inlines_nested_contexts_and_refuses_imports():
    """Given nested @context URLs and @import, then the first inline, the second raises."""
    doc = {"@context": AS2_CONTEXT_URL, "object": {"@context": SECURITY_CONTEXT_URL}}
    out = expand_contexts(doc)
    assert isinstance(out["@context"], dict) and isinstance(out["object"]["@context"], dict)
    assert doc["@context"] == AS2_CONTEXT_URL  # the input is not modified
    with pytest.raises(ContextNotAllowed):
        expand_contexts({"@context": {"@import": "https://x.example/c", "a": "b"}})
    with pytest.raises(ContextNotAllowed):
        expand_contexts({"@context": [AS2_CONTEXT_URL], "x": {"@context": "https://x.example/"}})


class _Listener:
    """A socket on 127.0.0.1 that records connections and answers with an empty context."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.sock.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/context.jsonld"
        self.connections = 0
        self.stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        body = json.dumps({"@context": {"x": "http://x.example/"}}).encode()
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            with conn:
                conn.settimeout(1)
                try:
                    conn.recv(65536)
                    conn.sendall(
                        b"HTTP/1.0 200 OK\r\nContent-Type: application/ld+json\r\n"
                        + f"Content-Length: {len(body)}\r\n\r\n".encode()
                        + body
                    )
                except OSError:
                    pass

    def close(self) -> None:
        self.stop = True
        self.thread.join(2)
        self.sock.close()


@pytest.fixture
def listener():
    """Yield a local listening socket, closed after the test."""
    server = _Listener()
    yield server
    server.close()


def _remote_doc(url: str) -> dict:
    return {"@context": [AS2_CONTEXT_URL, url], "id": "https://x.example/1", "type": "Note"}


@pytest.mark.parametrize("engine", ["rdflib", "oxigraph"])
def test_parsing_a_remote_context_fails_cleanly_without_connecting(listener, engine):
    """Given a context URL on a local socket, when parsed, then it raises and nothing connects."""
    with pytest.raises(ContextNotAllowed):
        parse(_remote_doc(listener.url), "jsonld", engine=engine)
    with pytest.raises(VocabError):
        parse(json.dumps(_remote_doc(listener.url)), "jsonld", engine=engine)
    assert listener.connections == 0


def test_the_listener_would_see_a_fetch(listener):
    """Given the same document handed to rdflib raw, then rdflib connects: the check works."""
    raw = json.dumps({"@context": listener.url, "id": "https://x.example/1", "x": "y"})
    # Whatever rdflib makes of the answer, the connection is what counts.
    with contextlib.suppress(Exception):
        rdflib.Graph().parse(data=raw, format="json-ld")
    assert listener.connections >= 1
