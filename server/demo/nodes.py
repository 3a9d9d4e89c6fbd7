"""Content sets for a three-node federation demo.

- "a": the Transition Factory resource centre (everything in ``content.py``);
- "b": the learning community of a solidarity-economy research-action (its learning visits);
- "c": the Commons for Accompanying Transitions (facilitation resources, CC BY-SA 4.0 / ODbL).

Each set has the same keys as ``content.py``: NODE, TERRITORIES, EXPERIENCES, PRINCIPLES,
RESOURCES. Slugs are unique across the three sets, so mirrored copies never collide; territories
are shared by slug and code. Same rules as ``content.py``: facts from the project's source texts
only, rephrased, both languages, no person named.
"""

from __future__ import annotations

from . import content as _a

MES = _a.MES
FMSH = _a.FMSH
CAT = _a.CAT


def _territories(*slugs: str) -> list[dict]:
    by_slug = {t["slug"]: t for t in _a.TERRITORIES}
    return [dict(by_slug[s]) for s in slugs]


# ===========================================================================
# Node "b": the solidarity-economy research-action
# ===========================================================================

_B_NODE = {
    "name": {
        "fr": "Communauté apprenante de la recherche-action du MES (démo)",
        "en": "MES research-action learning community (demo)",
    },
    "description": {
        "fr": (
            "Nœud de démonstration de la communauté apprenante réunie par le Mouvement pour "
            "l'économie solidaire autour d'une recherche-action sur l'innovation sociale et "
            "citoyenne au service du développement territorial. Il rassemble les récits de ses "
            "visites apprenantes et ce qu'elle en tire. Contenus sous CC BY-SA 4.0 ; base sous "
            "ODbL."
        ),
        "en": (
            "Demo node of the learning community gathered by the French solidarity economy "
            "movement around a research-action on social and citizen innovation for territorial "
            "development. It holds the narratives of its learning visits and what it draws from "
            "them. Content under CC BY-SA 4.0; database under ODbL."
        ),
    },
}

_B1_FR = """\
## Aux origines

En décembre 2019, le Mouvement pour l'économie solidaire (MES) a tenu le séminaire
« CoConstruire l'Économie Solidaire ! » pour bâtir son plan d'action de coopération entre membres.
Ce plan s'organise en quatre chantiers coopératifs nationaux, prévus pour les trois années
suivantes.

Le premier axe porte sur l'innovation sociale et citoyenne au service du développement des
territoires. Son objet : mettre en commun les outils et méthodes que les membres ont acquis en
s'impliquant dans le développement économique de leurs territoires, et les rassembler dans un
lieu de ressources communes, qui forme autant qu'il informe et aide à penser de façon systémique.

## Une construction à plusieurs

La recherche-action qui en est issue a été co-construite avec soin entre les membres du Mouvement
et avec la Fondation Maison des Sciences de l'Homme (FMSH). Une convention de partenariat a été
signée dans le cadre du programme d'études « Démocratie et économie plurielles » du Collège
d'études mondiales de la FMSH, en lien avec la chaire d'économie solidaire du Cnam. Le
financement vient surtout de la Fondation Crédit Coopératif et de la Fondation pour le Progrès de
l'Homme.

## Le passage à l'action

- **Mars 2021** : la recherche-action entre dans sa phase opérationnelle.
- **Avril 2021** : la coordination est confiée à une recrue venue du Cré-sol (structure de la
  région Centre adhérente du MES), avec l'appui d'un chercheur associé au titre du partenariat
  avec la FMSH.
- **19 avril 2021** : un séminaire en ligne d'entrée en matière permet de faire connaissance et
  de travailler les notions clés.
- Un comité de pilotage, constitué autour de la démarche, suit l'ensemble.

## Ce qui suit

La communauté apprenante, une quinzaine de personnes, se retrouve ensuite en présence lors de
visites apprenantes, dont les enseignements doivent être formalisés en séminaires réflexifs.
"""

_B1_EN = """\
## Origins

In December 2019, the French solidarity economy movement (MES) held the seminar "CoConstruire
l'Économie Solidaire !" to build its plan for cooperation among members. The plan is organised
into four national cooperative work streams, set for the following three years.

The first axis deals with social and citizen innovation for the development of territories. Its
purpose: to pool the tools and methods members have acquired by taking part in territorially
economic development, and to gather them in a common resource space that trains as much as it
informs and helps people think systemically.

## Built together

The research-action that came out of it was carefully co-designed among the movement's members
and with the Fondation Maison des Sciences de l'Homme (FMSH). A partnership agreement was signed
within the "Démocratie et économie plurielles" study programme of the FMSH's Collège d'études
mondiales, in connection with the Cnam's chair in solidarity economy. Funding comes mainly from
the Fondation Crédit Coopératif and the Fondation pour le Progrès de l'Homme.

## Getting going

- **March 2021**: the research-action enters its operational phase.
- **April 2021**: a person from Cré-sol, an MES member in the Centre region, is recruited to
  coordinate it, supported by an associate researcher under the FMSH partnership.
- **19 April 2021**: an online introductory seminar lets participants get to know each other and
  work on the key notions.
- A steering committee set up around the project oversees the whole.

## What follows

The learning community, about fifteen people, then meets in person during learning visits, whose
lessons are to be formalised in reflective seminars.
"""

