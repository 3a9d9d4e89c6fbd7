"""HTTP Signatures: round trips, FEDERATION.md checks 3-5 in order, and independent signers."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpsig
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa
from http_message_signatures import HTTPMessageSigner, MappingKeyResolver
from http_message_signatures import algorithms as hms
from httpsig.utils import generate_message, parse_signature_header

from federation.errors import SignatureError
from federation.signatures import (
    load_public_key,
    parse_signature,
    sign_request,
    sign_request_rfc9421,
    verify_signature,
)

URL = "https://peer.example/inbox?page=1"
PATH = "/inbox?page=1"
KEY_ID = "https://node.example/actor#main-key"
BODY = b'{"type": "Follow", "actor": "https://node.example/actor"}'
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SIGNERS = [sign_request, sign_request_rfc9421]


def _pems(private_key) -> tuple[str, str]:
    private = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


@pytest.fixture(scope="module")
def keys() -> tuple[str, str]:
    """An RSA-2048 key pair as PEM: (private, public)."""
    return _pems(rsa.generate_private_key(public_exponent=65537, key_size=2048))


@pytest.fixture(scope="module")
def other_public() -> str:
    """The public half of an unrelated RSA key."""
    return _pems(rsa.generate_private_key(public_exponent=65537, key_size=2048))[1]


def _signed(signer, keys, method="POST", body=BODY, now=NOW) -> dict[str, str]:
    return signer(
        method, URL, {"Content-Type": "application/activity+json"}, body, KEY_ID, keys[0], now=now
    )


@pytest.mark.parametrize("signer", SIGNERS)
@pytest.mark.parametrize("method, body", [("POST", BODY), ("GET", None)])
def test_round_trip_verifies(signer, method, body, keys):
    """A request we sign is accepted by our own verifier on the first try."""
    headers = _signed(signer, keys, method, body)
    parsed = parse_signature(method, PATH, headers, body, now=NOW)
    verify_signature(parsed, keys[1])
    assert parsed.key_id == KEY_ID
    assert parsed.scheme == ("cavage" if signer is sign_request else "rfc9421")
    assert parsed.created == NOW


def test_cavage_headers_have_the_expected_shape(keys):
    """Cavage signing covers (request-target) host date digest with rsa-sha256 and a Digest."""
    headers = _signed(sign_request, keys)
    assert headers["Host"] == "peer.example"
    assert headers["Date"] == "Sun, 01 Mar 2026 12:00:00 GMT"
    assert headers["Digest"].startswith("SHA-256=")
    assert 'headers="(request-target) host date digest"' in headers["Signature"]
    assert 'algorithm="rsa-sha256"' in headers["Signature"]
    assert "digest" not in _signed(sign_request, keys, "GET", None)["Signature"]


def test_rfc9421_headers_have_the_expected_shape(keys):
    """RFC 9421 signing covers @method @target-uri host date content-digest."""
    headers = _signed(sign_request_rfc9421, keys)
    assert headers["Content-Digest"].startswith("sha-256=:")
    assert '("@method" "@target-uri" "host" "date" "content-digest")' in headers["Signature-Input"]
    assert f'keyid="{KEY_ID}"' in headers["Signature-Input"]


@pytest.mark.parametrize("signer", SIGNERS)
def test_tampered_body_is_refused(signer, keys):
    """A body that differs from the signed digest fails check 5."""
    headers = _signed(signer, keys)
    with pytest.raises(SignatureError, match="Digest"):
        parse_signature("POST", PATH, headers, BODY.replace(b"Follow", b"Delete"), now=NOW)


@pytest.mark.parametrize("signer", SIGNERS)
@pytest.mark.parametrize("change", ["path", "host", "method"])
def test_tampered_request_line_does_not_verify(signer, change, keys):
    """Changing the path, the Host or the method breaks the signature."""
    headers = _signed(signer, keys)
    method, path = "POST", PATH
    if change == "path":
        path = "/inbox?page=2"
    elif change == "host":
        headers["Host"] = "other.example"
    else:
        method = "PUT"
    with pytest.raises(SignatureError, match="does not verify"):
        verify_signature(parse_signature(method, path, headers, BODY, now=NOW), keys[1])


@pytest.mark.parametrize("signer", SIGNERS)
def test_wrong_key_is_refused(signer, keys, other_public):
    """A signature checked with another actor's key fails."""
    parsed = parse_signature("POST", PATH, _signed(signer, keys), BODY, now=NOW)
    with pytest.raises(SignatureError, match="does not verify"):
        verify_signature(parsed, other_public)


@pytest.mark.parametrize("signer", SIGNERS)
@pytest.mark.parametrize(
    "offset, accepted",
    [
        (timedelta(hours=-1, minutes=-4), True),
        (timedelta(minutes=59), True),
        (timedelta(hours=-1, minutes=-6), False),
        (timedelta(hours=1, minutes=1), False),
        (timedelta(hours=-23, minutes=-55), False),  # .seconds would call this 5 minutes
    ],
)
def test_freshness_window(signer, offset, accepted, keys):
    """Signed times up to 1 h ahead and 1 h 5 min behind are accepted, others refused."""
    headers = _signed(signer, keys, now=NOW + offset)
    if accepted:
        verify_signature(parse_signature("POST", PATH, headers, BODY, now=NOW), keys[1])
    else:
        with pytest.raises(SignatureError, match="future|past"):
            parse_signature("POST", PATH, headers, BODY, now=NOW)


