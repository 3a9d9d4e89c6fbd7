"""Forms for experiences, guiding principles and resources, and their conversion to ItemInput."""

from __future__ import annotations

from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, StringField
from wtforms.validators import Length, Optional, ValidationError

from server.forms import choices
from server.forms.base import MultilingualForm, TextSpec
from server.forms.fields import (
    ChoiceField,
    IsoDateField,
    LinesField,
    LinksField,
    MultiChoiceField,
    is_web_address,
)
from server.models import Item, NodeSettings
from server.services.items import ItemInput
from server.services.validation import MAX_SUMMARY, MAX_TEXT, MAX_TITLE

MARKDOWN_HELP = _l(
    "Markdown: a blank line between paragraphs, **bold**, *italics*, [text](address)."
)

TITLE = TextSpec("title", _l("Title"), MAX_TITLE, required=True)
SUMMARY = TextSpec("summary", _l("Summary"), MAX_SUMMARY, multiline=True)


class ItemForm(MultilingualForm):
    """Fields every kind of item has."""

    kind: ClassVar[str] = ""
    error_aliases: ClassVar[dict[str, str]] = {"attachment": "attachments"}

    language = ChoiceField(_l("Main language"))
    license = ChoiceField(_l("Licence"))
    authors = LinesField(_l("Authors"), description=_l("One name per line."))
    theme_ids = MultiChoiceField(_l("Themes"), description="")
    links = LinksField(
        _l("Links"), description=_l("One per line: the address, a space, then a label.")
    )
    indexable = BooleanField(_l("Search engines may index this page"), default=True)

    def setup(self, reading: list[str], item: Item | None = None) -> MultilingualForm:
        """Fill the choices in the reader's language; return the form."""
        node = NodeSettings.get()
        self.language.choices = choices.language_choices(list(self.text_languages))
        self.license.choices = choices.license_choices(item.license if item else None)
        groups = choices.theme_groups(reading)
        self.theme_ids.groups = groups
        self.theme_ids.choices = [choice for _label, members in groups for choice in members]
        if not self.is_submitted():
            self.language.data = (
                self.language.data or (item.language if item else None) or (node.main_language)
            )
            self.license.data = self.license.data or node.default_license
        return self

    @classmethod
    def prefill(cls, item: Item) -> dict[str, Any]:
        """Return form data showing an item's current values."""
        data: dict[str, Any] = cls.text_data(
            **{s.name: getattr(item, s.name) for s in cls.text_specs}
        )
        data.update(
            language=item.language,
            license=item.license,
            authors=list(item.authors or []),
            theme_ids=[str(t.id) for t in item.themes],
            territory_ids=[str(t.id) for t in item.territories],
            links=list(item.links or []),
            indexable=item.indexable,
        )
        return data

    def to_input(self) -> ItemInput:
        """Turn the submitted form into what the items service expects."""
        data = ItemInput(
            title=self.texts("title"),
            language=self.language.data or "",
            summary=self.texts("summary"),
            body=self.texts("body"),
            license=self.license.data or "",
            authors=list(self.authors.data or []),
            theme_ids=self.theme_ids.ids(),
            links=list(self.links.data or []),
            indexable=bool(self.indexable.data),
        )
        territories = getattr(self, "territory_ids", None)
        if territories is not None:
            data.territory_ids = territories.ids()
        return data

    def uploads(self) -> list:
        files = getattr(self, "attachments", None)
        return [f for f in (files.data or []) if f and f.filename] if files is not None else []


