"""The SEND service directory and 'tell it once' referral router: the Flask application factory."""

import os
from pathlib import Path

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from directory.config import PROJECT_ROOT, Config, check_production_safety, database_url_from_env


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=os.environ.get("INSTANCE_PATH", str(PROJECT_ROOT / "instance")),
        static_folder="static",
        static_url_path="/assets",
    )
    app.config.from_object(Config)
    app.config["DATABASE_URL"] = database_url_from_env(app.instance_path)
    if config:
        app.config.update(config)
    check_production_safety(app.config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    _init_templates(app)

    from directory import api, auth, cli, db, logs, routing, security, sessions, throttle
    from directory.search import sync as search_sync
    from directory.web import account, admin, audit_context, errors, governance, listings, public, referrals

    _trust_proxies(app)
    db.init_app(app)
    sessions.init_app(app)  # first after the database: its after-request step must run last
    throttle.init_app(app)
    search_sync.init_app(app)
    routing.init_app(app)
    auth.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    logs.init_app(app)
    audit_context.init_app(app)
    cli.init_app(app)
    for blueprint in (public.bp, account.bp, admin.bp, referrals.bp, governance.bp, listings.bp):
        app.register_blueprint(blueprint)
    api.init_app(app)  # after the error pages: its JSON errors wrap them
    return app


def _trust_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXIES proxies, the client address and scheme come from their X-Forwarded headers; with
    none, no forwarded header is believed."""
    count = app.config["TRUSTED_PROXIES"]
    if count > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)


def _init_templates(app: Flask) -> None:
    from flask_wtf.csrf import CSRFProtect
    from govuk_frontend_wtf.main import WTFormsHelpers

    app.jinja_loader = ChoiceLoader([
        FileSystemLoader(str(PROJECT_ROOT / "templates")),
        PrefixLoader({
            "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
            "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
        }),
    ])
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    WTFormsHelpers(app)
    CSRFProtect(app)

    from directory.web import filters

    filters.init_app(app)
    # The GOV.UK macros that the base template and many pages use, loaded once: a `{% from ... import %}` in the
    # base template would load each of them again (and compare every global) for every page drawn.
    for name, path in BASE_MACROS.items():
        app.jinja_env.globals[name] = getattr(app.jinja_env.get_template(path).module, name)


BASE_MACROS = {
    name: f"govuk_frontend_jinja/components/{component}/macro.html"
    for name, component in (("govukServiceNavigation", "service-navigation"), ("govukErrorSummary", "error-summary"),
                            ("govukBackLink", "back-link"), ("govukBreadcrumbs", "breadcrumbs"),
                            ("govukNotificationBanner", "notification-banner"))
}