def test_freshness_is_checked_before_the_digest(keys):
    """A stale request with a wrong body is refused for its age: check 4 comes before 5."""
    headers = _signed(sign_request, keys, now=NOW - timedelta(hours=2))
    with pytest.raises(SignatureError, match="past"):
        parse_signature("POST", PATH, headers, b"{}", now=NOW)


def _httpsig_headers(covered: list[str], private_pem: str, body: bytes | None = BODY) -> dict:
    """Sign with httpsig's own HeaderSigner (pycryptodome), covering exactly `covered`."""
    headers = {
        "Host": "peer.example",
        "Date": "Sun, 01 Mar 2026 12:00:00 GMT",
        "Digest": "SHA-256=" + base64.b64encode(hashlib.sha256(body or b"").digest()).decode(),
    }
    signer = httpsig.HeaderSigner(
        KEY_ID, private_pem, algorithm="rsa-sha256", headers=covered, sign_header="signature"
    )
    return dict(signer.sign(headers, method="POST", path=PATH))


@pytest.mark.parametrize(
    "covered, missing",
    [
        (["host", "date", "digest"], "request-target"),
        (["(request-target)", "date", "digest"], "host"),
        (["(request-target)", "host", "digest"], "date"),
        (["(request-target)", "host", "date"], "Digest"),
    ],
)
def test_cavage_signature_must_cover_required_headers(covered, missing, keys):
    """A cavage signature leaving out a required component is refused (check 3)."""
    headers = _httpsig_headers(covered, keys[0])
    with pytest.raises(SignatureError, match=missing):
        parse_signature("POST", PATH, headers, BODY, now=NOW)


def _rfc9421_headers(components: tuple[str, ...], private_pem: str) -> dict:
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    headers = {"Host": "peer.example", "Date": "Sun, 01 Mar 2026 12:00:00 GMT"}
    message = type("Message", (), {"method": "POST", "url": URL, "headers": headers})()
    resolver = MappingKeyResolver(public_keys={}, private_keys={KEY_ID: key})
    HTTPMessageSigner(signature_algorithm=hms.RSA_V1_5_SHA256, key_resolver=resolver).sign(
        message, key_id=KEY_ID, created=NOW, covered_component_ids=components, body=BODY
    )
    return headers


@pytest.mark.parametrize(
    "components, missing",
    [
        (("@method", "host", "date"), "@target-uri"),
        (("@target-uri", "host", "date"), "@method"),
        (("@method", "@path", "date"), "@authority"),
    ],
)
def test_rfc9421_signature_must_cover_required_components(components, missing, keys):
    """An RFC 9421 signature leaving out a required component is refused (check 3)."""
    headers = _rfc9421_headers(components, keys[0])
    with pytest.raises(SignatureError, match=missing):
        parse_signature("POST", PATH, headers, BODY, now=NOW)


def test_covered_header_absent_from_request_is_refused(keys):
    """A signature naming a header the request lacks is refused."""
    headers = _signed(sign_request, keys)
    del headers["Digest"]
    with pytest.raises(SignatureError, match="digest"):
        parse_signature("POST", PATH, headers, BODY, now=NOW)


def test_signature_in_authorization_header_is_refused(keys):
    """Cavage signatures are taken from the Signature header only, as Fedify does."""
    headers = _signed(sign_request, keys)
    headers["Authorization"] = "Signature " + headers.pop("Signature")
    with pytest.raises(SignatureError, match="Authorization"):
        parse_signature("POST", PATH, headers, BODY, now=NOW)


def test_unsigned_request_is_refused():
    """A request with no signature at all is refused."""
    with pytest.raises(SignatureError, match="not signed"):
        parse_signature("POST", PATH, {"Host": "peer.example"}, BODY, now=NOW)


@pytest.mark.parametrize("algorithm, accepted", [("hs2019", True), ("hmac-sha256", False)])
def test_cavage_algorithm_names(algorithm, accepted, keys):
    """hs2019 means rsa-sha256 for an RSA key; HMAC and other names are refused."""
    headers = _signed(sign_request, keys)
    headers["Signature"] = headers["Signature"].replace("rsa-sha256", algorithm)
    if accepted:
        verify_signature(parse_signature("POST", PATH, headers, BODY, now=NOW), keys[1])
    else:
        with pytest.raises(SignatureError, match="algorithm"):
            parse_signature("POST", PATH, headers, BODY, now=NOW)


@pytest.mark.parametrize("signer", SIGNERS)
def test_ed25519_keys_round_trip(signer):
    """Ed25519 keys sign and verify under both schemes."""
    private, public = _pems(ed25519.Ed25519PrivateKey.generate())
    headers = signer("POST", URL, {}, BODY, KEY_ID, private, now=NOW)
    verify_signature(parse_signature("POST", PATH, headers, BODY, now=NOW), public)


