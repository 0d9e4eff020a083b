"""Template helpers, navigation, the signed-in user loader and asset caching."""

from urllib.parse import urlsplit

from flask import current_app, has_request_context, request
from flask_login import current_user
from jinja2 import pass_context

from . import contact, permissions
from .extensions import db, login_manager
from .models import User
from .models.vocabulary import VOCABULARIES
from .pagination import pagination_params
from .timefmt import london_date, london_datetime, london_time, london_until


@login_manager.user_loader
def load_user(login_id):
    try:
        user_id, version = (int(part) for part in login_id.split(":"))
    except (ValueError, AttributeError):
        return None
    user = db.session.get(User, user_id)
    if user is None or user.session_version != version or not user.is_active:
        return None
    return user


def session_when(course_session):
    """'Wednesday 3 March 2027, 9:30am to 11am' in London time."""
    start = london_datetime(course_session.starts_at).replace(":00", "")
    end = london_time(course_session.ends_at).replace(":00", "")
    return f"{start} to {end}"


def public_base(config) -> tuple[str, str, str]:
    """(scheme, host[:port], path) of PUBLIC_BASE_URL; raises ValueError when it is not an http(s) URL."""
    parts = urlsplit(config["PUBLIC_BASE_URL"] or "")
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(f"PUBLIC_BASE_URL must look like https://training.example.org, not {parts.geturl()!r}")
    return parts.scheme, parts.netloc, parts.path.rstrip("/") or "/"


def external_url(endpoint, **values):
    """The absolute URL of `endpoint`, always on PUBLIC_BASE_URL.

    The one way to make a link that leaves the site (emails, calendars, feed addresses shown to
    copy). It never looks at the request: the Host header is the sender's to choose, so a link
    built from it could send a password reset to someone else's server.
    """
    scheme, netloc, path = public_base(current_app.config)
    adapter = current_app.url_map.bind(netloc, script_name=path, url_scheme=scheme)
    current_app.inject_url_defaults(endpoint, values)
    return adapter.build(endpoint, values, force_external=True)


def register_web(app):
    app.jinja_env.filters["london"] = london_datetime
    app.jinja_env.filters["london_date"] = london_date
    app.jinja_env.filters["london_time"] = london_time
    app.jinja_env.filters["london_until"] = london_until
    app.jinja_env.globals["session_when"] = session_when
    app.jinja_env.globals["external_url"] = external_url
    from .bookings.state import StateKey  # here, not at the top: the bookings package imports this module

    app.jinja_env.globals["StateKey"] = StateKey
    app.jinja_env.globals["pagination_params"] = pagination_params
    app.jinja_env.globals["service_name"] = app.config["SERVICE_NAME"]
    # Templates compare with the vocabularies' members, never with bare strings.
    app.jinja_env.globals.update({vocabulary.__name__: vocabulary for vocabulary in VOCABULARIES})

    # Which training team a page or email names: training_app.contact decides.
    app.jinja_env.globals["page_contact_team"] = pass_context(contact.team_for_page)
    app.jinja_env.globals["session_team"] = contact.team_for_session
    app.jinja_env.globals["user_team"] = contact.team_for_user
    app.jinja_env.globals["default_contact_team"] = contact.default_team
    # Templates ask the same policy as the views (training_app.permissions).
    for name in (
        "sees_all_partnerships",
        "may_filter_by_trainer",
        "may_deliver_sessions",
        "can_edit_course",
        "can_manage_session",
    ):
        app.jinja_env.globals[name] = getattr(permissions, name)

    @app.context_processor
    def navigation():
        if not has_request_context():  # an email rendered by a command: no menus
            return {"nav_items": [], "admin_nav": []}
        admin_menu = permissions.admin_nav_items(current_user)
        in_admin_area = request.blueprint == "admin" or request.endpoint in {item.endpoint for item in admin_menu}
        return {"nav_items": permissions.nav_items(current_user), "admin_nav": admin_menu if in_admin_area else []}

    @app.after_request
    def cache_assets(response):
        # Security headers are set in training_app/security.py.
        if request.path.startswith("/assets/"):
            response.headers.setdefault("Cache-Control", "public, max-age=3600")
        return response
