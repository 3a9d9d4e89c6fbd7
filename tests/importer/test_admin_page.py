"""An admin imports a feed from the admin page: upload, preview, choose, run, watch."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from server.extensions import db
from server.importer.jobs import run_imports
from server.models import AuditEntry, ImportRun, Item, ItemStatus
from tests.conftest import csrf_token
from tests.importer.conftest import DATA


def _worker_pass(app) -> None:
    """What the background worker does on its next pass."""
    with app.app_context():
        while run_imports(app):
            pass
        db.session.remove()


def test_upload_preview_choose_and_run(admin_client, places):
    admin_client.get("/language/en")  # the interface in English (French by default)
    page = admin_client.get("/admin/import")
    assert page.status_code == 200 and "template-fr.csv" in page.text
    upload = {
        "csrf_token": csrf_token(page.text),
        "file": (io.BytesIO((DATA / "spip.rss").read_bytes()), "spip.rss"),
        "format": "",
        "kind": "",
    }
    queued = admin_client.post("/admin/import", data=upload, content_type="multipart/form-data")
    assert queued.status_code == 303
    waiting = admin_client.get(queued.location)
    assert "Waiting for the background worker" in waiting.text
    assert 'http-equiv="refresh"' in waiting.text  # the page polls until the run is done

    _worker_pass(places)
    preview = admin_client.get(queued.location)
    assert "Would be created: 2, updated: 0, skipped (unchanged): 0, refused: 1." in preview.text
    assert "entry 3" in preview.text and "no title" in preview.text
    assert "Cantines bio" in preview.text and "ALIMENTATION" in preview.text
    assert "Licence to confirm" in preview.text and "spip.php?article13" in preview.text
    with places.app_context():
        assert db.session.scalar(select(func.count(Item.id))) == 0
    # Map "ALIMENTATION" to a theme, create "Cantines bio", leave the others; publish.
    labels = {}
    for line in preview.text.split('name="name-')[1:]:
        index, rest = line.split('"', 1)
        labels[rest.split('value="', 1)[1].split('"', 1)[0]] = index
    choices = {f"name-{i}": label for label, i in labels.items()}
    choices[f"label-{labels['ALIMENTATION']}"] = "map:agri-food-systems"
    choices[f"label-{labels['Cantines bio']}"] = "create"
    run = admin_client.post(
        f"{queued.location}/run",
        data={"csrf_token": csrf_token(preview.text), "publish": "1", **choices},
    )
    assert run.status_code == 303
    _worker_pass(places)
    done = admin_client.get(run.location)
    assert "Created: 2, updated: 0, skipped (unchanged): 0, refused: 1." in done.text
    with places.app_context():
        regie = db.session.scalar(select(Item).where(Item.imported_from.like("%article12")))
        assert {t.label() for t in regie.themes} == {"Systèmes alimentaires", "Cantines bio"}
        assert regie.status == ItemStatus.PUBLISHED
        assert db.session.scalar(select(func.count(ImportRun.id))) == 2
        # The preview is not in the audit log; the import is, with who ran it and its counts.
        [(who, detail)] = db.session.execute(
            select(AuditEntry.who, AuditEntry.detail).where(AuditEntry.action == "data.import")
        ).all()
        assert (who, detail["created"], detail["refused"]) == ("admin@example.org", 2, 1)


def test_a_feed_that_is_not_xml_fails_with_its_reason(admin_client, node):
    """In French, the default language of the interface."""
    page = admin_client.get("/admin/import")
    data = {
        "csrf_token": csrf_token(page.text),
        "file": (io.BytesIO(b"not a feed"), "feed.rss"),
    }
    queued = admin_client.post("/admin/import", data=data, content_type="multipart/form-data")
    _worker_pass(node)
    failed = admin_client.get(queued.location)
    assert "rien n'a été écrit" in failed.text and "not well-formed XML" in failed.text


def test_the_csv_template_in_french_and_the_page_refuses_readers(admin_client, reader_client):
    french = admin_client.get("/admin/import/template-fr.csv")
    assert french.headers["Content-Type"].startswith("text/csv")
    assert french.text.startswith("identifiant,titre,résumé,texte")
    assert admin_client.get("/admin/import/template-xx.csv").status_code == 404
    assert reader_client.get("/admin/import").status_code in (302, 403)
