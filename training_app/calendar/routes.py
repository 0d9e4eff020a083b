"""Calendar downloads and feeds (.ics), and the feed token on the account page.

Feeds need no sign-in (calendar apps cannot sign in): personal feeds are found by a secret token.
Clients poll, so every response carries an ETag and Last-Modified and unchanged feeds get 304.
"""

from urllib.parse import urlencode

from flask import Response, abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from .. import clock
from ..catalogue_version import remembered
from ..extensions import db
from ..web import external_url
from . import bp
from .body_cache import cached_body, feed_key
from .feed_sessions import load_sessions
from .ics import NO_STATUS, session_ics
from .person import PUBLISH, person_calendar
from .render import render_calendar
from .services import (
    InvalidFeedFilter,
    course_exists,
    parse_public_filters,
    plan_from,
    plan_personal_feed,
    plan_public_feed,
    plan_session_download,
    plan_teaching_feed,
    public_feed_sessions,
    published_session_or_none,
    regenerate_calendar_token,
    user_for_calendar_token,
)

ICS_MIMETYPE = "text/calendar"
PUBLIC_CACHE = "public, max-age=300"
PRIVATE_CACHE = "private, no-cache"


def session_url_builder():
    """Absolute session URLs without a url_for call per event (5,000 events in the public feed)."""
    marker = 987654321
    template = external_url("catalogue.session_detail", session_id=marker)
    prefix, suffix = template.split(str(marker), 1)
    return lambda session_id: f"{prefix}{session_id}{suffix}"


def not_modified(plan):
    """True when the client's copy (If-None-Match, else If-Modified-Since) is current."""
    if request.if_none_match:
        return request.if_none_match.contains_weak(plan.etag)  # weak comparison, as RFC 9110 allows for GET
    since = request.if_modified_since
    if since is not None:
        return plan.last_modified.replace(microsecond=0) <= since.replace(tzinfo=None)
    return False


def ics_response(plan, cache_control, build, filename=None, feed=None):
    """304 when the client is current; otherwise the calendar bytes `build()` returns, or, for a
    `feed` (its name in the body cache), the bytes stored for this ETag by any worker or machine."""
    if not_modified(plan):
        response = Response(status=304)
    else:
        if feed is None:
            body = build()
        else:
            body, how = cached_body(feed_key(feed, plan.etag), build)
        response = Response(body, mimetype=ICS_MIMETYPE)
        if feed is not None:
            response.headers["X-Feed-Cache"] = how
        response.headers["Content-Type"] = "text/calendar; charset=utf-8"
        if filename:
            response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.set_etag(plan.etag)
    response.last_modified = plan.last_modified.replace(microsecond=0)
    response.headers["Cache-Control"] = cache_control
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.route("/sessions/<int:session_id>/calendar.ics", endpoint="session_ics")
def session_download(session_id):
    """ "Add to calendar": the session with no STATUS for anyone without a booking; a signed-in
    delegate gets their own copy (calendar.person: their status and SEQUENCE, the join link once
    their place is confirmed), so it is the same event their emails update."""
    course_session = published_session_or_none(session_id)
    if course_session is None:
        abort(404)
    filename = f"session-{course_session.id}.ics"
    if current_user.is_authenticated:
        now = clock.now()
        method_text = person_calendar(current_user, course_session, now, method=PUBLISH)
        plan = plan_from(["person-download", current_user.id, method_text[1]], [course_session.updated_at, now])
        response = ics_response(plan, PRIVATE_CACHE, lambda: method_text[1].encode("utf-8"), filename=filename)
    else:
        plan = plan_session_download(course_session)
        response = ics_response(
            plan,
            PUBLIC_CACHE,
            lambda: session_ics(course_session, include_join_url=False, status=NO_STATUS).encode("utf-8"),
            filename=filename,
        )
    response.vary.add("Cookie")
    return response


@bp.route("/calendar/<token>/bookings.ics")
def personal_feed(token):
    user = user_for_calendar_token(token)
    if user is None:
        abort(404)
    plan = plan_personal_feed(user, clock.now())
    return ics_response(
        plan,
        PRIVATE_CACHE,
        lambda: render_calendar(
            load_sessions(plan.session_ids),
            "My safeguarding training",
            include_join_url=True,
            status_for=lambda s: plan.statuses[s.id],
            url_for_session=session_url_builder(),
            uid=f"bookings-{user.id}@hips-training",
            sequence_for=lambda s: plan.sequences[s.id],
        ),
        feed=f"bookings:{user.id}",
    )


@bp.route("/calendar/<token>/teaching.ics")
def trainer_feed(token):
    user = user_for_calendar_token(token)
    if user is None:
        abort(404)
    plan = plan_teaching_feed(user, clock.now())
    return ics_response(
        plan,
        PRIVATE_CACHE,
        lambda: render_calendar(
            load_sessions(plan.session_ids),
            "Safeguarding training I deliver",
            include_join_url=True,
            url_for_session=session_url_builder(),
            uid=f"teaching-{user.id}@hips-training",
        ),
        feed=f"teaching:{user.id}",
    )


@bp.route("/calendar/public.ics")
def public_feed():
    try:
        filters = parse_public_filters(request.args)
    except InvalidFeedFilter as error:
        return Response(f"{error.message}\n", status=400, mimetype="text/plain")
    if filters.get("course") and not course_exists(filters["course"]):
        abort(404)
    now = clock.now()
    feed = "public?" + urlencode(sorted((name, str(value)) for name, value in filters.items()))
    # Its validators are three statements over every session, course and trainer; they change only
    # with the catalogue (or the minute), so this process asks them once per catalogue version.
    plan = remembered(feed, lambda: plan_public_feed(filters, now), now)
    return ics_response(
        plan,
        PUBLIC_CACHE,
        lambda: render_calendar(
            public_feed_sessions(filters, now),
            "Safeguarding children training (HIPS)",
            include_join_url=False,
            url_for_session=session_url_builder(),
            uid="public-feed@hips-training",
        ),
        feed=feed,
    )


@bp.route("/account/calendar-token", methods=["POST"])
@login_required
def regenerate_token():
    regenerate_calendar_token(current_user)
    db.session.commit()
    flash(
        "Your calendar links have changed. Subscribe again with the new link; the old one no longer works.", "success"
    )
    return redirect(url_for("auth.account"))
