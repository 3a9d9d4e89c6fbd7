"""The one registry of the kinds of items a node publishes.

Everything that names a kind reads it from here: URL paths, forms, the write API,
federation and the publishing formats. Adding a kind means a dataclass in `objects.py`
and one `Kind` below.
"""

from __future__ import annotations

from dataclasses import dataclass

from vocab import objects


@dataclass(frozen=True)
class Kind:
    """One kind of item: how the code, the URLs and the vocabulary name it."""

    name: str  # in the code and the database: "experience"
    path: str  # the URL path segment of its pages: "experiences"
    cls: type[objects.Item]  # the typed object

    @property
    def as_type(self) -> str:
        """The ActivityStreams type plain fediverse software shows ("Article", "Page")."""
        return self.cls.TYPES[0]

    @property
    def type(self) -> str:
        """Our commons type ("Experience", "GuidingPrinciple", "Resource")."""
        return self.cls.TYPES[1]


KINDS: tuple[Kind, ...] = (
    Kind("experience", "experiences", objects.Experience),
    Kind("principle", "principles", objects.GuidingPrinciple),
    Kind("resource", "resources", objects.Resource),
)

NAMES: tuple[str, ...] = tuple(kind.name for kind in KINDS)
PATHS: tuple[str, ...] = tuple(kind.path for kind in KINDS)

_BY_NAME = {kind.name: kind for kind in KINDS}
_BY_PATH = {kind.path: kind for kind in KINDS}
_BY_CLASS = {kind.cls: kind for kind in KINDS}
_BY_TYPE = {kind.type: kind for kind in KINDS}


def by_name(name: str) -> Kind:
    """Return the kind called `name` ("experience"); KeyError when there is none."""
    return _BY_NAME[name]


def by_path(path: str) -> Kind:
    """Return the kind whose pages live under `path` ("experiences"); KeyError otherwise."""
    return _BY_PATH[path]


def by_class(cls: type) -> Kind | None:
    """Return the kind of a typed object's class, or None for what is not an item."""
    return _BY_CLASS.get(cls)


def by_type(type_name: str) -> Kind | None:
    """Return the kind of our commons type ("GuidingPrinciple"), or None."""
    return _BY_TYPE.get(type_name)
