"""The default thesaurus of transition themes."""

from __future__ import annotations

import rdflib
from rdflib.namespace import SKOS

from vocab.terms import THEMES_SCHEME
from vocab.thesaurus import default_themes, scheme_title, theme_iri, themes_graph
from vocab.validation import validate

REQUIRED_SLUGS = [
    "housing-energy-efficiency",
    "energy-transition",
    "agri-food-systems",
    "mobility",
    "local-savings",
    "education",
    "biodiversity",
    "water",
    "circular-economy",
    "value-creation",
    "territorial-governance",
    "training-of-actors",
    "deliberative-democracy",
    "citizen-participation",
    "cooperation-between-actors",
    "accompaniment",
    "narrative",
    "capitalisation",
    "resilience",
    "sobriety",
    "social-solidarity-economy",
    "participatory-housing",
    "collective-intelligence",
    "learning-organisations",
    "health-environment",
    "culture",
]


def test_every_required_slug_is_a_concept_of_the_scheme():
    """Given the demo's slugs, then each is a theme of the shared scheme."""
    ids = {t.id for t in default_themes()}
    missing = [slug for slug in REQUIRED_SLUGS if theme_iri(slug) not in ids]
    assert missing == []
    assert all(t.scheme == THEMES_SCHEME for t in default_themes())


def test_every_theme_has_french_and_english_labels_and_definitions():
    """Given every theme, then it has a label and a definition in French and English."""
    for theme in default_themes():
        assert set(theme.pref_label) >= {"fr", "en"}, theme.id
        assert set(theme.definition) >= {"fr", "en"}, theme.id


def test_every_link_target_exists_and_links_are_consistent():
    """Given broader, narrower and related links, then targets exist and inverses are written."""
    themes = {t.id: t for t in default_themes()}
    for theme in themes.values():
        for target in theme.broader + theme.narrower + theme.related:
            assert target in themes, (theme.id, target)
        for parent in theme.broader:
            assert theme.id in themes[parent].narrower
        for child in theme.narrower:
            assert theme.id in themes[child].broader
        for other in theme.related:
            assert theme.id in themes[other].related
            assert other not in theme.broader and other not in theme.narrower


def test_the_web_is_systemic():
    """Given housing energy efficiency, then links reach savings, education, biodiversity."""
    themes = {t.id: t for t in default_themes()}
    start = theme_iri("housing-energy-efficiency")
    assert theme_iri("local-savings") in themes[start].related
    assert theme_iri("education") in themes[start].related
    reach, frontier = {start}, [start]
    for _ in range(2):
        frontier = [r for t in frontier for r in themes[t].related if r not in reach]
        reach.update(frontier)
    assert theme_iri("biodiversity") in reach
    assert all(t.related for t in themes.values())


def test_top_concepts_are_declared_both_ways():
    """Given the scheme, then its top concepts have no broader and point back to it."""
    graph = themes_graph()
    scheme = rdflib.URIRef(THEMES_SCHEME)
    tops = set(graph.objects(scheme, SKOS.hasTopConcept))
    assert tops == set(graph.subjects(SKOS.topConceptOf, scheme)) and len(tops) >= 5
    for top in tops:
        assert graph.value(top, SKOS.broader) is None
    assert scheme_title() == {"fr": "Thèmes des transitions", "en": "Transition themes"}


def test_default_themes_conform_to_the_shapes():
    """Given every default theme, when validated, then it conforms."""
    for theme in default_themes():
        assert validate(theme.to_jsonld()) == [], theme.id