def test_short_rsa_keys_are_refused():
    """RSA keys under 2048 bits are not trusted."""
    public = _pems(rsa.generate_private_key(public_exponent=65537, key_size=1024))[1]
    with pytest.raises(SignatureError, match="2048"):
        load_public_key(public)


def test_public_keys_are_parsed_once(keys):
    """The same PEM gives back the same cached key object."""
    assert load_public_key(keys[1]) is load_public_key(keys[1])


def test_verifier_uses_host_as_received(keys):
    """Behind a proxy, the public Host verifies and the forwarded one does not."""
    headers = _signed(sign_request, keys)
    verify_signature(parse_signature("POST", PATH, headers, BODY, now=NOW), keys[1])
    headers["Host"] = "127.0.0.1:8000"
    with pytest.raises(SignatureError):
        verify_signature(parse_signature("POST", PATH, headers, BODY, now=NOW), keys[1])


def test_httpsig_signature_verifies_with_ours(keys):
    """A cavage signature made by httpsig's HeaderSigner (pycryptodome) verifies."""
    headers = _httpsig_headers(["(request-target)", "host", "date", "digest"], keys[0])
    verify_signature(parse_signature("POST", PATH, headers, BODY, now=NOW), keys[1])


def test_our_signature_verifies_with_httpsig(keys):
    """httpsig's HeaderVerifier accepts our cavage signature, and builds the same string."""
    headers = _signed(sign_request, keys)
    verifier = httpsig.HeaderVerifier(
        headers, keys[1], method="POST", path=PATH, sign_header="signature"
    )
    assert verifier.verify() is True
    parsed = parse_signature("POST", PATH, headers, BODY, now=NOW)
    expected = generate_message(list(parsed.components), headers, method="POST", path=PATH)
    assert parsed.signing_string == expected
    params = parse_signature_header(headers["Signature"])
    assert (parsed.key_id, parsed.algorithm) == (params["keyId"], params["algorithm"])
    assert " ".join(parsed.components) == params["headers"]


@pytest.mark.parametrize("offset, accepted", [(timedelta(0), True), (timedelta(hours=2), False)])
def test_hs2019_with_created_instead_of_date(offset, accepted, keys):
    """An hs2019 signature covering (created) and no Date is checked on its created time."""
    created = int((NOW - offset).timestamp())
    digest = "SHA-256=" + base64.b64encode(hashlib.sha256(BODY).digest()).decode()
    text = f"(request-target): post {PATH}\n(created): {created}\nhost: peer.example\n"
    text += f"digest: {digest}"
    key = serialization.load_pem_private_key(keys[0].encode(), password=None)
    signature = base64.b64encode(key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256()))
    headers = {
        "Host": "peer.example",
        "Digest": digest,
        "Signature": (
            f'keyId="{KEY_ID}", algorithm="hs2019", created={created}, '
            f'headers="(request-target) (created) host digest", signature="{signature.decode()}"'
        ),
    }
    if accepted:
        parsed = parse_signature("POST", PATH, headers, BODY, now=NOW)
        verify_signature(parsed, keys[1])
        assert parsed.created == NOW
    else:
        with pytest.raises(SignatureError, match="created time is more than 1 h 5 min"):
            parse_signature("POST", PATH, headers, BODY, now=NOW)


class _Capture(BaseHTTPRequestHandler):
    """Record each request as it arrived on the wire and answer 202."""

    def _record(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        self.server.seen.append((self.command, self.path, dict(self.headers.items()), body))
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = _record

    def log_message(self, *args) -> None:
        pass


def test_bovine_signed_requests_verify_with_ours(keys):
    """bovine's own signed_post and signed_get, sent over real HTTP, verify with ours."""
    bovine_http = pytest.importorskip("bovine.clients.signed_http_methods")
    from aiohttp import ClientSession
    from bovine.clients.signed_http import legacy_digest_method
    from bovine.crypto.types import CryptographicSecret

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Capture)
    server.seen = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    secret = CryptographicSecret.from_pem(KEY_ID, keys[0])
    body = json.dumps({"type": "Follow", "actor": "https://node.example/actor"})

    async def send() -> None:
        async with ClientSession() as session:
            await bovine_http.signed_post(
                session, secret, f"{base}/inbox", body, legacy_digest_method
            )
            await bovine_http.signed_get(session, secret, f"{base}/users/a?page=1")

    try:
        asyncio.run(send())
    finally:
        server.shutdown()
        server.server_close()
    assert [(method, path) for method, path, _, _ in server.seen] == [
        ("POST", "/inbox"),
        ("GET", "/users/a?page=1"),
    ]
    for method, path, headers, received in server.seen:
        parsed = parse_signature(method, path, headers, received)
        verify_signature(parsed, keys[1])
        assert parsed.key_id == KEY_ID and parsed.scheme == "cavage"