class ExperienceForm(ItemForm):
    kind: ClassVar[str] = "experience"
    text_specs: ClassVar[tuple[TextSpec, ...]] = (
        TITLE,
        SUMMARY,
        TextSpec("body", _l("Narrative"), MAX_TEXT, True, True, description=MARKDOWN_HELP),
        TextSpec("circumstances", _l("Circumstantial factors"), MAX_TEXT, True),
        TextSpec("lessons", _l("Structural lessons"), MAX_TEXT, True),
        TextSpec("limits", _l("Limits"), MAX_TEXT, True),
    )

    territory_ids = MultiChoiceField(_l("Territories"))
    period_start = IsoDateField(_l("Start of the period"))
    period_end = IsoDateField(_l("End of the period"))
    organisations = LinesField(
        _l("Organisations involved"), description=_l("One organisation per line.")
    )
    attachments = MultipleFileField(_l("Attach files"))
    remove_attachments = MultiChoiceField(_l("Remove attachments"), description="")

    def setup(self, reading: list[str], item: Item | None = None) -> MultilingualForm:
        super().setup(reading, item)
        self.territory_ids.choices = choices.territory_choices(reading)
        self.remove_attachments.choices = [
            (str(a.id), a.filename) for a in (item.attachments if item else [])
        ]
        return self

    @classmethod
    def prefill(cls, item: Item) -> dict[str, Any]:
        data = super().prefill(item)
        data.update(
            period_start=item.period_start,
            period_end=item.period_end,
            organisations=list(item.organisations or []),
        )
        return data

    def validate_period_end(self, field) -> None:
        if field.data and self.period_start.data and field.data < self.period_start.data:
            raise ValidationError(_l("The end of the period comes before its start."))

    def to_input(self) -> ItemInput:
        data = super().to_input()
        data.period_start = self.period_start.data
        data.period_end = self.period_end.data
        data.organisations = list(self.organisations.data or [])
        data.circumstances = self.texts("circumstances")
        data.lessons = self.texts("lessons")
        data.limits = self.texts("limits")
        return data


class PrincipleForm(ItemForm):
    kind: ClassVar[str] = "principle"
    text_specs: ClassVar[tuple[TextSpec, ...]] = (
        TextSpec("title", _l("Statement"), MAX_TITLE, required=True),
        SUMMARY,
        TextSpec("body", _l("Explanation"), MAX_TEXT, True, True, description=MARKDOWN_HELP),
    )

    derived_from_ids = MultiChoiceField(_l("Drawn from these experiences"))

    def setup(self, reading: list[str], item: Item | None = None) -> MultilingualForm:
        super().setup(reading, item)
        self.derived_from_ids.choices = choices.experience_choices(reading)
        return self

    @classmethod
    def prefill(cls, item: Item) -> dict[str, Any]:
        data = super().prefill(item)
        data["derived_from_ids"] = [str(e.id) for e in item.derived_from]
        return data

    def to_input(self) -> ItemInput:
        data = super().to_input()
        data.derived_from_ids = self.derived_from_ids.ids()
        return data


class ResourceForm(ItemForm):
    kind: ClassVar[str] = "resource"
    text_specs: ClassVar[tuple[TextSpec, ...]] = (
        TITLE,
        SUMMARY,
        TextSpec("body", _l("Description"), MAX_TEXT, True, True, description=MARKDOWN_HELP),
    )

    resource_type = ChoiceField(_l("Kind of resource"))
    resource_url = StringField(
        _l("Web address of the resource"),
        validators=[Optional(), Length(max=1000, message=_l("This address is too long."))],
        description=_l("Or attach the file below."),
        render_kw={"type": "url", "inputmode": "url"},
    )
    territory_ids = MultiChoiceField(_l("Territories"))
    attachments = MultipleFileField(_l("Attach files"))
    remove_attachments = MultiChoiceField(_l("Remove attachments"), description="")

    def setup(self, reading: list[str], item: Item | None = None) -> MultilingualForm:
        super().setup(reading, item)
        self.resource_type.choices = choices.resource_type_choices()
        self.territory_ids.choices = choices.territory_choices(reading)
        self.remove_attachments.choices = [
            (str(a.id), a.filename) for a in (item.attachments if item else [])
        ]
        return self

    @classmethod
    def prefill(cls, item: Item) -> dict[str, Any]:
        data = super().prefill(item)
        data.update(resource_type=item.resource_type, resource_url=item.resource_url or "")
        return data

    def validate_resource_url(self, field) -> None:
        if field.data and not is_web_address(field.data.strip()):
            raise ValidationError(_l("Give a web address starting with http:// or https://."))

    def to_input(self) -> ItemInput:
        data = super().to_input()
        data.resource_type = self.resource_type.data
        data.resource_url = (self.resource_url.data or "").strip() or None
        return data


FORMS: dict[str, type[ItemForm]] = {
    "experience": ExperienceForm,
    "principle": PrincipleForm,
    "resource": ResourceForm,
}


def item_form(kind: str, reading: list[str], item: Item | None = None) -> ItemForm:
    """Build the form for `kind` in the node's languages (and any the item is written in)."""
    base = FORMS[kind]
    langmaps = [getattr(item, s.name) for s in base.text_specs] if item else []
    tags = choices.languages(*langmaps, extra=item.language if item else None)
    form_class = base.for_languages(tags)
    form = form_class.showing(form_class.prefill(item)) if item else form_class()
    return form.setup(reading, item)