_B2_FR = """\
## Le format

Après le séminaire en ligne du 19 avril 2021, la communauté apprenante de la recherche-action
s'est réunie trois fois en présence, à l'occasion de ses trois premières visites apprenantes : à
Caen auprès de l'ARDES, à Dijon auprès du Pôle d'Économie Solidaire 21, à Lille et dans le
Pas-de-Calais auprès de l'APES des Hauts-de-France. Chaque fois, la formule était la même : un
séminaire en résidence sur deux jours.

## Le lieu fait partie du dispositif

- À Caen, le groupe a été accueilli aux Z'écobâtisseurs, un habitat participatif.
- À Dijon, il a loué une maison en banlieue.
- À Lille, il a dormi dans une auberge de jeunesse dont les espaces communs et l'équipe
  logistique sont partagés avec l'APES.

## Pourquoi cela fonctionne

Vivre deux jours ensemble permet de faire connaissance et d'approfondir des relations qui
existaient déjà. Ce temps d'amorce n'est pas un simple agrément, même s'il était d'autant plus
apprécié en pleine crise sanitaire : il installe la confiance. Les échanges deviennent plus libres,
plus nombreux et plus transversaux, débordent parfois du cadre professionnel, et c'est là que se
forge la cohésion de la communauté.

## La suite prévue

- Deux autres visites doivent clore cette première phase : l'une auprès du MES Occitanie et dans
  le Couserans (Ariège), autour du projet Transilience ; l'autre avec l'UFISC, si possible en
  milieu rural, les sites étant encore à l'étude.
- Une seconde phase se prépare : plusieurs sites pourront être accompagnés par un collectif de
  praticiens, selon un processus que la communauté apprenante doit concevoir et formaliser. Des
  collectifs locaux sont déjà candidats ; le financement est à l'étude.
"""

_B2_EN = """\
## The format

After the online seminar of 19 April 2021, the research-action's learning community met three
times in person, during its first three learning visits: in Caen with ARDES, in Dijon with the
Pôle d'Économie Solidaire 21, and in Lille and the Pas-de-Calais with APES Hauts-de-France. Each
time the formula was the same: a two-day residential seminar.

## The place is part of the design

- In Caen, the group was hosted at the Z'écobâtisseurs, a participatory housing project.
- In Dijon, it rented a house in the suburbs.
- In Lille, it stayed at the youth hostel, which shares common spaces and a logistics team with
  APES.

## Why it works

Spending two days together lets people get acquainted and deepen relationships that already
existed. This opening time is not a mere nicety, even if it was all the more welcome in the
middle of a health crisis: it builds trust. Exchanges become freer, more frequent and more
cross-cutting, sometimes going beyond the professional frame, and that is where the community's
cohesion is forged.

## What comes next

- Two more visits are to close this first phase: one with MES Occitanie and in the Couserans
  (Ariège), around the Transilience project; the other with UFISC, in a rural setting if
  possible, the sites still being under study.
- A second phase is in preparation: several sites may be accompanied by a collective of
  practitioners, following a process the learning community is to design and formalise. Local
  groups are already in the running; funding is under study.
"""

_B_EXPERIENCES = [
    {
        "slug": "mes-genese-d-une-recherche-action",
        "language": "fr",
        "title": {
            "fr": "Du séminaire « CoConstruire l'Économie Solidaire ! » à une recherche-action "
            "en partenariat avec la recherche",
            "en": 'From the "CoConstruire l\'Économie Solidaire !" seminar to a research-action '
            "in partnership with researchers",
        },
        "summary": {
            "fr": "Comment un mouvement de l'économie solidaire a transformé un axe de son plan "
            "de coopération en recherche-action co-construite avec la FMSH, jusqu'à son "
            "lancement opérationnel.",
            "en": "How a solidarity-economy movement turned one axis of its cooperation plan into "
            "a research-action co-designed with the FMSH, up to its operational launch.",
        },
        "narrative": {"fr": _B1_FR, "en": _B1_EN},
        "territories": ["france"],
        "themes": [
            "social-solidarity-economy",
            "cooperation-between-actors",
            "capitalisation",
            "learning-organisations",
        ],
        "organisations": [
            MES,
            FMSH,
            "Conservatoire national des arts et métiers (Cnam)",
            "Fondation Crédit Coopératif",
            "Fondation pour le Progrès de l'Homme",
            "Cré-sol",
        ],
        "circumstances": {
            "fr": "Un séminaire interne qui a fixé le plan d'action du Mouvement ; un programme "
            "de recherche existant à la FMSH, qui a offert un cadre au partenariat ; deux "
            "fondations prêtes à financer.",
            "en": "An internal seminar that set the movement's action plan; an existing research "
            "programme at the FMSH that offered a frame for the partnership; two "
            "foundations willing to fund it.",
        },
        "lessons": {
            "fr": "Ancrer la recherche-action dans le plan de coopération des membres, la "
            "co-construire avec une institution de recherche, et la doter d'une "
            "coordination et d'un comité de pilotage avant d'aller sur le terrain.",
            "en": "Root the research-action in the members' cooperation plan, co-design it with "
            "a research institution, and give it coordination and a steering committee "
            "before going into the field.",
        },
        "limits": {
            "fr": "Le récit provient d'un premier retour publié par le Mouvement lui-même, à un "
            "stade précoce ; il ne dit rien encore des résultats de la recherche.",
            "en": "The account comes from an early progress report published by the movement "
            "itself; it says nothing yet about the research findings.",
        },
        "links": [],
        "authors": [MES],
    },
    {
        "slug": "mes-seminaires-en-residence",
        "language": "fr",
        "title": {
            "fr": "Le séminaire en résidence de deux jours, format des visites apprenantes",
            "en": "The two-day residential seminar as the format of learning visits",
        },
        "summary": {
            "fr": "Trois visites apprenantes, trois lieux d'accueil différents, une même formule : "
            "deux jours en résidence pour installer la confiance au sein de la communauté.",
            "en": "Three learning visits, three different places to stay, one formula: two "
            "residential days to build trust within the community.",
        },
        "narrative": {"fr": _B2_FR, "en": _B2_EN},
        "territories": ["caen", "dijon", "lille", "pas-de-calais"],
        "themes": [
            "social-solidarity-economy",
            "collective-intelligence",
            "participatory-housing",
            "accompaniment",
            "cooperation-between-actors",
        ],
        "period_start": "2021-04-19",
        "organisations": [
            MES,
            "ARDES",
            "Pôle d'Économie Solidaire 21",
            "APES Hauts-de-France",
            "Z'écobâtisseurs",
        ],
        "circumstances": {
            "fr": "Les lieux d'accueil propres à chaque visite et le contexte de crise sanitaire, "
            "qui donnait un prix particulier à la convivialité.",
            "en": "The places to stay specific to each visit and the health-crisis context, which "
            "gave conviviality a particular value.",
        },
        "lessons": {
            "fr": "Le temps partagé en résidence est structurant : c'est lui qui installe la "
            "confiance et rend possibles des échanges libres et transversaux, ferment de la "
            "cohésion d'une communauté apprenante.",
            "en": "Time shared in residence is structuring: it is what builds trust and makes "
            "free, cross-cutting exchanges possible, the seed of a learning community's "
            "cohesion.",
        },
        "limits": {
            "fr": "Le bilan repose sur des premières impressions ; les deux dernières visites et "
            "la seconde phase n'étaient encore que prévues, et le financement de la seconde "
            "était à l'étude.",
            "en": "The assessment rests on first impressions; the last two visits and the second "
            "phase were only planned at that point, and funding for the latter was under "
            "study.",
        },
        "links": [],
        "authors": [MES],
    },
]

