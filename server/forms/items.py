"""Forms for experiences, guiding principles and resources, read into typed vocab objects.

A form field carries the name of the item's column it fills ("title", "period_start"), so
that showing an item and reading a submission go through `Item`'s one map of fields;
references are chosen by id under the names of `REFERENCE_FIELDS`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from sqlalchemy import select
from wtforms import BooleanField, StringField
from wtforms.validators import Length, Optional, ValidationError

from server.extensions import db
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
from server.models.item import CONTENT
from server.services.validation import MAX_SUMMARY, MAX_TEXT, MAX_TITLE
from vocab import kinds, objects

MARKDOWN_HELP = _l(
    "Markdown: a blank line between paragraphs, **bold**, *italics*, [text](address)."
)

TITLE = TextSpec("title", _l("Title"), MAX_TITLE, required=True)
SUMMARY = TextSpec("summary", _l("Summary"), MAX_SUMMARY, multiline=True)
# An object's reference field -> the form field choosing its rows by id.
REFERENCE_FIELDS = {
    "themes": "theme_ids",
    "territories": "territory_ids",
    "derived_from": "derived_from_ids",
}


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
        """Return form data showing an item's current values (fields named after columns)."""
        data: dict[str, Any] = {c.column: getattr(item, c.column) for c in CONTENT[item.kind]}
        data.update(cls.text_data(**{s.name: data.pop(s.name) for s in cls.text_specs}))
        for name, form_name in REFERENCE_FIELDS.items():
            if hasattr(cls, form_name):
                data[form_name] = [str(row.id) for row in getattr(item, name)]
        return data

    def to_object(self) -> objects.Item:
        """Read the submission into the typed object of the form's kind, for the services.

        The id and author are left empty: the services give the item this node's.
        """
        kind = kinds.by_name(self.kind)
        texts = {spec.name for spec in self.text_specs}
        values: dict[str, Any] = {}
        for content in CONTENT[kind.name]:
            if content.column in texts:
                values[content.field] = self.texts(content.column)
            elif content.column in self._fields:
                values[content.field] = content.to_field(self[content.column].data)
        for name, form_name in REFERENCE_FIELDS.items():
            if form_name in self._fields:
                values[name] = _refs(name, self[form_name].ids())
        return kind.cls(id="", attributed_to="", **values)

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

    def validate_period_end(self, field) -> None:
        if field.data and self.period_start.data and field.data < self.period_start.data:
            raise ValidationError(_l("The end of the period comes before its start."))


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

    def validate_resource_url(self, field) -> None:
        if field.data and not is_web_address(field.data.strip()):
            raise ValidationError(_l("Give a web address starting with http:// or https://."))


FORMS: dict[str, type[ItemForm]] = {
    form.kind: form for form in (ExperienceForm, PrincipleForm, ResourceForm)
}


def _refs(name: str, ids: list[int]) -> list[objects.Ref]:
    """Return references to the rows of a reference field chosen by id."""
    if not ids:
        return []
    model = Item.__mapper__.relationships[name].mapper.class_
    rows = db.session.scalars(select(model).where(model.id.in_(sorted(set(ids)))))
    return [objects.Ref(row.iri) for row in rows]


def item_form(kind: str, reading: list[str], item: Item | None = None) -> ItemForm:
    """Build the form for `kind` in the node's languages (and any the item is written in)."""
    base = FORMS[kind]
    langmaps = [getattr(item, s.name) for s in base.text_specs] if item else []
    tags = choices.languages(*langmaps, extra=item.language if item else None)
    form_class = base.for_languages(tags)
    form = form_class.showing(form_class.prefill(item)) if item else form_class()
    return form.setup(reading, item)
