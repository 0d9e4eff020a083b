"""Browser-facing protections: Content-Security-Policy with a per-request nonce, security headers
and rate limits on the sign-in, registration and password-reset pages.

Rate limits are counted per client IP address (flask_limiter.util.get_remote_address). Behind a
reverse proxy, wrap the app in werkzeug's ProxyFix so that the address is the client's, not the
proxy's. Counters live in memory unless RATELIMIT_STORAGE_URI names a shared store (for example
"redis://localhost:6379/0"; REDIS_URL's by default), which several gunicorn workers, and several
machines, need in order to share one count. Only the limited routes check (see init_security).
"""

import os
import secrets

from flask import g, render_template
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(
    key_func=get_remote_address,
    default_limits=[],
    # Several workers or machines share one count only in a shared store: REDIS_URL's Redis by default.
    storage_uri=os.environ.get("RATELIMIT_STORAGE_URI") or os.environ.get("REDIS_URL") or "memory://",
)

# Limits on the pages that take passwords or send emails; only submissions count.
SIGN_IN_LIMIT = "10/minute;30/hour"
REGISTER_LIMIT = "5/minute"
PASSWORD_RESET_LIMIT = "5/minute"
# The public certificate check: a person checks a handful of codes; a script guessing them is stopped.
CERTIFICATE_VERIFY_LIMIT = "20/minute;200/hour"


def csp_nonce():
    """The nonce of this response: one per request, stored on flask.g, allowed in script-src."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def content_security_policy(nonce):
    script_src = "script-src 'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    return "; ".join(
        [
            "default-src 'self'",
            script_src,
            "img-src 'self' data:",
            "style-src 'self'",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def init_security(app):
    """Add the CSP nonce helper, security headers on every response, rate limits and the 429 page."""
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    limiter.init_app(app)
    # There are no default limits, only the decorated routes' (which check in their own wrapper), so
    # the limiter's check before every other request only cost time (issue 17).
    app.before_request_funcs[None] = [
        hook for hook in app.before_request_funcs.get(None, []) if hook != limiter._check_request_limit
    ]
    if app.testing:
        # Tests share one app and one in-memory store, so counts would leak from test to test;
        # the tests of the limits switch them on with a fresh store (tests/test_security.py, rate_limits).
        limiter.enabled = False

    @app.before_request
    def fresh_nonce():
        # A new nonce for every request, even when an app context outlives one request (tests, CLI).
        g.pop("csp_nonce", None)

    @app.after_request
    def add_security_headers(response):
        response.headers["Content-Security-Policy"] = content_security_policy(g.get("csp_nonce"))
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        return response

    @app.errorhandler(429)
    def too_many_requests(error):
        return render_template("errors/429.html"), 429
