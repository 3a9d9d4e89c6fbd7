"""Demo content for node "a": a Transition Factory resource centre.

Pure data, written for the demo from the public pages kept in the project's source texts
(the Transition Factory's pages on learning communities and the mediation cycle, a commons of
facilitation resources, a solidarity-economy research-action with learning visits, and a post
on learning local authorities). Everything is rephrased; no person is named; no figure, date or
amount appears that is not in those pages. Where the pages say nothing (for instance on what
each of the four founding towns actually did), the records say so instead of filling the gap.

Every text field is a language map {"fr": ..., "en": ...}. Narratives, explanations and
descriptions are Markdown. Optional keys: a territory's latitude/longitude/code/parent, an
experience's period_start/period_end. Content licence: CC BY-SA 4.0; the database as a whole:
ODbL.
"""

from __future__ import annotations

# The only theme slugs the demo may use (the node's thesaurus).
THEME_SLUGS = (
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
)

FABRIQUE = "La Fabrique des transitions"
MES = "Mouvement pour l'économie solidaire (MES)"
FMSH = "Fondation Maison des Sciences de l'Homme (FMSH)"
CAT = "Consortium d'Accompagnement des Transitions (CAT)"

NODE = {
    "name": {
        "fr": "Centre de ressources de la Fabrique des transitions (démo)",
        "en": "Transition Factory resource centre (demo)",
    },
    "description": {
        "fr": (
            "Nœud de démonstration d'un centre de ressources partagé par des alliés de la "
            "transition écologique et sociale. On y trouve des récits d'expérience ancrés dans "
            "un territoire, les principes directeurs tirés de leur confrontation, et des "
            "ressources (guides, formations, articles) pour les faire circuler. Contenus sous "
            "licence CC BY-SA 4.0 ; base de données sous ODbL."
        ),
        "en": (
            "Demo node of a resource centre shared by allies working on the ecological and "
            "social transition. It holds experience narratives rooted in a territory, the "
            "guiding principles drawn by comparing them, and resources (guides, training, "
            "articles) that carry them further. Content under CC BY-SA 4.0; database under ODbL."
        ),
    },
}

TERRITORIES = [
    {"slug": "france", "name": {"fr": "France", "en": "France"}, "kind": "country", "code": "FR"},
    {
        "slug": "hauts-de-france",
        "name": {"fr": "Hauts-de-France", "en": "Hauts-de-France"},
        "kind": "region",
        "code": "32",
        "parent": "france",
    },
    {
        "slug": "bretagne",
        "name": {"fr": "Bretagne", "en": "Brittany"},
        "kind": "region",
        "code": "53",
        "parent": "france",
    },
    {
        "slug": "normandie",
        "name": {"fr": "Normandie", "en": "Normandy"},
        "kind": "region",
        "code": "28",
        "parent": "france",
    },
    {
        "slug": "bourgogne-franche-comte",
        "name": {"fr": "Bourgogne-Franche-Comté", "en": "Bourgogne-Franche-Comté"},
        "kind": "region",
        "code": "27",
        "parent": "france",
    },
    {
        "slug": "pas-de-calais",
        "name": {"fr": "Pas-de-Calais", "en": "Pas-de-Calais"},
        "kind": "department",
        "code": "62",
        "parent": "hauts-de-france",
    },
    {
        "slug": "loos-en-gohelle",
        "name": {"fr": "Loos-en-Gohelle", "en": "Loos-en-Gohelle"},
        "kind": "commune",
        "latitude": 50.4575,
        "longitude": 2.7933,
        "code": "62528",
        "parent": "hauts-de-france",
    },
    {
        "slug": "grande-synthe",
        "name": {"fr": "Grande-Synthe", "en": "Grande-Synthe"},
        "kind": "commune",
        "latitude": 51.0139,
        "longitude": 2.3028,
        "code": "59271",
        "parent": "hauts-de-france",
    },
    {
        "slug": "le-mene",
        "name": {"fr": "Le Mené", "en": "Le Mené"},
        "kind": "commune",
        "latitude": 48.2961,
        "longitude": -2.5214,
        "code": "22046",
        "parent": "bretagne",
    },
    {
        "slug": "malaunay",
        "name": {"fr": "Malaunay", "en": "Malaunay"},
        "kind": "commune",
        "latitude": 49.5269,
        "longitude": 1.0411,
        "code": "76402",
        "parent": "normandie",
    },
    {
        "slug": "caen",
        "name": {"fr": "Caen", "en": "Caen"},
        "kind": "commune",
        "latitude": 49.1813,
        "longitude": -0.3720,
        "code": "14118",
        "parent": "normandie",
    },
    {
        "slug": "dijon",
        "name": {"fr": "Dijon", "en": "Dijon"},
        "kind": "commune",
        "latitude": 47.3217,
        "longitude": 5.0414,
        "code": "21231",
        "parent": "bourgogne-franche-comte",
    },
    {
        "slug": "lille",
        "name": {"fr": "Lille", "en": "Lille"},
        "kind": "commune",
        "latitude": 50.6311,
        "longitude": 3.0703,
        "code": "59350",
        "parent": "hauts-de-france",
    },
]


# ---------------------------------------------------------------------------
# Experiences: the four founding towns
# ---------------------------------------------------------------------------

_LOOS_FR = """\
## Une commune parmi les quatre fondatrices

Loos-en-Gohelle, dans le Pas-de-Calais, est l'une des quatre collectivités qui conduisent depuis
des décennies une stratégie de changement, avec Grande-Synthe, Le Mené et Malaunay. Ces villes
ont choisi de partager leur expérience et d'en tirer ensemble des enseignements. C'est de ce
travail commun qu'est née la Fabrique des transitions.

## Première étape : raconter sa propre action

Avant de comparer quoi que ce soit, chaque commune devait faire de son parcours une connaissance
utilisable, par elle-même comme par d'autres. Concrètement :

- écrire un récit, et non un bilan de communication ;
- séparer ce qui tenait au contexte local et au moment de ce qui repose sur des ressorts plus
  durables ;
- nommer franchement les limites de l'action, même après y avoir mis beaucoup de temps et de
  passion.

La Fabrique présente cette étape comme la plus ardue de tout le cycle de médiation, et estime
qu'elle demande presque toujours que les acteurs soient accompagnés.

## Ce que le croisement a produit

Une fois le récit de Loos-en-Gohelle placé à côté de ceux des trois autres villes, ce qui se
retrouvait dans les quatre trajectoires a été retenu sous forme de principes directeurs. Leur
ensemble constitue le « référentiel des villes pairs », devenu un cadre de référence pour l'action
des territoires alliés.

## Ce que cette fiche ne dit pas

Les pages publiques dont elle est tirée décrivent la démarche, pas le détail de ce qui a été
réalisé à Loos-en-Gohelle. Elle se limite donc à la place de la commune dans la capitalisation
collective ; les réalisations locales restent à raconter par leurs acteurs.
"""

_LOOS_EN = """\
## One of the four founding towns

Loos-en-Gohelle, in the Pas-de-Calais, is one of four local authorities that have pursued a
strategy of change for decades, alongside Grande-Synthe, Le Mené and Malaunay. The four towns
chose to pool their experience and draw lessons from it together. The Transition Factory grew
out of that joint work.

## Step one: telling your own story

Before anything could be compared, each town had to turn its own path into knowledge that it,
and others, could use. In practice this means:

- writing a narrative rather than a promotional report;
- separating what depended on the local context and the moment from what rests on more
  lasting drivers;
- naming the limits of the action plainly, even after putting a great deal of time and passion
  into it.

The Factory describes this as the hardest part of the whole mediation cycle, and one that
nearly always calls for the actors to be accompanied.

## What the comparison produced

Once the Loos-en-Gohelle story was set beside those of the three other towns, whatever showed
up in all four trajectories was kept as guiding principles. Together they make up the "peer
towns benchmark", which has become a frame of reference for the action of allied territories.

## What this record does not say

The public pages it draws on describe the approach, not the detail of what was done in
Loos-en-Gohelle. It is therefore limited to the town's part in the collective capitalisation;
the local achievements are still to be told by the people who carried them.
"""

_GS_FR = """\
## Contexte

Grande-Synthe, dans le Nord, fait partie des quatre villes qui poursuivent, depuis des décennies,
une stratégie de changement, aux côtés de Loos-en-Gohelle, du Mené et de Malaunay. La capitalisation
qu'elles ont menée ensemble a donné naissance à la Fabrique des transitions.

## Le cœur de la démarche : croiser les contextes

Capitaliser, au sens de la Fabrique, c'est convertir le flot d'informations que produit l'action
en un capital de connaissances. Le levier est la confrontation : on rapproche des actions de même
nature, mais conduites dans des contextes très éloignés.

Ce rapprochement permet un tri :

1. ce qui n'apparaît qu'en un lieu ou à un moment relève des circonstances ;
2. ce qui revient quel que soit le contexte est structurel, et c'est cela qui mérite d'être
   transmis.

Les quatre villes fondatrices sont réparties entre trois régions : Hauts-de-France, Bretagne et
Normandie. Pour la Fabrique, ce travail revient d'abord aux acteurs, plutôt qu'à des experts ; c'est
ce qu'ont fait les quatre territoires en réfléchissant ensemble à la conduite de leur transition.

## Le résultat

Les principes directeurs qui en sont sortis, regroupés dans le « référentiel des villes pairs »,
condensent l'expérience des quatre communes. Ils ne prescrivent pas des gestes à reproduire ;
ils désignent les conditions qui se sont révélées décisives pour réussir.

## Pour un territoire qui arrive

Rejoindre une communauté apprenante, c'est d'abord éviter de tout réinventer : pouvoir s'appuyer
sur beaucoup d'expériences antérieures, pour s'en inspirer ou en tirer des leçons.

## Limite de cette fiche

Les sources ne décrivent ni les actions propres à Grande-Synthe ni ce que la ville a apporté en
particulier au référentiel ; la fiche porte sur la méthode de confrontation à laquelle elle a
pris part.
"""

