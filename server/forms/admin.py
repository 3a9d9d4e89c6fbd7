"""Node settings, thesaurus concepts and territories."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Optional

from server.forms import choices
from server.forms.base import MultilingualForm, TextSpec
from server.forms.fields import ChoiceField, MultiChoiceField, NumberField, UrlLinesField
from server.models import NodeSettings, Territory, Theme
from server.services.node import NodeSettingsInput
from server.services.taxonomy import TerritoryInput, ThemeInput


class SettingsForm(MultilingualForm):
    text_specs: ClassVar[tuple[TextSpec, ...]] = (
        TextSpec("description", _l("Description"), 4000, multiline=True),
    )

    name = StringField(
        _l("Name of the node"),
        validators=[
            DataRequired(_l("This field is required.")),
            Length(max=200, message=_l("Give the node a name of at most 200 characters.")),
        ],
        render_kw={"maxlength": 200},
    )
    default_license = ChoiceField(_l("Default licence"))
    languages = StringField(
        _l("Languages"),
        validators=[
            Length(max=200, message=_l("This text is too long (at most %(n)s characters).", n=200))
        ],
        description=_l("Language tags separated by commas, the main one first: “fr, en”."),
    )

    @classmethod
    def build(cls) -> SettingsForm:
        node = NodeSettings.get()
        form_class = cls.for_languages(choices.languages(node.description))
        data = form_class.text_data(description=node.description)
        data.update(
            name=node.name,
            default_license=node.default_license,
            languages=", ".join(node.languages or []),
        )
        form = form_class.showing(data)
        form.default_license.choices = choices.license_choices(node.default_license)
        return form

    def to_input(self) -> NodeSettingsInput:
        return NodeSettingsInput(
            name=self.name.data or "",
            description=self.texts("description"),
            default_license=self.default_license.data or "",
            languages=[t for t in re.split(r"[\s,;]+", self.languages.data or "") if t],
        )


class ThemeForm(MultilingualForm):
    text_specs: ClassVar[tuple[TextSpec, ...]] = (
        TextSpec("pref_label", _l("Label"), 200, required=True),
        TextSpec("definition", _l("Definition"), 4000, multiline=True),
    )

    broader_ids = MultiChoiceField(_l("Broader concepts"))
    related_ids = MultiChoiceField(_l("Related concepts"))
    exact_match = UrlLinesField(
        _l("Same concept elsewhere (exact match)"),
        description=_l("Addresses of the same concept on other nodes, one per line."),
    )
    close_match = UrlLinesField(
        _l("Close concepts elsewhere (close match)"),
        description=_l("Addresses of close concepts on other nodes, one per line."),
    )

    @classmethod
    def build(cls, reading: list[str], theme: Theme | None = None) -> ThemeForm:
        langmaps = [theme.pref_label, theme.definition] if theme else []
        form_class = cls.for_languages(choices.languages(*langmaps))
        if theme is None:
            form = form_class()
        else:
            data: dict[str, Any] = form_class.text_data(
                pref_label=theme.pref_label, definition=theme.definition
            )
            data.update(
                broader_ids=[str(t.id) for t in theme.targets("broader")],
                related_ids=[str(t.id) for t in theme.targets("related")],
                exact_match=list(theme.exact_match or []),
                close_match=list(theme.close_match or []),
            )
            form = form_class.showing(data)
        offered = choices.theme_choices(reading, exclude=theme.id if theme else None)
        form.broader_ids.choices = offered
        form.related_ids.choices = offered
        return form

    def to_input(self) -> ThemeInput:
        return ThemeInput(
            pref_label=self.texts("pref_label"),
            definition=self.texts("definition"),
            broader_ids=self.broader_ids.ids(),
            related_ids=self.related_ids.ids(),
            exact_match=list(self.exact_match.data or []),
            close_match=list(self.close_match.data or []),
        )


class TerritoryForm(MultilingualForm):
    text_specs: ClassVar[tuple[TextSpec, ...]] = (TextSpec("name", _l("Name"), 200, required=True),)
    error_aliases: ClassVar[dict[str, str]] = {"parent_id": "parent"}

    kind = ChoiceField(_l("Kind of territory"))
    latitude = NumberField(_l("Latitude"), description=_l("In decimal degrees, such as 50.45."))
    longitude = NumberField(_l("Longitude"), description=_l("In decimal degrees, such as 2.79."))
    code = StringField(
        _l("Official code"),
        validators=[Optional(), Length(max=32, message=_l("This code is too long."))],
        description=_l("For a French commune, its INSEE code."),
    )
    same_as = UrlLinesField(
        _l("Same place elsewhere"), description=_l("Wikidata or other addresses, one per line.")
    )
    parent = ChoiceField(_l("Part of"), default="")

    @classmethod
    def build(cls, reading: list[str], territory: Territory | None = None) -> TerritoryForm:
        form_class = cls.for_languages(choices.languages(territory.name if territory else None))
        if territory is None:
            form = form_class()
        else:
            data: dict[str, Any] = form_class.text_data(name=territory.name)
            data.update(
                kind=territory.kind,
                latitude=territory.latitude,
                longitude=territory.longitude,
                code=territory.code or "",
                same_as=list(territory.same_as or []),
                parent=str(territory.parent_id or ""),
            )
            form = form_class.showing(data)
        form.kind.choices = choices.territory_kind_choices()
        exclude = territory.id if territory else None
        form.parent.choices = [("", str(_l("None")))] + choices.territory_choices(reading, exclude)
        return form

    def to_input(self) -> TerritoryInput:
        parent = self.parent.data or ""
        return TerritoryInput(
            name=self.texts("name"),
            kind=self.kind.data or "",
            latitude=self.latitude.data,
            longitude=self.longitude.data,
            code=(self.code.data or "").strip() or None,
            same_as=list(self.same_as.data or []),
            parent_id=int(parent) if parent.isdigit() else None,
        )
