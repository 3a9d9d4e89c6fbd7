"""Fill the English catalogue: the source strings are English, so each msgstr is its msgid.

Run after `pybabel update`, from the repository root: python server/translations/fill_en.py
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po, write_po

PO = Path(__file__).parent / "en" / "LC_MESSAGES" / "messages.po"


def main() -> None:
    with PO.open("rb") as source:
        catalog = read_po(source, locale="en")
    for message in catalog:
        if message.id:
            message.string = message.id
            message.flags.discard("fuzzy")
    catalog.fuzzy = False
    with PO.open("wb") as target:
        write_po(target, catalog, width=0, ignore_obsolete=True)


if __name__ == "__main__":
    main()