_PB1_FR = """\
## Ce que dit le principe

Dans une communauté apprenante, le temps passé ensemble hors du cadre de travail habituel n'est
pas un supplément : il fonde la confiance sans laquelle on ne partage ni ses doutes ni ses
pratiques.

## D'où il vient

Des séminaires en résidence de deux jours organisés lors des trois premières visites apprenantes
de la recherche-action du MES, à Caen, Dijon et Lille.

## Comment l'appliquer

- Prévoir des rencontres en présence, sur plusieurs jours, et pas seulement des réunions en ligne.
- Choisir des lieux qui permettent de vivre ensemble : habitat participatif, maison louée,
  auberge partageant ses espaces avec la structure accueillante.
- Laisser les échanges déborder du cadre professionnel : c'est là que naît la cohésion.
"""

_PB1_EN = """\
## What the principle says

In a learning community, time spent together outside the usual work setting is not an extra: it
grounds the trust without which people share neither their doubts nor their practices.

## Where it comes from

From the two-day residential seminars held during the first three learning visits of the MES
research-action, in Caen, Dijon and Lille.

## How to apply it

- Plan in-person meetings over several days, not only online sessions.
- Choose places where people can live together: participatory housing, a rented house, a hostel
  sharing its spaces with the host organisation.
- Let exchanges spill beyond the professional frame: that is where cohesion is born.
"""

_PB2_FR = """\
## Ce que dit le principe

Une visite n'alimente la capitalisation que si ce qui s'y dit est conservé. Recueillir les
informations de façon systématique et enregistrer les échanges fournit la matière que des
séminaires réflexifs transformeront ensuite en connaissances formalisées.

## D'où il vient

De la démarche de la recherche-action du MES : la base constituée pendant les visites doit être
retravaillée en séminaires, en présence ou à distance, puis partagée lors d'un comité de pilotage
et d'un séminaire acteurs-chercheurs. L'axe dont elle est issue visait déjà à mettre en commun
outils et méthodes dans un espace de ressources partagées.

## Comment l'appliquer

- Décider dès le départ de ce qui sera noté et enregistré.
- Programmer les séminaires de capitalisation avant la fin des visites.
- Prévoir où et avec qui les résultats seront mis en débat.
"""

_PB2_EN = """\
## What the principle says

A visit only feeds capitalisation if what is said there is kept. Gathering information
systematically and recording the exchanges provides the material that reflective seminars will
later turn into formalised knowledge.

## Where it comes from

From the approach of the MES research-action: the base built up during the visits is to be
reworked in seminars, in person or remotely, then shared at a steering committee and an
actors-researchers seminar. The axis it stems from already aimed to pool tools and methods in a
space of shared resources.

## How to apply it

- Decide from the start what will be noted and recorded.
- Schedule the capitalisation seminars before the visits end.
- Plan where, and with whom, the results will be discussed.
"""

