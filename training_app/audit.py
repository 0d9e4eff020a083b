"""The audit trail of administrative actions: who did what, when, before and after."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from . import clock
from .extensions import db
from .models import AuditEvent, User
from .observability import request_id


def record_audit(
    actor: User | None, action: str, target: object, session_id: int | None = None, **details: object
) -> AuditEvent:
    """Add an audit event for `target` (a model instance, already flushed so that it has its id) in the
    caller's transaction; it is written at the next flush."""
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        action=action,
        target_type=type(target).__name__,
        target_id=getattr(target, "id", None),
        session_id=session_id,
        details=_jsonable(details),
        created_at=clock.now(),
        request_id=request_id(),
    )
    db.session.add(event)
    return event


def changes(obj: object, fields: Iterable[str], new_values: Mapping[str, object]) -> dict[str, dict[str, object]]:
    """{"field": {"before": old, "after": new}} for the fields whose value changes."""
    diff: dict[str, dict[str, object]] = {}
    for field in fields:
        before, after = getattr(obj, field), new_values.get(field)
        if before != after:
            diff[field] = {"before": _jsonable(before), "after": _jsonable(after)}
    return diff


def _jsonable(value: object) -> object:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
