"""Simple Dublin Core (`oai_dc`) for items, rendered once when an item changes."""

from __future__ import annotations

import re
from xml.sax.saxutils import escape, quoteattr

from server.models import Item
from vocab.codec import origin_of

OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"

# DCMI Type vocabulary: every item is text; a resource may be something else.
_DCMI_TYPES = {"video": "MovingImage", "dataset": "Dataset", "tool": "Software"}
# Characters XML 1.0 forbids: content pasted from elsewhere sometimes carries them.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(value: str) -> str:
    """Escape text for XML, dropping characters XML 1.0 cannot carry."""
    return escape(_XML_INVALID.sub("", value))


def xml_attr(value: str) -> str:
    """Return a quoted, escaped XML attribute value."""
    return quoteattr(_XML_INVALID.sub("", value))


def _element(name: str, text: str, lang: str | None = None) -> str:
    lang_attr = f" xml:lang={xml_attr(lang)}" if lang and lang != "und" else ""
    return f"<dc:{name}{lang_attr}>{xml_text(text)}</dc:{name}>"


def _lang_elements(name: str, texts: dict[str, str]) -> list[str]:
    return [_element(name, text, lang) for lang, text in texts.items() if text]


def item_dc(item: Item, identifier: str, node_name: str) -> str:
    """Return the item as an `oai_dc:dc` element (our labels in every language we have)."""
    parts: list[str] = []
    parts += _lang_elements("title", item.title)
    creators = list(item.authors or []) or list(item.organisations or [])
    parts += [_element("creator", name) for name in creators]
    for theme in item.themes:
        parts += _lang_elements("subject", theme.pref_label)
    parts += _lang_elements("description", item.summary)
    publisher = node_name if item.actor.is_local else (item.actor.name or origin_of(item.iri))
    if publisher:
        parts.append(_element("publisher", publisher))
    parts += [_element("contributor", org) for org in item.organisations or [] if item.authors]
    if item.published_at:
        parts.append(_element("date", item.published_at.date().isoformat()))
    kind_type = (
        _DCMI_TYPES.get(item.resource_type or "", "Text") if item.kind == "resource" else "Text"
    )
    parts.append(_element("type", kind_type))
    parts.append(_element("type", item.kind))
    parts.append(_element("identifier", identifier))
    if item.kind == "resource" and item.resource_url:
        parts.append(_element("identifier", item.resource_url))
    parts.append(_element("language", item.language))
    for territory in item.territories:
        parts += _lang_elements("coverage", territory.name)
    if item.period_start or item.period_end:
        start = item.period_start.isoformat() if item.period_start else ""
        end = item.period_end.isoformat() if item.period_end else ""
        parts.append(_element("coverage", f"{start}/{end}"))
    if not item.actor.is_local:
        parts.append(_element("source", item.iri))
    parts += [_element("relation", source.iri) for source in item.derived_from]
    parts.append(_element("rights", item.license))
    return (
        f'<oai_dc:dc xmlns:oai_dc="{OAI_DC_NS}" xmlns:dc="{DC_NS}" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="{OAI_DC_NS} {OAI_DC_SCHEMA}">' + "".join(parts) + "</oai_dc:dc>"
    )