_GS_EN = """\
## Context

Grande-Synthe, in the Nord department, is one of the four towns that have been committed to a
strategy of change for decades, together with Loos-en-Gohelle, Le Mené and Malaunay. The
capitalisation they carried out together is where the Transition Factory comes from.

## The heart of the approach: crossing contexts

In the Factory's sense, capitalising means turning the stream of information that action
generates into a stock of knowledge. The lever is comparison: similar actions, but
conducted in very distant contexts, are put side by side.

This makes it possible to sort:

1. what only appears in one place or at one moment belongs to circumstances;
2. what recurs whatever the context is structural, and that is what is worth passing on.

The four founding towns are spread over three regions: Hauts-de-France, Brittany and Normandy.
The Factory recommends that this work be done by the actors themselves; that is what the four
territories did by reflecting together on how they were steering their transition.

## The outcome

The guiding principles that came out of it, gathered in the "peer towns benchmark", distil the
experience of the four towns. They do not prescribe actions to replicate; they point to the
conditions that turned out to be decisive for success.

## For a territory joining in

Joining a learning community is first of all a way not to reinvent the wheel: to lean on many
earlier experiences, whether for inspiration or for lessons.

## Limit of this record

The sources describe neither Grande-Synthe's own actions nor what the town specifically brought
to the benchmark; the record covers the comparison method it took part in.
"""

_MENE_FR = """\
## Contexte

Le Mené, dans les Côtes-d'Armor, est la commune bretonne du groupe des quatre villes
fondatrices de la Fabrique des transitions, avec Loos-en-Gohelle, Grande-Synthe et Malaunay.
Toutes mènent depuis des décennies une stratégie de changement ; en mettant leurs expériences en
commun, elles ont posé les fondations de la Fabrique.

## Un modèle de communauté de territoires

La Fabrique distingue trois familles de communautés apprenantes appelées à se développer en son
sein :

- des **communautés de territoires**, qui réfléchissent ensemble à la conduite de leur
  transition, à la manière des quatre territoires fondateurs ;
- des **communautés thématiques**, qui creusent les conditions de réussite d'un volet précis de
  la transition (alimentation, mobilité, gouvernance territoriale, démocratie délibérative,
  coopération entre acteurs…) ;
- des **communautés méthodologiques**, par exemple pour bâtir peu à peu une doctrine de
  l'accompagnement.

Le travail partagé par Le Mené et les trois autres villes sert ainsi d'exemple pour la première
famille. La Fabrique souhaite que de telles communautés se constituent, autant que possible, sur
une base régionale.

## Apprendre ensemble dans la durée

Pour la Fabrique, l'enjeu n'est pas un exercice ponctuel : il s'agit de prendre l'habitude de se
saisir ensemble des défis à mesure qu'ils apparaissent. Cette habitude, décrite comme une
« seconde nature », compte parmi le capital immatériel de l'alliance.

## Limite de cette fiche

Les pages sources ne détaillent ni les actions conduites au Mené ni la façon dont la commune a
vécu ce travail collectif. La fiche documente seulement sa place dans la communauté de
territoires fondatrice.
"""

_MENE_EN = """\
## Context

Le Mené, in the Côtes-d'Armor, is the Breton member of the group of four towns that founded the
Transition Factory, with Loos-en-Gohelle, Grande-Synthe and Malaunay. All of them have pursued a
strategy of change for decades; by pooling their experiences, they laid the Factory's
foundations.

## A model for communities of territories

The Factory identifies three kinds of learning communities expected to grow within it:

- **communities of territories**, reflecting together on how they steer their transition, the
  way the four founding territories did;
- **thematic communities**, digging into the conditions for success of one strand of the
  transition (food, mobility, territorial governance, deliberative democracy, cooperation
  between actors…);
- **methodological communities**, for instance to build up a doctrine of accompaniment step by
  step.

The work shared by Le Mené and the three other towns thus serves as the example for the first
kind. The Factory would like such communities to form on a regional basis wherever possible.

## Learning together over time

For the Factory, this is not a one-off exercise: the aim is to get into the habit of taking up
challenges together as they arise. That habit, described as a "second nature", counts among the
alliance's intangible assets.

## Limit of this record

The source pages detail neither the actions carried out in Le Mené nor how the town experienced
this collective work. The record only documents its place in the founding community of
territories.
"""

_MAL_FR = """\
## Contexte

Malaunay, en Seine-Maritime, est l'une des quatre villes qui conduisent, depuis des décennies,
une stratégie de changement et dont la capitalisation commune a donné naissance à la Fabrique
des transitions, avec Loos-en-Gohelle, Grande-Synthe et Le Mené.

## Des principes qui doivent vivre ailleurs

Le « référentiel des villes pairs » tiré de ce travail ne sert pas qu'aux quatre communes. La
Fabrique constate que ce condensé d'expériences garde sa valeur bien au-delà du groupe qui l'a
produit. Mais appliquer ces principes, même lorsqu'ils sont formulés simplement, suppose de
profonds bouleversements dans les institutions et dans les cultures, et rencontre beaucoup de
résistances.

C'est tout l'objet de la troisième étape du cycle de médiation : donner aux principes une forme
pédagogique adaptée, montrer ce qu'ils impliquent et enclencher les transformations nécessaires.

## Subsidiarité active

Chaque territoire garde la main sur l'adaptation. Les principes ne sont pas des recettes : chacun
les interprète selon son propre contexte, au nom du principe de subsidiarité active. Les chantiers
thématiques de la Fabrique prolongent ce travail de trois façons :

- mettre à l'épreuve les principes déjà dégagés dans les contextes des différents alliés ;
- les compléter à la lumière d'expériences nouvelles ;
- en élaborer ensemble là où ils manquent.

Tout ce qui en sort enrichit un fonds documentaire commun, accessible à l'intérieur comme à
l'extérieur de la Fabrique.

## Limite de cette fiche

Les sources ne précisent ni les actions conduites à Malaunay ni la manière dont la commune a
elle-même appliqué le référentiel. La fiche décrit le passage du récit partagé à la diffusion,
tel que le présente la Fabrique.
"""

_MAL_EN = """\
## Context

Malaunay, in Seine-Maritime, is one of the four towns committed for decades to a strategy of
change whose joint capitalisation gave birth to the Transition Factory, with Loos-en-Gohelle,
Grande-Synthe and Le Mené.

## Principles that have to live elsewhere

The "peer towns benchmark" drawn from this work is not only for the four towns. The Factory
observes that this distillation of experience keeps its value far beyond the group that
produced it. Yet applying these principles, even when they are put simply, calls for deep
upheavals in institutions and cultures, and meets a lot of resistance.

That is the purpose of the third step of the mediation cycle: giving the principles a suitable
teaching form, showing what they imply, and setting the necessary changes in motion.

## Active subsidiarity

Each territory stays in charge of adapting them. The principles are not recipes: everyone reads
them in the light of their own context, in line with the principle of active subsidiarity. The
Factory's thematic work areas carry this work on in three ways:

- testing the principles already identified in the contexts of the various allies;
- enriching them as fresh experiences come in;
- working them out together where none exist yet.

Everything that comes out of this feeds a shared documentary collection, open both inside and
outside the Factory.

## Limit of this record

The sources specify neither the actions carried out in Malaunay nor how the town itself applied
the benchmark. The record describes the move from shared narrative to dissemination, as the
Factory presents it.
"""

# ---------------------------------------------------------------------------
# Experiences: learning visits of the solidarity-economy research-action
# ---------------------------------------------------------------------------

