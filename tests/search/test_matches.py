"""The matches of a search are kept per search: a second search in the same transaction,
or after a commit, finds what it finds alone."""

from __future__ import annotations

from server.extensions import db
from server.search import Query, search
from tests.search.conftest import add_item


def _found(results) -> tuple[int, list[str], dict[str, int]]:
    titles = [next(iter(hit.item.title.values())) for hit in results.hits]
    kinds = {value.value: value.count for value in results.facets["kind"]}
    return results.total, titles, kinds


def test_searches_in_one_transaction_and_after_a_commit(node):
    add_item(node, "experience", "Vélo partagé", summary={"fr": "Un vélo pour tous."})
    add_item(node, "resource", "Guide du vélo", summary={"fr": "Réparer son vélo."})
    add_item(node, "principle", "Eau commune", summary={"fr": "L'eau est un commun."})
    with node.app_context():
        alone = {text: _found(search(Query(text=text))) for text in ("vélo", "eau")}
    assert alone["vélo"][0] == 2 and alone["eau"][0] == 1
    with node.app_context():
        assert _found(search(Query(text="vélo"))) == alone["vélo"]
        assert _found(search(Query(text="eau"))) == alone["eau"]  # same transaction
        db.session.commit()
        assert _found(search(Query(text="vélo"))) == alone["vélo"]  # after a commit
        assert _found(search(Query(text="eau", sort="date"))) == alone["eau"]
