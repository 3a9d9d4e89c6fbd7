"""Form fields whose every message is ours, so that each one is translated."""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import ValidationError
from wtforms.widgets import DateInput

MAX_LINES = 200
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def is_web_address(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in {"http", "https"} and bool(parts.netloc) and len(url) <= 1000


class ChoiceField(SelectField):
    """A select whose values are strings; anything not offered is refused politely."""

    def process_formdata(self, valuelist: list[str]) -> None:
        if valuelist:
            self.data = valuelist[0]

    def pre_validate(self, form) -> None:
        if self.data not in {str(value) for value, _label in self.choices or []}:
            raise ValidationError(_l("Choose a value from the list."))


class MultiChoiceField(SelectMultipleField):
    """Several values among those offered (ids as strings)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("description", _l("Hold Ctrl (or Cmd) to choose several."))
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = list(dict.fromkeys(valuelist))

    def pre_validate(self, form) -> None:
        offered = {str(value) for value, _label in self.choices or []}
        if any(value not in offered for value in self.data or []):
            raise ValidationError(_l("Choose values from the list."))

    def ids(self) -> list[int]:
        return [int(value) for value in self.data or [] if value.isdigit()]


class LinesField(TextAreaField):
    """A text area read as one entry per line (names, organisations, addresses)."""

    def __init__(self, *args, max_lines: int = MAX_LINES, max_length: int = 200, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.max_lines = max_lines
        self.max_length = max_length

    def process_formdata(self, valuelist: list[str]) -> None:
        if valuelist:
            self.data = [line.strip() for line in valuelist[0].splitlines() if line.strip()]

    def process_data(self, value) -> None:
        self.data = list(value or [])

    def _value(self) -> str:
        return "\n".join(self.data or [])

    def pre_validate(self, form) -> None:
        if len(self.data or []) > self.max_lines:
            raise ValidationError(_l("Give at most %(n)s lines.", n=self.max_lines))
        if any(len(line) > self.max_length for line in self.data or []):
            raise ValidationError(
                _l("Each line must be at most %(n)s characters.", n=self.max_length)
            )


class UrlLinesField(LinesField):
    """One web address per line."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("max_length", 1000)
        super().__init__(*args, **kwargs)

    def pre_validate(self, form) -> None:
        super().pre_validate(form)
        for number, line in enumerate(self.data or [], start=1):
            if not is_web_address(line):
                raise ValidationError(
                    _l(
                        "Line %(n)s: give a web address starting with http:// or https://.",
                        n=number,
                    )
                )


class LinksField(LinesField):
    """Links as lines of "URL label"; `data` is a list of {"href", "name"}."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("max_length", 1200)
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        super().process_formdata(valuelist)
        links = []
        for line in self.data or []:
            href, _, name = line.partition(" ")
            links.append({"href": href.strip(), "name": name.strip()})
        self.data = links

    def _value(self) -> str:
        return "\n".join(
            f"{link['href']} {link.get('name', '')}".strip() for link in self.data or []
        )

    def pre_validate(self, form) -> None:
        if len(self.data or []) > self.max_lines:
            raise ValidationError(_l("Give at most %(n)s lines.", n=self.max_lines))
        for number, link in enumerate(self.data or [], start=1):
            if not is_web_address(link["href"]) or len(link["name"]) > 200:
                raise ValidationError(
                    _l(
                        "Line %(n)s: give a web address starting with http:// or https://.",
                        n=number,
                    )
                )


class IsoDateField(StringField):
    """A date typed or picked as YYYY-MM-DD; empty means none."""

    widget = DateInput()

    def process_formdata(self, valuelist: list[str]) -> None:
        raw = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if raw:
            try:
                if not ISO_DATE.match(raw):
                    raise ValueError(raw)
                self.data = datetime.strptime(raw, "%Y-%m-%d").date()
            except ValueError:
                raise ValueError(_l("Give a date as YYYY-MM-DD, such as 2024-03-31.")) from None

    def process_data(self, value) -> None:
        self.data = value if isinstance(value, date) else None

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return self.data.isoformat() if self.data else ""


class NumberField(StringField):
    """A decimal number such as a latitude; a comma is accepted as decimal mark."""

    def process_formdata(self, valuelist: list[str]) -> None:
        raw = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if raw:
            try:
                value = float(raw.replace(",", "."))
            except ValueError:
                value = math.nan
            if not math.isfinite(value) or len(raw) > 40:
                raise ValueError(_l("Give a number, such as 50.43."))
            self.data = value

    def process_data(self, value) -> None:
        self.data = value

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else repr(self.data)
