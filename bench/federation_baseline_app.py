"""Baseline inbox routes for bench/bench_federation.py, served by gunicorn like `commons serve`.

One route, POST /inbox (the path the requests were signed for); the request's
`X-Bench-Route` header (added after signing, not covered by the signature) picks what it does:
- bare    reads the body and answers 202: the floor of Flask + gunicorn sync.
- verify  parse_signature (checks 3-5) + verify_signature from federation.signatures, keys
          from an in-memory map (BENCH_KEYS: a JSON file keyId -> PEM), parsed once per
          process by federation.signatures' own cache: "verifying only".
- store   verify, then one INSERT + COMMIT of the raw body with the stdlib sqlite3 (WAL,
          synchronous=NORMAL, like the node): the floor of "verify and store".

Run: gunicorn -w 2 -k sync --pythonpath bench federation_baseline_app:app
"""

from __future__ import annotations

import itertools
import json
import os
import sqlite3
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask import Flask, Response, request

from federation.signatures import parse_signature, verify_signature

app = Flask(__name__)
_KEYS: dict[str, str] = (
    json.loads(Path(os.environ["BENCH_KEYS"]).read_text()) if os.environ.get("BENCH_KEYS") else {}
)
_DB_PATH = os.environ.get("BENCH_SQLITE", "")
_connection: sqlite3.Connection | None = None
_serial = itertools.count()


def _db() -> sqlite3.Connection:
    global _connection
    if _connection is None:
        _connection = sqlite3.connect(_DB_PATH, timeout=30)
        _connection.execute("PRAGMA journal_mode=WAL")
        _connection.execute("PRAGMA synchronous=NORMAL")
        _connection.execute(
            "CREATE TABLE IF NOT EXISTS message (id INTEGER PRIMARY KEY, iri TEXT UNIQUE, raw TEXT)"
        )
        _connection.commit()
    return _connection


def _verified() -> tuple[bytes, Response | None]:
    body = request.get_data(cache=False)
    try:
        parsed = parse_signature("POST", request.path, request.headers, body, scheme="http")
        verify_signature(parsed, _KEYS[parsed.key_id])
    except Exception as exc:  # noqa: BLE001 - a baseline: any failure is a 401
        return body, Response(str(exc), status=401)
    return body, None


@app.post("/inbox")
def inbox() -> Response:
    route = request.headers.get("X-Bench-Route", "bare")
    if route == "bare":
        request.get_data(cache=False)
        return Response("", status=202)
    body, refused = _verified()
    if refused:
        return refused
    if route == "store":
        activity = json.loads(body)
        connection = _db()
        # A unique key per row, as the node's activity_iri: the pool is replayed in a loop.
        connection.execute(
            "INSERT INTO message (iri, raw) VALUES (?, ?)",
            (f"{activity['id']}#{os.getpid()}-{next(_serial)}", body),
        )
        connection.commit()
    return Response("", status=202)
