"""Forms with one set of text fields per language, and service errors shown on fields."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import Field, StringField, TextAreaField
from wtforms.validators import Length, Optional

from server.forms.choices import language_name

SUBMIT_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def lang_key(tag: str) -> str:
    """Make a language tag usable in a field name ("en-GB" -> "en_gb")."""
    return tag.lower().replace("-", "_")


def too_long(n: int):
    return _l("This text is too long (at most %(n)s characters).", n=n)


@dataclass(frozen=True)
class TextSpec:
    """A text that can be written in several languages: one field per language."""

    name: str
    label: Any
    max_length: int
    multiline: bool = False
    markdown: bool = False
    required: bool = False
    description: Any = ""

    def make(self, lang: str) -> Field:
        field_class = TextAreaField if self.multiline else StringField
        render_kw: dict[str, Any] = {"lang": lang, "maxlength": self.max_length}
        if self.multiline:
            render_kw["rows"] = 12 if self.markdown else 4
        return field_class(
            self.label,
            validators=[Optional(), Length(max=self.max_length, message=too_long(self.max_length))],
            description=self.description,
            render_kw=render_kw,
        )


# Control characters other than tab and line breaks: never meant, and PostgreSQL refuses NUL.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class CleanForm(FlaskForm):
    """A form that drops control characters from everything typed before reading it."""

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            data = super().wrap_formdata(form, formdata)
            if data is None:
                return None
            return MultiDict(
                [
                    (key, CONTROL.sub("", value) if isinstance(value, str) else value)
                    for key, value in data.items(multi=True)
                ]
            )

    def show_errors(self, errors: dict[str, str]) -> None:
        """Show a service's errors next to the fields they name, the rest above the form."""
        for key, message in errors.items():
            field = self._fields.get(key)
            if field is None:
                self.form_errors.append(message)
            else:
                field.errors = [*field.errors, message]


_classes: dict[tuple[type, tuple[str, ...]], type] = {}


class MultilingualForm(CleanForm):
    """A form whose `text_specs` are repeated for each language of `text_languages`."""

    text_specs: ClassVar[tuple[TextSpec, ...]] = ()
    text_languages: ClassVar[tuple[str, ...]] = ()
    # Service error keys that name a field differently than the form does.
    error_aliases: ClassVar[dict[str, str]] = {}
    # Fields the page shows before the language sections.
    leading_fields: ClassVar[tuple[str, ...]] = ("csrf_token", "name", "language", "license")

    @classmethod
    def for_languages(cls, languages: list[str]) -> type[MultilingualForm]:
        """Return (and remember) the subclass with text fields for these languages."""
        key = (cls, tuple(languages))
        if key not in _classes:
            attrs: dict[str, Any] = {"text_languages": tuple(languages)}
            for spec in cls.text_specs:
                for lang in languages:
                    attrs[f"{spec.name}_{lang_key(lang)}"] = spec.make(lang)
            _classes[key] = type(cls.__name__, (cls,), attrs)
        return _classes[key]

    @classmethod
    def showing(cls, data: dict[str, Any]) -> MultilingualForm:
        """Build the form showing saved values, unless a submission is being read.

        A submission stands on its own: a field it leaves out is empty, not the saved value.
        """
        if request.method in SUBMIT_METHODS:
            return cls()
        return cls(data=data)

    @classmethod
    def text_data(cls, **langmaps: dict[str, str] | None) -> dict[str, str]:
        """Spread language maps into per-language field values, for prefilling."""
        data = {}
        for name, langmap in langmaps.items():
            for lang, text in (langmap or {}).items():
                data[f"{name}_{lang_key(lang)}"] = text
        return data

    def sections(self) -> list[tuple[str, str, list[Field]]]:
        """Return (tag, language name, fields) for each language, in order."""
        return [
            (
                lang,
                language_name(lang),
                [self[f"{s.name}_{lang_key(lang)}"] for s in self.text_specs],
            )
            for lang in self.text_languages
        ]

    def ordered_fields(self) -> list[Field]:
        """Return the fields in the order the page shows them: texts after `leading_fields`."""
        texts = [field for _tag, _name, fields in self.sections() for field in fields]
        text_names = {field.name for field in texts}
        others = [field for field in self if field.name not in text_names]
        lead = [field for field in others if field.name in self.leading_fields]
        rest = [field for field in others if field.name not in self.leading_fields]
        return lead + texts + rest

    def texts(self, name: str) -> dict[str, str]:
        """Return one text in every language it was given in."""
        found = {}
        for lang in self.text_languages:
            value = self[f"{name}_{lang_key(lang)}"].data
            if value and value.strip():
                found[lang] = value
        return found

    def main_language(self) -> str:
        chosen = getattr(self, "language", None)
        if chosen is not None and chosen.data in self.text_languages:
            return chosen.data
        return self.text_languages[0]

    def text_field(self, name: str) -> Field:
        """Return the main language's field for a multilingual text."""
        return self[f"{name}_{lang_key(self.main_language())}"]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for spec in self.text_specs:
            if spec.required and not self.texts(spec.name):
                field = self.text_field(spec.name)
                field.errors = [*field.errors, _l("This field is required.")]
                valid = False
        return valid

    def add_errors(self, errors: dict[str, str], fallback: str = "") -> None:
        """Show a service's errors next to the fields they concern."""
        names = {spec.name for spec in self.text_specs}
        for key, message in errors.items():
            key = self.error_aliases.get(key, key)
            field = self.text_field(key) if key in names else self._fields.get(key)
            if field is None:
                self.form_errors.append(message)
            else:
                field.errors = [*field.errors, message]
        if not errors and fallback:
            self.form_errors.append(fallback)

    def error_count(self) -> int:
        return len(self.form_errors) + sum(len(f.errors) for f in self if f.errors)
