"""The web interface: an app factory, one blueprint per area."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Engine

from commission.config import Settings, load_settings
from commission.db import make_engine, make_session_factory
from commission.resources import static_dir, templates_dir
from commission.workflow.machines import means

csrf = CSRFProtect()


def create_app(
    settings: Settings | None = None, *, engine: Engine | None = None, testing: bool = False,
    **overrides: Any,
) -> Flask:
    settings = settings or load_settings()
    app = Flask(
        "commission",
        template_folder=str(templates_dir()),
        static_folder=str(static_dir()),
        instance_path=str(settings.instance_path),
    )
    configure(app, settings, engine=engine, testing=testing, **overrides)
    # Before any blueprint: every <int:...> in a URL is bounded (out of range is a 404, never a 500).
    from commission.web.converters import IdConverter

    app.url_map.converters["int"] = IdConverter

    csrf.init_app(app)
    app.jinja_env.add_extension("jinja2.ext.do")
    # Templates ask the machines what a state means, never compare it by name.
    app.jinja_env.tests["tagged"] = means
    app.jinja_env.globals["tagged"] = means

    from commission.web import (
        admin,
        auth,
        cases,
        errors,
        hearings,
        i18n,
        letters,
        main,
        places,
        shell,
        stock,
        treasury,
        unit,
    )

    i18n.init_app(app)
    from commission.web import proxies

    proxies.init_app(app)  # the client's address and scheme, from the trusted proxies only
    shell.init_app(app)
    unit.init_app(app)  # after shell: its commit runs before the security headers are set on the answer
    errors.init_app(app)
    for blueprint in (auth.bp, main.bp, cases.bp, hearings.bp, letters.bp, admin.bp, places.bp, treasury.bp,
                      stock.bp):
        app.register_blueprint(blueprint)
    from commission.web import followup

    app.register_blueprint(followup.bp)
    from commission.web import contribution_settings

    app.register_blueprint(contribution_settings.bp)
    from commission.web import outbox

    app.register_blueprint(outbox.bp)
    from commission.web import dashboard

    app.register_blueprint(dashboard.bp)
    from commission.web import access_review

    app.register_blueprint(access_review.bp)
    from commission.web import persons

    app.register_blueprint(persons.bp)
    from commission.web import hearing_day

    app.register_blueprint(hearing_day.bp)
    from commission.web import consultations

    app.register_blueprint(consultations.bp)
    from commission.web import letter_texts

    app.register_blueprint(letter_texts.bp)
    from commission.web import correspondence

    app.register_blueprint(correspondence.bp)
    from commission.web import council, print_runs

    app.register_blueprint(council.bp)
    app.register_blueprint(print_runs.bp)
    from commission.web import commitments

    app.register_blueprint(commitments.bp)
    from commission.web import subgroup

    app.register_blueprint(subgroup.bp)
    from commission.web import search

    app.register_blueprint(search.bp)
    from commission.web import directory

    app.register_blueprint(directory.bp)
    from commission.web import orientations

    app.register_blueprint(orientations.bp)
    from commission.web import prospects

    app.register_blueprint(prospects.bp)
    from commission.web import official_mail

    app.register_blueprint(official_mail.bp)
    from commission.web import subgroup_meetings

    app.register_blueprint(subgroup_meetings.bp)
    from commission.web import imports

    app.register_blueprint(imports.bp)
    from commission.web import api, integrations

    api.init_app(app)  # the integration API under /api/v1 (JSON, bearer tokens, CSRF exempt)
    app.register_blueprint(integrations.bp)
    return app


def configure(
    app: Flask, settings: Settings, *, engine: Engine | None = None, testing: bool = False, **overrides: Any,
) -> None:
    """Bind an app to its settings and its database: everything of the app that depends on them.

    The routes, templates and translations do not depend on them, so the test suite binds one app to
    each test's database in turn instead of building (and compiling) a new app per test.
    """
    app.instance_path = str(settings.instance_path)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        TESTING=testing,
        MAX_CONTENT_LENGTH=settings.max_upload_bytes,
        SESSION_COOKIE_NAME="commission_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=not settings.development,
        # The cookie outlives the server's session (services/sessions.py), so that a user whose session
        # lapsed is told why they must log in again.
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_hours + 1),
        WTF_CSRF_TIME_LIMIT=None,  # the session's own idle timeout bounds a token's life
        WTF_CSRF_SSL_STRICT=not settings.development,
        BABEL_DEFAULT_LOCALE="fr",
        BABEL_DEFAULT_TIMEZONE="Europe/Paris",
    )
    app.config.update(overrides)
    app.extensions["commission.settings"] = settings
    engine = engine or make_engine(settings.database_url)
    app.extensions["commission.engine"] = engine
    app.extensions["commission.sessions"] = make_session_factory(engine)