_CAEN_FR = """\
## Le cadre : une recherche-action en économie solidaire

Le Mouvement pour l'économie solidaire (MES) conduit une recherche-action consacrée à
« l'innovation sociale et citoyenne au service du développement territorial vers la transition
écologique et solidaire », construite avec la Fondation Maison des Sciences de l'Homme. Entrée en
phase opérationnelle en mars 2021, elle s'appuie sur une communauté apprenante d'une quinzaine de
participants. Après une première rencontre en ligne, le groupe s'est retrouvé en personne lors de
visites apprenantes ; Caen a été l'une des trois premières.

## La visite

À Caen, il s'agissait de rencontrer l'équipe de l'ARDES et ses partenaires. Le groupe a été
hébergé aux Z'écobâtisseurs, un habitat participatif de l'agglomération caennaise, où il a été
reçu très chaleureusement. Comme les autres étapes, la visite a pris la forme d'un séminaire en
résidence sur deux jours.

## Ce que le format a permis

- Faire connaissance, ou approfondir des liens qui existaient déjà entre certains participants.
- Installer la confiance : des échanges plus libres, plus nombreux et plus transversaux, qui
  débordent parfois le cadre professionnel et soudent la communauté.
- Profiter d'un temps convivial, d'autant plus apprécié en pleine crise sanitaire.

## Regarder ses propres pratiques

Entrer dans le fonctionnement d'une structure proche aide à prendre du recul sur la sienne. Les
participants en ont profité pour interroger leurs postures d'accompagnement et de coopération,
leurs outils de développement local et leurs méthodes d'intelligence collective.

## Et ensuite

Les informations recueillies et les échanges enregistrés pendant les visites doivent nourrir des
séminaires réflexifs de capitalisation, prévus en octobre et novembre, en vue de formaliser les
connaissances produites ensemble.
"""

_CAEN_EN = """\
## The setting: a solidarity-economy research-action

The French solidarity economy movement (MES) is running a research-action on "social and citizen
innovation serving territorial development towards an ecological and solidarity-based
transition", built together with the Fondation Maison des Sciences de l'Homme. It became
operational in March 2021 and relies on a learning community of about fifteen participants.
After a first meeting online, the group met in person through learning visits; Caen was one of
the first three.

## The visit

In Caen, the aim was to meet the ARDES team and its partners. The group stayed at the
Z'écobâtisseurs, a participatory housing project in the Caen conurbation, where it was given a
very warm welcome. Like the other stops, the visit took the form of a two-day residential
seminar.

## What the format made possible

- Getting to know each other, or deepening ties that already existed between some participants.
- Building trust: freer, more frequent and more cross-cutting exchanges, sometimes spilling over
  the professional frame, which bind the community together.
- Enjoying time together, all the more valued in the middle of a health crisis.

## Looking at one's own practice

Stepping inside the workings of a kindred organisation helps to take a step back from one's own.
Participants used it to question their stances on accompaniment and cooperation, their local
development tools and their collective intelligence methods.

## What comes next

The information gathered and the exchanges recorded during the visits are meant to feed
reflective capitalisation seminars planned for October and November, so as to formalise the
knowledge produced together.
"""

_DIJON_FR = """\
## Le cadre

L'une des trois premières visites apprenantes de la recherche-action du Mouvement pour
l'économie solidaire (MES) sur l'innovation sociale et citoyenne au service du développement
territorial, l'étape de Dijon a réuni la communauté apprenante du projet, une quinzaine de
personnes, autour du Pôle d'Économie Solidaire 21.

## La visite

Pour ces deux jours en résidence, le groupe a loué une maison en banlieue dijonnaise. Vivre sous
le même toit fait partie de la méthode : le séminaire en résidence sert autant à travailler qu'à
créer les conditions de la confiance.

## L'effet miroir

Pour beaucoup de participants, l'intérêt principal a été de lever le nez du quotidien et
d'observer de près les rouages d'une organisation sœur. Cette immersion produit des prises de
conscience par plusieurs voies :

- l'effet miroir, qui renvoie chacun à ses propres façons de faire ;
- la sortie de sa zone de confort ;
- l'élargissement du terrain de jeu et des horizons.

## Les pratiques mises en lumière

Les échanges ont touché des dimensions très variées du métier :

- les postures d'accompagnement et de coopération, en interne comme avec l'extérieur ;
- les frontières, visibles ou plus discrètes, entre les groupes auxquels on appartient ;
- les outils classiques du développement local, mais aussi ceux, plus discutés, du développement
  personnel ;
- les méthodes d'intelligence collective et les usages de la convivialité.

Prendre le temps d'une vraie rencontre entre collègues, administrateurs, partenaires proches et
porteurs de projet a pris, selon le retour du MES, l'allure d'une introspection à la fois
individuelle et collective.

## Et ensuite

Ce matériau doit être repris dans des séminaires réflexifs de capitalisation, pour formaliser les
connaissances coproduites.
"""

_DIJON_EN = """\
## The setting

One of the first three learning visits of the solidarity economy movement's (MES)
research-action on social and citizen innovation for territorial development, the Dijon stop
brought the project's learning community, about fifteen people, together around the Pôle
d'Économie Solidaire 21.

## The visit

For these two residential days, the group rented a house in the Dijon suburbs. Living under one
roof is part of the method: the residential seminar is as much about creating the conditions for
trust as about working.

## The mirror effect

For many participants, the main benefit was to look up from day-to-day work and observe the
inner workings of a sister organisation at close range. This immersion sparks new awareness in
several ways:

- the mirror effect, which sends everyone back to their own ways of doing things;
- stepping out of one's comfort zone;
- widening one's playing field and horizons.

## Practices brought to light

The exchanges touched on very different sides of the job:

- stances of accompaniment and cooperation, internally as well as with the outside;
- the boundaries, visible or more subtle, between the groups one belongs to;
- the classic tools of local development, and the more debated ones of personal development;
- collective intelligence methods and the uses of conviviality.

According to the MES's account, taking time for a real encounter between colleagues, board
members, close partners and project leaders felt like a deep introspection, both individual and
collective.

## What comes next

This material is to be taken up again in reflective capitalisation seminars, in order to
formalise the knowledge produced together.
"""

_LILLE_FR = """\
## Le cadre

Autre des trois premières visites apprenantes de la recherche-action du Mouvement pour
l'économie solidaire (MES), l'étape de Lille et du Pas-de-Calais avait pour but de découvrir
le travail de l'APES des Hauts-de-France.

## La visite

Le groupe a dormi à l'auberge de jeunesse lilloise, laquelle partage de vastes espaces communs et
une équipe logistique avec l'APES. Le séminaire en résidence de deux jours s'est donc tenu au
plus près de la structure accueillante.

## Les notions travaillées

Les visites servent aussi à explorer collectivement des notions centrales pour la recherche et
pour l'économie solidaire :

- l'innovation sociale et la citoyenneté économique ;
- la co-construction de l'action publique ;
- les écosystèmes territoriaux ou partenariaux ;
- l'animation territoriale et l'accompagnement de projets collectifs ;
- la coopération territoriale et la solidarité.

## Une réflexivité partagée, en trois temps

1. Situer ce que fait la structure visitée dans le réseau d'acteurs de son territoire.
2. Mettre cela en regard de ce que chaque participant croit, pratique et vise (effet miroir).
3. En tirer des enjeux transversaux pour le MES.

## Et ensuite

Tout au long des visites, les informations sont recueillies de façon systématique et les
échanges enregistrés. Cette base doit être retravaillée lors de séminaires réflexifs, en présence
ou à distance, puis partagée à la Maison des Sciences de l'Homme : au comité de pilotage du
27 septembre 2021 et lors d'un séminaire acteurs-chercheurs le 3 décembre. Une seconde phase est
en préparation : plusieurs sites pourront être accompagnés par un collectif de praticiens, selon
un processus que la communauté apprenante doit concevoir.
"""

_LILLE_EN = """\
## The setting

Another of the first three learning visits of the solidarity economy movement's (MES)
research-action, the Lille and Pas-de-Calais stop set out to discover the work of APES
Hauts-de-France.

## The visit

The group stayed at the Lille youth hostel, which shares generous common spaces and a logistics
team with APES. The two-day residential seminar thus took place right next to the host
organisation.

## Notions worked on

The visits are also a way to explore together notions that are central to the research and to
the solidarity economy:

- social innovation and economic citizenship;
- co-construction of public action;
- territorial or partnership ecosystems;
- territorial facilitation and support for collective projects;
- territorial cooperation and solidarity.

## Shared reflexivity, in three moves

1. Understand the work of each organisation visited within its territorial ecosystem.
2. Hold it up against what each participant believes, practises and aims for (the mirror effect).
3. Draw cross-cutting issues for the MES from it.

## What comes next

Throughout the visits, information is gathered systematically and the exchanges are recorded.
This base is to be reworked in reflective seminars, in person or remotely, and then shared at
the Maison des Sciences de l'Homme: at the steering committee of 27 September 2021 and at an
actors-researchers seminar on 3 December. A second phase is being prepared: several sites may be
accompanied by a collective of practitioners, following a process the learning community is to
design.
"""

