"""Import each module of our packages alone, in an interpreter that has imported none of ours.

An import cycle can hide when modules are always imported in one order (a view package
first, say); imported on its own, a module caught in one fails with an ImportError. Each
module is imported in its own child process, forked from a parent that has loaded only
third-party libraries, so a child costs the import of our code and nothing more.

Run from the repository root: `python tests/import_alone.py [package ...]`. Prints one line
per module that fails, and exits 1 if any did.
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("server", "federation", "vocab")
# Loaded once in the parent (none of them imports our code); a child only pays for ours.
THIRD_PARTY = (
    "flask",
    "flask_babel",
    "flask_login",
    "flask_migrate",
    "flask_sqlalchemy",
    "flask_wtf",
    "sqlalchemy",
    "rdflib",
    "pyoxigraph",
    "pyshacl",
    "requests",
    "cryptography",
    "wtforms",
    "click",
)


def modules(packages: tuple[str, ...] = PACKAGES) -> list[str]:
    """Return the dotted names of every module in `packages` (folders with __init__.py)."""
    names = []
    for package in packages:
        for path in sorted((ROOT / package).rglob("*.py")):
            folders = path.relative_to(ROOT).parent.parts
            if not all(
                (ROOT.joinpath(*folders[: i + 1]) / "__init__.py").exists()
                for i in range(len(folders))
            ):
                continue  # a script folder such as server/translations, not a package
            parts = path.relative_to(ROOT).with_suffix("").parts
            names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def import_alone(name: str) -> str | None:
    """Import `name` in a forked child; return its error, or None when it imports."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: import, report, and leave without running any cleanup
        os.close(read)
        code = 0
        try:
            importlib.import_module(name)
        except BaseException:  # noqa: BLE001 - every failure is reported, none escapes
            os.write(write, traceback.format_exc(limit=3).encode())
            code = 1
        os._exit(code)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        report = pipe.read().decode(errors="replace")
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) == 0:
        return None
    return report or f"exited with status {os.waitstatus_to_exitcode(status)}"


def main(argv: list[str]) -> int:
    """Import every module alone; print the failures; return 1 if any."""
    sys.path.insert(0, str(ROOT))
    for library in THIRD_PARTY:
        importlib.import_module(library)
    ours = [m for m in sys.modules if m.split(".")[0] in PACKAGES]
    assert not ours, f"the parent must not import our modules, yet it has {ours}"
    failures = 0
    names = modules(tuple(argv) or PACKAGES)
    for name in names:
        error = import_alone(name)
        if error is not None:
            failures += 1
            print(f"FAIL {name}\n{error}")
    print(f"{len(names) - failures} of {len(names)} modules import alone")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
