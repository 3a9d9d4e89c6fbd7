"""`make demo`: three local nodes on 127.0.0.1:5001-5003, each with its own demo content,
all following each other, so a newcomer sees their resource centres pool in a minute.

Run with `python -m server.demo.run [--dir demo-nodes] [--first-port 5001]`; Ctrl-C stops all.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

COMMAND = [sys.executable, "-c", "from server.cli import main; main()"]
NODES = (("a", "fabrique"), ("b", "recherche"), ("c", "communs"))


def _env(data_dir: Path, port: int, handle: str) -> dict[str, str]:
    return {
        **os.environ,
        "COMMONS_BASE_URL": f"http://127.0.0.1:{port}",
        "COMMONS_DATA_DIR": str(data_dir),
        "COMMONS_DATABASE_URL": "",
        "COMMONS_NODE_HANDLE": handle,
        "COMMONS_ALLOW_PRIVATE_ADDRESSES": "1",
        "COMMONS_ACCESS_LOG": "",
    }


def _run(env: dict[str, str], *args: str) -> None:
    subprocess.run([*COMMAND, *args], env=env, check=True, stdin=subprocess.DEVNULL)


def _wait_until_up(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/.well-known/nodeinfo", timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"node on port {port} did not start; see its serve.log")


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default="demo-nodes", type=Path)
    parser.add_argument("--first-port", default=5001, type=int)
    args = parser.parse_args()
    # Stop the nodes on SIGTERM too (a supervisor, `timeout`), not only on Ctrl-C.
    signal.signal(signal.SIGTERM, _interrupt)
    processes: list[subprocess.Popen] = []
    envs = []
    for offset, (content_set, handle) in enumerate(NODES):
        port = args.first_port + offset
        data_dir = (args.dir / content_set).resolve()
        data_dir.mkdir(parents=True, exist_ok=True)
        env = _env(data_dir, port, handle)
        envs.append((env, port, handle))
        print(f"== node {content_set}: initialising http://127.0.0.1:{port}", flush=True)
        _run(env, "init")
        _run(env, "seed-demo", "--set", content_set)
        log = (data_dir / "serve.log").open("ab")
        processes.append(
            subprocess.Popen(
                [*COMMAND, "serve", "--port", str(port)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
    try:
        for _, port, _ in envs:
            _wait_until_up(port)
        for env, port, _ in envs:
            for _, other_port, other_handle in envs:
                if other_port != port:
                    subprocess.run(
                        [*COMMAND, "follow", f"{other_handle}@127.0.0.1:{other_port}"],
                        env=env,
                        stdin=subprocess.DEVNULL,
                    )
        print("\nThree nodes are running and following each other:")
        for (content_set, _), (_, port, handle) in zip(NODES, envs, strict=True):
            print(f"  {content_set}: http://127.0.0.1:{port}   ({handle}@127.0.0.1:{port})")
        print(
            "Within a minute each node lists the others' items. Ctrl-C stops them all.", flush=True
        )
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process.wait(20)


if __name__ == "__main__":
    main()
