"""Harvesting: every node is a first-class linked-data publisher.

- `dataset`, `dublincore`: the consent rules, and what each resource publishes.
- `records`, `rebuild`: rendered records kept in step with every change (session events).
- `dumps`: snapshot files (N-Triples, gzipped N-Triples, Turtle, JSON-LD) and `commons dump`.
- `index`, `owner`, `replica`, `results`, `sparql`: the SPARQL index and the SPARQL Protocol.
- `oai`, `feeds`, `sitemap`, `void`: OAI-PMH 2.0, Atom/RSS, sitemaps, VoID + DCAT-AP.
- `jobs`, `commands`: the background job, `commons dump` and `commons reindex`.
"""
