"""What several machines need to be watched as one service: a request id on every request, one JSON
log line per request, and (optionally) errors sent to Sentry with personal data scrubbed.

The request id is the X-Request-ID a load balancer or proxy sent (when it looks like an id), or one
made here. It is returned as X-Request-ID, written in the request's log line, and stored with every
email (and sent as its X-Request-ID header) and audit event the request writes, so any of them can be
traced back to the request and the machine that wrote it.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import sys
import time
import uuid
from typing import Any

from flask import Flask, Response, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
# Accepted from outside as it is: an id, not a place to smuggle text into logs or emails.
REQUEST_ID_FORMAT = re.compile(r"[A-Za-z0-9._:-]{1,64}")
request_log = logging.getLogger("training_app.requests")


def request_id() -> str | None:
    """The id of the request being served, or None outside a request (a command, a worker job)."""
    if not has_request_context():
        return None
    value: str | None = g.get("request_id")
    return value


def incoming_request_id(header: str | None) -> str:
    """The caller's X-Request-ID when it is a plain id of at most 64 characters, else a new one."""
    if header and REQUEST_ID_FORMAT.fullmatch(header):
        return header
    return uuid.uuid4().hex


class JsonLines(logging.Formatter):
    """One JSON object a line: the record's fields (`extra={"fields": {...}}`) plus time, level, logger."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(getattr(record, "fields", {}))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


JsonLines.converter = time.gmtime


def init_observability(app: Flask) -> None:
    """Request ids and the request log on `app`; Sentry when SENTRY_DSN is set."""
    request_log.setLevel(logging.INFO)
    if app.config.get("REQUEST_LOG") and not request_log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonLines())
        request_log.addHandler(handler)
        request_log.propagate = False
    host = socket.gethostname()

    @app.before_request
    def start_request() -> None:
        g.request_id = incoming_request_id(request.headers.get(REQUEST_ID_HEADER))
        g.request_started = time.perf_counter()

    @app.after_request
    def log_request(response: Response) -> Response:
        rid = g.get("request_id")
        if rid is None:  # a request that failed before start_request ran
            return response
        response.headers[REQUEST_ID_HEADER] = rid
        started = g.get("request_started")
        request_log.info(
            "request",
            extra={
                "fields": {
                    "request_id": rid,
                    "host": host,
                    "method": request.method,
                    # The route's pattern, not the path: personal feed tokens and reset tokens stay out.
                    "route": request.url_rule.rule if request.url_rule else None,
                    "endpoint": request.endpoint,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
                    "bytes": response.calculate_content_length(),
                    "user_id": _signed_in_user_id(),
                }
            },
        )
        return response

    dsn = app.config.get("SENTRY_DSN")
    if dsn:
        init_sentry(dsn, app.config.get("APP_ENV", "production"))


def _signed_in_user_id() -> int | None:
    """The signed-in user's id if this request already loaded them (never loads them just to log)."""
    user = g.get("_login_user")
    user_id = getattr(user, "id", None) if user is not None and getattr(user, "is_authenticated", False) else None
    return user_id if isinstance(user_id, int) else None


# Sentry ---------------------------------------------------------------------------------------

SCRUBBED = "[scrubbed]"
# Request parts that can hold personal data or secrets: cookies (the session), form bodies (passwords,
# access needs, evaluation answers), query strings and the calendar and reset tokens in some paths.
TOKEN_IN_PATH = re.compile(r"/(calendar|reset-password|confirm-email|change-email|offers)/[^/]+")


def scrub_event(event: dict[str, Any], hint: object = None) -> dict[str, Any]:
    """Remove personal data from a Sentry event before it leaves the machine."""
    req = event.get("request")
    if isinstance(req, dict):
        for key in ("cookies", "data", "query_string", "env"):
            if key in req:
                req[key] = SCRUBBED
        headers = req.get("headers")
        if isinstance(headers, dict):
            for name in list(headers):
                if name.lower() in {"cookie", "authorization", "x-forwarded-for", "x-real-ip"}:
                    headers[name] = SCRUBBED
        if isinstance(req.get("url"), str):
            req["url"] = TOKEN_IN_PATH.sub(lambda m: f"/{m.group(1)}/{SCRUBBED}", req["url"])
    user = event.get("user")
    if isinstance(user, dict):
        event["user"] = {"id": user["id"]} if "id" in user else {}
    if has_request_context() and g.get("request_id"):
        event.setdefault("tags", {})["request_id"] = g.request_id
    return event


def init_sentry(dsn: str, environment: str) -> None:
    """Send unhandled errors to Sentry (sentry-sdk), without personal data."""
    import sentry_sdk
    from sentry_sdk.integrations.flask import FlaskIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[FlaskIntegration()],
        send_default_pii=False,
        before_send=scrub_event,  # type: ignore[arg-type]
        traces_sample_rate=0.0,
    )
