"""An admin backs a node up, restores it onto an empty node, and moves it to PostgreSQL."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import select

from server.extensions import db
from tests.backup.helpers import (
    database,
    node_app,
    postgres_url,
    run,
    scalar,
    scalars,
)


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A node on the suite's database, with the demo content, one uploaded file, a place
    whose parent was added after it, and the backup an admin took of it."""
    from server.models import Item, Territory
    from server.services.uploads import attach_file

    tmp = tmp_path_factory.mktemp("source")
    url = database("test", "source", tmp / "db")
    app = node_app(tmp / "data", url)
    assert run(app, "init").exit_code == 0
    assert run(app, "seed-demo").exit_code == 0
    with app.app_context():
        item = db.session.scalars(select(Item).order_by(Item.id)).first()
        attach_file(item, "notes.txt", io.BytesIO(b"Notes of the first meeting\n"))
        hamlet = Territory(slug="hameau", iri="http://node.test/t/hameau", name={"fr": "Hameau"})
        db.session.add(hamlet)
        db.session.flush()
        hamlet.parent = Territory(slug="canton", iri="http://node.test/t/canton", name={"fr": "X"})
        db.session.commit()
    archive = tmp / "node.tar.gz"
    result = run(app, "backup", str(archive))
    assert result.exit_code == 0, result.output
    return app, url, archive


def _jsonld(app, iri: str) -> dict:
    path = iri.removeprefix("http://node.test")
    response = app.test_client().get(path, headers={"Accept": "application/activity+json"})
    assert response.status_code == 200, path
    return response.get_json()


def _target(tmp_path: Path, kind: str):
    if kind == "postgresql" and not postgres_url():
        pytest.skip("no PostgreSQL (set COMMONS_TEST_DATABASE_URL or COMMONS_TEST_POSTGRES_URL)")
    url = database(kind, f"target_{kind}", tmp_path / "db")
    return node_app(tmp_path / "restored", url), url


@pytest.mark.parametrize("kind", ["test", "sqlite", "postgresql"])
def test_a_restored_node_has_the_same_items_keys_and_files(source, tmp_path, kind):
    """Restored into an empty node on the same or the other database, the node serves the
    same JSON-LD, signs with the same key, finds by search and keeps its uploads."""
    from server.models import Actor, Attachment, Item, Territory
    from server.services.uploads import stored_path

    app, source_url, archive = source
    target, url = _target(tmp_path, kind)

    result = run(target, "restore", str(archive))

    assert result.exit_code == 0, result.output
    assert "counts checked" in result.output
    manifest = _manifest(archive)
    restored_entry = {"audit_entry": 1}  # the restore itself is in the audit log
    for table, count in manifest["counts"].items():
        expected = count + restored_entry.get(table, 0)
        assert scalar(url, f'SELECT count(*) FROM "{table}"') == expected, table
    assert scalar(url, "SELECT action FROM audit_entry ORDER BY id DESC LIMIT 1") == "data.restore"
    with app.app_context():
        iris = db.session.scalars(select(Item.iri).order_by(Item.id).limit(5)).all()
        key = Actor.local().private_key_pem
    for iri in iris:
        assert _jsonld(target, iri) == _jsonld(app, iri)
    with target.app_context():
        assert Actor.local().private_key_pem == key
        attachment = db.session.scalars(select(Attachment)).one()
        assert stored_path(attachment).read_bytes() == b"Notes of the first meeting\n"
        hamlet = db.session.scalars(select(Territory).where(Territory.slug == "hameau")).one()
        assert hamlet.parent.slug == "canton" and hamlet.parent.id > hamlet.id
    page = target.test_client().get("/search?q=énergie", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert scalar(url, "SELECT count(*) FROM search_index") > 0


def test_a_new_item_after_restore_gets_a_new_id(source, tmp_path):
    """On PostgreSQL the sequences move past the restored ids: the next item is written."""
    from server.models import Item

    _, _, archive = source
    target, url = _target(tmp_path, "test")
    assert run(target, "restore", str(archive)).exit_code == 0
    before = scalar(url, "SELECT max(id) FROM item")
    with target.app_context():
        item = db.session.scalars(select(Item).order_by(Item.id)).first()
        db.session.expunge(item)
        from sqlalchemy.orm import make_transient

        make_transient(item)
        item.id = None
        item.iri = item.iri + "-copy"
        item.slug = item.slug + "-copy"
        db.session.add(item)
        db.session.commit()
    assert scalar(url, "SELECT max(id) FROM item") == before + 1


def _manifest(archive: Path) -> dict:
    with tarfile.open(archive) as tar:
        return json.loads(tar.extractfile("manifest.json").read())


def test_migrate_database_copies_the_node_into_an_empty_database(source, tmp_path):
    """The move to PostgreSQL (or, on a PostgreSQL run, back to SQLite) in one command."""
    app, source_url, archive = source
    kind = "postgresql" if postgres_url() and source_url.startswith("sqlite") else "sqlite"
    url = database(kind, "moved", tmp_path / "db")

    result = run(app, "migrate-database", url)

    assert result.exit_code == 0, result.output
    assert "counts checked" in result.output
    # The audit log has two entries more than the archive: the backup that made it, and the move.
    later = {"audit_entry": 2}
    for table, count in _manifest(archive)["counts"].items():
        assert scalar(url, f'SELECT count(*) FROM "{table}"') == count + later.get(table, 0), table
    actions = "SELECT action FROM audit_entry ORDER BY id DESC LIMIT 2"
    assert scalars(url, actions) == ["data.migrate", "data.backup"]
    assert not [p for p in app.config["SETTINGS"].data_dir.iterdir() if p.name.startswith(".")]
    again = run(app, "migrate-database", url)
    assert again.exit_code != 0 and "is not empty" in again.stderr
