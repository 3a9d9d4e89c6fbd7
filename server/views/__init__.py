"""Blueprints, one per feature, and the error pages every one of them shares."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from server.views import (
        account,
        activitypub,
        admin,
        api,
        errors,
        items,
        pages,
        vocabulary,
        wellknown,
    )

    for module in (pages, items, account, admin, vocabulary, wellknown, api, activitypub):
        app.register_blueprint(module.bp)
    errors.init_app(app)
