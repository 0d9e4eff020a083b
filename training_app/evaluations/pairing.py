"""Keeping a delegate's pre-course and post-course answers paired when their booking moves."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import Booking
from ..models.evaluations import EvaluationResponse


def carry_responses(old: Booking, new: Booking) -> int:
    """Move a booking's evaluation responses to the booking it was moved to; returns how many.

    Pairs are per booking (one response per stage per attendance, so someone who takes a course
    again years later starts a new pair); a move is the same attendance on another date, so the
    pre-course answers follow it: the post-course ones then pair with them, and the delegate is not
    asked the pre-course evaluation again. Anonymised pair keys are kept as they are.
    """
    responses = db.session.scalars(select(EvaluationResponse).where(EvaluationResponse.booking_id == old.id)).all()
    for response in responses:
        response.booking_id = new.id
        response.session_id = new.session_id
        if response.pair_key == f"booking:{old.id}":
            response.pair_key = f"booking:{new.id}"
    db.session.flush()
    return len(responses)
