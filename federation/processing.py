"""What the handlers of a group of inbound messages share, gathered before they run.

The worker never holds a database transaction open across a network call: on SQLite that
would hold the write lock, and the inbox, which inserts every delivery, would wait for it.
So a group is processed in two steps:

1. `prepare`: read what is known here (a few short queries, then the transaction ends),
   fetch what is not (unknown or stale senders, objects not embedded by their own origin,
   Announced objects and their owners, themes and territories new here), and read the
   activities' objects (validated with the validators' verdicts, or here).
2. `Processing.begin`, in the write transaction: read the group's actors and follow states
   and its copies (`federation.items.Batch`); the handlers get this context as an argument
   and take from it what was fetched, never fetching themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import select

from federation.actors import current_actors, signed_get, signing_key, store_actor
from federation.documents import Fetched, NotFetched, embedded_object, first, id_of
from federation.errors import FederationError
from federation.items import Batch, read_object
from federation.validators import Verdicts
from server.extensions import db
from server.models import Actor, Follow, FollowState, Item, Territory, Theme
from vocab import objects
from vocab.codec import origin_of

# The types whose object the activity carries: trusted as embedded when its own origin sends
# it, fetched from its id otherwise. An Announced object is always fetched from its origin.
OBJECT_IN_ACTIVITY = frozenset({"Create", "Update"})
ANNOUNCE = "Announce"


class Received(Protocol):
    """What processing reads of a stored message: which, whose, and its activity."""

    id: int
    activity_type: str
    actor_iri: str

    @property
    def raw(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class ReadObject:
    """A message's object as read before its transaction: the object, or why not."""

    found: objects.Item | FederationError
    embedded: bool  # read from the copy the activity carries (else fetched from its id)


@dataclass
class Prepared:
    """What a group needs from the network, fetched, and its messages' objects, read."""

    fetched: Fetched = field(default_factory=Fetched)
    objects: dict[int, ReadObject] = field(default_factory=dict)  # by message id
    actors: set[str] = field(default_factory=set)  # the IRIs of the actors the group needs


def _object_iri(message: Received) -> str | None:
    return id_of(first(message.raw.get("object")))


def updates_itself(message: Received) -> bool:
    """Whether the message is an actor's Update of its own document (a new key, say)."""
    return message.activity_type == "Update" and _object_iri(message) == message.actor_iri


class _Reading:
    """The reads of `prepare`, each ended before the network is used."""

    def __init__(self, fetched: Fetched) -> None:
        self.fetched = fetched
        self.sign_as: tuple[str, str] | None = None
        self.key_read = False

    def fetch(self, urls: set[str]) -> None:
        """End the read, then fetch the URLs not fetched yet."""
        urls = {url for url in urls if url not in self.fetched}
        if urls and not self.key_read:
            self.sign_as, self.key_read = signing_key(), True
        db.session.commit()  # nothing held while the network answers
        self.fetched.fetch(urls, lambda url: signed_get(url, self.sign_as))


def prepare(
    messages: Sequence[Received], verdicts: Verdicts, known: Prepared | None = None
) -> Prepared:
    """Fetch what these messages' handlers will need, and read their objects; end with no
    transaction open. What `known` holds (a group's, when its messages are processed again
    one by one) is used rather than fetched or read again."""
    prepared = Prepared(known.fetched if known is not None else Fetched())
    if known is not None:
        prepared.objects = {m.id: known.objects[m.id] for m in messages if m.id in known.objects}
    reading = _Reading(prepared.fetched)
    senders = {message.actor_iri for message in messages}
    prepared.actors |= senders
    wanted = [
        message
        for message in messages
        if message.id not in prepared.objects
        and (message.activity_type in OBJECT_IN_ACTIVITY or message.activity_type == ANNOUNCE)
        and _object_iri(message)
        and not updates_itself(message)  # an actor's new document: read by its handler
    ]
    current = set(current_actors(senders))
    followed = _followed(senders) if wanted else {}
    announced = {_object_iri(m) for m in wanted if m.activity_type == ANNOUNCE}
    copied = _copied({iri for iri in announced if iri})
    embedded: dict[int, dict[str, Any]] = {}
    from_origin: dict[int, str] = {}
    for message in wanted:
        origin = followed.get(message.actor_iri)
        object_iri = _object_iri(message) or ""
        if origin is None or object_iri in copied:
            continue  # rejected (not followed) or done (already copied) without its object
        doc = embedded_object(message.raw) if message.activity_type != ANNOUNCE else None
        if doc is not None and origin_of(object_iri) == origin:
            embedded[message.id] = doc
        else:
            from_origin[message.id] = object_iri
    reading.fetch((senders - current) | set(from_origin.values()))
    for message_id, doc in embedded.items():
        prepared.objects[message_id] = _read(doc, verdicts.get(message_id), embedded=True)
    for message_id, object_iri in from_origin.items():
        try:
            doc, _ = prepared.fetched.document(object_iri)
        except FederationError as exc:
            prepared.objects[message_id] = ReadObject(exc, embedded=False)
            continue
        prepared.objects[message_id] = _read(doc, None, embedded=False)
    owners = {
        obj.attributed_to
        for message in messages
        if message.activity_type == ANNOUNCE
        and isinstance(obj := _found(prepared, message.id), objects.Item)
        and origin_of(obj.attributed_to) == origin_of(obj.id)
    }
    prepared.actors |= owners
    found = [_found(prepared, message.id) for message in messages]
    _fetch_references([obj for obj in found if isinstance(obj, objects.Item)], owners, reading)
    return prepared