_B_PRINCIPLES = [
    {
        "slug": "la-convivialite-est-structurante",
        "language": "fr",
        "title": {
            "fr": "Donner du temps à la rencontre : en communauté apprenante, la convivialité "
            "est structurante",
            "en": "Make time for real encounters: in a learning community, conviviality is "
            "structuring",
        },
        "summary": {
            "fr": "Des rencontres en résidence sur plusieurs jours installent la confiance dont "
            "dépendent la liberté et la richesse des échanges.",
            "en": "Residential meetings over several days build the trust on which free and rich "
            "exchanges depend.",
        },
        "explanation": {"fr": _PB1_FR, "en": _PB1_EN},
        "derived_from": ["mes-seminaires-en-residence"],
        "themes": [
            "collective-intelligence",
            "cooperation-between-actors",
            "social-solidarity-economy",
        ],
        "authors": [MES],
    },
    {
        "slug": "recueillir-pendant-la-visite-capitaliser-ensuite",
        "language": "fr",
        "title": {
            "fr": "Recueillir systématiquement pendant les visites pour pouvoir capitaliser "
            "ensuite",
            "en": "Gather systematically during visits so that capitalisation can follow",
        },
        "summary": {
            "fr": "Notes et enregistrements pris sur place sont la matière première des séminaires "
            "réflexifs qui formalisent les connaissances coproduites.",
            "en": "Notes and recordings made on site are the raw material of the reflective "
            "seminars that formalise co-produced knowledge.",
        },
        "explanation": {"fr": _PB2_FR, "en": _PB2_EN},
        "derived_from": ["mes-seminaires-en-residence", "mes-genese-d-une-recherche-action"],
        "themes": ["capitalisation", "narrative", "social-solidarity-economy"],
        "authors": [MES],
    },
]

_RB1_FR = """\
Premier retour publié par le Mouvement pour l'économie solidaire sur sa recherche-action
« L'innovation sociale et citoyenne au service du développement territorial vers la transition
écologique et solidaire », après trois visites apprenantes.

## Contenu

- **Les origines** : le séminaire de décembre 2019 et l'axe du plan de coopération consacré à
  l'innovation sociale et citoyenne.
- **L'équipe** : une coordination recrutée en avril 2021, un chercheur associé, un comité de
  pilotage, un partenariat avec la FMSH.
- **Les visites** à Caen, Dijon, Lille et dans le Pas-de-Calais : format en résidence,
  convivialité, effet miroir, pratiques et notions clés explorées.
- **La suite** : séminaires réflexifs de capitalisation en octobre et novembre, deux dernières
  visites, préparation d'une seconde phase d'accompagnement de sites.
"""

_RB1_EN = """\
First progress report published by the French solidarity economy movement on its research-action
"L'innovation sociale et citoyenne au service du développement territorial vers la transition
écologique et solidaire", after three learning visits.

## Contents

- **Origins**: the December 2019 seminar and the axis of the cooperation plan devoted to social
  and citizen innovation.
- **The team**: coordination recruited in April 2021, an associate researcher, a steering
  committee, a partnership with the FMSH.
- **The visits** to Caen, Dijon, Lille and the Pas-de-Calais: residential format, conviviality,
  the mirror effect, practices and key notions explored.
- **Next steps**: reflective capitalisation seminars in October and November, two final visits,
  preparation of a second phase accompanying sites.
"""

_RB2_FR = """\
La recherche-action du MES dispose d'une page d'accueil sur un wiki qui lui est consacré, sous le
nom de RADIS-T. On y trouve la présentation de ses objectifs et des actions conduites. Les
sources ne donnent pas l'adresse de ce wiki.
"""

_RB2_EN = """\
The MES research-action has a home page on a wiki dedicated to it, under the name RADIS-T. It
presents the project's objectives and the actions carried out. The sources do not give the
wiki's address.
"""

_B_RESOURCES = [
    {
        "slug": "mes-construire-une-communaute-apprenante-par-la-recherche-action",
        "language": "fr",
        "title": {
            "fr": "Construire une communauté apprenante par la recherche-action : premier retour",
            "en": "Building a learning community through research-action: a first report",
        },
        "summary": {
            "fr": "Le point d'étape du MES après ses trois premières visites apprenantes : "
            "origines, équipe, impressions, suite de la démarche.",
            "en": "The MES's progress report after its first three learning visits: origins, "
            "team, impressions, next steps.",
        },
        "description": {"fr": _RB1_FR, "en": _RB1_EN},
        "resource_type": "article",
        "url": None,
        "themes": ["social-solidarity-economy", "capitalisation", "learning-organisations"],
        "territories": ["caen", "dijon", "lille", "pas-de-calais"],
        "authors": [MES],
    },
    {
        "slug": "mes-wiki-radis-t",
        "language": "fr",
        "title": {
            "fr": "RADIS-T, le wiki de la recherche-action",
            "en": "RADIS-T, the research-action's wiki",
        },
        "summary": {
            "fr": "Espace en ligne présentant les objectifs et les actions de la recherche-action "
            "du MES.",
            "en": "Online space presenting the objectives and actions of the MES research-action.",
        },
        "description": {"fr": _RB2_FR, "en": _RB2_EN},
        "resource_type": "tool",
        "url": None,
        "themes": ["social-solidarity-economy", "capitalisation"],
        "territories": ["france"],
        "authors": [MES],
    },
]

CONTENT_B = {
    "NODE": _B_NODE,
    "TERRITORIES": _territories(
        "france",
        "hauts-de-france",
        "normandie",
        "bourgogne-franche-comte",
        "pas-de-calais",
        "caen",
        "dijon",
        "lille",
    ),
    "EXPERIENCES": _B_EXPERIENCES,
    "PRINCIPLES": _B_PRINCIPLES,
    "RESOURCES": _B_RESOURCES,
}


# ===========================================================================
# Node "c": the Commons for Accompanying Transitions
# ===========================================================================

_C_NODE = {
    "name": {
        "fr": "Commun d'Accompagnement des Transitions (démo)",
        "en": "Commons for Accompanying Transitions (demo)",
    },
    "description": {
        "fr": (
            "Nœud de démonstration d'un commun de ressources pour faciliter l'intelligence "
            "collective multi-acteurs dans les territoires : formations à la mise en dialogue, "
            "récits de coopérations, méthodes transmissibles. Ressources sous CC BY-SA 4.0 ; "
            "données sous ODbL."
        ),
        "en": (
            "Demo node of a commons of resources for facilitating multi-actor collective "
            "intelligence in territories: training in dialogue, stories of cooperation, "
            "transferable methods. Resources under CC BY-SA 4.0; data under ODbL."
        ),
    },
}