EXPERIENCES = [
    {
        "slug": "loos-en-gohelle-mettre-en-recit-une-trajectoire",
        "language": "fr",
        "title": {
            "fr": "Loos-en-Gohelle : mettre en récit une trajectoire de changement pour la "
            "confronter à celle de villes pairs",
            "en": "Loos-en-Gohelle: telling a long-running change strategy so it can be set "
            "against those of peer towns",
        },
        "summary": {
            "fr": "L'une des quatre communes dont l'expérience mise en commun a fait naître la "
            "Fabrique des transitions. La fiche porte sur la première étape : transformer "
            "des décennies d'action en une connaissance que d'autres peuvent utiliser.",
            "en": "One of the four towns whose pooled experience gave rise to the Transition "
            "Factory. The record focuses on the first step: turning decades of action into "
            "knowledge that others can use.",
        },
        "narrative": {"fr": _LOOS_FR, "en": _LOOS_EN},
        "territories": ["loos-en-gohelle"],
        "themes": ["narrative", "capitalisation", "accompaniment", "territorial-governance"],
        "organisations": ["Commune de Loos-en-Gohelle", FABRIQUE],
        "circumstances": {
            "fr": "L'histoire propre de la commune et le moment où ses actions ont été menées : "
            "le processus qui a façonné sa trajectoire n'est pas reproductible ailleurs. "
            "Les sources ne détaillent pas ces circonstances.",
            "en": "The town's own history and the moment its actions were carried out: the "
            "process that shaped its path cannot be reproduced elsewhere. The sources do "
            "not detail these circumstances.",
        },
        "lessons": {
            "fr": "Ce qui se retrouvait dans les quatre trajectoires a été reconnu comme "
            "structurel et formulé en principes directeurs communs (le référentiel des "
            "villes pairs). Ce tri n'est possible que si chaque ville a d'abord fait un "
            "récit lucide de sa propre action, ce qui demande en général un accompagnement.",
            "en": "What was found in all four trajectories was recognised as structural and "
            "phrased as shared guiding principles (the peer towns benchmark). That sorting "
            "only works if each town has first told a clear-eyed story of its own action, "
            "which usually requires accompaniment.",
        },
        "limits": {
            "fr": "La fiche ne documente que la participation de la commune à la capitalisation "
            "collective : ses actions concrètes ne figurent pas dans les sources utilisées. "
            "Les principes qui en découlent ne sont pas des recettes et leur mise en œuvre "
            "ailleurs se heurte à des résistances institutionnelles et culturelles.",
            "en": "The record only covers the town's part in the collective capitalisation: its "
            "concrete actions are not in the sources used. The resulting principles are not "
            "recipes, and applying them elsewhere runs into institutional and cultural "
            "resistance.",
        },
        "links": [],
        "authors": [FABRIQUE],
    },
    {
        "slug": "grande-synthe-confronter-les-experiences-de-villes-pairs",
        "language": "fr",
        "title": {
            "fr": "Grande-Synthe : confronter son expérience à celle d'autres villes pour trier "
            "le circonstanciel du structurel",
            "en": "Grande-Synthe: comparing its experience with other towns' to sort the "
            "circumstantial from the structural",
        },
        "summary": {
            "fr": "Grande-Synthe a pris part à la capitalisation croisée des quatre villes "
            "fondatrices de la Fabrique des transitions. La fiche décrit la méthode : "
            "rapprocher des actions semblables conduites dans des contextes très "
            "éloignés.",
            "en": "Grande-Synthe took part in the cross-capitalisation of the four towns that "
            "founded the Transition Factory. The record describes the method: placing "
            "similar actions, conducted in very distant contexts, side by side.",
        },
        "narrative": {"fr": _GS_FR, "en": _GS_EN},
        "territories": ["grande-synthe"],
        "themes": [
            "capitalisation",
            "cooperation-between-actors",
            "territorial-governance",
            "collective-intelligence",
        ],
        "organisations": ["Commune de Grande-Synthe", FABRIQUE],
        "circumstances": {
            "fr": "Tout ce qui ne se retrouve qu'à Grande-Synthe, ou qu'à un moment donné de son "
            "histoire. Les sources ne précisent pas ces éléments.",
            "en": "Everything that is found only in Grande-Synthe, or only at a given moment in "
            "its history. The sources do not specify these elements.",
        },
        "lessons": {
            "fr": "Seule la confrontation de contextes éloignés permet de distinguer ce qui est "
            "structurel. Conduite par les acteurs, elle produit des principes "
            "directeurs qui condensent l'expérience de plusieurs territoires.",
            "en": "Only comparing distant contexts makes it possible to tell what is structural. "
            "Led by the actors, it yields guiding principles that distil "
            "the experience of several territories.",
        },
        "limits": {
            "fr": "La contribution particulière de Grande-Synthe au référentiel n'est pas "
            "documentée dans les sources. Le référentiel repose sur l'expérience de quatre "
            "villes ; les chantiers thématiques de la Fabrique servent à l'éprouver et à le "
            "compléter avec d'autres expériences.",
            "en": "Grande-Synthe's specific contribution to the benchmark is not documented in "
            "the sources. The benchmark rests on four towns' experience; the Factory's "
            "thematic work areas are there to test it and complete it with other "
            "experiences.",
        },
        "links": [],
        "authors": [FABRIQUE],
    },
    {
        "slug": "le-mene-une-communaute-de-territoires-fondatrice",
        "language": "fr",
        "title": {
            "fr": "Le Mené : une communauté de territoires fondatrice, modèle pour d'autres",
            "en": "Le Mené: a founding community of territories, a model for others",
        },
        "summary": {
            "fr": "Avec trois autres villes, Le Mené a formé la communauté de territoires "
            "fondatrice de la Fabrique des transitions. La fiche montre comment ce travail "
            "sert d'exemple aux communautés apprenantes que la Fabrique veut voir naître.",
            "en": "With three other towns, Le Mené formed the Transition Factory's founding "
            "community of territories. The record shows how this work serves as an example for the "
            "learning communities the Factory wants to see emerge.",
        },
        "narrative": {"fr": _MENE_FR, "en": _MENE_EN},
        "territories": ["le-mene"],
        "themes": [
            "learning-organisations",
            "cooperation-between-actors",
            "capitalisation",
            "territorial-governance",
        ],
        "organisations": ["Commune du Mené", FABRIQUE],
        "circumstances": {
            "fr": "Les quatre territoires fondateurs se situent dans trois régions différentes ; "
            "Le Mené est le seul en Bretagne. Ils ne forment donc pas un ensemble régional : "
            "ce qui les réunit, selon les sources, est leur engagement de longue date dans "
            "une stratégie de changement.",
            "en": "The four founding territories lie in three different regions; Le Mené is the "
            "only one in Brittany. They are therefore not a regional group: what unites "
            "them, according to the sources, is their long-standing commitment to a strategy "
            "of change.",
        },
        "lessons": {
            "fr": "Des territoires qui réfléchissent ensemble à la conduite de leur transition "
            "produisent des principes communs. C'est le format que la Fabrique propose de "
            "reproduire, de préférence à l'échelle régionale, en en faisant une habitude "
            "durable plutôt qu'un exercice ponctuel.",
            "en": "Territories that reflect together on how they steer their transition produce "
            "shared principles. This is the format the Factory proposes to repeat, "
            "preferably at regional level, turning it into a lasting habit rather than a "
            "one-off exercise.",
        },
        "limits": {
            "fr": "Les sources ne disent rien des actions menées au Mené, ni de la façon dont la "
            "dynamique entre les quatre villes a été entretenue dans le temps.",
            "en": "The sources say nothing about the actions carried out in Le Mené, nor about "
            "how the dynamic between the four towns was kept going over time.",
        },
        "links": [],
        "authors": [FABRIQUE],
    },
    {
        "slug": "malaunay-du-referentiel-des-villes-pairs-a-la-diffusion",
        "language": "fr",
        "title": {
            "fr": "Malaunay : du référentiel des villes pairs à sa diffusion auprès d'autres "
            "territoires",
            "en": "Malaunay: from the peer towns benchmark to sharing it with other territories",
        },
        "summary": {
            "fr": "Malaunay fait partie des quatre villes dont les principes communs forment le "
            "référentiel des villes pairs. La fiche porte sur ce qui suit : faire vivre ces "
            "principes ailleurs, malgré les résistances.",
            "en": "Malaunay is one of the four towns whose shared principles make up the peer "
            "towns benchmark. The record covers what comes next: making those principles "
            "work elsewhere, despite resistance.",
        },
        "narrative": {"fr": _MAL_FR, "en": _MAL_EN},
        "territories": ["malaunay"],
        "themes": [
            "capitalisation",
            "training-of-actors",
            "territorial-governance",
            "learning-organisations",
        ],
        "organisations": ["Commune de Malaunay", FABRIQUE],
        "circumstances": {
            "fr": "Le contexte propre à Malaunay et aux autres villes fondatrices, que les "
            "sources ne décrivent pas ; chaque territoire qui reprend les principes arrive "
            "lui aussi avec ses propres circonstances.",
            "en": "The context specific to Malaunay and the other founding towns, which the "
            "sources do not describe; every territory taking up the principles also comes "
            "with its own circumstances.",
        },
        "lessons": {
            "fr": "Les principes directeurs tirés de l'expérience de quelques villes ont une "
            "portée générale, mais ils ne se diffusent pas d'eux-mêmes : il faut une mise en "
            "forme pédagogique et un travail de transformation des institutions et des "
            "cultures, chaque territoire les adaptant selon la subsidiarité active.",
            "en": "Guiding principles drawn from a few towns' experience have general reach, but "
            "they do not spread by themselves: they need a teaching form and work on "
            "transforming institutions and cultures, with each territory adapting them "
            "under active subsidiarity.",
        },
        "limits": {
            "fr": "On ne sait pas, d'après les sources, comment Malaunay a appliqué le "
            "référentiel. La diffusion se heurte à de nombreuses résistances, que les "
            "sources signalent sans les détailler.",
            "en": "The sources do not say how Malaunay applied the benchmark. Dissemination "
            "meets much resistance, which the sources point out without detailing it.",
        },
        "links": [],
        "authors": [FABRIQUE],
    },
    {
        "slug": "visite-apprenante-caen-ardes",
        "language": "fr",
        "title": {
            "fr": "Visite apprenante à Caen : rencontrer l'ARDES et ses partenaires",
            "en": "Learning visit to Caen: meeting ARDES and its partners",
        },
        "summary": {
            "fr": "L'une des premières étapes en présence de la communauté apprenante d'une "
            "recherche-action "
            "en économie solidaire : deux jours en résidence dans un habitat participatif "
            "pour découvrir le travail de l'ARDES et bâtir la confiance dans le groupe.",
            "en": "One of the first in-person stops of a solidarity-economy research-action's "
            "learning community: two residential days in a participatory housing project "
            "to discover ARDES's work and build trust within the group.",
        },
        "narrative": {"fr": _CAEN_FR, "en": _CAEN_EN},
        "territories": ["caen"],
        "themes": [
            "social-solidarity-economy",
            "participatory-housing",
            "accompaniment",
            "collective-intelligence",
            "cooperation-between-actors",
        ],
        "organisations": [MES, "ARDES", "Z'écobâtisseurs", FMSH],
        "circumstances": {
            "fr": "L'accueil dans un habitat participatif, la présence de liens préexistants "
            "entre certains participants et le contexte de crise sanitaire, qui rendait la "
            "convivialité particulièrement précieuse.",
            "en": "The welcome in a participatory housing project, ties that already existed "
            "between some participants, and the health-crisis context, which made "
            "conviviality especially precious.",
        },
        "lessons": {
            "fr": "Le séminaire en résidence sur deux jours est structurant : il installe la "
            "confiance dont une communauté apprenante a besoin. Observer une structure "
            "proche renvoie chacun à ses propres pratiques. Recueillir et enregistrer les "
            "échanges pendant la visite prépare la capitalisation.",
            "en": "The two-day residential seminar is structuring: it builds the trust a learning "
            "community needs. Observing a kindred organisation sends everyone back to their "
            "own practice. Gathering and recording exchanges during the visit prepares the "
            "capitalisation.",
        },
        "limits": {
            "fr": "Le retour publié porte sur les trois premières visites ensemble et ne détaille "
            "ni les actions de l'ARDES ni les enseignements propres à Caen. Il s'agit de "
            "premières impressions, antérieures aux séminaires de capitalisation.",
            "en": "The published account covers the first three visits together and details "
            "neither ARDES's actions nor what was learned specifically in Caen. These are "
            "first impressions, prior to the capitalisation seminars.",
        },
        "links": [],
        "authors": [MES],
    },
    {
        "slug": "visite-apprenante-dijon-pes21",
        "language": "fr",
        "title": {
            "fr": "Visite apprenante à Dijon : l'effet miroir avec le Pôle d'Économie Solidaire 21",
            "en": "Learning visit to Dijon: the mirror effect with the Pôle d'Économie "
            "Solidaire 21",
        },
        "summary": {
            "fr": "Deux jours sous le même toit pour observer de près une organisation sœur et "
            "revisiter ses propres pratiques d'accompagnement, de coopération et "
            "d'intelligence collective.",
            "en": "Two days under one roof to observe a sister organisation closely and revisit "
            "one's own practices of accompaniment, cooperation and collective intelligence.",
        },
        "narrative": {"fr": _DIJON_FR, "en": _DIJON_EN},
        "territories": ["dijon"],
        "themes": [
            "social-solidarity-economy",
            "learning-organisations",
            "accompaniment",
            "collective-intelligence",
        ],
        "organisations": [MES, "Pôle d'Économie Solidaire 21", FMSH],
        "circumstances": {
            "fr": "Une maison louée en banlieue dijonnaise pour le séminaire en résidence ; le "
            "contexte de crise sanitaire.",
            "en": "A house rented in the Dijon suburbs for the residential seminar; the "
            "health-crisis context.",
        },
        "lessons": {
            "fr": "Sortir du quotidien et entrer dans les rouages d'une organisation sœur "
            "provoque des prises de conscience (effet miroir, sortie de la zone de confort, "
            "horizons élargis) qui touchent toutes les dimensions du métier, y compris les "
            "plus discutées.",
            "en": "Leaving the daily routine and entering the workings of a sister organisation "
            "sparks awareness (mirror effect, leaving one's comfort zone, wider horizons) "
            "touching every side of the job, including the most debated ones.",
        },
        "limits": {
            "fr": "Le retour publié ne décrit pas les activités du Pôle d'Économie Solidaire 21 "
            "et ne distingue pas ce qui a été appris à Dijon plutôt qu'ailleurs. Le recours "
            "aux outils de développement personnel y est signalé comme controversé.",
            "en": "The published account does not describe the activities of the Pôle d'Économie "
            "Solidaire 21 and does not separate what was learned in Dijon from the other "
            "stops. Using personal-development tools is flagged as controversial.",
        },
        "links": [],
        "authors": [MES],
    },
    {
        "slug": "visite-apprenante-lille-apes",
        "language": "fr",
        "title": {
            "fr": "Visite apprenante à Lille et dans le Pas-de-Calais : découvrir l'APES des "
            "Hauts-de-France",
            "en": "Learning visit to Lille and the Pas-de-Calais: discovering APES Hauts-de-France",
        },
        "summary": {
            "fr": "Hébergée dans une auberge de jeunesse qui partage ses espaces avec l'APES, la "
            "communauté apprenante a travaillé les notions clés de l'économie solidaire et "
            "préparé la capitalisation de ses visites.",
            "en": "Staying in a youth hostel that shares its spaces with APES, the learning "
            "community worked on key notions of the solidarity economy and prepared the "
            "capitalisation of its visits.",
        },
        "narrative": {"fr": _LILLE_FR, "en": _LILLE_EN},
        "territories": ["lille", "pas-de-calais"],
        "themes": [
            "social-solidarity-economy",
            "citizen-participation",
            "territorial-governance",
            "cooperation-between-actors",
            "capitalisation",
        ],
        "organisations": [MES, "APES Hauts-de-France", FMSH],
        "circumstances": {
            "fr": "Un hébergement qui partage espaces communs et logistique avec la structure "
            "accueillante ; une visite répartie entre Lille et le Pas-de-Calais.",
            "en": "Lodging that shares common spaces and logistics with the host organisation; a "
            "visit spread between Lille and the Pas-de-Calais.",
        },
        "lessons": {
            "fr": "La réflexivité partagée suit un fil simple : comprendre chaque structure dans "
            "son écosystème territorial, se comparer à elle, puis dégager des enjeux "
            "transversaux. Un recueil systématique pendant les visites fournit la matière "
            "des séminaires de capitalisation.",
            "en": "Shared reflexivity follows a simple thread: understand each organisation in its "
            "territorial ecosystem, compare oneself with it, then draw out cross-cutting "
            "issues. Systematic gathering during visits supplies the material for the "
            "capitalisation seminars.",
        },
        "limits": {
            "fr": "Le retour publié ne détaille pas les actions de l'APES ni les sites visités "
            "dans le Pas-de-Calais. Le financement de la seconde phase (accompagnement de "
            "sites) était encore à l'étude au moment de ce retour.",
            "en": "The published account details neither APES's actions nor the sites visited in "
            "the Pas-de-Calais. Funding for the second phase (accompanying sites) was still "
            "under study at the time of the account.",
        },
        "links": [],
        "authors": [MES],
    },
]

