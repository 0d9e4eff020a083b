"""The audit trail of administrative actions: who did what, when, before and after."""
from . import clock
from .extensions import db
from .models import AuditEvent


def record_audit(actor, action, target, session_id=None, **details):
    """Add an audit event for `target` (a model instance, already flushed so that it has its id) in the
    caller's transaction; it is written at the next flush."""
    event = AuditEvent(actor_id=getattr(actor, "id", None), action=action, target_type=type(target).__name__,
                       target_id=getattr(target, "id", None), session_id=session_id, details=_jsonable(details),
                       created_at=clock.now())
    db.session.add(event)
    return event


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
