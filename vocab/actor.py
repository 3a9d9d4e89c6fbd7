"""The node actor: the organisation running the node, as an ActivityPub actor and linked data.

Kept apart from `objects.py` (which reads it among every object type) because it is an
actor, not content: it carries keys and endpoints rather than a licence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from vocab import codec
from vocab.codec import InvalidDocument
from vocab.context import CONTEXT

JsonLd = dict[str, Any]


@dataclass
class NodeActor:
    """The node itself: an AS2 `Organization`, also schema:Organization and foaf:Organization.

    `public_key_id` is usually `<id>#main-key`; `public_key_pem` the SPKI PEM of its RSA key.
    """

    TYPES: ClassVar[tuple[str, ...]] = ("Organization", "schema:Organization", "foaf:Organization")

    id: str
    preferred_username: str
    name: str
    inbox: str
    outbox: str
    followers: str
    following: str
    public_key_id: str
    public_key_pem: str
    summary: str = ""
    shared_inbox: str | None = None
    url: str | None = None
    manually_approves_followers: bool = False
    discoverable: bool = True
    indexable: bool = True

    def to_jsonld(self) -> JsonLd:
        """Return the actor document (`publicKey` per security v1, `endpoints.sharedInbox`)."""
        doc: JsonLd = {"@context": list(CONTEXT), "type": list(self.TYPES), "id": self.id}
        if self.url is not None:
            doc["url"] = self.url
        doc["preferredUsername"] = self.preferred_username
        doc["name"] = self.name
        doc["foaf:name"] = self.name
        if self.summary:
            doc["summary"] = self.summary
        doc["inbox"] = self.inbox
        doc["outbox"] = self.outbox
        doc["followers"] = self.followers
        doc["following"] = self.following
        if self.shared_inbox is not None:
            doc["endpoints"] = {"sharedInbox": self.shared_inbox}
        doc["publicKey"] = {
            "id": self.public_key_id,
            "owner": self.id,
            "publicKeyPem": self.public_key_pem,
        }
        doc["manuallyApprovesFollowers"] = self.manually_approves_followers
        doc["discoverable"] = self.discoverable
        doc["indexable"] = self.indexable
        return doc

    @classmethod
    def from_jsonld(cls, doc: JsonLd) -> NodeActor:
        """Read an actor document written by `to_jsonld()` (or Mastodon's actor shape)."""
        if not isinstance(doc, dict) or "Organization" not in codec.types_of(doc):
            raise InvalidDocument("not an Organization actor")
        key = doc.get("publicKey")
        if isinstance(key, list):  # some servers publish several keys; the first signs
            key = key[0] if key else None
        if not isinstance(key, dict):
            raise InvalidDocument("publicKey: missing")
        endpoints = doc.get("endpoints") or {}
        if not isinstance(endpoints, dict):
            raise InvalidDocument("endpoints: expected an object")
        actor_id = codec.read_str(doc, "id", required=True)
        if key.get("owner", actor_id) != actor_id:
            raise InvalidDocument("publicKey.owner is not the actor")
        return cls(
            id=actor_id,
            preferred_username=codec.read_str(doc, "preferredUsername", required=True),
            name=codec.read_str(doc, "name") or "",
            inbox=codec.read_iri(doc.get("inbox"), "inbox"),
            outbox=codec.read_iri(doc.get("outbox"), "outbox"),
            followers=codec.read_iri(doc.get("followers"), "followers"),
            following=codec.read_iri(doc.get("following"), "following"),
            public_key_id=codec.read_str(key, "id", required=True),
            public_key_pem=codec.read_str(key, "publicKeyPem", required=True),
            summary=codec.read_str(doc, "summary") or "",
            shared_inbox=codec.read_str(endpoints, "sharedInbox"),
            url=codec.read_str(doc, "url"),
            manually_approves_followers=codec.read_bool(doc, "manuallyApprovesFollowers", False),
            discoverable=codec.read_bool(doc, "discoverable", True),
            indexable=codec.read_bool(doc, "indexable", True),
        )
