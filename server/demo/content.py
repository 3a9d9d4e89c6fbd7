"""The default demo content set (node "a", the Transition Factory resource centre).

`seed_demo` reads these names when it is given no content set; the text itself lives in
data/a/*.toml and data/territories.toml (see data/README.md), read by `load.load_set`.
"""

from __future__ import annotations

from server.demo.load import load_set

_SET = load_set("a")
NODE = _SET["NODE"]
TERRITORIES = _SET["TERRITORIES"]
EXPERIENCES = _SET["EXPERIENCES"]
PRINCIPLES = _SET["PRINCIPLES"]
RESOURCES = _SET["RESOURCES"]
