"""Harvest records stay current in any process that builds the app, whatever it imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Run in a fresh interpreter: the harvest views are replaced by a bare blueprint before
# anything of ours is imported, so the real `server.views.harvest` never loads; whatever
# keeps the records current must come from `create_app` itself (as in the worker and CLI).
SCRIPT = """
import json, sys, types
from flask import Blueprint

stub = types.ModuleType("server.views.harvest")
stub.bp = Blueprint("harvest", "server.views.harvest")
sys.modules["server.views.harvest"] = stub

from sqlalchemy import func, select
from server import create_app
from server.extensions import db
from server.models import Theme
from server.models.harvest import HarvestRecord
from server.services.node import initialise_node

app = create_app({"data_dir": sys.argv[1], "base_url": "http://wiring.test"})
with app.app_context():
    db.create_all()
    initialise_node()
    records = select(func.count(HarvestRecord.id)).where(HarvestRecord.kind == "theme")
    print(json.dumps({
        "themes": db.session.scalar(select(func.count(Theme.id))),
        "theme_records": db.session.scalar(records),
        "real_views_loaded": getattr(sys.modules["server.views.harvest"], "__file__", None),
    }))
"""


def test_an_app_from_create_app_keeps_records_without_the_harvest_views(tmp_path):
    """Given an app built without the harvest views, when themes are added, records follow."""
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "instance")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["real_views_loaded"] is None
    assert seen["themes"] > 0
    assert seen["theme_records"] == seen["themes"]
