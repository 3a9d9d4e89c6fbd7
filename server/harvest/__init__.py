"""Harvesting: every node is a first-class linked-data publisher.

- `dataset`, `dublincore`: the consent rules, and what each resource publishes.
- `records`, `rebuild`: rendered records kept in step with every change (session events,
  listened to from `create_app`).
- `dumps`: snapshot files (N-Triples, gzipped N-Triples, Turtle, JSON-LD) and `commons dump`.
- `sparql_protocol`: the SPARQL 1.1 Protocol's side of a request; the index process that
  answers the queries is its own package, `server.sparql`.
- `oai`, `feeds`, `sitemap`, `void`: OAI-PMH 2.0, Atom/RSS, sitemaps, VoID + DCAT-AP.
- `jobs`, `commands`: the background job, `commons dump` and `commons reindex`.
"""
