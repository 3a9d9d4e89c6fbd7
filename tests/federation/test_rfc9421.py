"""RFC 9421 layouts peers really send: Mastodon 4.5's (`@method`, `@target-uri`,
`content-digest`; `created`, `keyid`) and `@path` + `@authority`. Signed with the
`http-message-signatures` library, not with our own signer; hostile variants stay refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from http_message_signatures import HTTPMessageSigner, MappingKeyResolver
from http_message_signatures import algorithms as hms

from federation.errors import SignatureError
from federation.signatures import parse_signature, verify_signature
from server.models import clock
from tests.conftest import BASE_URL

URL = "https://node.example/inbox"
KEY_ID = "https://peer.example/users/alice#main-key"
BODY = b'{"type": "Follow", "actor": "https://peer.example/users/alice"}'
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
MASTODON = ("@method", "@target-uri")  # the library adds content-digest for the body
AUTHORITY_AND_PATH = ("@method", "@path", "@authority")


@pytest.fixture(scope="module")
def keys():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return key, public


def library_signed(
    key,
    components,
    *,
    url: str = URL,
    key_id: str = KEY_ID,
    created: datetime | None = NOW,
    body: bytes = BODY,
    date: str | None = None,
) -> dict[str, str]:
    """Return the headers `http-message-signatures` produces for a POST, as Mastodon signs."""
    host = url.split("/")[2]
    headers = {"Host": host, "Content-Type": "application/activity+json"}
    if date:
        headers["Date"] = date
    message = type("Message", (), {"method": "POST", "url": url, "headers": headers})()
    resolver = MappingKeyResolver(public_keys={}, private_keys={key_id: key})
    signer = HTTPMessageSigner(signature_algorithm=hms.RSA_V1_5_SHA256, key_resolver=resolver)
    signer.sign(
        message,
        key_id=key_id,
        created=created,
        include_alg=False,
        covered_component_ids=components,
        body=body,
    )
    if created is None:  # the library always stamps one: take it out to test its absence
        headers["Signature-Input"] = headers["Signature-Input"].replace(
            f";created={int(datetime.now(UTC).timestamp())}", ""
        )
    return headers


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


@pytest.mark.parametrize("components", [MASTODON, AUTHORITY_AND_PATH])
def test_the_layouts_peers_send_verify(components, keys):
    headers = library_signed(keys[0], components)
    assert "content-digest" in headers["Signature-Input"]
    assert "host" not in headers["Signature-Input"].split(";")[0]
    parsed = parse_signature("POST", "/inbox", headers, BODY, now=NOW)
    verify_signature(parsed, keys[1])


@pytest.mark.parametrize(
    ("components", "reason"),
    [
        (("@target-uri",), "@method"),
        (("@method", "@path"), "@authority"),
        (("@method", "@authority"), "@path"),
        (("@method", "@query"), "@target-uri"),
    ],
)
def test_a_signature_not_saying_where_the_request_went_is_refused(components, reason, keys):
    headers = library_signed(keys[0], components)
    with pytest.raises(SignatureError, match=reason):
        parse_signature("POST", "/inbox", headers, BODY, now=NOW)


def test_path_without_query_is_refused_when_the_request_has_one(keys):
    url = URL + "?page=2"
    headers = library_signed(keys[0], AUTHORITY_AND_PATH, url=url)
    with pytest.raises(SignatureError, match="@query"):
        parse_signature("POST", "/inbox?page=2", headers, BODY, now=NOW)
    signed = library_signed(keys[0], (*AUTHORITY_AND_PATH, "@query"), url=url)
    verify_signature(parse_signature("POST", "/inbox?page=2", signed, BODY, now=NOW), keys[1])


def test_without_created_or_date_it_is_refused(keys):
    headers = library_signed(keys[0], MASTODON, created=None)
    assert "created" not in headers["Signature-Input"]
    with pytest.raises(SignatureError, match="date or created"):
        parse_signature("POST", "/inbox", headers, BODY, now=datetime.now(UTC))


@pytest.mark.parametrize("age", [timedelta(hours=2), -timedelta(hours=2)])
def test_a_stale_or_future_created_is_refused(age, keys):
    headers = library_signed(keys[0], MASTODON, created=NOW - age)
    with pytest.raises(SignatureError, match="created time"):
        parse_signature("POST", "/inbox", headers, BODY, now=NOW)


def test_a_changed_body_is_refused(keys):
    headers = library_signed(keys[0], MASTODON)
    with pytest.raises(SignatureError, match="Content-Digest"):
        parse_signature("POST", "/inbox", headers, BODY.replace(b"Follow", b"Delete"), now=NOW)


@pytest.mark.parametrize("components", [MASTODON, AUTHORITY_AND_PATH])
def test_a_signature_made_for_another_host_does_not_verify(components, keys):
    headers = library_signed(keys[0], components, url="https://elsewhere.example/inbox")
    headers["Host"] = "node.example"  # replayed to us
    parsed = parse_signature("POST", "/inbox", headers, BODY, now=NOW)
    with pytest.raises(SignatureError, match="does not verify"):
        verify_signature(parsed, keys[1])


def test_a_signature_made_for_another_path_does_not_verify(keys):
    headers = library_signed(keys[0], MASTODON, url="https://node.example/other/inbox")
    parsed = parse_signature("POST", "/inbox", headers, BODY, now=NOW)
    with pytest.raises(SignatureError, match="does not verify"):
        verify_signature(parsed, keys[1])


def test_another_key_does_not_verify(keys):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    headers = library_signed(other, MASTODON)
    parsed = parse_signature("POST", "/inbox", headers, BODY, now=NOW)
    with pytest.raises(SignatureError, match="does not verify"):
        verify_signature(parsed, keys[1])


@pytest.mark.parametrize("components", [MASTODON, AUTHORITY_AND_PATH])
def test_the_inbox_accepts_both_layouts(components, fed_app, peer):
    """Through the whole inbox: fresh, digest, key owner; then a key of another actor fails."""
    actor = peer.add_actor("alice")
    key = serialization.load_pem_private_key(actor.private_pem.encode(), password=None)
    activity = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "type": "Follow",
        "id": f"{actor.iri}/follows/{len(components)}",
        "actor": actor.iri,
        "object": f"{BASE_URL}/actor",
    }
    body = json.dumps(activity).encode()
    with fed_app.app_context():
        now = clock.now()
    headers = library_signed(
        key, components, url=f"{BASE_URL}/inbox", body=body, created=now, key_id=actor.key_id
    )
    client = fed_app.test_client()
    response = client.post("/inbox", data=body, headers=headers)
    assert response.status_code == 202, response.get_data(as_text=True)
    mallory = peer.add_actor("mallory")
    forged = library_signed(
        key, components, url=f"{BASE_URL}/inbox", body=body, created=now, key_id=mallory.key_id
    )
    response = client.post("/inbox", data=body, headers=forged)
    assert response.status_code == 401
