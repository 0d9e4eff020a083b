"""Health checks for a load balancer and an orchestrator (issue 17).

- `GET /healthz`: the process is up and answering (no outside calls): restart it if this fails.
- `GET /readyz`: the database and (when REDIS_URL is set) Redis answer: send it traffic only while this
  is 200. A 503 names what failed in a JSON body.

Both are public (no personal data, nothing to change) and answer JSON.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from sqlalchemy import text

from .extensions import db
from .redis_store import redis_client

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    response = jsonify(status="ok")
    response.headers["Cache-Control"] = "no-store"
    return response


def database_check() -> str:
    """The answer "ok", or what failed. Tried twice: a pooled connection the server dropped is thrown away at the
    first failure (the pool is invalidated), and a ready database answers the second at once."""
    result = ""
    for _ in range(2):
        try:
            db.session.execute(text("SELECT 1"))
            return "ok"
        except Exception as error:  # noqa: BLE001 - any failure means "not ready", named in the answer
            result = f"failed: {type(error).__name__}"
        finally:
            db.session.remove()
    return result


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    checks: dict[str, str] = {"database": database_check()}
    shared = redis_client()
    if shared is None:
        checks["redis"] = "not configured"
    else:
        try:
            shared.ping()
            checks["redis"] = "ok"
        except Exception as error:  # noqa: BLE001
            checks["redis"] = f"failed: {type(error).__name__}"
    failed = sorted(name for name, result in checks.items() if result.startswith("failed"))
    response = jsonify(status="unavailable" if failed else "ready", failed=failed, checks=checks)
    response.headers["Cache-Control"] = "no-store"
    return response, 503 if failed else 200