_TOWNS = [
    "loos-en-gohelle-mettre-en-recit-une-trajectoire",
    "grande-synthe-confronter-les-experiences-de-villes-pairs",
    "le-mene-une-communaute-de-territoires-fondatrice",
    "malaunay-du-referentiel-des-villes-pairs-a-la-diffusion",
]
_VISITS = [
    "visite-apprenante-caen-ardes",
    "visite-apprenante-dijon-pes21",
    "visite-apprenante-lille-apes",
]

# ---------------------------------------------------------------------------
# Guiding principles
# ---------------------------------------------------------------------------

_P1_FR = """\
## Ce que dit le principe

D'une expérience réussie ailleurs, on ne retient pas un mode d'emploi à recopier, mais les
conditions qui ont rendu la réussite possible. À chaque territoire ensuite de les traduire dans
son propre contexte.

## D'où il vient

C'est la leçon de départ de la Fabrique des transitions. Quatre villes engagées de longue date
dans le changement (Loos-en-Gohelle, Grande-Synthe, Le Mené, Malaunay) ont mis en commun leur
expérience ; ce qu'elles en ont tiré n'est pas une liste de bonnes pratiques, mais un
« référentiel des villes pairs » fait de principes directeurs.

## Pourquoi

- Le monde n'est pas un laboratoire où l'on ferait varier les paramètres, ni une usine qui
  passerait du prototype à la série.
- Chaque expérience est enracinée dans un contexte singulier et résulte d'un processus qu'on ne
  peut pas rejouer.

## Comment s'en servir

Le principe de subsidiarité active veut que chacun adapte les principes à sa situation. Les
chantiers thématiques de la Fabrique les mettent à l'épreuve dans les contextes des alliés et les
complètent au fil d'expériences nouvelles.

## Point de vigilance

Même simples à énoncer, ces principes demandent, pour être appliqués, de véritables
transformations des institutions et des cultures.
"""

