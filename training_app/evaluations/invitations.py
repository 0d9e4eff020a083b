"""The send-evaluation-invitations job: invite each delegate to every open evaluation, remind once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select

from ..contact import ContactTeam, team_for_course, team_for_session
from ..extensions import db
from ..mail import queue_email
from ..models import OutboxMessage, User
from .due import due_openings
from .services import Opening

REMINDER_AFTER = timedelta(days=7)
# Dedupe keys looked up per query, to keep the IN list a reasonable size.
KEY_CHUNK = 500


def _delegate_of(opening: Opening) -> User | None:
    if opening.booking is not None:
        return opening.booking.user
    assert opening.completion is not None  # an opening is for a booking or an e-learning completion
    return opening.completion.user


def _team_of(opening: Opening) -> ContactTeam:
    """The team running the session the evaluation is about (the course's team for e-learning)."""
    return team_for_session(opening.session) if opening.session is not None else team_for_course(opening.course)


def _keys(opening: Opening) -> tuple[str, str]:
    """(invitation, reminder) dedupe keys of an opening's emails."""
    if opening.booking is not None:
        ref = str(opening.booking.id)
    else:
        assert opening.completion is not None
        ref = f"elearning:{opening.completion.id}"
    return f"eval-invite:{opening.stage}:{ref}", f"eval-reminder:{opening.stage}:{ref}"


def send_evaluation_invitations(at: datetime, link: Callable[[Opening], str]) -> tuple[int, int]:
    """Queue an invitation for every open, unanswered evaluation, and one reminder 7 days later.

    Idempotent: each email has a dedupe key, so running again never sends a duplicate.
    `link(opening)` returns the absolute URL of the form. Returns (invitations, reminders).
    """
    openings = due_openings(at)
    keys = [key for opening in openings for key in _keys(opening)]
    sent: dict[str, datetime] = {}
    for start in range(0, len(keys), KEY_CHUNK):
        chunk = keys[start : start + KEY_CHUNK]
        sent.update(
            {
                key: created_at
                for key, created_at in db.session.execute(
                    select(OutboxMessage.dedupe_key, OutboxMessage.created_at).where(
                        OutboxMessage.dedupe_key.in_(chunk)
                    )
                )
                if key is not None
            }
        )
    invitations = reminders = 0
    for opening in openings:
        invite_key, reminder_key = _keys(opening)
        delegate = _delegate_of(opening)
        if delegate is None or not delegate.is_active:  # closed or deactivated: they cannot sign in to answer
            continue
        url = link(opening)
        if invite_key not in sent:
            queue_email(
                delegate.email,
                "evaluation_invitation",
                f"{opening.stage_label}: {opening.course.title}",
                dedupe_key=invite_key,
                delegate=delegate,
                opening=opening,
                url=url,
                team=_team_of(opening),
            )
            invitations += 1
        elif reminder_key not in sent and sent[invite_key] <= at - REMINDER_AFTER:
            queue_email(
                delegate.email,
                "evaluation_reminder",
                f"Reminder: {opening.stage_label.lower()} for {opening.course.title}",
                dedupe_key=reminder_key,
                delegate=delegate,
                opening=opening,
                url=url,
                team=_team_of(opening),
            )
            reminders += 1
    return invitations, reminders
