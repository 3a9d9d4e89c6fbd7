"""Load generation for bench/bench_federation.py: keys, peer actors, pre-signed requests, wrk.

Every request is signed before timing starts (draft-cavage + Digest, federation.signatures'
sign_request), written as raw HTTP/1.1 to one file per wrk thread, and replayed by
bench/wrk/replay.lua, so the load generator does no signing while it is being timed.
"""

from __future__ import annotations

import copy
import json
import multiprocessing
import os
import random
import resource
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
LUA = REPO / "bench" / "wrk" / "replay.lua"
AS_JSON = "application/activity+json"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


# --- keys and peer actors ---------------------------------------------------------------


def _key_pair(_: int) -> tuple[str, str]:
    from tests.federation.peer import key_pair

    return key_pair()


def key_pairs(count: int, processes: int = 2) -> list[tuple[str, str]]:
    """Generate `count` RSA-2048 key pairs (private PEM, public PEM) on `processes` cores."""
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        return pool.map(_key_pair, range(count), chunksize=8)


def add_actors(peer: Any, names: list[str], keys: Iterator[tuple[str, str]]) -> list[Any]:
    """Peer.add_actor for each name, with keys generated beforehand (it would make its own)."""
    from tests.federation import peer as peer_module

    original = peer_module.key_pair
    peer_module.key_pair = lambda: next(keys)
    try:
        return [peer.add_actor(name) for name in names]
    finally:
        peer_module.key_pair = original


@dataclass(frozen=True)
class SigningActor:
    iri: str
    key_id: str
    private_pem: str


def experience(actor_iri: str, number: str) -> dict[str, Any]:
    """A real Experience, as tests/federation/test_processing.py builds one, by `actor_iri`."""
    from vocab.objects import Experience, Ref
    from vocab.terms import CC_BY_SA_4

    base = actor_iri.rsplit("/users/", 1)[0]
    return Experience(
        id=f"{base}/experiences/{number}",
        attributed_to=actor_iri,
        name={"fr": "Une expérience d'épargne locale", "en": "A local savings experience"},
        language="fr",
        license=CC_BY_SA_4,
        summary={"fr": "Résumé de l'expérience, en quelques phrases."},
        source={"fr": "Récit de l'expérience, tel que l'association l'a écrit."},
        content={"fr": "<p>Récit de l'expérience, tel que l'association l'a écrit.</p>"},
        authors=["Association du Lien"],
        themes=[Ref(f"{base}/themes/local-savings", {"fr": "Épargne locale"})],
        published=datetime(2026, 1, 5, 10, 0, tzinfo=UTC),
        updated=datetime(2026, 1, 5, 10, 0, tzinfo=UTC),
    ).to_jsonld()