def references(
    items: list[objects.Item], owners: set[str], fetched: Fetched, sign_as: tuple[str, str] | None
) -> None:
    """Fetch into `fetched` the themes and territories these objects name and the owners
    (actor IRIs) that are not known here, ending the read before the network is used.

    For callers that write copies outside the inbox (backfill) and fetch first, as it does.
    """
    reading = _Reading(fetched)
    reading.sign_as, reading.key_read = sign_as, True
    _fetch_references(items, owners, reading)


def _fetch_references(items: list[objects.Item], owners: set[str], reading: _Reading) -> None:
    themes = {ref.id for obj in items for ref in obj.themes}
    places = {ref.id for obj in items for ref in obj.territories}
    if not (themes or places or owners):
        return
    themes -= _known(Theme.iri, themes)
    places -= _known(Territory.iri, places)
    reading.fetch(themes | places | (owners - set(current_actors(owners))))


def _found(prepared: Prepared, message_id: int) -> objects.Item | FederationError | None:
    read = prepared.objects.get(message_id)
    return read.found if read is not None else None


def _read(doc: dict[str, Any], verdict: list[str] | None, embedded: bool) -> ReadObject:
    try:
        return ReadObject(read_object(doc, verdict if embedded else None), embedded)
    except FederationError as exc:  # the shapes' reasons (Rejected), kept for the handler
        return ReadObject(exc, embedded)


def _followed(iris: set[str]) -> dict[str, str]:
    """The actors among `iris` this node follows (accepted), with their origins."""
    local_id = Actor.local_id()
    if local_id is None or not iris:
        return {}
    query = (
        select(Actor.iri, Actor.origin)
        .join(Follow, Follow.followed_id == Actor.id)
        .where(
            Follow.follower_id == local_id,
            Follow.state == FollowState.ACCEPTED,
            Actor.iri.in_(sorted(iris)),
        )
    )
    return dict(db.session.execute(query).all())


def _copied(iris: set[str]) -> set[str]:
    return _known(Item.iri, iris)


def _known(column: Any, iris: set[str]) -> set[str]:
    """The IRIs among `iris` that have a row here, 500 at a time."""
    ordered = sorted(iris)
    found: set[str] = set()
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        found.update(db.session.scalars(select(column).where(column.in_(chunk))))
    return found


@dataclass
class Processing:
    """The context every handler of a group gets: the group's actors and whether this node
    follows them, what was fetched and read beforehand, and the copies being written."""

    actors: dict[str, Actor]  # by IRI: current ones, and those stored from fetched documents
    followed: dict[int, bool]  # actor id -> this node follows it (accepted)
    prepared: Prepared
    copies: Batch

    @classmethod
    def begin(cls, prepared: Prepared, messages: Sequence[Received]) -> Processing:
        """Read, in the write transaction, the actors, follows and copies the group needs."""
        objects_named = {_object_iri(message) for message in messages}
        copies = Batch(prepared.fetched, {iri for iri in objects_named if iri})
        context = cls(current_actors(prepared.actors), {}, prepared, copies)
        context.read_follows()
        return context

    def actor(self, iri: str) -> Actor:
        """The actor at `iri`: stored and current, or stored now from its fetched document."""
        if iri not in self.actors:
            doc, url = self.prepared.fetched.document(iri)
            self.actors[iri] = store_actor(doc, url)
        return self.actors[iri]

    def sender(self, message: Received) -> Actor:
        return self.actor(message.actor_iri)

    def following(self, actor: Actor) -> bool:
        """Whether this node follows `actor` (accepted)."""
        if actor.id not in self.followed:
            local_id = Actor.local_id()
            state = None
            if local_id is not None:
                state = db.session.scalar(
                    select(Follow.state).where(
                        Follow.follower_id == local_id, Follow.followed_id == actor.id
                    )
                )
            self.followed[actor.id] = state == FollowState.ACCEPTED
        return self.followed[actor.id]

    def read_follows(self) -> None:
        """Read whether this node follows each actor (again, after a handler changed follows)."""
        ids = {actor.id for actor in self.actors.values()}
        self.followed = dict.fromkeys(ids, False)
        local_id = Actor.local_id()
        if local_id is None or not ids:
            return
        accepted = select(Follow.followed_id).where(
            Follow.follower_id == local_id,
            Follow.state == FollowState.ACCEPTED,
            Follow.followed_id.in_(sorted(ids)),
        )
        self.followed.update(dict.fromkeys(db.session.scalars(accepted), True))

    def object_of(self, message: Received, embedded: bool) -> objects.Item:
        """The message's object as read beforehand, from its embedded copy or its origin;
        raise why it could not be read (the shapes' reasons, a failed fetch)."""
        read = self.prepared.objects.get(message.id)
        if read is None or read.embedded != embedded:
            raise NotFetched(_object_iri(message) or f"the object of message {message.id}")
        if isinstance(read.found, FederationError):
            raise read.found
        return read.found
