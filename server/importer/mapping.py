"""Match a record's subjects and places to this node's themes and territories.

Labels are compared folded (case and accents off, server.search.text.fold), against every
preferred and alternative label of each concept in every language, and against IRIs;
places also against official codes. What matches nothing is counted, and the admin's
choices say what becomes of it: create the concept or place, map it to an existing one
(by slug), or leave it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select

from server.extensions import db
from server.importer.errors import SourceError
from server.models import Territory, Theme
from server.search.text import fold


def _key(label: str) -> str:
    return " ".join(fold(label).split())


@dataclass
class Choices:
    """What to do with labels that match nothing: `create` all of them, or those in
    `create_labels`; `mapped` sends a label to an existing theme's or territory's slug."""

    create: bool = False
    create_labels: set[str] = field(default_factory=set)
    mapped: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.create_labels = {_key(label) for label in self.create_labels}
        self.originals = {_key(label): label for label in self.mapped}
        self.mapped = {_key(label): slug for label, slug in self.mapped.items()}

    def creates(self, label: str) -> bool:
        return self.create or _key(label) in self.create_labels

    def to_json(self) -> dict:
        return {
            "create": self.create,
            "create_labels": sorted(self.create_labels),
            "mapped": {self.originals.get(k, k): v for k, v in self.mapped.items()},
        }

    @classmethod
    def from_json(cls, data: dict | None) -> Choices:
        data = data or {}
        return cls(
            bool(data.get("create")),
            set(data.get("create_labels") or ()),
            dict(data.get("mapped") or {}),
        )


@dataclass
class Matched:
    themes: list[str] = field(default_factory=list)  # IRIs
    territories: list[str] = field(default_factory=list)
    new_themes: list[str] = field(default_factory=list)  # labels to create as concepts
    new_places: list[str] = field(default_factory=list)


class Matcher:
    """The node's concepts and places by folded label, IRI and code, read once per run."""

    def __init__(self, choices: Choices | None = None) -> None:
        self.choices = choices or Choices()
        self.themes: dict[str, str] = {}
        self.places: dict[str, str] = {}
        self.theme_slugs: dict[str, str] = {}
        self.place_slugs: dict[str, str] = {}
        self.unmatched: Counter[tuple[str, str]] = Counter()
        for theme in db.session.scalars(select(Theme)):
            self.add_theme(theme)
        for place in db.session.scalars(select(Territory)):
            self.add_place(place)
        for slug in self.choices.mapped.values():
            if slug not in self.theme_slugs and slug not in self.place_slugs:
                raise SourceError(f"no theme or territory has the slug {slug!r} to map to")

    def add_theme(self, theme: Theme) -> None:
        labels = [*theme.pref_label.values()]
        for values in (theme.alt_labels or {}).values():
            labels += list(values)
        for label in labels:
            self.themes.setdefault(_key(label), theme.iri)
        for iri in [theme.iri, *(theme.exact_match or [])]:
            self.themes[iri] = theme.iri
        self.theme_slugs[theme.slug] = theme.iri

    def add_place(self, place: Territory) -> None:
        for label in place.name.values():
            self.places.setdefault(_key(label), place.iri)
        for iri in [place.iri, *(place.same_as or [])]:
            self.places[iri] = place.iri
        if place.code:
            self.places.setdefault(_key(place.code), place.iri)
        self.place_slugs[place.slug] = place.iri

    def _mapped(self, label: str) -> tuple[str, str] | None:
        slug = self.choices.mapped.get(_key(label))
        if slug is None:
            return None
        if slug in self.theme_slugs:
            return "theme", self.theme_slugs[slug]
        if slug in self.place_slugs:
            return "place", self.place_slugs[slug]
        return None

    def match(self, subjects: list[str], places: list[str]) -> Matched:
        """Resolve one record's labels; count what matched nothing."""
        found = Matched()
        for label in subjects:
            key = label if label in self.themes else _key(label)
            mapped = self._mapped(label)
            if mapped:
                (found.themes if mapped[0] == "theme" else found.territories).append(mapped[1])
            elif key in self.themes:
                found.themes.append(self.themes[key])
            elif (label if label in self.places else key) in self.places:
                found.territories.append(self.places[label if label in self.places else key])
            elif self.choices.creates(label):
                found.new_themes.append(label)
            else:
                self.unmatched[("subject", label)] += 1
        for label in places:
            key = label if label in self.places else _key(label)
            mapped = self._mapped(label)
            if mapped:
                (found.themes if mapped[0] == "theme" else found.territories).append(mapped[1])
            elif key in self.places:
                found.territories.append(self.places[key])
            elif self.choices.creates(label) and not label.startswith(("http://", "https://")):
                found.new_places.append(label)
            else:
                self.unmatched[("place", label)] += 1
        found.themes = list(dict.fromkeys(found.themes))
        found.territories = list(dict.fromkeys(found.territories))
        return found

    def remember_mappings(self) -> None:
        """Keep each label mapped to a concept as that concept's alternative label, so the
        next import matches it by itself."""
        for key, slug in self.choices.mapped.items():
            label = self.choices.originals.get(key, key)
            theme = Theme.by_slug(slug)
            if theme is None:
                continue
            known = {_key(v) for vs in (theme.alt_labels or {}).values() for v in vs}
            known |= {_key(v) for v in theme.pref_label.values()}
            if key not in known:
                alt = {k: list(v) for k, v in (theme.alt_labels or {}).items()}
                alt.setdefault("und", []).append(label)
                theme.alt_labels = alt
