"""What goes wrong with a source as a whole (nothing is written) or with one record."""

from __future__ import annotations


class SourceError(Exception):
    """The source cannot be imported at all: a one-line reason for the admin."""


class Refused(Exception):
    """One record cannot be imported; the others go on."""
