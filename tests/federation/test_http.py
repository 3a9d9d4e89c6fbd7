"""The outbound client against real HTTP(S) servers on 127.0.0.1: guard, limits, signing.

To reach a loopback server while the guard is on, tests name it `peer.test` through an
injected resolver and admit 127.0.0.1 alone with `allowed_networks`, as an admin would
admit a sibling node on the LAN; every other address stays refused.
"""

from __future__ import annotations

import datetime as dt
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from federation.errors import FetchError, ResponseTooLarge, UnsafeAddress
from federation.http import FailureCache, SafeClient, is_public_address
from federation.signatures import parse_signature, verify_signature

AP = "application/activity+json"
Route = Callable[[BaseHTTPRequestHandler], None]


class Peer:
    """A threaded HTTP(S) server on 127.0.0.1 whose answers are set per path."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.routes: dict[str, Route] = {}
        self.seen: list[tuple[str, str, dict[str, str], bytes]] = []
        peer = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                peer.seen.append((self.command, self.path, dict(self.headers.items()), body))
                peer.routes.get(self.path, _answer(404, b"not here", "text/plain"))(self)

            do_GET = do_POST = _serve

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_port
        self.scheme = "https" if tls else "http"
        serving = {"poll_interval": 0.05}  # so that close() returns at once
        threading.Thread(target=self.server.serve_forever, kwargs=serving, daemon=True).start()

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"{self.scheme}://{host}:{self.port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _answer(status: int, body: bytes, content_type: str = AP, **headers: str) -> Route:
    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            handler.send_header(name.replace("_", "-"), value)
        handler.end_headers()
        handler.wfile.write(body)

    return route


def _document(handler: BaseHTTPRequestHandler) -> None:
    """Serve an actor whose id is the URL it was asked for, Host header included."""
    scheme = "https" if isinstance(handler.connection, ssl.SSLSocket) else "http"
    doc = {"id": f"{scheme}://{handler.headers['Host']}{handler.path}", "type": "Person"}
    _answer(200, json.dumps(doc).encode())(handler)


def _redirect(location: str, status: int = 302) -> Route:
    return _answer(status, b"", "text/plain", Location=location)


@pytest.fixture
def peer():
    """A plain HTTP peer."""
    server = Peer()
    yield server
    server.close()


def _names(mapping: dict[str, str]):
    """A resolver for made-up names."""
    def resolve(host: str, port: int) -> list[str]:
        if host not in mapping:
            raise socket.gaierror(f"unknown name {host}")
        return [mapping[host]]

    return resolve


def _guarded(**options) -> SafeClient:
    """A client with the guard on, admitting 127.0.0.1 alone, over plain http."""
    options.setdefault("resolver", _names({"peer.test": "127.0.0.1"}))
    return SafeClient(allow_http=True, allowed_networks=["127.0.0.1/32"], **options)


def test_private_allowed_fetches_from_loopback(peer):
    """With allow_private, a document on 127.0.0.1 is fetched and its final URL returned."""
    peer.routes["/users/a"] = _document
    doc, final = SafeClient(allow_private=True).get_json(peer.url("/users/a"))
    assert doc["id"] == final == peer.url("/users/a")
    headers = peer.seen[0][2]
    assert "application/activity+json" in headers["Accept"]
    assert headers["User-Agent"].startswith("transition-commons")


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/", "https://[::1]/", "https://10.1.2.3/", "https://192.168.1.1/",
        "https://169.254.169.254/latest/meta-data/", "https://100.64.0.7/", "https://0.0.0.0/",
        "https://[::ffff:127.0.0.1]/", "https://[64:ff9b::7f00:1]/", "https://[2002:7f00:1::]/",
        "https://[fe80::1]/", "https://[fc00::1]/", "https://224.0.0.1/", "https://localhost/",
        "https://2130706433/",
    ],
)
def test_guard_refuses_non_public_addresses(url):
    """Loopback, private, link-local, CGNAT, embedded-IPv4 and multicast targets are refused."""
    with pytest.raises(UnsafeAddress, match="not a public address"):
        SafeClient().get_json(url)


def test_guard_refuses_before_connecting(peer):
    """A refused address is never contacted: the peer on 127.0.0.1 sees nothing."""
    peer.routes["/users/a"] = _document
    with pytest.raises(UnsafeAddress):
        SafeClient(allow_http=True).get_json(peer.url("/users/a"))
    with pytest.raises(UnsafeAddress):
        SafeClient(allow_http=True).get_json(peer.url("/users/a", host="localhost"))
    assert peer.seen == []


@pytest.mark.parametrize(
    "url, reason",
    [
        ("http://peer.test/users/a", "plain http"),
        ("ftp://peer.test/users/a", "only http and https"),
        ("file:///etc/passwd", "only http and https"),
        ("https://user:pw@peer.test/users/a", "credentials"),
    ],
)
def test_guard_refuses_schemes_and_credentials(url, reason):
    """Normal mode fetches https only, and never URLs with credentials."""
    client = SafeClient(resolver=_names({"peer.test": "93.184.216.34"}))
    with pytest.raises(UnsafeAddress, match=reason):
        client.get_json(url)


@pytest.mark.parametrize(
    "address, public",
    [
        ("93.184.216.34", True), ("2606:4700:4700::1111", True), ("::ffff:93.184.216.34", True),
        ("64:ff9b::5db8:d822", True), ("172.16.0.1", False), ("198.18.0.1", False),
        ("192.0.2.1", False), ("255.255.255.255", False), ("::", False), ("2001:db8::1", False),
        ("2001::1", False), ("ff02::1", False), ("::ffff:10.0.0.1", False),
    ],
)
def test_address_classifier(address, public):
    """Only globally reachable unicast is public; embedded IPv4 is judged by itself."""
    assert is_public_address(address) is public


def test_resolved_address_is_pinned(peer):
    """The name is resolved once per hop and that address is the one connected to."""
    peer.routes["/users/a"] = _document
    calls: list[str] = []
    answers = iter(["127.0.0.1", "10.0.0.1"])  # a rebinding DNS: second answer is private

    def rebinding(host: str, port: int) -> list[str]:
        calls.append(host)
        return [next(answers)]

    doc, final = _guarded(resolver=rebinding).get_json(peer.url("/users/a", host="peer.test"))
    assert calls == ["peer.test"]
    assert final == doc["id"] == peer.url("/users/a", host="peer.test")
    assert peer.seen[0][2]["Host"] == f"peer.test:{peer.port}"


@pytest.mark.parametrize(
    "location",
    ["http://internal.test/secret", "http://169.254.169.254/latest/meta-data/",
     "http://[::1]:{port}/users/a", "http://localhost:{port}/users/a"],
)
def test_redirect_to_private_address_is_refused(peer, location):
    """Each redirect is checked again: an allowed peer cannot bounce us inward."""
    peer.routes["/start"] = _redirect(location.format(port=peer.port))
    peer.routes["/users/a"] = _document
    client = _guarded(resolver=_names({"peer.test": "127.0.0.1", "internal.test": "10.0.0.5",
                                       "localhost": "::1"}))
    with pytest.raises(UnsafeAddress, match="not a public address"):
        client.get_json(peer.url("/start", host="peer.test"))
    assert [path for _, path, _, _ in peer.seen] == ["/start"]


@pytest.mark.parametrize("hops, ok", [(3, True), (4, False)])
def test_at_most_three_redirects(peer, hops, ok):
    """Three redirects are followed; a fourth is a FetchError."""
    for hop in range(hops):
        peer.routes[f"/r{hop}"] = _redirect(f"/r{hop + 1}" if hop + 1 < hops else "/users/a")
    peer.routes["/users/a"] = _document
    client = SafeClient(allow_private=True)
    if ok:
        _, final = client.get_json(peer.url("/r0"))
        assert final == peer.url("/users/a")
    else:
        with pytest.raises(FetchError, match="redirects"):
            client.get_json(peer.url("/r0"))


@pytest.mark.parametrize("declared", [True, False])
def test_body_over_one_megabyte_is_aborted(peer, declared):
    """A response over 1 MB is refused, whether or not it announces its length."""
    def huge(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", AP)
        if declared:
            handler.send_header("Content-Length", str(2_000_000))
        handler.end_headers()
        for _ in range(40):
            handler.wfile.write(b" " * 50_000)

    peer.routes["/users/a"] = huge
    with pytest.raises(ResponseTooLarge):
        SafeClient(allow_private=True).get_json(peer.url("/users/a"))


def test_slow_server_hits_read_timeout(peer):
    """A server that does not answer within the read timeout is a FetchError."""
    def slow(handler: BaseHTTPRequestHandler) -> None:
        time.sleep(1.5)
        _document(handler)

    peer.routes["/users/a"] = slow
    with pytest.raises(FetchError, match="timed out"):
        SafeClient(allow_private=True, read_timeout=0.3).get_json(peer.url("/users/a"))


@pytest.mark.parametrize("stage", ["headers", "body"])
def test_trickling_server_hits_total_deadline(peer, stage):
    """A server sending a byte just often enough to beat the read timeout is cut off."""
    def trickle(handler: BaseHTTPRequestHandler) -> None:
        head = f"HTTP/1.1 200 OK\r\nContent-Type: {AP}\r\nContent-Length: 100\r\n\r\n"
        handler.wfile.write(b"" if stage == "headers" else head.encode())
        for byte in (head.encode() if stage == "headers" else b" " * 100):
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            time.sleep(0.05)

    peer.routes["/users/a"] = trickle
    client = SafeClient(allow_private=True, read_timeout=1.0, total_timeout=0.5)
    with pytest.raises(FetchError, match="took over 0.5 s"):
        client.get_json(peer.url("/users/a"))


def test_refused_connection_is_a_fetch_error():
    """Nothing listening on the port is a FetchError without a status."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(FetchError, match="cannot connect") as caught:
        SafeClient(allow_private=True).get_json(f"http://127.0.0.1:{port}/users/a")
    assert caught.value.status is None


