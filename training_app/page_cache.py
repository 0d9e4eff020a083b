"""Rendered catalogue, course and session pages for visitors who are not signed in (issue 17).

A visitor's page is the same for every visitor who is not signed in, so its body is kept (in the
process, then Redis: calendar/body_cache.py's layers) and served again without a database statement,
under a key of

- the catalogue version (catalogue_version.py), which moves after every commit that could change
  what these pages show (courses, sessions, bookings and so places left, venues, partnerships and
  their contact details, organisations, reviews and suites, interest...);
- the current minute (`clock.now()`), because time alone changes them too: booking windows open and
  close, sessions start and leave the lists. A page is therefore at most a minute behind the clock,
  and a new minute renders each page once again;
- the path with its query string (every filter of the catalogue its own page; the stores are bounded
  by bytes and a TTL).

Served only for a GET of those pages by a visitor whose session holds no signed-in user and no
flashed messages (a flash is shown, and so consumed, by a rendered page). Kept only from a 200 whose
rendering left the session untouched (no new cookie, no CSRF token made) and whose visitor was not
signed in. The Content-Security-Policy nonce is per response: it is replaced by a mark when the body is
kept and by the new response's nonce when served. Without Redis, the version lives in the process, so
production without REDIS_URL keeps no pages (PAGE_CACHE_WITHOUT_REDIS) unless told to.
"""

from __future__ import annotations

import hashlib

from flask import Flask, Response, current_app, g, request, session
from flask_login import current_user

from . import clock
from .calendar.body_cache import init_store, installation_key, store_body, stored_body
from .catalogue_version import catalogue_version
from .redis_store import redis_client
from .security import csp_nonce

EXTENSION = "hips_page_bodies"
CACHED_ENDPOINTS = frozenset({"catalogue.index", "catalogue.course", "catalogue.session_detail"})
# A page of a past minute is never asked for again; the TTL only frees Redis of it.
TTL_SECONDS = 180
LOCAL_BUDGET_BYTES = 16 * 1024 * 1024
NONCE_MARK = b"__hips_csp_nonce__"
HEADER = "X-Page-Cache"


def init_page_cache(app: Flask) -> None:
    """Serve kept pages before the view runs; keep rendered ones after. Registered after
    security.init_security, whose before_request hook forgets the last request's nonce."""
    init_store(app, EXTENSION, LOCAL_BUDGET_BYTES)
    app.before_request(serve_kept_page)
    app.after_request(keep_rendered_page)


def anonymous_visit() -> bool:
    """No signed-in user and no flashed message in the visitor's session (read from the cookie only)."""
    return "_user_id" not in session and "_flashes" not in session


def page_key(version: str) -> str:
    where = hashlib.sha256(f"{request.script_root}{request.full_path}".encode()).hexdigest()[:32]
    return f"{installation_key('page')}:{version}:{clock.now():%Y%m%d%H%M}:{where}"


def cache_on() -> bool:
    return redis_client() is not None or bool(current_app.config.get("PAGE_CACHE_WITHOUT_REDIS"))


def serve_kept_page() -> Response | None:
    g.pop("page_cache_key", None)
    if request.method != "GET" or request.endpoint not in CACHED_ENDPOINTS or not cache_on():
        return None
    if not anonymous_visit():
        return None
    version = catalogue_version()
    if version is None:
        return None
    key = page_key(version)
    body, how = stored_body(key, EXTENSION)
    if body is None:
        g.page_cache_key = key  # kept by keep_rendered_page if the rendered page may be
        return None
    response = current_app.response_class(body.replace(NONCE_MARK, csp_nonce().encode("ascii")), mimetype="text/html")
    response.headers[HEADER] = how
    return response


def keep_rendered_page(response: Response) -> Response:
    key = g.pop("page_cache_key", None)
    if key is None or response.status_code != 200 or response.is_streamed or response.direct_passthrough:
        return response
    if current_user.is_authenticated or session.modified or not anonymous_visit() or "Set-Cookie" in response.headers:
        return response
    body = response.get_data()
    nonce = g.get("csp_nonce")
    if nonce:
        body = body.replace(nonce.encode("ascii"), NONCE_MARK)
    store_body(key, body, EXTENSION, TTL_SECONDS)
    response.headers[HEADER] = "rendered"
    return response