_C_TERRITORIES = _territories("france") + [
    {
        "slug": "ile-de-france",
        "name": {"fr": "Île-de-France", "en": "Île-de-France"},
        "kind": "region",
        "code": "11",
        "parent": "france",
    },
    {
        "slug": "seine-saint-denis",
        "name": {"fr": "Seine-Saint-Denis", "en": "Seine-Saint-Denis"},
        "kind": "department",
        "code": "93",
        "parent": "ile-de-france",
    },
    {
        "slug": "auvergne-rhone-alpes",
        "name": {"fr": "Auvergne-Rhône-Alpes", "en": "Auvergne-Rhône-Alpes"},
        "kind": "region",
        "code": "84",
        "parent": "france",
    },
    {
        "slug": "drome",
        "name": {"fr": "Drôme", "en": "Drôme"},
        "kind": "department",
        "code": "26",
        "parent": "auvergne-rhone-alpes",
    },
    {
        "slug": "biovallee",
        "name": {"fr": "Biovallée", "en": "Biovallée"},
        "kind": "other",
        "parent": "drome",
    },
]

_C1_FR = """\
## Le point de départ

Aller vers la résilience et la sobriété demande de transformer énormément de choses, dans les
pratiques comme dans les mentalités. Selon les porteurs du Commun, ni la puissance publique seule,
ni le marché seul, ni les communs ou les initiatives citoyennes seuls n'y parviendront : il faut
que coopèrent réellement autant d'acteurs concernés que possible, qu'ils portent un autre regard
sur le présent et l'avenir, et qu'on les aide à dialoguer pour dépasser résistances, peurs et
illusions simplificatrices.

## Un constat sur le dialogue

Les appels au dialogue se multiplient, mais ne suffisent pas à produire des échanges de qualité.
La difficulté à réguler le dialogue et les tensions est identifiée comme une cause majeure
d'échec des projets coopératifs : le texte cite un bilan du sommet des Oasis de 2021 selon lequel
90 % des écolieux portés collectivement n'aboutissent pas ou ne durent pas. De nouveaux métiers
de la facilitation et de l'accompagnement existent, mais restent trop peu nombreux, et leurs
praticiens ont besoin de pairs expérimentés et de récits venus d'autres territoires.

## Comment le Commun se constitue

- Il réunit pour l'instant ses initiateurs, ses porteurs et leurs réseaux, et se veut lui-même
  une communauté apprenante, appelée à s'ouvrir à des acteurs publics, privés, de la société
  civile, ainsi qu'à des personnes représentant des collectifs locaux.
- Chaque membre du consortium prend part aux décisions, pour le Commun comme pour ses différents
  pôles, qui agissent de façon autonome tout en se coordonnant.
- Une charte de fonctionnement est prévue pour fluidifier les relations et accueillir les
  nouveaux venus ; la gouvernance partagée doit garantir la coordination des missions, l'écoute
  des besoins, l'équité d'accès aux ressources et le respect de la subsidiarité.

## Ouvert par construction

Ressources sous CC BY-SA 4.0, données sous ODbL, en contribution à la science ouverte.
"""

_C1_EN = """\
## The starting point

Moving towards resilience and sobriety means transforming a huge amount, in habits as well as in
mindsets.
According to the Commons' founders, neither public authorities alone, nor the market alone, nor
commons and citizen initiatives alone will get there: as many stakeholders as possible must
genuinely cooperate, change how they see the present and the future, and be helped to talk so as
to get past resistance, fears and simplistic illusions.

## An observation about dialogue

Calls for dialogue are multiplying, but they are not enough to produce good exchanges. Difficulty
regulating dialogue and tensions is identified as a major cause of failure in cooperative
projects: the text cites a review of the 2021 Oasis summit according to which 90% of collective
eco-place projects fail or do not last. New professions of facilitation and accompaniment exist,
but there are still too few of them, and their practitioners need experienced peers and stories
from other territories.

## How the Commons is being formed

- For now it brings together its initiators, its carriers and their networks, and it sees itself
  as a learning community, meant to open up to public, private and civil-society actors and to
  representatives of local communities.
- Every consortium member has a say in decisions, for the Commons as for its various hubs, which
  act autonomously while coordinating.
- A charter is planned to keep relations smooth and to welcome newcomers; shared governance is to
  ensure coordinated missions, attention to needs, fair access to resources and respect for
  subsidiarity.

## Open by design

Resources under CC BY-SA 4.0, data under ODbL, as a contribution to open science.
"""

_C2_FR = """\
## Des ressources construites sur le terrain

Le Commun d'Accompagnement des Transitions prévoit de construire et d'expérimenter ses ressources
avec des institutions d'enseignement et de recherche, en lien avec plusieurs territoires
d'expérimentation. La liste publiée, présentée comme non limitative, cite :

- la Seine-Saint-Denis, avec l'association HALAGE ;
- Microville 112, à Courcy près de Reims ;
- la Biovallée, dans la Drôme.

## Une expérimentation déjà engagée

L'université de Toulouse a déjà lancé une expérimentation qui met des compétences de
facilitation du dialogue à disposition d'un territoire. D'après un témoignage cité par le
Commun, cette pratique crée un terreau relationnel favorable à l'apparition de coopérations
nouvelles.

## Ce que ces terrains doivent permettre

1. **Former** à la coopération horizontale par le dialogue entre acteurs et entre niveaux, et à
   l'accompagnement de transformations co-construites, avec une pédagogie interactive fondée sur
   l'expérience.
2. **Faire grandir** une communauté apprenante de facilitateurs du dialogue pour les transitions.
3. **Recueillir et publier** les récits et les méthodes transmissibles qui en sortent, pour les
   verser à la science ouverte et à la communauté des transitions.

## Ce que l'on ne sait pas encore

Les sources ne rapportent aucun résultat pour ces territoires ; elles les désignent comme des
terrains où les ressources seront éprouvées.
"""