@pytest.mark.parametrize(
    "content_type, ok",
    [("text/html", False), ("application/json", False), ("", False), (AP, True),
     ('application/ld+json; profile="https://www.w3.org/ns/activitystreams"', True)],
)
def test_document_must_be_typed_as_activitypub(peer, content_type, ok):
    """Only application/activity+json and application/ld+json count as ActivityPub."""
    body = json.dumps({"id": peer.url("/users/a")}).encode()
    peer.routes["/users/a"] = _answer(200, body, content_type)
    client = SafeClient(allow_private=True)
    if ok:
        assert client.get_json(peer.url("/users/a"))[0]["id"] == peer.url("/users/a")
    else:
        with pytest.raises(FetchError, match="not ActivityPub"):
            client.get_json(peer.url("/users/a"))


@pytest.mark.parametrize(
    "served_id, ok",
    [("/users/b", False), (None, False), ("/users/a#main-key", True), ("/USERS/a", False)],
)
def test_document_id_must_be_the_url_fetched(peer, served_id, ok):
    """The fetched `id` must equal the URL (fragment aside; the path is case-sensitive)."""
    doc = {"type": "Person"} if served_id is None else {"id": peer.url(served_id)}
    peer.routes["/users/a"] = _answer(200, json.dumps(doc).encode())
    client = SafeClient(allow_private=True)
    if ok:
        client.get_json(peer.url("/users/a"))
    else:
        with pytest.raises(FetchError, match="another id"):
            client.get_json(peer.url("/users/a"))


