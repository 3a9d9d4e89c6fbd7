"""Words as the index sees them: accents folded, lowercased, stemmed per language.

FTS5 has no French stemmer, so the SQLite index holds stems computed here, and the query
is stemmed the same way. We chose `snowballstemmer`: the Snowball algorithms PostgreSQL's
`french` and `english` configurations also use, pure Python (it uses PyStemmer's C code
when that is installed), well kept, no build step. Accents are folded *before* stemming
so that "mobilités", "Mobilité" and "mobilite" give one stem ("mobilit") whichever way a
person typed them; PostgreSQL is given the same folded text (`unaccent` may not be
installed). Stems are cached: the inbox worker indexes about 2,000 copies a second, and
the same few thousand words come back again and again.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import snowballstemmer

# Word characters as FTS5's unicode61 tokenizer sees them (letters and digits, no "_"),
# so that a stem we index is exactly one FTS5 token.
WORD = re.compile(r"[^\W_]+")
# The languages we stem; other texts are indexed folded but unstemmed.
STEMMED = ("fr", "en")
_STEMMERS = {"fr": snowballstemmer.stemmer("french"), "en": snowballstemmer.stemmer("english")}
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_ASCII = re.compile(r"[\x00-\x7f]*")


def fold(text: str) -> str:
    """Lowercase `text` and take the accents off its letters ("Énergie" -> "energie")."""
    if _ASCII.fullmatch(text):
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize("NFC", _COMBINING.sub("", decomposed)).lower()


def base_language(tag: str) -> str:
    """Return the stemmed language of a tag ("fr-CA" -> "fr"), or "" when we stem none."""
    lang = tag.split("-", 1)[0].lower()
    return lang if lang in _STEMMERS else ""


# Stems already computed, per language: a dict lookup costs a tenth of a Snowball run.
_CACHE: dict[str, dict[str, str]] = {lang: {} for lang in _STEMMERS}
CACHE_SIZE = 200_000  # words per language; the cache starts again past it


def stem(word: str, lang: str) -> str:
    """Return the stem of a folded word in a language ("" for none: the word itself)."""
    cache = _CACHE.get(lang)
    if cache is None:
        return word
    found = cache.get(word)
    if found is None:
        if len(cache) >= CACHE_SIZE:
            cache.clear()
        found = cache[word] = _STEMMERS[lang].stemWord(word)
    return found


def clear_cache() -> None:
    """Forget every stem computed (for measurements)."""
    for cache in _CACHE.values():
        cache.clear()


def words(text: str) -> list[str]:
    """Split text into folded words."""
    return WORD.findall(fold(text))


def stems(text: str, lang: str) -> list[str]:
    """Return the stems of a text written in `lang` (a base language or "")."""
    found = words(text)
    cache = _CACHE.get(lang)
    if cache is None:
        return found
    get = cache.get
    return [get(w) or stem(w, lang) for w in found]


def number_forms(word: str) -> tuple[str, ...]:
    """The word in the other grammatical number, as French writes it ("velos" <-> "velo").

    French Snowball keeps a final "s" after a vowel ("vélos" stems to "velos", "vélo" to
    "velo"), so a query asks for the other number too; the index is left as it is.
    """
    if len(word) > 3 and word[-1] in "sx":
        return (word[:-1],)
    return (word + "s",) if len(word) > 2 and not word.isdigit() else ()


def variants(word: str) -> tuple[str, ...]:
    """Every form a folded word of a query may take in the index: French, English, none,
    and the French stem of its other number."""
    forms = [stem(word, "fr"), stem(word, "en"), word]
    forms += [stem(other, "fr") for other in number_forms(word)]
    return tuple(dict.fromkeys(forms))


def langmap_stems(values: Iterable[dict[str, str]]) -> str:
    """Return the stems of multilingual texts, each in its language, as one string."""
    out: list[str] = []
    for value in values:
        for tag, text in (value or {}).items():
            if text:
                out += stems(text, base_language(tag))
    return " ".join(out)
