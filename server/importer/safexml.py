"""XML from outside is parsed only after this check: no DTD entities, no external ones.

feedparser turns off external entities in its SAX parser but still expands internal ones
(a "billion laughs" bomb), and Sickle's lxml parser recovers from broken markup; so every
feed and OAI-PMH page goes through defusedxml first, which refuses both outright.
"""

from __future__ import annotations

from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from server.importer.errors import SourceError


def check_xml(data: bytes, what: str = "the document") -> None:
    """Raise SourceError unless `data` is well-formed XML without entity declarations."""
    try:
        fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise SourceError(
            f"{what} declares XML entities ({type(exc).__name__}): refused, as an entity "
            "can expand without end or read files"
        ) from None
    except ParseError as exc:
        raise SourceError(f"{what} is not well-formed XML ({exc})") from None
