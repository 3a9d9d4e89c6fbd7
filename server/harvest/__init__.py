"""Harvesting: every node is a first-class linked-data publisher.

- `dataset`: the consent rules and the RDF each resource publishes.
- `records`, `rebuild`: rendered records kept in step with every change (session events).
- `dumps`: snapshot files (N-Triples, gzipped N-Triples, Turtle, JSON-LD) and `commons dump`.
- `index`, `owner`, `results`: the SPARQL index process and the SPARQL 1.1 Protocol.
- `oai`, `feeds`, `sitemap`, `void`: OAI-PMH 2.0, Atom/RSS, sitemaps, VoID + DCAT-AP.
- `jobs`, `commands`: the background job and the `dump`/`reindex` commands.
"""
