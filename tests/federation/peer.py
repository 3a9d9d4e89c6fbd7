"""A small real ActivityPub peer on 127.0.0.1: serves actor documents, records deliveries.

It is not a node of ours: it holds its own RSA key, signs like any server would (with our
signatures module or an independent signer), and answers its inbox with a chosen status.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

AS_JSON = "application/activity+json"


@functools.cache
def cached_key_pair(name: str) -> tuple[str, str]:
    """Return one key pair per actor name for the whole test session (RSA generation is slow)."""
    return key_pair()


def key_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


class Hold:
    """A document the peer is slow to serve: `asked` is set when a GET for it arrives, and
    the answer goes once `released` is set (or after a minute, so no test hangs for ever)."""

    def __init__(self) -> None:
        self.asked = threading.Event()
        self.released = threading.Event()


class Peer:
    """A peer server: `documents` by path, `received` POSTs, `inbox_status` to answer with,
    `holds` for the documents it is slow to serve."""

    def __init__(self) -> None:
        self.documents: dict[str, tuple[int, str, bytes]] = {}
        self.holds: dict[str, Hold] = {}
        self.received: list[dict[str, Any]] = []
        self.inbox_status: int | Callable[[], int] = 202
        self.inbox_headers: dict[str, str] = {}
        self.requests: list[tuple[str, str]] = []
        peer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                peer.requests.append(("GET", self.path))
                path = self.path.split("?")[0]
                hold = peer.holds.get(path)
                if hold is not None:
                    hold.asked.set()
                    hold.released.wait(60)
                status, content_type, body = peer.documents.get(
                    path, (404, "text/plain", b"not found")
                )
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                peer.requests.append(("POST", self.path))
                status = peer.inbox_status() if callable(peer.inbox_status) else peer.inbox_status
                if 200 <= status < 300:
                    peer.received.append(
                        {
                            "path": self.path,
                            "headers": dict(self.headers),
                            "raw": body,
                            "body": json.loads(body or b"{}"),
                        }
                    )
                self.send_response(status)
                for key, value in peer.inbox_headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Peer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def serve(
        self, path: str, document: dict[str, Any], status: int = 200, content_type: str = AS_JSON
    ) -> str:
        self.documents[path] = (status, content_type, json.dumps(document).encode())
        return self.base_url + path

    def hold(self, path: str) -> Hold:
        """Be slow to serve `path`: answer only once the returned hold is released."""
        self.holds[path] = Hold()
        return self.holds[path]

    def add_actor(self, name: str = "alice", actor_type: str = "Organization") -> PeerActor:
        """Publish an actor with its own key; return it for signing."""
        private, public = cached_key_pair(name)
        iri = f"{self.base_url}/users/{name}"
        actor = PeerActor(iri=iri, key_id=f"{iri}#main-key", private_pem=private, public_pem=public)
        self.serve(
            f"/users/{name}",
            {
                "@context": [
                    "https://www.w3.org/ns/activitystreams",
                    "https://w3id.org/security/v1",
                ],
                "type": actor_type,
                "id": iri,
                "preferredUsername": name,
                "name": name.title(),
                "inbox": f"{iri}/inbox",
                "outbox": f"{iri}/outbox",
                "followers": f"{iri}/followers",
                "endpoints": {"sharedInbox": f"{self.base_url}/inbox"},
                "publicKey": {"id": actor.key_id, "owner": iri, "publicKeyPem": public},
            },
        )
        return actor


class PeerActor:
    """An actor of the peer, with what it needs to sign."""

    def __init__(self, iri: str, key_id: str, private_pem: str, public_pem: str) -> None:
        self.iri = iri
        self.key_id = key_id
        self.private_pem = private_pem
        self.public_pem = public_pem
