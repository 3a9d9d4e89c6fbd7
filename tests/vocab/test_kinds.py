"""The registry of kinds: every lookup finds the same kind, and only items are kinds."""

from __future__ import annotations

import pytest

from vocab import kinds, objects


@pytest.mark.parametrize("kind", kinds.KINDS, ids=lambda kind: kind.name)
def test_every_lookup_finds_the_kind(kind):
    """Given a kind, then its name, path, class and commons type all lead back to it."""
    assert kinds.by_name(kind.name) is kind
    assert kinds.by_path(kind.path) is kind
    assert kinds.by_class(kind.cls) is kind
    assert kinds.by_type(kind.type) is kind
    assert objects.OBJECT_TYPES[kind.type] is kind.cls
    assert kind.as_type in {"Article", "Page"}


def test_what_is_not_an_item_has_no_kind():
    """Given the other typed objects, then they have no kind, and unknown names fail."""
    for cls in (objects.Territory, objects.Theme, objects.NodeActor, objects.Item):
        assert kinds.by_class(cls) is None
    assert kinds.by_type("Territory") is None
    with pytest.raises(KeyError):
        kinds.by_name("community")
    with pytest.raises(KeyError):
        kinds.by_path("experience")
