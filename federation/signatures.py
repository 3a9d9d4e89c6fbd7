"""HTTP Signatures, draft-cavage (`Signature:`) and RFC 9421 (`Signature-Input`): sign, verify.

Verification is split so the inbox runs FEDERATION.md's checks in order: `parse_signature`
does checks 3-5 (present and strong, fresh, digest matches the body) without any key; the
caller then fetches the key, checks its owner (6) and calls `verify_signature`.

Behind a TLS-terminating proxy, pass the public `Host` and path (as the peer sent them) and
`scheme="https"`: signatures cover what the peer sent, not what the proxy forwards.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from functools import lru_cache
from types import SimpleNamespace as _Message  # the request view the RFC 9421 library reads
from typing import Any
from urllib.parse import urlsplit

import http_sf
from cryptography.exceptions import InvalidSignature as CryptoInvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa
from http_message_signatures import (
    ContentDigest,
    HTTPMessageSignaturesException,
    HTTPMessageSigner,
    HTTPMessageVerifier,
    MappingKeyResolver,
)
from http_message_signatures import algorithms as hms
from httpsig.utils import build_signature_template

from federation.errors import SignatureError

MAX_FUTURE = timedelta(hours=1)
MAX_AGE = timedelta(hours=1, minutes=5)  # Mastodon's real window: 1 h plus clock skew
MIN_RSA_BITS = 2048
RFC9421_LABEL = "sig1"

_DIGEST_HASHES = {"sha-256": hashlib.sha256, "sha-512": hashlib.sha512}
# draft-cavage names we accept; hs2019 means "as the key says", and for RSA that is SHA-256.
_RSA_HASHES = {"rsa-sha256": hashes.SHA256, "rsa-sha512": hashes.SHA512, "hs2019": hashes.SHA256}
_CAVAGE_ALGORITHMS = {*_RSA_HASHES, "ed25519"}
# httpsig's parse_signature_header (urllib's parse_http_list, a Python loop over each
# character) costs more than the RSA check itself; the format is simple enough for a regex.
_CAVAGE_PARAM = re.compile(r'([A-Za-z]+)\s*=\s*(?:"([^"]*)"|([^",\s]+))')
_RFC9421_ALGORITHMS: dict[str, type[hms.HTTPSignatureAlgorithm]] = {
    "rsa-v1_5-sha256": hms.RSA_V1_5_SHA256,
    "rsa-pss-sha512": hms.RSA_PSS_SHA512,
    "ed25519": hms.ED25519,
}


@dataclass(frozen=True)
class ParsedSignature:
    """A signature that passed checks 3-5 and now needs its key."""

    scheme: str  # "cavage" or "rfc9421"
    key_id: str
    algorithm: str  # as the peer named it; "" when it named none
    components: tuple[str, ...]
    created: datetime  # the signed time freshness was checked on (created, else Date)
    signature: bytes = field(repr=False)
    signing_string: bytes = field(repr=False, default=b"")  # cavage only
    message: Any = field(repr=False, default=None)  # rfc9421 only: what the library verifies


class _Verifier(HTTPMessageVerifier):
    # parse_signature has checked created/expires on an injectable clock with FEDERATION.md's
    # window; the library's own check (5 s of future skew, real clock) would contradict it.
    def validate_created_and_expires(self, sig_input: Any, max_age: Any = None) -> None:
        return None


@lru_cache(maxsize=1024)
def load_public_key(pem: str) -> Any:
    """Return the `cryptography` key for a PEM public key, parsed once per distinct PEM."""
    try:
        key = serialization.load_pem_public_key(pem.strip().encode("ascii"))
    except (ValueError, TypeError, UnicodeEncodeError) as exc:
        raise SignatureError("the public key is not a valid PEM key") from exc
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < MIN_RSA_BITS:
        raise SignatureError(f"RSA keys shorter than {MIN_RSA_BITS} bits are refused")
    return key


@lru_cache(maxsize=64)
def load_private_key(pem: str) -> Any:
    """Return the `cryptography` key for one of our PEM private keys, parsed once."""
    return serialization.load_pem_private_key(pem.strip().encode("ascii"), password=None)


def _normalise_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    """Lowercase names and join repeated fields with ", "; take a dict, werkzeug's Headers..."""
    pairs = headers.items() if hasattr(headers, "items") else headers
    joined: dict[str, str] = {}
    for name, value in pairs:
        key, value = name.lower(), str(value).strip()
        joined[key] = f"{joined[key]}, {value}" if key in joined else value
    return joined


