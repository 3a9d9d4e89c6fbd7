"""One complete example object per type: documentation, demos and tests use the same ones.

`python -m vocab.examples` prints each as JSON-LD; vocab/README.md embeds that output and a
test checks that it still matches, so the documented shape is the real one.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from vocab.objects import (
    Attachment,
    Experience,
    GuidingPrinciple,
    Link,
    NodeActor,
    Ref,
    Resource,
    Territory,
    Theme,
)
from vocab.terms import CC_BY_SA_4, THEMES_SCHEME

NODE = "https://fabrique.example"
ACTOR = f"{NODE}/actor"
PEM = (
    "-----BEGIN PUBLIC KEY-----\n"
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo\n"
    "-----END PUBLIC KEY-----\n"
)
_HOUSING = Ref(
    THEMES_SCHEME + "housing-energy-efficiency",
    {"fr": "Rénovation énergétique de l'habitat", "en": "Housing energy efficiency"},
)
_SAVINGS = Ref(THEMES_SCHEME + "local-savings", {"fr": "Épargne locale", "en": "Local savings"})
_TERRITORY = Ref(f"{NODE}/territories/38185", {"fr": "Grenoble"})


def example_experience() -> Experience:
    """Return a complete experience, every optional field set."""
    return Experience(
        id=f"{NODE}/experiences/1",
        attributed_to=ACTOR,
        name={
            "fr": "Un fonds citoyen pour rénover les logements",
            "en": "A citizen fund to renovate homes",
        },
        language="fr",
        license=CC_BY_SA_4,
        summary={
            "fr": "L'épargne des habitants finance l'isolation.",
            "en": "Residents' savings fund insulation.",
        },
        source={"fr": "Les habitants ont **créé** un fonds.", "en": "Residents **set up** a fund."},
        content={
            "fr": "<p>Les habitants ont <strong>créé</strong> un fonds.</p>",
            "en": "<p>Residents <strong>set up</strong> a fund.</p>",
        },
        authors=["Claire Martin", "Agence locale de l'énergie"],
        themes=[_HOUSING, _SAVINGS],
        territories=[_TERRITORY],
        links=[Link("https://www.example.org/fonds-citoyen", "Site du fonds")],
        attachments=[
            Attachment(f"{NODE}/files/bilan.pdf", "application/pdf", "Bilan 2023", 482113)
        ],
        published=datetime(2024, 3, 1, 9, 30, tzinfo=UTC),
        updated=datetime(2024, 4, 2, 14, 0, tzinfo=UTC),
        period_start=date(2019, 9, 1),
        period_end=date(2023, 6, 30),
        organisations=["Ville de Grenoble", "Association Énergie Partagée"],
        circumstances={"fr": "Un élu porteur et une banque locale volontaire."},
        lessons={"fr": "L'épargne locale suit quand les habitants voient les chantiers."},
        limits={"fr": "Les ménages les plus modestes ont peu épargné."},
    )


def example_principle() -> GuidingPrinciple:
    """Return a guiding principle drawn from the example experience."""
    return GuidingPrinciple(
        id=f"{NODE}/principles/1",
        attributed_to=ACTOR,
        name={
            "fr": "Rendre visibles les effets de l'épargne",
            "en": "Make the effects of savings visible",
        },
        language="fr",
        license=CC_BY_SA_4,
        summary={"fr": "Les épargnants s'engagent quand ils voient ce que leur argent change."},
        source={"fr": "Confronté à trois expériences…"},
        content={"fr": "<p>Confronté à trois expériences…</p>"},
        authors=["Atelier capitalisation 2024"],
        themes=[_SAVINGS],
        derived_from=[
            Ref(f"{NODE}/experiences/1", {"fr": "Un fonds citoyen pour rénover les logements"})
        ],
        published=datetime(2024, 5, 10, 8, 0, tzinfo=UTC),
    )


def example_resource() -> Resource:
    """Return a resource mirrored from another node (derivedFrom + generatedAtTime)."""
    return Resource(
        id=f"{NODE}/resources/7",
        attributed_to="https://autre-noeud.example/actor",
        name={"fr": "Guide : monter un fonds citoyen", "en": "Guide: setting up a citizen fund"},
        language="fr",
        license=CC_BY_SA_4,
        summary={"fr": "Étapes, statuts types et retours d'expérience."},
        authors=["Réseau des fonds citoyens"],
        themes=[_SAVINGS],
        published=datetime(2024, 6, 1, 12, 0, tzinfo=UTC),
        indexable=False,
        derived_from_original="https://autre-noeud.example/resources/3",
        generated_at=datetime(2024, 6, 2, 7, 15, tzinfo=UTC),
        resource_type="guide",
        resource_url="https://autre-noeud.example/files/guide-fonds.pdf",
    )


def example_territory() -> Territory:
    """Return a commune with coordinates, INSEE code and Wikidata IRI."""
    return Territory(
        id=f"{NODE}/territories/38185",
        name={"fr": "Grenoble", "en": "Grenoble"},
        kind="commune",
        latitude=45.1885,
        longitude=5.7245,
        code="38185",
        same_as=["http://www.wikidata.org/entity/Q1289"],
        part_of=Ref(f"{NODE}/territories/200040715", {"fr": "Grenoble-Alpes Métropole"}),
    )


def example_theme() -> Theme:
    """Return a theme of the default thesaurus."""
    return Theme(
        id=_SAVINGS.id,
        scheme=THEMES_SCHEME,
        pref_label=dict(_SAVINGS.name),
        definition={
            "fr": "Épargne des habitants mobilisée pour le territoire.",
            "en": "Residents' savings raised for the territory.",
        },
        broader=[THEMES_SCHEME + "local-economy"],
        related=[_HOUSING.id, THEMES_SCHEME + "energy-transition"],
        close_match=["http://www.wikidata.org/entity/Q1417098"],
    )


def example_actor() -> NodeActor:
    """Return the node actor of the example node."""
    return NodeActor(
        id=ACTOR,
        preferred_username="fabrique",
        name="La Fabrique des transitions",
        summary="<p>Alliance de collectivités et d'associations.</p>",
        inbox=f"{ACTOR}/inbox",
        outbox=f"{ACTOR}/outbox",
        followers=f"{ACTOR}/followers",
        following=f"{ACTOR}/following",
        shared_inbox=f"{NODE}/inbox",
        public_key_id=f"{ACTOR}#main-key",
        public_key_pem=PEM,
        url=f"{NODE}/",
    )


EXAMPLES = {
    "Experience": example_experience,
    "GuidingPrinciple": example_principle,
    "Resource": example_resource,
    "Territory": example_territory,
    "Theme": example_theme,
    "NodeActor": example_actor,
}


def example_json(name: str) -> str:
    """Return the example of type `name` as indented JSON-LD (as embedded in the README)."""
    return json.dumps(EXAMPLES[name]().to_jsonld(), ensure_ascii=False, indent=2)


if __name__ == "__main__":
    for type_name in EXAMPLES:
        print(f"### {type_name}\n\n```json\n{example_json(type_name)}\n```\n")
