"""The audit trail of administrative actions: who did what, when, before and after."""
from sqlalchemy import insert

from . import clock
from .extensions import db
from .models import AuditEvent


def audit_row(actor, action, target, session_id=None, **details):
    """The column values of an audit event for `target` (a model instance)."""
    return {
        "actor_id": getattr(actor, "id", None),
        "action": action,
        "target_type": type(target).__name__,
        "target_id": getattr(target, "id", None),
        "session_id": session_id,
        "details": _jsonable(details),
        "created_at": clock.now(),
    }


def record_audit(actor, action, target, session_id=None, **details):
    """Add an audit event for `target` in the caller's transaction (written at the next flush)."""
    event = AuditEvent(**audit_row(actor, action, target, session_id, **details))
    db.session.add(event)
    return event


def write_audit(actor, action, target, session_id=None, **details):
    """Insert an audit event now, in the caller's transaction, without the ORM's unit of work:
    for the booking path, where every statement inside the session lock counts."""
    db.session.execute(insert(AuditEvent.__table__), [audit_row(actor, action, target, session_id, **details)])


def changes(obj, fields, new_values):
    """{"field": {"before": old, "after": new}} for the fields whose value changes."""
    diff = {}
    for field in fields:
        before, after = getattr(obj, field), new_values.get(field)
        if before != after:
            diff[field] = {"before": _jsonable(before), "after": _jsonable(after)}
    return diff


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
