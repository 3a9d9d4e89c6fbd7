"""Blueprints, one per feature, and the error pages every one of them shares."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from server.views import (
        account,
        activitypub,
        admin,
        api,
        atlas,
        display,
        errors,
        federation_admin,
        harvest,
        inbox,
        items,
        maps,
        me,
        membership,
        moderation,
        pages,
        rate_limits,
        search,
        vocabulary,
        wellknown,
    )

    for module in (
        pages,
        items,
        account,
        membership,
        me,
        admin,
        federation_admin,
        moderation,
        vocabulary,
        wellknown,
        api,
        activitypub,
        harvest,
        search,
    ):
        app.register_blueprint(module.bp)
    # Finding: the relational atlas and the maps.
    for module in (atlas, maps):
        app.register_blueprint(module.bp)
    display.init_app(app)  # the helpers every template uses
    errors.init_app(app)
    rate_limits.init_app(app)  # 429s for the views marked @limited(group)
    inbox.init_app(app)
