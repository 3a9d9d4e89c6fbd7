"""Bring an existing resource centre in: CSV, RSS/Atom, OAI-PMH and RDF sources.

Readers (csvfile, feeds, oai, rdf) turn a source into neutral `Record`s (records.py);
mapping.py matches their subjects and places to themes and territories; run.py writes them
as items, one small batch per transaction, idempotently (models/imports.py); commands.py is
`commons import`, jobs.py the worker job behind the admin page (views/admin_import.py).
"""
