"""The SPARQL index process: plain code, neither Flask nor our models.

- `owner`: the process that holds the dataset in memory and forks the query workers.
- `replica`: its in-memory copy, kept in step with the `harvest_change` log.
- `results`: one query run within a result cap, its results serialised.
- `client`: what a web process uses to ask the owner (and to start it when none runs).

The SPARQL 1.1 Protocol's HTTP side (`server.harvest.sparql_protocol`) and the endpoint
(`server.views.harvest`) stay with the publishing formats.
"""
