"""Benchmark HTTP Signature signing and verification: ours against httpsig as it is.

Run: .venv/bin/python bench/bench_signatures.py [seconds per row]

"ours" verifies with `cryptography` and a key parsed once (federation.signatures);
"httpsig" builds a HeaderVerifier per request, which re-parses the PEM with pycryptodome,
as an inbox using httpsig directly would. Both rows run in the same process, same key.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere, uninstalled

import httpsig
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from federation.signatures import (
    parse_signature,
    sign_request,
    sign_request_rfc9421,
    verify_signature,
)

URL = "https://peer.example/users/alice/inbox"
PATH = "/users/alice/inbox"
KEY_ID = "https://node.example/actor#main-key"
BODY = json.dumps(
    {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": "https://node.example/activities/1",
        "type": "Create",
        "actor": "https://node.example/actor",
        "object": {"id": "https://node.example/items/1", "type": "Article", "content": "x" * 800},
    }
).encode()


def rate(operation: Callable[[], object], seconds: float) -> tuple[float, int]:
    """Run `operation` for about `seconds`; return microseconds per call and calls made."""
    operation()  # warm caches, as a running server would have them
    calls, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(20):
            operation()
        calls += 20
    return elapsed / calls * 1e6, calls


def main() -> None:
    """Print one row per operation: µs per call and calls per second."""
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    headers = sign_request(
        "POST", URL, {"Content-Type": "application/activity+json"}, BODY, KEY_ID, private
    )
    headers_9421 = sign_request_rfc9421("POST", URL, {}, BODY, KEY_ID, private)
    parsed = parse_signature("POST", PATH, headers, BODY)
    parsed_9421 = parse_signature("POST", PATH, headers_9421, BODY)
    covered = ["(request-target)", "host", "date", "digest"]

    def httpsig_verify() -> None:
        verifier = httpsig.HeaderVerifier(
            headers,
            public,
            required_headers=covered,
            method="POST",
            path=PATH,
            sign_header="signature",
        )
        assert verifier.verify()

    def httpsig_sign() -> None:
        signer = httpsig.HeaderSigner(
            KEY_ID, private, algorithm="rsa-sha256", headers=covered, sign_header="signature"
        )
        signer.sign(headers, method="POST", path=PATH)

    rows = [
        ("verify, ours: cryptography, key cached", lambda: verify_signature(parsed, public)),
        (
            "parse (checks 3-5) + verify, ours",
            lambda: verify_signature(parse_signature("POST", PATH, headers, BODY), public),
        ),
        ("verify, httpsig HeaderVerifier as it is", httpsig_verify),
        (
            "verify RFC 9421, ours (http-message-signatures)",
            lambda: verify_signature(parsed_9421, public),
        ),
        (
            "sign cavage, ours: cryptography, key cached",
            lambda: sign_request("POST", URL, {}, BODY, KEY_ID, private),
        ),
        ("sign cavage, httpsig HeaderSigner as it is", httpsig_sign),
        (
            "sign RFC 9421, ours",
            lambda: sign_request_rfc9421("POST", URL, {}, BODY, KEY_ID, private),
        ),
    ]
    print(f"RSA-2048, PKCS#1 v1.5, SHA-256; body {len(BODY)} bytes; ~{seconds:g} s per row")
    print(f"{'operation':<50} {'µs/op':>9} {'ops/s':>9} {'calls':>7}")
    for name, operation in rows:
        micros, calls = rate(operation, seconds)
        print(f"{name:<50} {micros:>9.1f} {1e6 / micros:>9.0f} {calls:>7}")


if __name__ == "__main__":
    main()
