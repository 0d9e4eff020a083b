"""Template helpers, navigation, the signed-in user loader and asset caching."""

from flask import current_app, has_request_context, request, url_for
from flask_login import current_user

from . import permissions
from .extensions import db, login_manager
from .models import User
from .models.vocabulary import VOCABULARIES
from .pagination import pagination_params
from .timefmt import london_date, london_datetime, london_time


@login_manager.user_loader
def load_user(login_id):
    try:
        user_id, version = (int(part) for part in login_id.split(":"))
    except (ValueError, AttributeError):
        return None
    user = db.session.get(User, user_id)
    if user is None or user.session_version != version or user.closed_at is not None:
        return None
    return user


def session_when(course_session):
    """'Wednesday 3 March 2027, 9:30am to 11am' in London time."""
    start = london_datetime(course_session.starts_at).replace(":00", "")
    end = london_time(course_session.ends_at).replace(":00", "")
    return f"{start} to {end}"


def external_url(endpoint, **values):
    """An absolute URL, also outside a request (emails and calendars built by CLI commands)."""
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_BASE_URL"]):
        return url_for(endpoint, _external=True, **values)


def register_web(app):
    app.jinja_env.filters["london"] = london_datetime
    app.jinja_env.filters["london_date"] = london_date
    app.jinja_env.filters["london_time"] = london_time
    app.jinja_env.globals["session_when"] = session_when
    app.jinja_env.globals["pagination_params"] = pagination_params
    app.jinja_env.globals["service_name"] = app.config["SERVICE_NAME"]
    # Templates compare with the vocabularies' members, never with bare strings.
    app.jinja_env.globals.update({vocabulary.__name__: vocabulary for vocabulary in VOCABULARIES})

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
        return {"nav_items": permissions.nav_items(current_user)}

    @app.after_request
    def cache_assets(response):
        # Security headers are set in training_app/security.py.
        if request.path.startswith("/assets/"):
            response.headers.setdefault("Cache-Control", "public, max-age=3600")
        return response
