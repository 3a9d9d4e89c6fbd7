"""Payloads as Fedify 2.3.6 sent them to our node (recorded by tests/interop/test_fedify.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from federation.items import Rejected, read_object

DATA = Path(__file__).parent / "data"

pytestmark = pytest.mark.interop


def test_a_fedify_note_is_refused_for_its_type_not_for_its_contexts():
    """A Note in a Fedify Create is refused as a Note, not as an unreadable document."""
    # Given the Create(Note) a Fedify peer delivered to our inbox
    activity = json.loads((DATA / "fedify-2.3.6-create-note.json").read_text(encoding="utf-8"))
    note = {**activity["object"], "@context": activity["@context"]}

    # When our node reads its object
    with pytest.raises(Rejected) as refused:
        read_object(note)

    # Then it is refused for what it is, not for a context our node will not fetch
    assert not any("context" in reason for reason in refused.value.reasons), refused.value.reasons
