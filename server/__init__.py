"""The Flask application of a commons node."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from server.config import Settings, load_secret_key, tile_host
from server.extensions import babel, csrf, db, login_manager, migrate

MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")


def create_app(config: Settings | dict[str, Any] | None = None) -> Flask:
    """Build a node application from settings (the environment when none are given)."""
    settings = _settings(config)
    app = Flask(__name__, instance_path=str(settings.data_dir.resolve()))
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    app.config.update(
        SETTINGS=settings,
        SECRET_KEY=settings.secret_key or load_secret_key(settings.data_dir),
        SQLALCHEMY_DATABASE_URI=settings.database_url,
        SQLALCHEMY_ENGINE_OPTIONS=_engine_options(settings),
        MAX_CONTENT_LENGTH=settings.max_upload_bytes + 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.base_url.startswith("https://"),
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,
        BABEL_DEFAULT_LOCALE="fr",
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
        JSON_SORT_KEYS=False,
    )
    if isinstance(config, dict):
        app.config.update({k: v for k, v in config.items() if k.isupper()})

    db.init_app(app)
    from server.models.base import use_sqlite_pragmas

    with app.app_context():
        use_sqlite_pragmas(db.engine)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)
    csrf.init_app(app)

    from server import auth, i18n, views
    from server.harvest import records
    from server.search import listener as search_listener

    # Every process that builds the app (web, worker, CLI) keeps harvest records current.
    records.listen()
    search_listener.listen()
    policy = content_security_policy(settings)
    app.after_request(lambda response: _security_headers(response, policy))
    login_manager.init_app(app)
    auth.init_app(app)
    i18n.init_app(app, babel)
    views.init_app(app)
    _operations(app, settings)
    # Outermost, so every part of the application (the inbox endpoint too) sees the
    # public scheme, host and path.
    if settings.trusted_proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app,
            x_for=settings.trusted_proxies,
            x_proto=settings.trusted_proxies,
            x_host=settings.trusted_proxies,
            x_port=settings.trusted_proxies,
        )
    return app


def _operations(app: Flask, settings: Settings) -> None:
    """/healthz and /metrics, request ids and request metrics (server/ops)."""
    from server.ops import requests as ops_requests
    from server.views import ops as ops_views

    app.register_blueprint(ops_views.bp)
    if settings.metrics:
        from server.ops.metrics import watch_pool

        with app.app_context():
            watch_pool(db.engine)
    ops_requests.init_app(app, metrics=settings.metrics)  # around the inbox endpoint too


def content_security_policy(settings: Settings) -> str:
    """Return the policy: nothing from elsewhere but the map tiles, and those as images only.

    No script, style, font or frame from another origin.
    """
    images = "'self' data:"
    if settings.map_tiles != "none":
        images += " " + tile_host(settings.map_tiles)
    return (
        f"default-src 'self'; img-src {images}; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )


def _security_headers(response, policy: str):
    response.headers.setdefault("Content-Security-Policy", policy)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    return response


def _settings(config: Settings | dict[str, Any] | None) -> Settings:
    if isinstance(config, Settings):
        return config.resolved()
    settings = Settings.from_env()
    if isinstance(config, dict):
        for key, value in config.items():
            if not key.isupper():
                setattr(settings, key, Path(value) if key == "data_dir" else value)
        if "database_url" not in config and "data_dir" in config:
            settings.database_url = ""
        settings = settings.resolved()
    return settings


def _engine_options(settings: Settings) -> dict[str, Any]:
    from server.models.base import json_text, parse_json

    json_options = {"json_serializer": json_text, "json_deserializer": parse_json}
    if settings.is_sqlite:
        # Several gunicorn processes and a worker share one SQLite file: wait for locks
        # rather than failing, and use WAL (`use_sqlite_pragmas`) so readers never block.
        return {"connect_args": {"timeout": 30}, **json_options}
    return {"pool_pre_ping": True, **json_options}