_C2_EN = """\
## Resources built in the field

The Commons for Accompanying Transitions plans to build and test its resources with teaching and
research institutions, in connection with several experimentation territories. The published
list, presented as non-exhaustive, names:

- Seine-Saint-Denis, with the HALAGE association;
- Microville 112, in Courcy near Reims;
- the Biovallée, in the Drôme.

## An experiment already under way

The University of Toulouse has already launched an experiment that makes dialogue-facilitation
skills available to a territory. According to a testimony quoted by the Commons, this practice
creates relational ground in which new forms of cooperation can emerge.

## What these sites are meant to enable

1. **Training** in horizontal cooperation through dialogue across actors and levels, and in
   accompanying co-constructed transformations, with an interactive, experience-based pedagogy.
2. **Growing** a learning community of dialogue facilitators for transitions.
3. **Collecting and publishing** the resulting stories and transferable methods, as a
   contribution to open science and to the transitions community.

## What is not known yet

The sources report no results for these territories; they name them as places where the
resources will be put to the test.
"""

_C_EXPERIENCES = [
    {
        "slug": "constituer-le-commun-d-accompagnement-des-transitions",
        "language": "fr",
        "title": {
            "fr": "Constituer un commun des savoir-faire de facilitation multi-acteurs",
            "en": "Forming a commons of multi-actor facilitation know-how",
        },
        "summary": {
            "fr": "Pourquoi et comment un consortium met en commun, sous licences ouvertes, les "
            "savoir-faire relationnels qui permettent aux acteurs d'un territoire de se "
            "parler et de coopérer.",
            "en": "Why and how a consortium pools the relational know-how needed for dialogue and "
            "cooperation in territories, under open licences.",
        },
        "narrative": {"fr": _C1_FR, "en": _C1_EN},
        "territories": ["france"],
        "themes": [
            "collective-intelligence",
            "accompaniment",
            "cooperation-between-actors",
            "resilience",
            "sobriety",
            "training-of-actors",
        ],
        "organisations": [
            CAT,
            "Université Paris 8",
            "Institut Mines-Télécom",
            "ADEME",
            "Association La démarche CodeSocial",
            "Association EUTOPIC",
            "CollabWork",
            "Dialogue En Intelligence Collective",
            "HALAGE",
        ],
        "circumstances": {
            "fr": "Un texte repris du wiki Résilience des territoires de l'ADEME et publié sur le "
            "site d'innovation pédagogique de l'Institut Mines-Télécom ; un Commun encore "
            "limité à ses initiateurs et à leurs réseaux.",
            "en": "A text taken from ADEME's Résilience des territoires wiki and published on the "
            "Institut Mines-Télécom's teaching-innovation site; a Commons still limited to "
            "its initiators and their networks.",
        },
        "lessons": {
            "fr": "La coopération multi-acteurs échoue souvent faute de savoir réguler le dialogue "
            "et les tensions ; la capacité à faciliter et à accompagner est une clé du "
            "succès, à condition d'être partagée largement et soutenue par des pairs et des "
            "récits.",
            "en": "Multi-actor cooperation often fails for lack of skill in regulating dialogue "
            "and tensions; the ability to facilitate and accompany is a key to success, "
            "provided it is widely shared and backed by peers and stories.",
        },
        "limits": {
            "fr": "La présentation décrit des ambitions et une gouvernance en cours de "
            "construction : les gains attendus (moins de blocages, plus d'efficacité) sont "
            "des objectifs, pas des résultats mesurés.",
            "en": "The presentation describes ambitions and a governance still being built: the "
            "expected gains (fewer blockages, more efficiency) are goals, not measured "
            "results.",
        },
        "links": [
            {
                "href": "https://pad.lescommuns.org/s/presentationCAT",
                "name": "Présentation du Commun d'Accompagnement des Transitions",
            }
        ],
        "authors": [CAT],
    },
    {
        "slug": "territoires-d-experimentation-du-commun",
        "language": "fr",
        "title": {
            "fr": "Éprouver les ressources de facilitation dans des territoires d'expérimentation",
            "en": "Testing facilitation resources in experimentation territories",
        },
        "summary": {
            "fr": "Seine-Saint-Denis, Courcy, Biovallée : les terrains où le Commun prévoit de "
            "construire et tester ses ressources, et une première expérimentation lancée "
            "par l'université de Toulouse.",
            "en": "Seine-Saint-Denis, Courcy, the Biovallée: the places where the Commons plans to "
            "build and test its resources, and a first experiment launched by the "
            "University of Toulouse.",
        },
        "narrative": {"fr": _C2_FR, "en": _C2_EN},
        "territories": ["seine-saint-denis", "biovallee"],
        "themes": [
            "training-of-actors",
            "collective-intelligence",
            "cooperation-between-actors",
            "narrative",
        ],
        "organisations": [CAT, "HALAGE", "Microville 112", "Université de Toulouse"],
        "circumstances": {
            "fr": "Chaque terrain a ses propres acteurs (une association en Seine-Saint-Denis, "
            "le projet Microville 112 à Courcy, la Biovallée dans la Drôme) ; la source ne "
            "dit pas comment ces territoires ont été retenus.",
            "en": "Each site has its own actors (an association in Seine-Saint-Denis, the "
            "Microville 112 project in Courcy, the Biovallée in the Drôme); the source does "
            "not say how these territories were chosen.",
        },
        "lessons": {
            "fr": "Les ressources de facilitation se construisent avec le terrain et la "
            "recherche, et doivent revenir au commun sous forme de récits et de méthodes "
            "transmissibles.",
            "en": "Facilitation resources are built with the field and with research, and must "
            "return to the commons as stories and transferable methods.",
        },
        "limits": {
            "fr": "Aucun résultat n'est rapporté pour ces territoires ; la liste n'est pas "
            "limitative, et l'expérimentation toulousaine n'est connue que par un "
            "témoignage.",
            "en": "No results are reported for these territories; the list is not exhaustive, "
            "and the Toulouse experiment is known only through one testimony.",
        },
        "links": [],
        "authors": [CAT],
    },
]

