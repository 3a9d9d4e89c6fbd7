"""Field checks shared by every service: language tags, URLs, text lengths."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l

# BCP 47 language tags as people use them: "fr", "en-GB", "oc-aranes", "zh-Hant-TW".
LANGUAGE_TAG = re.compile(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$")

MAX_TITLE = 300
MAX_SUMMARY = 2_000
MAX_TEXT = 100_000
MAX_NAME = 200


def check_language(tag: str, errors: dict[str, str], field: str = "language") -> None:
    if not tag or not LANGUAGE_TAG.match(tag):
        errors[field] = str(_l("Give a language tag such as “fr” or “en”."))


def check_url(url: str | None, errors: dict[str, str], field: str) -> None:
    if not url:
        return
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc or len(url) > 1000:
        errors[field] = str(_l("Give a web address starting with http:// or https://."))


def check_langmap(
    texts: dict[str, str],
    errors: dict[str, str],
    field: str,
    max_length: int,
    required: bool = False,
) -> None:
    for lang, text in texts.items():
        check_language(lang, errors, field)
        if len(text) > max_length:
            errors[field] = str(
                _l("This text is too long (at most %(n)s characters).", n=max_length)
            )
    if required and not any(text.strip() for text in texts.values()):
        errors[field] = str(_l("This field is required."))


def check_names(names: list[str], errors: dict[str, str], field: str) -> None:
    if any(len(name) > MAX_NAME for name in names):
        errors[field] = str(_l("Each name must be at most %(n)s characters.", n=MAX_NAME))


def clean_langmap(texts: dict[str, str] | None) -> dict[str, str]:
    """Drop empty languages and surrounding blanks."""
    return {
        lang.strip(): text.strip() for lang, text in (texts or {}).items() if text and text.strip()
    }