_P1_EN = """\
## What the principle says

From an experience that worked elsewhere, what you keep is not a manual to copy but the
conditions that made success possible. Each territory then translates them into its own context.

## Where it comes from

It is the founding lesson of the Transition Factory. Four towns with a long commitment to change
(Loos-en-Gohelle, Grande-Synthe, Le Mené, Malaunay) pooled their experience; what they drew
from it is not a list of good practices but a "peer towns benchmark" made of guiding principles.

## Why

- The world is not a laboratory where parameters can be varied, nor a factory moving from
  prototype to mass production.
- Every experience is rooted in a unique context and results from a process that cannot be
  replayed.

## How to use it

Under the principle of active subsidiarity, everyone adapts the principles to their own
situation. The Factory's thematic work areas test them in the allies' contexts and complete them
as new experiences come in.

## Watch out

However simple they are to state, these principles require genuine transformations of
institutions and cultures to be applied.
"""

_P2_FR = """\
## Ce que dit le principe

Pour savoir ce qui, dans une réussite, tient aux circonstances et ce qui est structurel, il faut
mettre côte à côte des actions comparables, menées dans des contextes très éloignés. Ce qui se
retrouve partout est structurel ; le reste est propre à un lieu et à un moment.

## D'où il vient

C'est la méthode de la capitalisation menée par les quatre villes fondatrices de la Fabrique des
transitions, situées dans trois régions distinctes.

## Conditions

1. **Un récit lucide d'abord.** Chaque acteur transforme son action en récit, en faisant la part
   du circonstanciel et du structurel, et en regardant ses limites en face. C'est l'étape la plus
   exigeante, et elle réussit rarement sans accompagnement.
2. **Une confrontation ensuite**, conduite idéalement par les acteurs plutôt que par
   des observateurs extérieurs.
3. **Une mise en forme enfin** : le capital de connaissances obtenu devient un ensemble de
   principes directeurs.

## Ce que ce n'est pas

Le savoir ne passe pas directement de ceux qui agissent à ceux qui veulent apprendre : entre
l'action et l'action future, il faut passer par ces étapes de médiation.
"""

_P2_EN = """\
## What the principle says

To know what, in a success, comes from circumstances and what is structural, you have to compare
comparable actions from very distant contexts side by side. What recurs everywhere is
structural; the rest belongs to one place and one moment.

## Where it comes from

It is the method of the capitalisation carried out by the Transition Factory's four founding
towns, located in three separate regions.

## Conditions

1. **A clear-eyed narrative first.** Each actor turns their action into a story, separating the
   circumstantial from the structural and facing its limits. It is the hardest step; it nearly
   always needs accompaniment.
2. **Then a comparison**, ideally led by the actors rather than by outside
   observers.
3. **Finally, shaping**: the resulting stock of knowledge becomes a set of guiding principles.

## What it is not

Knowledge does not flow straight from those who act to those who want to learn: between action
and future action, these mediation steps cannot be skipped.
"""

_P3_FR = """\
## Ce que dit le principe

Pour prendre du recul sur ses propres pratiques, rien ne remplace le fait d'aller voir de près,
sur place, comment fonctionne une organisation proche de la sienne.

## D'où il vient

Des trois premières visites apprenantes d'une recherche-action en économie solidaire, à Caen
(ARDES), à Dijon (Pôle d'Économie Solidaire 21) et à Lille et dans le Pas-de-Calais (APES des
Hauts-de-France).

## Comment ça marche

- **L'effet miroir** : se mesurer à ce que la structure visitée croit, sait faire et vise renvoie
  chacun à ses propres choix.
- **Le déplacement** : sortir de sa zone de confort et élargir son terrain de jeu.
- **Le contexte** : situer la structure dans le tissu d'acteurs de son territoire avant de
  comparer.

Les pratiques ainsi éclairées sont très diverses : postures d'accompagnement et de coopération,
frontières entre groupes d'appartenance, outils de développement local, méthodes d'intelligence
collective, usages de la convivialité.

## Pour que cela serve au-delà de la visite

Recueillir systématiquement les informations et enregistrer les échanges, puis les reprendre en
séminaires réflexifs pour en tirer des enjeux transversaux.
"""

_P3_EN = """\
## What the principle says

To step back from your own practices, nothing replaces going to see, on site and at close
range, how an organisation similar to yours actually works.

## Where it comes from

From the first three learning visits of a solidarity-economy research-action, in Caen (ARDES),
Dijon (Pôle d'Économie Solidaire 21) and Lille and the Pas-de-Calais (APES Hauts-de-France).

## How it works

- **The mirror effect**: measuring oneself against what the host believes, knows how to do and
  aims for sends everyone back to their own choices.
- **Displacement**: leaving one's comfort zone and widening one's playing field.
- **Context**: understanding each organisation within its territorial ecosystem before comparing.

The practices brought to light are very diverse: stances of accompaniment and cooperation,
boundaries between the groups one belongs to, local development tools, collective intelligence
methods, uses of conviviality.

## So that it serves beyond the visit

Gather information systematically and record the exchanges, then revisit them in reflective
seminars to draw out cross-cutting issues.
"""

PRINCIPLES = [
    {
        "slug": "des-principes-directeurs-pas-des-bonnes-pratiques",
        "language": "fr",
        "title": {
            "fr": "Tirer de l'expérience des principes directeurs à adapter, pas des bonnes "
            "pratiques à copier",
            "en": "Draw guiding principles to adapt from experience, not good practices to copy",
        },
        "summary": {
            "fr": "Leçon fondatrice des quatre villes pairs : une expérience ne se transpose pas "
            "telle quelle ; ce qui voyage, ce sont les conditions de sa réussite, que chaque "
            "territoire adapte.",
            "en": "The founding lesson of the four peer towns: an experience cannot be "
            "transplanted as is; what travels is the conditions for its success, which each "
            "territory adapts.",
        },
        "explanation": {"fr": _P1_FR, "en": _P1_EN},
        "derived_from": list(_TOWNS),
        "themes": [
            "capitalisation",
            "territorial-governance",
            "learning-organisations",
            "cooperation-between-actors",
        ],
        "authors": [FABRIQUE],
    },
    {
        "slug": "confronter-des-actions-semblables-dans-des-contextes-differents",
        "language": "fr",
        "title": {
            "fr": "Comparer des actions semblables conduites dans des contextes très éloignés "
            "pour isoler ce qui est structurel",
            "en": "Compare similar actions from very distant contexts to isolate what is "
            "structural",
        },
        "summary": {
            "fr": "Ce qui se retrouve dans tous les contextes est structurel ; le reste tient aux "
            "circonstances. Le tri suppose un récit lucide de chaque action, puis une "
            "confrontation menée par les acteurs.",
            "en": "What recurs in every context is structural; the rest is circumstance. Sorting "
            "requires a clear-eyed story of each action, then a comparison led by the "
            "actors.",
        },
        "explanation": {"fr": _P2_FR, "en": _P2_EN},
        "derived_from": list(_TOWNS),
        "themes": ["capitalisation", "narrative", "accompaniment", "collective-intelligence"],
        "authors": [FABRIQUE],
    },
    {
        "slug": "se-regarder-dans-le-miroir-des-organisations-soeurs",
        "language": "fr",
        "title": {
            "fr": "Aller voir de près le fonctionnement d'organisations sœurs pour prendre du "
            "recul sur ses propres pratiques",
            "en": "Look closely at how sister organisations work to step back from your own "
            "practices",
        },
        "summary": {
            "fr": "Tiré des visites apprenantes de Caen, Dijon et Lille : l'effet miroir d'une "
            "immersion chez une structure proche éclaire ses propres postures, outils et "
            "méthodes.",
            "en": "Drawn from the learning visits to Caen, Dijon and Lille: the mirror effect of "
            "immersion in a kindred organisation sheds light on one's own stances, tools and "
            "methods.",
        },
        "explanation": {"fr": _P3_FR, "en": _P3_EN},
        "derived_from": list(_VISITS),
        "themes": [
            "social-solidarity-economy",
            "learning-organisations",
            "accompaniment",
            "collective-intelligence",
        ],
        "authors": [MES],
    },
]

# ---------------------------------------------------------------------------
# Resources
# ---------------------------------------------------------------------------