_PC1_FR = """\
## Ce que dit le principe

Appeler au dialogue ne suffit pas. Pour que des acteurs différents coopèrent durablement, il faut
s'équiper de savoir-faire de régulation du dialogue et des tensions, et les faire vivre sur le
terrain.

## D'où il vient

Du travail de constitution du Commun d'Accompagnement des Transitions, qui identifie les
difficultés de dialogue comme une source majeure d'échec, et de ses premières expérimentations
locales de mise en dialogue.

## Comment l'appliquer

- Former des facilitateurs et des animateurs de transition, et les relier à des pairs
  expérimentés.
- Faire circuler les récits de coopérations réussies ou difficiles venus d'autres territoires.
- Inclure les citoyens dans les mises en coopération, et pas seulement les institutions.
"""

_PC1_EN = """\
## What the principle says

Calling for dialogue is not enough. For different actors to cooperate over time, they need
know-how for regulating dialogue and tensions, put into practice in the field.

## Where it comes from

From the work of forming the Commons for Accompanying Transitions, which identifies dialogue
difficulties as a major source of failure, and from its first local dialogue experiments.

## How to apply it

- Train facilitators and transition organisers, and connect them with experienced peers.
- Circulate stories of cooperation, successful or difficult, from other territories.
- Include citizens in cooperation processes, not only institutions.
"""

_PC2_FR = """\
## Ce que dit le principe

Les métiers de la facilitation et de l'accompagnement ont besoin de modèles économiques et de
financements qui favorisent la mise en commun de compétences de haut niveau, plutôt que leur
mise en concurrence.

## D'où il vient

De la constitution du Commun d'Accompagnement des Transitions, qui veut aider ces métiers à
varier leurs sources de revenus et à les inscrire dans un écosystème de connaissances ouvert.

## Pourquoi

Démocratiser la culture du dialogue et de la coopération suppose que les professionnels puissent
partager leurs ressources ouvertement (CC BY-SA 4.0, ODbL) sans y perdre leur activité.
"""

_PC2_EN = """\
## What the principle says

Facilitation and accompaniment professions need business models and funding that encourage
pooling high-level skills rather than pitting them against one another.

## Where it comes from

From the formation of the Commons for Accompanying Transitions, which takes on the mission of
helping to diversify these business models and fit them into an open, shared knowledge
ecosystem.

## Why

Spreading a culture of dialogue and cooperation widely requires that professionals can share
their resources openly (CC BY-SA 4.0, ODbL) without losing their livelihood.
"""

_C_PRINCIPLES = [
    {
        "slug": "outiller-la-regulation-du-dialogue",
        "language": "fr",
        "title": {
            "fr": "Outiller la régulation du dialogue et des tensions : sans elle, les "
            "coopérations multi-acteurs ne tiennent pas",
            "en": "Equip people to regulate dialogue and tensions: without it, multi-actor "
            "cooperation does not hold",
        },
        "summary": {
            "fr": "La qualité du dialogue ne se décrète pas ; elle repose sur des savoir-faire "
            "relationnels partagés, des facilitateurs formés et des récits d'autres "
            "territoires.",
            "en": "Good dialogue cannot be decreed; it rests on shared relational know-how, "
            "trained facilitators and stories from other territories.",
        },
        "explanation": {"fr": _PC1_FR, "en": _PC1_EN},
        "derived_from": [
            "constituer-le-commun-d-accompagnement-des-transitions",
            "territoires-d-experimentation-du-commun",
        ],
        "themes": [
            "collective-intelligence",
            "accompaniment",
            "cooperation-between-actors",
            "citizen-participation",
        ],
        "authors": [CAT],
    },
    {
        "slug": "faire-cooperer-les-facilitateurs",
        "language": "fr",
        "title": {
            "fr": "Financer la coopération entre facilitateurs plutôt que leur mise en concurrence",
            "en": "Fund cooperation between facilitators rather than competition among them",
        },
        "summary": {
            "fr": "Des modèles économiques adaptés permettent aux professionnels de partager "
            "ouvertement leurs ressources au service des transitions.",
            "en": "Suitable business models let professionals share their resources openly in "
            "the service of transitions.",
        },
        "explanation": {"fr": _PC2_FR, "en": _PC2_EN},
        "derived_from": ["constituer-le-commun-d-accompagnement-des-transitions"],
        "themes": ["accompaniment", "cooperation-between-actors", "training-of-actors"],
        "authors": [CAT],
    },
]

