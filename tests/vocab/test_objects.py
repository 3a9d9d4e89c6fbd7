"""Typed objects: lossless JSON-LD round trips and the shape fediverse software reads."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from hypothesis import given, settings

import vocab
from tests.vocab.vocab_samples import STRATEGIES
from vocab.codec import InvalidDocument, fmt_decimal, hashtag_name
from vocab.context import CONTEXT
from vocab.examples import EXAMPLES, example_experience, example_json, example_resource
from vocab.objects import Experience, NodeActor, Territory, object_from_jsonld
from vocab.terms import CC_BY_SA_4, PUBLIC

CORE_TYPES = {
    "Experience": ["Article", "Experience"],
    "GuidingPrinciple": ["Article", "GuidingPrinciple"],
    "Resource": ["Page", "Resource"],
    "Territory": ["Place", "Territory"],
    "Theme": ["Object", "Theme"],
    "NodeActor": ["Organization"],
}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_round_trips(name):
    """Given a complete example, when written and read back, then it is equal."""
    obj = EXAMPLES[name]()
    assert type(obj).from_jsonld(obj.to_jsonld()) == obj


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_generated_objects_round_trip(name):
    """Given any generated object, when written and read back, then it is equal."""

    @settings(max_examples=30, deadline=None)
    @given(STRATEGIES[name])
    def check(obj):
        doc = obj.to_jsonld()
        assert type(obj).from_jsonld(copy.deepcopy(doc)) == obj
        assert object_from_jsonld(doc) == obj

    check()


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_context_type_and_id_come_first(name):
    """Given any object, when written, then @context, type and id are its first keys."""
    doc = EXAMPLES[name]().to_jsonld()
    assert list(doc)[:3] == ["@context", "type", "id"]
    assert doc["@context"] == CONTEXT


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_extension_types_also_carry_the_core_as2_type(name):
    """Given any object, when written, then its type starts with the AS2 core type."""
    doc = EXAMPLES[name]().to_jsonld()
    assert doc["type"][: len(CORE_TYPES[name])] == CORE_TYPES[name]


def test_experience_reads_well_on_mastodon():
    """Given an experience, when written, then name, summary, content and url are plain."""
    exp = example_experience()
    doc = exp.to_jsonld()
    assert doc["name"] == exp.name["fr"] and doc["nameMap"] == exp.name
    assert doc["summary"] == exp.summary["fr"] and doc["content"] == exp.content["fr"]
    assert doc["url"] == exp.id and doc["to"] == [PUBLIC]
    assert doc["source"]["mediaType"] == "text/markdown"
    assert doc["source"]["contentMap"] == exp.source


def test_plain_text_falls_back_to_another_language():
    """Given a name missing in the main language, when written, then name uses another."""
    exp = example_experience()
    exp.language = "de"
    assert exp.to_jsonld()["name"] in exp.name.values()


def test_themes_travel_as_hashtags_and_subjects():
    """Given an item with themes, when written, then each is a Hashtag and a dct:subject."""
    exp = example_experience()
    doc = exp.to_jsonld()
    assert [t["href"] for t in doc["tag"]] == [r.id for r in exp.themes]
    assert all(t["type"] == "Hashtag" and t["name"].startswith("#") for t in doc["tag"])
    assert [s["id"] for s in doc["dct:subject"]] == [r.id for r in exp.themes]
    assert doc["tag"][1]["name"] == "#ÉpargneLocale"


def test_licence_attribution_and_owner_are_published_three_ways():
    """Given an item, when written, then licence and owner appear in every vocabulary."""
    doc = example_experience().to_jsonld()
    assert doc["dct:license"] == doc["schema:license"] == doc["ccrel:license"] == CC_BY_SA_4
    assert doc["attributedTo"] == doc["dct:creator"] == doc["prov:wasAttributedTo"]
    assert doc["ccrel:attributionName"] == "Claire Martin, Agence locale de l'énergie"
    assert doc["ccrel:attributionURL"] == doc["id"]


def test_attribution_names_the_origin_node_when_no_author_is_known():
    """Given an item without authors, when written, then attribution names its node."""
    exp = example_experience()
    exp.authors = []
    assert exp.to_jsonld()["ccrel:attributionName"] == "fabrique.example"


def test_mirrored_copy_names_its_original():
    """Given a mirrored copy, when written, then it is derived from the original."""
    doc = example_resource().to_jsonld()
    assert doc["mirrorOf"] == "https://autre-noeud.example/resources/3"
    assert doc["prov:wasDerivedFrom"] == [doc["mirrorOf"]]
    assert doc["prov:generatedAtTime"] == "2024-06-02T07:15:00Z"
    assert doc["indexable"] is False


def test_principle_is_derived_from_each_experience():
    """Given a principle, when written, then prov:wasDerivedFrom lists its experiences."""
    doc = EXAMPLES["GuidingPrinciple"]().to_jsonld()
    assert doc["prov:wasDerivedFrom"] == [ref["id"] for ref in doc["derivedFrom"]]


def test_actor_has_key_and_shared_inbox():
    """Given the node actor, when written, then publicKey and endpoints follow security v1."""
    doc = EXAMPLES["NodeActor"]().to_jsonld()
    assert doc["publicKey"]["owner"] == doc["id"]
    assert doc["publicKey"]["id"].endswith("#main-key")
    assert doc["endpoints"] == {"sharedInbox": "https://fabrique.example/inbox"}


def test_actor_with_foreign_key_owner_is_refused():
    """Given an actor whose key belongs to someone else, when read, then it is refused."""
    doc = EXAMPLES["NodeActor"]().to_jsonld()
    doc["publicKey"]["owner"] = "https://evil.example/actor"
    with pytest.raises(InvalidDocument):
        NodeActor.from_jsonld(doc)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.update(type=["Note"]),
        lambda d: d.pop("id"),
        lambda d: d.update(published="yesterday"),
        lambda d: d.update(periodStart="2020-02-30"),
        lambda d: d.update(nameMap="not a map"),
        lambda d: d.update(indexable="yes"),
        lambda d: d.update(attachment=[{"type": "Document", "url": "https://x.example/f"}]),
    ],
)
def test_malformed_documents_raise_invalid_document(mutate):
    """Given a malformed experience document, when read, then InvalidDocument is raised."""
    doc = example_experience().to_jsonld()
    mutate(doc)
    with pytest.raises(InvalidDocument):
        Experience.from_jsonld(doc)


def test_unknown_type_is_refused():
    """Given a Note, when read as any of our objects, then InvalidDocument is raised."""
    with pytest.raises(InvalidDocument):
        object_from_jsonld({"type": "Note", "id": "https://x.example/1"})


def test_coordinates_are_decimal_strings_that_round_trip():
    """Given awkward floats, when written as decimals, then they read back exactly."""
    for value in (45.1885, -0.0, 1e-05, 89.99999999999999, -179.5, 5e-324):
        text = fmt_decimal(value)
        assert "e" not in text.lower() and float(text) == value
    terr = Territory("https://x.example/t", {"fr": "X"}, "commune", 1e-05, 2.0)
    assert terr.to_jsonld()["geo:lat"] == "0.00001"


def test_hashtag_names_fall_back_to_the_iri():
    """Given a label with no letter, when made a hashtag, then the IRI slug is used."""
    assert hashtag_name("Transition énergétique", "x") == "#TransitionÉnergétique"
    assert hashtag_name("", "https://w3id.org/t/local-savings") == "#LocalSavings"
    assert hashtag_name("2024", "https://w3id.org/t/water") == "#Water"


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_readme_shows_the_real_examples(name):
    """Given the README, then each example is exactly what the code writes today."""
    readme = (Path(vocab.__file__).parent / "README.md").read_text(encoding="utf-8")
    assert f"### {name}\n\n```json\n{example_json(name)}\n```" in readme