def test_http_error_carries_status(peer):
    """A 410 from the peer is a FetchError with status 410."""
    peer.routes["/users/a"] = _answer(410, b"gone", "text/plain")
    with pytest.raises(FetchError) as caught:
        SafeClient(allow_private=True).get_json(peer.url("/users/a"))
    assert caught.value.status == 410


def test_failures_are_cached_briefly(peer):
    """A failed fetch is not repeated within the TTL, and is retried after it."""
    now = [1000.0]
    client = SafeClient(allow_private=True, failures=FailureCache(ttl=60, clock=lambda: now[0]))
    url = peer.url("/users/a")
    for _ in range(2):
        with pytest.raises(FetchError):
            client.get_json(url)
    assert len(peer.seen) == 1
    now[0] += 61
    peer.routes["/users/a"] = _document
    assert client.get_json(url)[0]["id"] == url
    assert len(peer.seen) == 2


@pytest.fixture(scope="module")
def actor_keys() -> tuple[str, str]:
    """Our actor's RSA key pair as PEM: (private, public)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


def test_signed_get_verifies_at_the_peer(peer, actor_keys):
    """With sign_as, a GET carries a signature the peer can verify as received."""
    peer.routes["/users/a"] = _document
    _guarded().get_json(peer.url("/users/a", host="peer.test"), sign_as=("k#main", actor_keys[0]))
    method, path, headers, body = peer.seen[0]
    parsed = parse_signature(method, path, headers, body, scheme="http")
    verify_signature(parsed, actor_keys[1])
    assert parsed.key_id == "k#main" and "digest" not in parsed.components


def test_post_is_signed_and_answers_any_status(peer, actor_keys):
    """A delivery is a signed POST with a Digest; the peer's status comes back, not raised."""
    peer.routes["/inbox"] = _answer(503, b"busy", "text/plain", Retry_After="120")
    body = json.dumps({"type": "Follow"}).encode()
    response = _guarded().post(peer.url("/inbox", host="peer.test"), body, "k#main", actor_keys[0])
    assert response.status == 503 and response.headers["Retry-After"] == "120"
    method, path, headers, received = peer.seen[0]
    assert received == body and headers["Content-Type"] == AP
    verify_signature(parse_signature(method, path, headers, received, scheme="http"),
                     actor_keys[1])