def varied(template: dict[str, Any], object_id: str, number: int) -> dict[str, Any]:
    """The template with its own id and its own dates, as every real object has (a
    validator that remembers values it has seen must not see the same ones every time)."""
    obj = copy.copy(template)
    obj["id"] = obj["url"] = obj["ccrel:attributionURL"] = object_id
    stamp = (EPOCH + timedelta(seconds=number)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for key in ("published", "updated", "dct:created", "dct:modified"):
        obj[key] = stamp
    return obj


EPOCH = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


# --- pre-signing ------------------------------------------------------------------------

_ACTORS: list[SigningActor] = []
_TEMPLATES: list[dict[str, Any]] = []


def _init_signer(actors: list[SigningActor], templates: list[dict[str, Any]]) -> None:
    global _ACTORS, _TEMPLATES
    _ACTORS, _TEMPLATES = actors, templates


def _sign_batch(task: tuple[int, str, int, int, str, str]) -> list[bytes]:
    """Sign `count` Creates by one actor (so its key is parsed once), as raw HTTP requests."""
    from federation.signatures import sign_request

    index, tag, start, count, host, path = task
    actor, template = _ACTORS[index], _TEMPLATES[index]
    base = actor.iri.rsplit("/users/", 1)[0]
    out = []
    for n in range(start, start + count):
        obj = varied(template, f"{base}/experiences/{tag}-{index}-{n}", index * 100_000 + n)
        activity = {
            "@context": ["https://www.w3.org/ns/activitystreams"],
            "type": "Create",
            "id": f"{actor.iri}/activities/create-{tag}-{n}",
            "actor": actor.iri,
            "to": [PUBLIC],
            "object": obj,
        }
        body = json.dumps(activity).encode()
        headers = sign_request(
            "POST",
            f"http://{host}{path}",
            {"Content-Type": AS_JSON},
            body,
            actor.key_id,
            actor.private_pem,
        )
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        out.append(
            f"POST {path} HTTP/1.1\r\n{head}Content-Length: {len(body)}\r\n\r\n".encode() + body
        )
    return out


class Signer:
    """A pool of processes that pre-sign Create requests for a set of actors."""

    def __init__(self, actors: list[SigningActor], processes: int = 2) -> None:
        templates = [experience(actor.iri, "template") for actor in actors]
        self.actors = actors
        self.pool = multiprocessing.get_context("spawn").Pool(
            processes, initializer=_init_signer, initargs=(actors, templates)
        )

    def sign(
        self, count: int, tag: str, host: str, path: str = "/inbox", seed: int = 1
    ) -> tuple[list[bytes], float]:
        """Return `count` requests spread evenly over the actors, shuffled; and seconds spent."""
        started = time.perf_counter()
        per, extra = divmod(count, len(self.actors))
        tasks = []
        for index in range(len(self.actors)):
            n = per + (1 if index < extra else 0)
            for start in range(0, n, 200):
                tasks.append((index, tag, start, min(200, n - start), host, path))
        requests: list[bytes] = [
            r for batch in self.pool.imap_unordered(_sign_batch, tasks) for r in batch
        ]
        random.Random(seed).shuffle(requests)
        return requests, time.perf_counter() - started

    def close(self) -> None:
        self.pool.close()
        self.pool.join()


def write_pool(requests: list[bytes], prefix: Path, threads: int, extra_header: str = "") -> None:
    """Write thread n's share of the requests to `prefix.n` for replay.lua; `extra_header`
    ("Name: value") is added after the request line (signatures do not cover it)."""
    for n in range(threads):
        with open(f"{prefix}.{n}", "wb") as out:
            for raw in requests[n::threads]:
                if extra_header:
                    line, rest = raw.split(b"\r\n", 1)
                    raw = line + b"\r\n" + extra_header.encode() + b"\r\n" + rest
                out.write(b"%d\n" % len(raw))
                out.write(raw)


# --- wrk ----------------------------------------------------------------------------------


def group_cpu(pgid: int) -> float:
    """CPU seconds (user + system) used so far by the live processes of a process group."""
    ticks, total = os.sysconf("SC_CLK_TCK"), 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            with open(entry / "stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields[0] is the state: pgrp is field 5, utime 14, stime 15
            total += int(fields[11]) + int(fields[12])
    return total / ticks


@dataclass
class LoadResult:
    responses: int
    accepted: int  # 202
    other: int
    other_status: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    server_cpu: float = 0.0  # CPU seconds the server's process group used during the run
    client_cpu: float = 0.0  # CPU seconds wrk used

    def cpu_ms(self, seconds: float) -> float:
        return seconds * 1000 / self.responses if self.responses else 0.0

    @property
    def capacity(self) -> float:
        """Requests per second all cores would do if server and wrk had them to themselves."""
        per = (self.server_cpu + self.client_cpu) / self.responses if self.responses else 0
        return (os.cpu_count() or 1) / per if per else 0.0

    @property
    def rate(self) -> float:
        return self.accepted / self.seconds if self.seconds else 0.0


def run_wrk(
    url: str,
    prefix: Path,
    mode: str,
    threads: int,
    connections: int,
    seconds: float,
    server_group: int | None = None,
) -> LoadResult:
    """Replay a written pool with wrk. `once`: until every request is answered (at most
    `seconds`); `loop`: for `seconds`. Raises if wrk cannot run. With `server_group`, the
    CPU time of that process group during the run is measured too."""
    if mode == "once" and threads != 1:
        raise ValueError("replay.lua's once mode needs one wrk thread (see the script)")
    server_before = group_cpu(server_group) if server_group else 0.0
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    command = [
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{max(1, round(seconds))}s",
        "--timeout",
        "30s",
        "-s",
        str(LUA),
        url,
        "--",
        str(prefix),
        mode,
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    finished, result, lines = 0, None, []
    assert process.stdout is not None
    for line in process.stdout:  # wrk ends by itself at -d at the latest
        lines.append(line)
        if line.startswith("wrk-thread-done"):
            finished += 1
            if finished == threads:
                process.send_signal(signal.SIGINT)  # wrk's own handler: stop, report, exit
        elif line.startswith("BENCH "):
            result = json.loads(line[6:])
    process.wait(30)
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_cpu = group_cpu(server_group) - server_before if server_group else 0.0
    client_cpu = (
        children_after.ru_utime
        + children_after.ru_stime
        - children_before.ru_utime
        - children_before.ru_stime
    )
    if result is None:
        raise RuntimeError("wrk gave no result:\n" + "".join(lines[-20:]))
    seconds_taken = result["elapsed"] if mode == "once" else result["wrk_duration"]
    errors = (
        result["connect_errors"]
        + result["read_errors"]
        + result["write_errors"]
        + result["timeouts"]
    )
    return LoadResult(
        result["responses"],
        result["accepted"],
        result["other"],
        result["other_status"],
        seconds_taken,
        result["p50_ms"],
        result["p99_ms"],
        errors,
        server_cpu,
        client_cpu,
    )


def loadavg() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())
