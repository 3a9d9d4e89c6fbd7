"""The outbound client against real HTTP(S) servers on 127.0.0.1: guard, limits, signing.

With the guard on, tests reach a loopback server as `peer.test` (an injected resolver) and
admit 127.0.0.1 alone with `allowed_networks`, as an admin admits a LAN sibling node.
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
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from federation.errors import FetchError, ResponseTooLarge, UnsafeAddress
from federation.http import FailureCache, SafeClient, is_public_address
from federation.signatures import parse_signature, verify_signature

AP = "application/activity+json"
LD = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
PEM, PKCS8, NO_PASSWORD = ser.Encoding.PEM, ser.PrivateFormat.PKCS8, ser.NoEncryption()
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
        self.server.handle_error = lambda *args: None  # a client hanging up is expected here
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
    headers.update({"Content_Type": content_type, "Content_Length": str(len(body))})

    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
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
    assert AP in peer.seen[0][2]["Accept"]
    assert peer.seen[0][2]["User-Agent"].startswith("transition-commons")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/users/a",
        "http://localhost:{port}/users/a",
        "https://[::1]/",
        "https://10.1.2.3/",
        "https://192.168.1.1/",
        "https://169.254.169.254/latest/meta-data/",
        "https://100.64.0.7/",
        "https://0.0.0.0/",
        "https://[::ffff:127.0.0.1]/",
        "https://[64:ff9b::7f00:1]/",
        "https://[2002:7f00:1::]/",
        "https://[fe80::1]/",
        "https://[fc00::1]/",
        "https://224.0.0.1/",
        "https://2130706433/",
    ],
)
def test_guard_refuses_non_public_addresses(peer, url):
    """Loopback, private, link-local, CGNAT, embedded-IPv4 and multicast targets are refused
    before any connection: the live peer on 127.0.0.1 sees nothing."""
    peer.routes["/users/a"] = _document
    with pytest.raises(UnsafeAddress, match="not a public address"):
        SafeClient(allow_http=True).get_json(url.format(port=peer.port))
    assert peer.seen == []


@pytest.mark.parametrize(
    "url, reason",
    [
        ("http://peer.test/users/a", "plain http"),
        ("ftp://peer.test/a", "only http and https"),
        ("file:///etc/passwd", "only http and https"),
        ("https://u:p@peer.test/a", "credentials"),
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
        ("93.184.216.34", True),
        ("2606:4700:4700::1111", True),
        ("::ffff:93.184.216.34", True),
        ("64:ff9b::5db8:d822", True),
        ("172.16.0.1", False),
        ("198.18.0.1", False),
        ("192.0.2.1", False),
        ("255.255.255.255", False),
        ("::", False),
        ("2001:db8::1", False),
        ("2001::1", False),
        ("ff02::1", False),
        ("::ffff:10.0.0.1", False),
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
    [
        "http://internal.test/secret",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:{port}/users/a",
        "http://localhost:{port}/users/a",
    ],
)
def test_redirect_to_private_address_is_refused(peer, location):
    """Each redirect is checked again: an allowed peer cannot bounce us inward."""
    peer.routes["/start"] = _redirect(location.format(port=peer.port))
    peer.routes["/users/a"] = _document
    client = _guarded(
        resolver=_names({"peer.test": "127.0.0.1", "internal.test": "10.0.0.5", "localhost": "::1"})
    )
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


@pytest.mark.parametrize(
    "stage, error", [("silent", "timed out"), ("headers", "took over"), ("body", "took over")]
)
def test_slow_servers_hit_read_timeout_or_total_deadline(peer, stage, error):
    """A silent server hits the read timeout; one trickling bytes just often enough to beat
    it, in its headers or its body, is cut off at the total deadline."""

    def slow(handler: BaseHTTPRequestHandler) -> None:
        head = f"HTTP/1.1 200 OK\r\nContent-Type: {AP}\r\nContent-Length: 100\r\n\r\n"
        time.sleep(3 if stage == "silent" else 0)
        handler.wfile.write(head.encode() if stage == "body" else b"")
        for byte in head.encode() if stage == "headers" else b" " * 100:
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            time.sleep(0.05)

    peer.routes["/users/a"] = slow
    client = SafeClient(allow_private=True, read_timeout=0.5, total_timeout=2)
    with pytest.raises(FetchError, match=error):
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
    "content_type, served, error",
    [
        (AP, "/users/a", None),
        (LD, "/users/a", None),
        (AP, "/users/a#main-key", None),
        ("text/html", "/users/a", "not ActivityPub"),
        ("", "/users/a", "not ActivityPub"),
        ("application/json", "/users/a", "not ActivityPub"),
        (AP, "/users/b", "another id"),
        (AP, "/USERS/a", "another id"),
        (AP, None, "another id"),
    ],
)
def test_document_type_and_id_are_checked(peer, content_type, served, error):
    """Only ActivityPub JSON-LD whose `id` is the URL fetched (fragment aside) is accepted."""
    doc = {"type": "Person"} if served is None else {"id": peer.url(served)}
    peer.routes["/users/a"] = _answer(200, json.dumps(doc).encode(), content_type)
    client = SafeClient(allow_private=True)
    if error is None:
        assert client.get_json(peer.url("/users/a"))[0] == doc
    else:
        with pytest.raises(FetchError, match=error):
            client.get_json(peer.url("/users/a"))


def test_failures_carry_status_and_are_cached_briefly(peer):
    """A 404 is a FetchError with its status, not asked again within the TTL but after it."""
    now = [1000.0]
    client = SafeClient(allow_private=True, failures=FailureCache(ttl=60, clock=lambda: now[0]))
    url = peer.url("/users/a")
    with pytest.raises(FetchError) as caught:
        client.get_json(url)
    assert caught.value.status == 404
    with pytest.raises(FetchError, match="moments ago"):
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
    public = key.public_key().public_bytes(PEM, ser.PublicFormat.SubjectPublicKeyInfo).decode()
    return key.private_bytes(PEM, PKCS8, NO_PASSWORD).decode(), public


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
    verify_signature(parse_signature(method, path, headers, received, scheme="http"), actor_keys[1])


def test_post_is_not_turned_into_a_get_by_a_redirect(peer, actor_keys):
    """A 302 to a POST is handed back, not followed as a GET."""
    peer.routes["/inbox"] = _redirect("/elsewhere")
    response = SafeClient(allow_private=True).post(peer.url("/inbox"), b"{}", "k", actor_keys[0])
    assert response.status == 302
    assert [path for _, path, _, _ in peer.seen] == ["/inbox"]


def test_get_returns_any_json_object(peer):
    """get() serves WebFinger: any JSON content type, the Accept asked for."""
    jrd = {"subject": "acct:a@peer.test", "links": []}
    path = "/.well-known/webfinger?resource=acct:a@peer.test"
    peer.routes[path] = _answer(200, json.dumps(jrd).encode(), "application/jrd+json")
    url = peer.url(path, host="peer.test")
    assert _guarded().get(url, accept="application/jrd+json") == jrd
    assert peer.seen[0][2]["Accept"] == "application/jrd+json"


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for peer.test, trusted as its own CA: (cert, key) files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "peer.test")])
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("peer.test")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    paths = folder / "cert.pem", folder / "key.pem"
    paths[0].write_bytes(cert.public_bytes(PEM))
    paths[1].write_bytes(key.private_bytes(PEM, PKCS8, NO_PASSWORD))
    return paths


@pytest.fixture
def tls_peer(tls_files):
    """An HTTPS peer on 127.0.0.1 presenting the certificate for peer.test."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*tls_files)
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