def _authority(url: str) -> str:
    """Return host[:port] as a client sends it in `Host` (default port left out)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    host = f"[{host}]" if ":" in host else host
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    return host if parts.port in (None, default) else f"{host}:{parts.port}"


def _with_host_and_date(headers: Mapping[str, str], url: str, now: datetime | None) -> dict:
    """Copy `headers`, adding Host and Date unless given (in any letter case)."""
    out = dict(headers)
    stamp = format_datetime((now or datetime.now(UTC)).astimezone(UTC), usegmt=True)
    for name, default in (("Host", _authority(url)), ("Date", stamp)):
        given = [key for key in out if key.lower() == name.lower()]
        out[name] = out.pop(given[0]) if given else default
        for extra in given[1:]:
            del out[extra]
    return out


def _cavage_signing_string(
    covered: Iterable[str], method: str, target: str, headers: Mapping, params: Mapping
) -> bytes:
    """Build the draft-cavage signing string (section 2.3) from the request as received.

    httpsig's `generate_message` builds the same string but knows neither `(created)` nor
    `(expires)` and raises a bare Exception, so we build it here; a test compares the two.
    """
    lines = []
    for name in covered:
        if name == "(request-target)":
            value = f"{method.lower()} {target}"
        elif name in ("(created)", "(expires)"):
            value = params.get(name[1:-1], "")
        elif name in headers:
            value = headers[name]
        else:
            raise SignatureError(f"the covered header {name!r} is missing from the request")
        lines.append(f"{name}: {value}")
    text = "\n".join(lines)
    try:  # WSGI hands header bytes over decoded as latin-1: encoding back restores them
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode()


def sign_request(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    key_id: str,
    private_key_pem: str,
    *,
    now: datetime | None = None,
) -> dict[str, str]:
    """Return `headers` plus Host, Date, Digest (with a body) and a draft-cavage Signature.

    httpsig's HeaderSigner takes a PEM, re-parses it with pycryptodome on every call (1.6 ms
    a signature) and cannot be handed a loaded key; so httpsig gives the header format only,
    and `cryptography` signs with a cached key.
    """
    if '"' in key_id or "\n" in key_id:
        raise ValueError("a keyId cannot contain quotes or newlines")
    out = _with_host_and_date({k: v for k, v in headers.items() if k.lower() != "digest"}, url, now)
    covered = ["(request-target)", "host", "date"]
    if body is not None:
        out["Digest"] = "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()
        covered.append("digest")
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    data = _cavage_signing_string(covered, method, target, _normalise_headers(out), {})
    key = load_private_key(private_key_pem)
    if isinstance(key, rsa.RSAPrivateKey):
        signature, algorithm = key.sign(data, padding.PKCS1v15(), hashes.SHA256()), "rsa-sha256"
    elif isinstance(key, ed25519.Ed25519PrivateKey):
        signature, algorithm = key.sign(data), "hs2019"
    else:
        raise TypeError("only RSA and Ed25519 private keys can sign requests")
    # The template is %-formatted with the signature, so a %-encoded keyId must be escaped.
    template = build_signature_template(key_id.replace("%", "%%"), algorithm, covered, "signature")
    out["Signature"] = template % base64.b64encode(signature).decode("ascii")
    return out


def _rfc9421_algorithm(key: Any, declared: str = "") -> type[hms.HTTPSignatureAlgorithm]:
    if declared:
        return _RFC9421_ALGORITHMS[declared]
    if isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey):
        return hms.RSA_V1_5_SHA256
    if isinstance(key, ed25519.Ed25519PublicKey | ed25519.Ed25519PrivateKey):
        return hms.ED25519
    raise SignatureError("the key type matches no signature algorithm we accept")


def sign_request_rfc9421(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    key_id: str,
    private_key_pem: str,
    *,
    now: datetime | None = None,
) -> dict[str, str]:
    """Return `headers` plus Host, Date, Content-Digest (with a body) and an RFC 9421 signature."""
    out = _with_host_and_date(headers, url, now)
    key = load_private_key(private_key_pem)
    resolver = MappingKeyResolver(public_keys={}, private_keys={key_id: key})
    signer = HTTPMessageSigner(signature_algorithm=_rfc9421_algorithm(key), key_resolver=resolver)
    signer.sign(
        _Message(method=method.upper(), url=url.split("#", 1)[0], headers=out),
        key_id=key_id,
        created=now or datetime.now(UTC),
        label=RFC9421_LABEL,
        covered_component_ids=("@method", "@target-uri", "host", "date"),
        body=body,  # the library then adds Content-Digest and covers it
        use_existing_digest=body is not None,
    )
    return out


def _require(covered: tuple[str, ...], target: tuple, host: tuple, time: tuple) -> None:
    """Check 3: the signature covers the target, the host and a time."""
    missing = [name for name in target if name not in covered]
    missing += [" or ".join(need) for need in (host, time) if need and not set(need) & set(covered)]
    if missing:
        raise SignatureError(f"the signature does not cover {', '.join(missing)}")


def _require_target(covered: tuple[str, ...], target: str) -> None:
    """Check 3 for RFC 9421: the signature covers where the request went, host included.

    `@target-uri` carries scheme, authority, path and query (Mastodon 4.5 signs it alone);
    otherwise `@authority` and `@path`, with `@query` when the request has one.
    """
    if "@target-uri" in covered:
        return
    parts = ["@authority", "@path"] + (["@query"] if "?" in target else [])
    missing = [name for name in parts if name not in covered]
    if missing:
        raise SignatureError(
            f"the signature does not cover @target-uri, nor {' and '.join(missing)}"
        )


def _check_times(created: Any, expires: Any, date: str | None, now: datetime) -> datetime:
    """Check 4 on each signed time, `created` (a Unix time) and Date; return the first."""
    times = []
    if created is not None:
        if not str(created).isdigit():
            raise SignatureError("the signature's created parameter is not a Unix time")
        times.append((datetime.fromtimestamp(int(created), UTC), "the created time"))
    if expires is not None and str(expires).isdigit() and int(expires) < now.timestamp():
        raise SignatureError("the signature has expired")
    if date is not None:
        try:
            when = parsedate_to_datetime(date)
        except (TypeError, ValueError, IndexError) as exc:
            raise SignatureError("the Date header is not an HTTP date") from exc
        times.append((when if when.tzinfo else when.replace(tzinfo=UTC), "the Date header"))
    for when, what in times:
        skew = (when - now).total_seconds()  # never .seconds: it drops days and sign
        if skew > MAX_FUTURE.total_seconds():
            raise SignatureError(f"{what} is more than 1 h in the future")
        if -skew > MAX_AGE.total_seconds():
            raise SignatureError(f"{what} is more than 1 h 5 min in the past")
    return times[0][0] if times else now


def _digest_matches(value: str, body: bytes) -> bool:
    """Tell whether an RFC 3230 `Digest:` has a SHA-256/512 value and all of those match."""
    found = {}
    for member in value.split(","):
        algorithm, _, encoded = member.strip().partition("=")
        if algorithm.strip().lower() in _DIGEST_HASHES:
            found[algorithm.strip().lower()] = encoded.strip()
    try:
        decoded = {name: base64.b64decode(text, validate=True) for name, text in found.items()}
    except (binascii.Error, ValueError):
        return False
    checks = [hmac.compare_digest(d, _DIGEST_HASHES[n](body).digest()) for n, d in decoded.items()]
    return bool(checks) and all(checks)


def _check_body(covered: tuple, headers: Mapping[str, str], body: bytes, required: bool) -> None:
    """Check 5: each covered digest field matches the raw body; one is required on POST."""
    digests = [name for name in covered if name in ("digest", "content-digest")]
    if required and not digests:
        raise SignatureError("the signature does not cover a Digest or Content-Digest header")
    for name in digests:
        if name not in headers:
            raise SignatureError(f"the covered {name} header is missing")
        if name == "digest" and not _digest_matches(headers[name], body):
            raise SignatureError("the Digest header has no SHA-256 value matching the body")
        try:
            if name == "content-digest":
                ContentDigest.verify(headers[name], body)
        except HTTPMessageSignaturesException as exc:
            raise SignatureError(f"the Content-Digest header is wrong: {exc}") from exc


def _parse_cavage(method: str, target: str, headers: dict, now: datetime) -> ParsedSignature:
    found = _CAVAGE_PARAM.finditer(headers["signature"])
    params = {m[1].lower(): m[2] if m[2] is not None else m[3] for m in found}
    key_id, encoded = params.get("keyid", ""), params.get("signature", "")
    if not key_id or not encoded:
        raise SignatureError("the Signature header lacks keyId or signature")
    algorithm = params.get("algorithm", "").lower()
    if algorithm and algorithm not in _CAVAGE_ALGORITHMS:
        raise SignatureError(f"the signature algorithm {algorithm!r} is not accepted")
    # Absent "headers" means "date" alone (draft-cavage 2.1.6), which _require refuses.
    covered = tuple(params.get("headers", "date").lower().split())
    _require(covered, ("(request-target)",), ("host",), ("date", "(created)"))
    signed_at = _check_times(
        params.get("created", "") if "(created)" in covered else None,
        params.get("expires", "") if "(expires)" in covered else None,
        headers.get("date", "") if "date" in covered else None,
        now,
    )
    try:
        signature = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SignatureError("the signature is not base64") from exc
    data = _cavage_signing_string(covered, method, target, headers, params)
    return ParsedSignature("cavage", key_id, algorithm, covered, signed_at, signature, data)


def _parse_rfc9421(
    method: str, target: str, headers: dict, now: datetime, scheme: str
) -> ParsedSignature:
    try:
        inputs = http_sf.parse(headers["signature-input"].encode("ascii"), tltype="dictionary")
        values = http_sf.parse(headers.get("signature", "").encode("ascii"), tltype="dictionary")
    except (ValueError, TypeError, UnicodeEncodeError) as exc:
        raise SignatureError("Signature-Input or Signature is not a structured field") from exc
    # Peers send one signature; with several, the first label that has a value is checked.
    label = next((name for name in inputs if name in values), None)
    if label is None:
        raise SignatureError("Signature-Input and Signature share no label")
    (members, params), value = inputs[label], values[label][0]
    if not isinstance(members, list) or not isinstance(value, bytes):
        raise SignatureError("the signature is not a component list and a byte sequence")
    covered = tuple(str(name) for name, _ in members)
    # RFC 9421 signs `created` as a parameter, not as a component.
    signed = covered + tuple(set(params) & {"created"})
    _require_target(covered, target)
    _require(signed, ("@method",), (), ("date", "created"))
    key_id, algorithm = params.get("keyid"), params.get("alg", "")
    if not isinstance(key_id, str) or not key_id:
        raise SignatureError("the signature has no keyid")
    if algorithm and algorithm not in _RFC9421_ALGORITHMS:
        raise SignatureError(f"the signature algorithm {algorithm!r} is not accepted")
    date = headers.get("date", "") if "date" in covered else None
    signed_at = _check_times(params.get("created"), params.get("expires"), date, now)
    if "host" not in headers:
        raise SignatureError("the request has no Host header")
    # Hand the library exactly the chosen label: it refuses to pick among several itself.
    only = dict(headers)
    only["signature-input"] = http_sf.ser({label: (members, params)})
    only["signature"] = http_sf.ser({label: (value, {})})
    message = _Message(method=method, url=f"{scheme}://{headers['host']}{target}", headers=only)
    return ParsedSignature("rfc9421", key_id, algorithm, covered, signed_at, value, b"", message)


def parse_signature(
    method: str,
    path_with_query: str,
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
    body: bytes | None,
    *,
    now: datetime | None = None,
    scheme: str = "https",
) -> ParsedSignature:
    """Run checks 3-5 on a request as received; raise SignatureError at the first failure.

    `headers` must hold `Host` as the peer sent it (behind a trusted proxy: the public
    host); `scheme` is the public scheme, which RFC 9421's `@target-uri` covers.
    """
    now = now or datetime.now(UTC)
    now = now if now.tzinfo else now.replace(tzinfo=UTC)
    method = method.upper()
    fields = _normalise_headers(headers)
    if "signature-input" in fields:
        parsed = _parse_rfc9421(method, path_with_query, fields, now, scheme)
    elif "signature" in fields:
        parsed = _parse_cavage(method, path_with_query, fields, now)
    elif fields.get("authorization", "").lower().startswith("signature "):
        # Fedify ignores these too; the Signature header is the one every server sends.
        raise SignatureError("signatures in the Authorization header are not accepted")
    else:
        raise SignatureError("the request is not signed")
    _check_body(parsed.components, fields, body or b"", method == "POST" or bool(body))
    return parsed


def verify_signature(parsed: ParsedSignature, public_key_pem: str) -> None:
    """Check a parsed signature with the key owner's PEM; raise SignatureError if it fails.

    httpsig's HeaderVerifier re-parses the PEM with pycryptodome each time (923 µs); a cached
    `cryptography` key checks the signing string `parse_signature` rebuilt in about 24 µs.
    """
    key = load_public_key(public_key_pem)
    if parsed.scheme == "rfc9421":
        try:
            algorithm = _rfc9421_algorithm(key, parsed.algorithm)
            resolver = MappingKeyResolver(public_keys={parsed.key_id: key}, private_keys={})
            verifier = _Verifier(signature_algorithm=algorithm, key_resolver=resolver)
            verifier.verify(parsed.message, max_age=None)
        except HTTPMessageSignaturesException as exc:
            reason = str(exc) or "it does not match the actor's key"
            raise SignatureError(f"the signature does not verify: {reason}") from exc
        return
    algorithm = parsed.algorithm or "hs2019"
    try:
        if isinstance(key, rsa.RSAPublicKey) and algorithm in _RSA_HASHES:
            digest = _RSA_HASHES[algorithm]()
            key.verify(parsed.signature, parsed.signing_string, padding.PKCS1v15(), digest)
        elif isinstance(key, ed25519.Ed25519PublicKey) and algorithm in ("hs2019", "ed25519"):
            key.verify(parsed.signature, parsed.signing_string)
        else:
            raise SignatureError(f"the algorithm {algorithm!r} does not fit the key type")
    except CryptoInvalidSignature as exc:
        raise SignatureError("the signature does not verify with the actor's key") from exc
