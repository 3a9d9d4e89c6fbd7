"""The worker's validator processes check objects ahead; the worker trusts only their verdicts."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from federation import validators
from federation.inbox import run_inbox
from server.extensions import db
from server.models import InboxMessage, Item
from tests.federation.conftest import create_activity, signed_post
from tests.federation.test_processing import _experience, _follow_peer
from vocab.validation import validate


def _broken(actor, number: int) -> dict:
    doc = _experience(actor, number)
    del doc["dct:license"]
    return doc


def test_a_validator_gives_the_verdict_validation_gives(peer):
    """For each raw Create, a validator returns what `validate` says of its embedded object,
    and nothing for an activity that only names its object or is not JSON."""
    alice = peer.add_actor("alice")
    good = create_activity(alice, _experience(alice, 1), suffix="1")
    bad = create_activity(alice, _broken(alice, 2), suffix="2")
    named = create_activity(alice, good["object"]["id"], kind="Update", suffix="3")
    raws = [(1, json.dumps(good)), (2, json.dumps(bad)), (3, json.dumps(named)), (4, "{not json")]
    found = validators.verdicts(raws)
    assert set(found) == {1, 2}
    assert found[1] == [] and found[2] == validate(bad["object"])  # it carries its context
    assert any("licen" in reason for reason in found[2])


def test_validators_start_with_the_first_objects_to_check():
    """A worker that has only follows and likes to process starts no validator; the first
    Creates start one (and are checked in the worker meanwhile)."""
    validators.start(1)
    try:
        assert validators.ahead([[], []]) == [None, None]
        assert validators._validators is None
        assert validators.ahead([[(1, "{}")]]) == [None]
        assert validators._validators.started.result(timeout=60) is True
        assert validators.ahead([[(1, "{}")]])[0].result(timeout=60) == {}
    finally:
        validators.stop()


@pytest.fixture
def pool():
    validators.start(1)
    validators.ahead([[(0, "{}")]])  # the first objects to check start the validator
    deadline = time.monotonic() + 60
    while not validators._validators.started.done() and time.monotonic() < deadline:
        time.sleep(0.05)
    yield validators._validators
    validators.stop()


def _post_creates(app, alice, objects: list[dict], first: int = 1) -> None:
    client = app.test_client()
    for number, obj in enumerate(objects, first):
        activity = create_activity(alice, obj, suffix=str(number))
        assert signed_post(client, alice, activity).status_code == 202


def test_the_worker_takes_the_validators_verdicts(fed_app, peer, pool, monkeypatch):
    """Given a validator process, when the worker processes Creates, then it does not validate
    them itself, and still stores the valid ones and rejects the invalid one with reasons."""
    alice = peer.add_actor("alice")
    _follow_peer(fed_app, alice)
    _post_creates(fed_app, alice, [_experience(alice, 1), _broken(alice, 2), _experience(alice, 3)])

    def validated_here(doc):
        raise AssertionError("validated in the worker")

    monkeypatch.setattr("federation.items.validate", validated_here)
    with fed_app.app_context():
        assert run_inbox(fed_app) == 3
        states = sorted(db.session.scalars(select(InboxMessage.state)))
        assert states == ["done", "done", "rejected"]
        rejected = db.session.scalar(select(InboxMessage).where(InboxMessage.state == "rejected"))
        assert "licen" in rejected.error
        assert db.session.scalar(select(db.func.count(Item.id))) == 2


def test_when_a_validator_dies_the_worker_validates_itself(fed_app, peer, pool):
    """Given the validator process killed, the worker still processes everything (validating
    in its own process), and a new validator starts for what comes next."""
    alice = peer.add_actor("alice")
    _follow_peer(fed_app, alice)
    killed = pool.pool
    for pid in list(killed._processes):
        os.kill(pid, signal.SIGKILL)
    time.sleep(0.5)
    _post_creates(fed_app, alice, [_experience(alice, 1), _broken(alice, 2)])
    with fed_app.app_context():
        assert run_inbox(fed_app) == 2
        states = sorted(db.session.scalars(select(InboxMessage.state)))
        assert states == ["done", "rejected"]
        _post_creates(fed_app, alice, [_experience(alice, 3)], first=3)
        assert run_inbox(fed_app) == 1
    assert pool.pool is not killed
    assert pool.started.result(timeout=60) is True


_HOLDER = """
from federation import validators
if __name__ == "__main__":
    validators.start(1)
    validators.ahead([[(0, "{}")]])
    validators._validators.started.result(timeout=60)
    print(*validators._validators.pool._processes, flush=True)
    import time
    time.sleep(600)
"""


def test_validators_leave_with_a_killed_worker(tmp_path):
    """Given a process holding a validator, when it is killed with SIGKILL (as a crashed worker
    is), then its validator exits too instead of waiting for work forever."""
    import subprocess
    import sys

    script = tmp_path / "holder.py"
    script.write_text(_HOLDER)
    repo = Path(__file__).resolve().parents[2]
    holder = subprocess.Popen(
        [sys.executable, str(script)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=repo,
        env={**os.environ, "PYTHONPATH": str(repo)},
    )
    try:
        helpers = [int(pid) for pid in holder.stdout.readline().split()]
        assert helpers and all(_alive(pid) for pid in helpers)
    finally:
        holder.kill()
        holder.wait()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in helpers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in helpers)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie has exited: only its parent has not read its status yet
        return "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()
    except OSError:
        return False