_R_CYCLE_FR = """\
Ce guide présente le chemin que suit la connaissance dans une communauté apprenante, « de l'action
à l'action ». Tirer parti de l'action passée pour mieux agir semble aller de soi ; en pratique,
c'est rarement fait : entre celui qui agit et celui qui apprend, la connaissance ne circule pas
d'elle-même.

## Étape 1 : le récit d'expérience

Convertir ce qu'on a fait en un savoir pratique dont on pourra se servir, soi-même comme
d'autres :

- la raconter ;
- distinguer ce qui est purement circonstanciel de ce qui est plus structurel ;
- rester lucide sur ses limites.

C'est l'étape la plus exigeante, et on la réussit rarement sans un accompagnement extérieur.

## Étape 2 : la capitalisation

Faire de l'information que produit l'action un capital de connaissances, en mettant côte à côte
des actions comparables menées dans des contextes très éloignés. Quand ce sont les acteurs qui
s'en chargent, ce qui est le mieux, elle fait émerger des **principes directeurs** communs.
C'est ainsi que quatre villes, Loos-en-Gohelle, Grande-Synthe, Le Mené et Malaunay, ont produit
le référentiel des villes pairs à l'origine de la Fabrique.

## Étape 3 : la diffusion

Ces principes valent bien au-delà du groupe qui les a dégagés, mais leur mise en œuvre bouscule
institutions et cultures. La troisième étape leur donne une forme pédagogique, en montre les
implications et engage les transformations, malgré les résistances.

## Dans ce nœud

Les trois objets du site suivent ce cycle : récits d'expérience, principes directeurs (reliés aux
expériences dont ils sont issus), ressources de diffusion.
"""

_R_CYCLE_EN = """\
This guide presents the path knowledge follows in a learning community, "from action to action".
Drawing on past action to act better seems obvious; in practice it is rarely done, because
knowledge does not travel by itself from those who act to those who learn.

## Step 1: the experience narrative

Converting what was done into practical know-how that can serve both its authors and others:

- telling it;
- separating what is purely circumstantial from what is more structural;
- staying clear-eyed about its limits.

It is the most demanding step, and it rarely succeeds without outside support.

## Step 2: capitalisation

Making the information that action produces into a stock of knowledge, by setting comparable actions
from very distant contexts side by side. Ideally done by the actors, it brings out shared **guiding
principles**. This is how four towns, Loos-en-Gohelle, Grande-Synthe, Le Mené and Malaunay, produced
the peer towns benchmark from which the Factory originated.

## Step 3: dissemination

These principles hold well beyond the group that drew them out, but putting them into practice
shakes up institutions and cultures. The third step gives them a teaching form, shows what they
imply and starts the transformations, despite resistance.

## On this node

The site's three kinds of objects follow this cycle: experience narratives, guiding principles
(linked to the experiences they come from), and resources for dissemination.
"""

_R_CAT_FR = """\
Le Commun d'Accompagnement des Transitions, animé par le consortium qui porte son nom, avec
l'Université Paris 8, rassemble et développe les savoir-faire relationnels qui permettent à des
acteurs différents de dialoguer et de coopérer dans les territoires, afin d'avancer vers la
résilience et la sobriété.

## Pourquoi

- Ces transformations ne peuvent aboutir ni par la seule puissance publique, ni par le seul
  marché, ni par les seuls communs ou initiatives citoyennes : elles exigent que coopèrent
  autant d'acteurs concernés que possible.
- La difficulté à réguler le dialogue et les tensions est identifiée comme une cause majeure
  d'échec des projets coopératifs. Le texte cite un bilan du sommet des Oasis de 2021, selon
  lequel 90 % des écolieux portés collectivement n'aboutissent pas ou ne durent pas, surtout
  à cause de dissensions, d'une gouvernance inadaptée ou d'un manque de confiance.

## Ce que vise le consortium

- Concevoir et animer des formations pour apprendre à accompagner les changements et à faire
  dialoguer les acteurs, puis les déployer là où l'on veut encourager la coopération.
- Recueillir les récits de ces dialogues et coopérations dans un commun ouvert aux acteurs du
  changement et à la science ouverte.
- Aider facilitateurs et accompagnateurs à trouver des façons plus variées de vivre de leur
  métier, pour qu'ils coopèrent plutôt que d'être mis en concurrence.

## Licence

Ressources sous Creative Commons BY-SA 4.0 ; données sous Open Database License (ODbL).
"""

_R_CAT_EN = """\
The Commons for Accompanying Transitions, carried by a consortium of the same name with
Université Paris 8, gathers and develops the relational know-how that lets different actors talk
and cooperate in territories, in order to move towards resilience and sobriety.

## Why

- These transformations cannot succeed through public authorities alone, the market alone, or
  commons and citizen initiatives alone: as many stakeholders as possible must cooperate.
- Difficulty regulating dialogue and tensions is identified as a major cause of failure in
  cooperative projects. The text cites a review of the 2021 Oasis summit, according to which 90%
  of collective eco-place projects fail or do not last, mainly because of disagreements,
  unsuitable governance or a lack of trust.

## What the consortium aims for

- Producing and running training paths and modules on process accompaniment and dialogue
  practices, and spreading them in territorial areas.
- Collecting the stories of these dialogues and cooperations in a commons open to change-makers
  and to open science.
- Helping to diversify the business models of facilitation professionals, so that they cooperate
  instead of being pitted against each other.

## Licence

Resources under Creative Commons BY-SA 4.0; data under the Open Database License (ODbL).
"""

_R_COLL_FR = """\
Comment une collectivité territoriale peut-elle devenir une organisation apprenante ? Cet article
propose une entrée par la pratique et repère des atouts propres au service public local.

## Une pratique

L'organisation apprenante combine des disciplines individuelles, collectives et une pensée
systémique qui les relie. Pour commencer, deux d'entre elles suffisent :

- **la maîtrise personnelle** : dresser un état des lieux concret de sa pratique, formuler une
  vision personnelle, et utiliser l'écart entre les deux comme moteur ;
- **la vision partagée** : faire le même travail à plusieurs, en partant de ce que chacun
  souhaite et de ce qui est en jeu pour l'organisation, pour choisir ensemble le chemin et les
  étapes.

## Des prédispositions dans les collectivités

1. **L'intérêt général**, raison d'être de l'action publique, offre un point de départ commun ;
   choisir ensemble les valeurs du service public guide l'action davantage que la hiérarchie.
2. **La diversité des acteurs** (élus, agents, citoyens, associations) enrichit le partage des
   savoirs ; un observatoire du territoire peut l'alimenter.
3. **Le projet politique** du mandat fournit une vision à partager et à décliner.

## D'autres pistes

- Partir d'une situation inédite ou difficile pour en tirer collectivement un protocole et des
  critères d'évaluation.
- Partager les enjeux financiers avec tous les niveaux d'encadrement et laisser aux gestionnaires
  de terrain l'autonomie de trouver des économies à petite échelle.
"""

_R_COLL_EN = """\
How can a local authority become a learning organisation? This article offers a practical way in
and identifies strengths specific to local public service.

## A practice

The learning organisation combines individual and collective disciplines with systems thinking
that ties them together. Two of them are enough to start:

- **personal mastery**: taking a concrete stock of one's practice, forming a personal vision, and
  using the gap between the two as a driving force;
- **shared vision**: doing the same work as a group, from each person's aspirations and the
  organisation's stakes, to choose the path and the steps together.

## Predispositions in local authorities

1. **The general interest**, the very reason for public action, offers a common starting point;
   choosing public-service values together guides action more than hierarchy does.
2. **The diversity of actors** (elected officials, staff, citizens, associations) enriches
   knowledge-sharing; a territorial observatory can feed it.
3. **The political programme** for the term of office provides a vision to share and break down.

## Other avenues

- Starting from an unprecedented or difficult situation to work out, together, a protocol and
  evaluation criteria.
- Sharing financial stakes with every management level and giving field managers the autonomy to
  find small-scale savings.
"""

_R_COMM_FR = """\
Une communauté apprenante réunit des acteurs qui apprennent ensemble de ce qu'ils ont fait et
font encore, afin de mieux agir demain. Elle place les praticiens
eux-mêmes en situation de recherche, au lieu de séparer ceux qui réfléchissent de ceux qui font.

## Trois familles de communautés

- **Territoriales**, si possible régionales, comme celle des quatre territoires fondateurs.
- **Thématiques** : politiques agroalimentaires, mobilité, création de valeur, gouvernance
  territoriale et formation de ses acteurs, démocratie délibérative, coopération entre acteurs.
- **Méthodologiques**, par exemple pour construire une doctrine de l'accompagnement.

## Les chantiers thématiques

Lancés à l'initiative d'un allié (collectivité, centre de recherche, consultant, service public),
ils commencent par rassembler les expériences disponibles dans les fonds documentaires de la
Fabrique et de Citego, puis testent, complètent ou élaborent des principes directeurs. Les
résultats rejoignent un commun de la connaissance ouvert à tous.

## Une indexation systémique

Une question, comme l'efficacité énergétique des logements ou l'évolution du système
agroalimentaire, en appelle d'autres, en apparence éloignées : l'épargne locale, l'éducation, la
biodiversité. L'indexation des expériences doit rendre ces liens visibles.

## Dans la stratégie 2021-2022

Animer l'échange entre territoires, engager des chantiers thématiques, dont un sur les
communautés apprenantes elles-mêmes et un sur la mise en récit avec le Cerdd, et organiser des
formations à l'animation de communautés apprenantes.
"""

