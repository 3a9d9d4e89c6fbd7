"""Namespaces and constants shared by every node."""

from __future__ import annotations

from rdflib import Namespace

# One namespace for every node, whatever its base URL: objects from any node mean the same.
COMMONS_NS = "https://w3id.org/transition-commons/ns#"
COMMONS = Namespace(COMMONS_NS)

AS = Namespace("https://www.w3.org/ns/activitystreams#")
SEC = Namespace("https://w3id.org/security#")
SCHEMA = Namespace("https://schema.org/")
DCT = Namespace("http://purl.org/dc/terms/")
DCMITYPE = Namespace("http://purl.org/dc/dcmitype/")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
PROV = Namespace("http://www.w3.org/ns/prov#")
GEO = Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")
CC = Namespace("http://creativecommons.org/ns#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
VOID = Namespace("http://rdfs.org/ns/void#")
LDP = Namespace("http://www.w3.org/ns/ldp#")
TOOT = Namespace("http://joinmastodon.org/ns#")

AS2_CONTEXT_URL = "https://www.w3.org/ns/activitystreams"
SECURITY_CONTEXT_URL = "https://w3id.org/security/v1"

CC_BY_SA_4 = "https://creativecommons.org/licenses/by-sa/4.0/"
ODBL_1 = "https://opendatacommons.org/licenses/odbl/1-0/"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"

# Licences an editor may pick; the IRI is what is published.
LICENSES: dict[str, str] = {
    CC_BY_SA_4: "CC BY-SA 4.0",
    "https://creativecommons.org/licenses/by/4.0/": "CC BY 4.0",
    "https://creativecommons.org/publicdomain/zero/1.0/": "CC0 1.0",
    "https://www.etalab.gouv.fr/licence-ouverte-open-licence/": "Licence Ouverte 2.0",
}

RESOURCE_TYPES = (
    "guide",
    "training",
    "report",
    "video",
    "tool",
    "article",
    "dataset",
    "other",
)

TERRITORY_KINDS = (
    "commune",
    "intercommunality",
    "department",
    "region",
    "country",
    "other",
)

# Languages the interface is translated into, and that content is usually written in.
UI_LANGUAGES = ("fr", "en")

# The shared default thesaurus: its concept scheme, and the prefix of every theme IRI.
THEMES_SCHEME = "https://w3id.org/transition-commons/themes/"
# The ontology document's own IRI (the namespace without its "#").
ONTOLOGY_IRI = "https://w3id.org/transition-commons/ns"