def test_post_is_not_turned_into_a_get_by_a_redirect(peer, actor_keys):
    """A 302 to a POST is handed back, not followed as a GET."""
    peer.routes["/inbox"] = _redirect("/elsewhere")
    response = SafeClient(allow_private=True).post(peer.url("/inbox"), b"{}", "k", actor_keys[0])
    assert response.status == 302
    assert [path for _, path, _, _ in peer.seen] == ["/inbox"]


def test_get_returns_any_json_object(peer):
    """get() serves WebFinger: any JSON content type, the Accept asked for."""
    jrd = {"subject": "acct:a@peer.test", "links": []}
    peer.routes["/.well-known/webfinger?resource=acct:a@peer.test"] = _answer(
        200, json.dumps(jrd).encode(), "application/jrd+json"
    )
    url = peer.url("/.well-known/webfinger?resource=acct:a@peer.test", host="peer.test")
    assert _guarded().get(url, accept="application/jrd+json") == jrd
    assert peer.seen[0][2]["Accept"] == "application/jrd+json"


def _certificate(name: str, key, issuer: str | None = None, issuer_key=None) -> bytes:
    """A two-day certificate: a CA's own when `issuer` is None, else one for a DNS name."""
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    builder = (
        x509.CertificateBuilder().public_key(key.public_key())
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer or name)]))
        .serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(start + dt.timedelta(days=2))
    )
    if issuer is None:
        usage = x509.KeyUsage(True, False, False, False, False, True, True, False, False)
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        builder = builder.add_extension(usage, critical=True)
    else:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), False)
    return builder.sign(issuer_key or key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory) -> tuple[Path, Path, Path]:
    """A throwaway CA and a certificate for peer.test it signed: (ca, cert, key) files."""
    ca_key, leaf_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(2))
    paths = tuple(tmp_path_factory.mktemp("tls") / name for name in ("ca", "cert", "key"))
    paths[0].write_bytes(_certificate("test CA", ca_key))
    paths[1].write_bytes(_certificate("peer.test", leaf_key, "test CA", ca_key))
    paths[2].write_bytes(leaf_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ))
    return paths


@pytest.fixture
def tls_peer(tls_files):
    """An HTTPS peer on 127.0.0.1 presenting the certificate for peer.test."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls_files[1], tls_files[2])
    server = Peer(tls=context)
    yield server
    server.close()


def test_https_checks_the_certificate_for_the_name(tls_peer, tls_files):
    """The pinned address is dialled, but TLS verifies the certificate against the name."""
    tls_peer.routes["/users/a"] = _document
    names = _names({"peer.test": "127.0.0.1", "other.test": "127.0.0.1"})
    ca = str(tls_files[0])
    client = SafeClient(allowed_networks=["127.0.0.1/32"], resolver=names, ca_certs=ca)
    doc, _ = client.get_json(tls_peer.url("/users/a", host="peer.test"))
    assert doc["id"] == tls_peer.url("/users/a", host="peer.test")
    with pytest.raises(FetchError, match="certificate|hostname"):
        client.get_json(tls_peer.url("/users/a", host="other.test"))
    untrusting = SafeClient(allowed_networks=["127.0.0.1/32"], resolver=names)
    with pytest.raises(FetchError, match="certificate"):
        untrusting.get_json(tls_peer.url("/users/a", host="peer.test"))