_R_COMM_EN = """\
A learning community brings together actors who learn, as a group, from what they have done
and are still doing, so as to act better tomorrow. It puts practitioners themselves in a
research position, instead of separating those who think from those who do.

## Three kinds of communities

- **Territorial**, regional where possible, like that of the four founding territories.
- **Thematic**: food and farming, mobility, value creation, territorial governance and the
  training of those who practise it, deliberative democracy, cooperation between actors.
- **Methodological**, for instance to build a doctrine of accompaniment.

## Thematic work areas

Launched on the initiative of an ally (local authority, research centre, consultant, public
service), they start by gathering the experiences available in the Factory's and Citego's
documentary collections, then test, complete or work out guiding principles. The results join a
knowledge commons open to all.

## Systemic indexing

One issue, say making homes use less energy or changing how food is produced and distributed,
leads to others that seem remote: local savings, education, biodiversity. Indexing experiences
should make these links visible.

## In the 2021-2022 strategy

Running exchanges between territories, launching thematic work areas, including one on learning
communities themselves and one on narrative with Cerdd, and organising training in facilitating
learning communities.
"""

_R_TRAIN_FR = """\
Parmi les actions de sa stratégie de développement 2021-2022, la Fabrique des transitions prévoit
d'organiser, chaque semestre, des sessions de formation pour apprendre à animer une communauté
apprenante.

## Organisation prévue

- Les sessions doivent être animées par un allié qui a la compétence, avec l'APFDT comme
  partenaire.
- Leur contenu et leurs modalités doivent s'appuyer sur ce que les chantiers thématiques auront
  appris.

## D'où viendra le contenu

Un chantier thématique consacré aux communautés apprenantes elles-mêmes doit nourrir ces
formations. Il vise à mieux cerner ce qui, dans l'organisation et l'accompagnement, fait vivre une
communauté apprenante, et à comparer les manières de l'animer pour en retenir ce qui sert
l'alliance.

Les sources présentent ces formations comme un projet ; leur programme détaillé n'y figure pas.
"""

_R_TRAIN_EN = """\
Among the actions in its 2021-2022 development strategy, the Transition Factory plans to hold,
every six months, training sessions on how to facilitate a learning community.

## Planned organisation

- Sessions are to be run by an ally with the relevant skills, with APFDT as partner.
- Their content and arrangements are to build on what the thematic work areas will have learned.

## Where the content will come from

A thematic work area devoted to learning communities themselves is meant to feed this training. It
aims to pin down what, in organisation and accompaniment, keeps a learning community alive, and
to compare ways of facilitating one so as to keep what serves the alliance.

The sources present these sessions as a plan; their detailed programme is not given.
"""

_R_CITEGO_FR = """\
Citego (cités, territoires, gouvernance) est l'un des deux fonds documentaires sur lesquels
s'appuie la Fabrique des transitions ; l'autre est le sien, qui met en commun les centres de
ressources des alliés.

- Plusieurs milliers de cas y sont décrits selon un même modèle.
- Il les indexe de façon « systémique » grâce à un atlas relationnel, qui relie les questions
  entre elles.
- Les chantiers thématiques commencent par y chercher les expériences et les travaux de
  capitalisation déjà disponibles.
"""

_R_CITEGO_EN = """\
Citego (cities, territories, governance) is one of the two documentary collections the
Transition Factory relies on, alongside its own collection, which pools the allies' resource
centres.

- It presents several thousand cases in a uniform format.
- It indexes them "systemically" through a relational atlas that links issues to one another.
- Thematic work areas start by looking there for experiences and capitalisation work already
  available.
"""

RESOURCES = [
    {
        "slug": "cycle-de-mediation-de-l-action-a-l-action",
        "language": "fr",
        "title": {
            "fr": "Le cycle de médiation : de l'action à l'action",
            "en": "The mediation cycle: from action to action",
        },
        "summary": {
            "fr": "Les trois étapes par lesquelles une communauté apprenante transforme l'action "
            "en connaissance partagée : récit d'expérience, capitalisation, diffusion des "
            "principes directeurs.",
            "en": "The three steps through which a learning community turns action into shared "
            "knowledge: experience narrative, capitalisation, dissemination of guiding "
            "principles.",
        },
        "description": {"fr": _R_CYCLE_FR, "en": _R_CYCLE_EN},
        "resource_type": "guide",
        "url": None,
        "themes": ["narrative", "capitalisation", "accompaniment", "learning-organisations"],
        "territories": ["loos-en-gohelle", "grande-synthe", "le-mene", "malaunay"],
        "authors": [FABRIQUE],
    },
    {
        "slug": "commun-accompagnement-des-transitions",
        "language": "fr",
        "title": {
            "fr": "Commun d'Accompagnement des Transitions : ressources de facilitation de "
            "l'intelligence collective multi-acteurs",
            "en": "Commons for Accompanying Transitions: resources for facilitating multi-actor "
            "collective intelligence",
        },
        "summary": {
            "fr": "Un commun, sous CC BY-SA 4.0 et ODbL, qui réunit formations, récits et "
            "méthodes pour faciliter le dialogue et la coopération entre acteurs des "
            "territoires en transition.",
            "en": "A commons, under CC BY-SA 4.0 and ODbL, gathering training, narratives and "
            "methods to facilitate dialogue and cooperation between actors of territories "
            "in transition.",
        },
        "description": {"fr": _R_CAT_FR, "en": _R_CAT_EN},
        "resource_type": "other",
        "url": "https://pad.lescommuns.org/s/presentationCAT",
        "themes": [
            "accompaniment",
            "collective-intelligence",
            "cooperation-between-actors",
            "resilience",
            "sobriety",
            "training-of-actors",
        ],
        "territories": ["france"],
        "authors": [CAT, "Université Paris 8"],
    },
    {
        "slug": "collectivites-apprenantes-pratique-et-predispositions",
        "language": "fr",
        "title": {
            "fr": "Les collectivités apprenantes : une pratique et des prédispositions",
            "en": "Learning local authorities: a practice and some predispositions",
        },
        "summary": {
            "fr": "Comment amorcer une démarche d'organisation apprenante dans une collectivité : "
            "maîtrise personnelle, vision partagée, et atouts propres au service public "
            "local.",
            "en": "How to start a learning-organisation approach in a local authority: personal "
            "mastery, shared vision, and strengths specific to local public service.",
        },
        "description": {"fr": _R_COLL_FR, "en": _R_COLL_EN},
        "resource_type": "article",
        "url": None,
        "themes": [
            "learning-organisations",
            "territorial-governance",
            "citizen-participation",
            "collective-intelligence",
        ],
        "territories": ["france"],
        "authors": [],
    },
    {
        "slug": "communautes-apprenantes-et-chantiers-thematiques",
        "language": "fr",
        "title": {
            "fr": "Les communautés apprenantes de la Fabrique et ses chantiers thématiques",
            "en": "The Transition Factory's learning communities and thematic work areas",
        },
        "summary": {
            "fr": "Ce qu'est une communauté apprenante, ses trois familles (territoriale, "
            "thématique, méthodologique) et le fonctionnement des chantiers thématiques.",
            "en": "What a learning community is, its three kinds (territorial, thematic, "
            "methodological) and how thematic work areas operate.",
        },
        "description": {"fr": _R_COMM_FR, "en": _R_COMM_EN},
        "resource_type": "article",
        "url": None,
        "themes": [
            "learning-organisations",
            "capitalisation",
            "cooperation-between-actors",
            "territorial-governance",
            "housing-energy-efficiency",
            "agri-food-systems",
            "local-savings",
            "education",
            "biodiversity",
        ],
        "territories": ["france"],
        "authors": [FABRIQUE],
    },
    {
        "slug": "formation-animation-communautes-apprenantes",
        "language": "fr",
        "title": {
            "fr": "Formations à l'animation de communautés apprenantes",
            "en": "Training in facilitating learning communities",
        },
        "summary": {
            "fr": "Sessions prévues chaque semestre par la stratégie 2021-2022 de la Fabrique des "
            "transitions, confiées à un allié avec l'APFDT.",
            "en": "Sessions planned every six months in the Transition Factory's 2021-2022 "
            "strategy, entrusted to an ally working with APFDT.",
        },
        "description": {"fr": _R_TRAIN_FR, "en": _R_TRAIN_EN},
        "resource_type": "training",
        "url": None,
        "themes": ["training-of-actors", "learning-organisations", "accompaniment"],
        "territories": ["france"],
        "authors": [FABRIQUE, "APFDT"],
    },
    {
        "slug": "citego-fonds-documentaire",
        "language": "fr",
        "title": {
            "fr": "Citego : un fonds de cas indexés de façon systémique",
            "en": "Citego: a collection of cases indexed systemically",
        },
        "summary": {
            "fr": "Fonds documentaire (cités, territoires, gouvernance) présentant plusieurs "
            "milliers de cas décrits selon un même modèle et reliés par un atlas "
            "relationnel.",
            "en": "Documentary collection (cities, territories, governance) presenting several "
            "thousand cases uniformly, linked by a relational atlas.",
        },
        "description": {"fr": _R_CITEGO_FR, "en": _R_CITEGO_EN},
        "resource_type": "dataset",
        "url": None,
        "themes": ["capitalisation", "territorial-governance"],
        "territories": [],
        "authors": ["Citego"],
    },
]
