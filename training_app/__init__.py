"""The HIPS safeguarding children training service."""

import os
from pathlib import Path

from flask import Flask, g, make_response, render_template
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix

from .connections import engine_options, init_connections, is_disconnect, retry_after_disconnect
from .contact import default_team, team_for_error_page
from .errors import RETRY_AFTER_SECONDS, is_busy
from .extensions import csrf, db, login_manager, migrate
from .ids import IdConverter

ROOT = Path(__file__).resolve().parent.parent


def create_app(config_name=None, overrides=None):
    """Build the application. No database work happens here."""
    # Imported here: config.py reads its defaults from training_app.constants.
    from config import CONFIGS, ProductionConfig

    config_name = config_name or os.environ.get("APP_ENV", "development")
    config_class = CONFIGS[config_name]
    if config_class is ProductionConfig:
        ProductionConfig.check()

    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder="static",
        static_url_path="/assets",
        instance_path=str(ROOT / "instance"),
    )
    # Every <int:...> in a route is an id: bounded, so an oversized one is a 404 rather than a database error.
    app.url_map.converters["int"] = IdConverter
    app.config.from_object(config_class)
    if overrides:
        app.config.update(overrides)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        os.makedirs(app.instance_path, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "training.db")
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config)
    if config_class is ProductionConfig and app.config.get("TRUSTED_HOSTS") is None:
        # Flask answers 400 to a request whose Host is not one of these.
        app.config["TRUSTED_HOSTS"] = ProductionConfig.trusted_hosts(
            app.config["PUBLIC_BASE_URL"], app.config["EXTRA_TRUSTED_HOSTS"]
        )

    if app.config.get("PROXY_FIX_HOPS"):
        # Behind a load balancer: the client's address (rate limits) and scheme from its X-Forwarded-*.
        hops = int(app.config["PROXY_FIX_HOPS"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(ROOT / "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )

    db.init_app(app)
    init_connections(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    WTFormsHelpers(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to continue."
    login_manager.login_message_category = "info"

    from . import models  # noqa: F401  (register the tables with the metadata)
    from .admin import bp as admin_bp
    from .agency import bp as agency_bp
    from .auth import bp as auth_bp
    from .bookings import bp as bookings_bp
    from .calendar import bp as calendar_bp
    from .cascade import bp as cascade_bp
    from .catalogue import bp as catalogue_bp
    from .certificates import bp as certificates_bp
    from .evaluations import bp as evaluations_bp
    from .interest import bp as interest_bp
    from .privacy import bp as privacy_bp
    from .records import bp as records_bp
    from .reports import bp as reports_bp

    for blueprint in (
        catalogue_bp,
        auth_bp,
        admin_bp,
        bookings_bp,
        calendar_bp,
        evaluations_bp,
        reports_bp,
        privacy_bp,
        certificates_bp,
        records_bp,
        agency_bp,
        interest_bp,
        cascade_bp,
    ):
        app.register_blueprint(blueprint)

    from .web import register_web

    register_web(app)

    from .security import init_security

    init_security(app)

    from .calendar.body_cache import init_body_cache
    from .health import bp as health_bp
    from .observability import init_observability
    from .redis_store import init_redis

    init_observability(app)
    init_redis(app)
    init_body_cache(app)
    app.register_blueprint(health_bp)

    from .catalogue_version import init_catalogue_version
    from .page_cache import init_page_cache

    init_catalogue_version(app)
    init_page_cache(app)  # after init_security: its hook forgets the last request's nonce

    from .cli import register_cli

    register_cli(app)

    @app.errorhandler(400)
    def bad_request(error):
        if isinstance(error, SecurityError):
            # The Host is not one of TRUSTED_HOSTS, so no URL (not even the stylesheet's) can be built.
            return "Bad request: this site does not answer to that address.\n", 400, {"Content-Type": "text/plain"}
        return render_template("errors/400.html"), 400

    @app.errorhandler(403)
    def forbidden(error):
        return render_template("errors/403.html"), 403

    @app.errorhandler(404)
    def not_found(error):
        return render_template("errors/404.html"), 404

    @app.errorhandler(405)
    def method_not_allowed(error):
        return render_template("errors/404.html"), 405

    @app.errorhandler(OperationalError)
    def busy(error):
        """A lock wait that timed out, or a connection that dropped: nothing was saved, and trying again
        soon will likely work (a GET is tried again at once, training_app/connections.py)."""
        if is_disconnect(error):
            retried = retry_after_disconnect(error)
            if retried is not None:
                return retried
        elif not is_busy(error):
            raise error  # any other database failure is a 500
        db.session.rollback()
        # The page is drawn as for a signed-out visitor: finding out who is signed in would wait for
        # the database again (on SQLite every transaction waits for the same write lock).
        g._login_user = login_manager.anonymous_user()
        response = make_response(render_template("errors/503.html", contact_team=default_team()), 503)
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    @app.errorhandler(500)
    def server_error(error):
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - the database may be what failed; the page must still be drawn
            pass
        # Names the signed-in person's team if the database answers, else the HIPS-wide team from config.
        return render_template("errors/500.html", contact_team=team_for_error_page()), 500

    return app


@event.listens_for(Engine, "connect")
def _sqlite_connect(dbapi_connection, connection_record):
    """SQLite: take the write lock at BEGIN, so booking transactions are serialised.

    SQLAlchemy drops FOR UPDATE on SQLite; BEGIN IMMEDIATE is the SQLite way to make
    "lock, count, insert" atomic. The driver's own transaction handling is switched off
    so that SQLAlchemy's begin event below decides how transactions start.
    """
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")