_RC1_FR = """\
Le consortium entend concevoir et animer des formations taillées pour des situations et des
objectifs variés, puis les proposer dans les territoires où l'on veut encourager la coopération.

## Contenus visés

- Accompagner des changements que les acteurs construisent ensemble.
- Faire dialoguer des acteurs nombreux, à différents échelons.
- La posture, l'alignement et l'adaptation du facilitateur.

## Pédagogie

Interactive et fondée sur l'expérience ; les modules sont construits et testés avec des
universités et organismes de recherche, sur des territoires qui servent de terrain d'essai.

Les sources décrivent ces formations comme un objectif ; leur programme détaillé n'est pas publié.
"""

_RC1_EN = """\
The consortium plans to produce and run training paths and modules suited to different contexts
and goals, and then to spread them in territorial areas where cooperation is to be encouraged.

## Intended content

- Accompanying co-constructed transformation processes.
- Dialogue practices across many actors and levels.
- The facilitator's stance, alignment and adaptability.

## Pedagogy

Interactive and experience-based; modules are built and tested with teaching and research
institutions and experimentation territories.

The sources describe these courses as a goal; their detailed programme is not published.
"""

_RC2_FR = """\
Le Commun d'Accompagnement des Transitions propose des définitions de travail pour les deux
objectifs qu'il sert.

## Résilience

Ce qui permet à un territoire, après un choc (climat, économie, géopolitique, délitement du lien
social ou culturel), de retrouver un état où la vie et la prospérité sont possibles. Le Commun y
ajoute la robustesse, pensée à partir de plusieurs futurs possibles, et surtout l'aptitude à
inventer d'autres équilibres locaux, mieux accordés au monde qui vient, au lieu de rétablir
l'ancien.

## Sobriété

Elle tient à l'aptitude des acteurs à revoir à la baisse et à mieux organiser ce qui circule
(matières, déplacements, mais aussi ce qu'il faut régénérer : déchets, sols, liens sociaux) et,
plus largement, à l'aptitude de la société civile à redessiner ensemble activités, structures et
espaces en fonction de ce dont elle a besoin, de ce à quoi elle aspire et des limites de la
planète.

## Conséquence

Un tel changement ne peut être accéléré que par des approches systémiques complètes, déclinées
localement ; diffuser cette culture du changement systémique là où elle manque est la mission
que se fixe le Commun.
"""

_RC2_EN = """\
The Commons for Accompanying Transitions offers working definitions of the two goals it serves.

## Resilience

What lets a territory, after a shock (climate, economy, geopolitics, a fraying social or cultural
fabric), get back to a state where life and prosperity are possible. The Commons adds robustness,
thought through against several possible futures, and above all the capacity to invent other
local balances, better suited to the world ahead, instead of restoring the old one.

## Sobriety

It depends on actors' ability to rethink, reduce and optimise flows (resources, transport,
regeneration of waste, soils and the social fabric) and, ultimately, on civil society's ability
to redesign activities, structures, flows and spaces together according to its needs, its
aspirations and planetary limits.

## Consequence

Such change can only be accelerated by comprehensive systemic approaches applied locally; the
Commons takes on the mission of spreading this systemic culture of transformation.
"""

_C_RESOURCES = [
    {
        "slug": "parcours-de-formation-a-la-mise-en-dialogue",
        "language": "fr",
        "title": {
            "fr": "Parcours de formation à la mise en dialogue et à l'accompagnement des "
            "transformations",
            "en": "Training paths in dialogue and accompanying transformations",
        },
        "summary": {
            "fr": "Modules prévus par le consortium pour former facilitateurs et animateurs de "
            "transition à la coopération multi-acteurs.",
            "en": "Modules planned by the consortium to train facilitators and transition "
            "organisers in multi-actor cooperation.",
        },
        "description": {"fr": _RC1_FR, "en": _RC1_EN},
        "resource_type": "training",
        "url": None,
        "themes": ["training-of-actors", "accompaniment", "collective-intelligence"],
        "territories": ["france"],
        "authors": [CAT],
    },
    {
        "slug": "resilience-et-sobriete-definitions-de-travail",
        "language": "fr",
        "title": {
            "fr": "Résilience et sobriété : les définitions de travail du Commun",
            "en": "Resilience and sobriety: the Commons' working definitions",
        },
        "summary": {
            "fr": "Ce que le Commun entend par résilience d'un territoire et par sobriété, et "
            "pourquoi cela appelle des approches systémiques locales.",
            "en": "What the Commons means by a territory's resilience and by sobriety, and why "
            "that calls for local systemic approaches.",
        },
        "description": {"fr": _RC2_FR, "en": _RC2_EN},
        "resource_type": "article",
        "url": None,
        "themes": ["resilience", "sobriety", "circular-economy"],
        "territories": ["france"],
        "authors": [CAT],
    },
]

CONTENT_C = {
    "NODE": _C_NODE,
    "TERRITORIES": _C_TERRITORIES,
    "EXPERIENCES": _C_EXPERIENCES,
    "PRINCIPLES": _C_PRINCIPLES,
    "RESOURCES": _C_RESOURCES,
}

CONTENT_A = {
    "NODE": _a.NODE,
    "TERRITORIES": _a.TERRITORIES,
    "EXPERIENCES": _a.EXPERIENCES,
    "PRINCIPLES": _a.PRINCIPLES,
    "RESOURCES": _a.RESOURCES,
}

CONTENT_SETS = {"a": CONTENT_A, "b": CONTENT_B, "c": CONTENT_C}
