"""Quotes for the annual pack: comments whose authors agreed they may be quoted anonymously
(EvaluationResponse.quote_consent, asked on the evaluation form), and the team's pick of them.

Identical comments are one quote: texts are compared after normalising (case, spacing and the
final full stop), so a sentence six delegates wrote shows once, with how many wrote it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select

from ..audit import record_audit
from ..extensions import db
from ..models import Course, User
from ..models.evaluations import EvaluationResponse
from .errors import EvaluationError
from .scope import Scope, response_filters

# The comment a response offers as its quote: the first of these it answered.
QUOTE_FIELDS = ("practice_text", "changed_text", "other_text")
QUOTE_LIMIT = 200  # candidates listed on the pick page


@dataclass
class Quote:
    response_id: int  # the earliest response with this text (the one picked)
    text: str
    course_title: str
    stage_label: str
    submitted_at: datetime
    picked: bool
    said_by: int = 1  # delegates who wrote the same text


def normalised(text: str) -> str:
    """The text as compared for duplicates: case-folded, spacing collapsed, no trailing full stop."""
    return re.sub(r"\s+", " ", text).strip().rstrip(".!").strip().casefold()


def quote_text(response: EvaluationResponse) -> str:
    return next((value.strip() for f in QUOTE_FIELDS if (value := getattr(response, f)) and value.strip()), "")


def _deduped(responses: list[EvaluationResponse], titles: dict[int, str]) -> list[Quote]:
    quotes: dict[str, Quote] = {}
    for response in responses:
        text = quote_text(response)
        if not text:
            continue
        key = normalised(text)
        if key in quotes:
            quotes[key].said_by += 1
            quotes[key].picked = quotes[key].picked or response.quote_picked_at is not None
            continue
        quotes[key] = Quote(
            response_id=response.id,
            text=text,
            course_title=titles.get(response.course_id, ""),
            stage_label=response.stage_label,
            submitted_at=response.submitted_at,
            picked=response.quote_picked_at is not None,
        )
    return list(quotes.values())


def _consented(scope: Scope, picked_only: bool, limit: int) -> list[EvaluationResponse]:
    has_text = or_(*(func.length(func.trim(getattr(EvaluationResponse, f))) > 0 for f in QUOTE_FIELDS))
    query = (
        select(EvaluationResponse)
        .where(EvaluationResponse.quote_consent.is_(True), has_text, *response_filters(EvaluationResponse, scope))
        .order_by(EvaluationResponse.submitted_at, EvaluationResponse.id)
        .limit(limit)
    )
    if picked_only:
        query = query.where(EvaluationResponse.quote_picked_at.is_not(None))
    return list(db.session.scalars(query))


def _titles(responses: list[EvaluationResponse]) -> dict[int, str]:
    ids = {r.course_id for r in responses}
    if not ids:
        return {}
    return {cid: title for cid, title in db.session.execute(select(Course.id, Course.title).where(Course.id.in_(ids)))}


def quote_candidates(scope: Scope, limit: int = QUOTE_LIMIT) -> list[Quote]:
    """Consented comments in the scope, oldest first, identical texts once (with how many wrote them)."""
    responses = _consented(scope, picked_only=False, limit=limit * 4)
    return _deduped(responses, _titles(responses))[:limit]


def picked_quotes(scope: Scope, limit: int = QUOTE_LIMIT) -> list[Quote]:
    """The comments the team picked for the pack, in the scope; identical texts once."""
    responses = _consented(scope, picked_only=True, limit=limit * 4)
    return _deduped(responses, _titles(responses))[:limit]


def pick_quote(actor: User, response: EvaluationResponse, picked: bool, at: datetime) -> None:
    """Put a consented comment in the pack (or take it out). Taking it out also takes out every
    identical comment, so the quote leaves the pack. Raises EvaluationError without consent."""
    if not response.quote_consent:
        raise EvaluationError("This delegate did not agree to be quoted.")
    if picked:
        response.quote_picked_at = response.quote_picked_at or at
    else:
        key = normalised(quote_text(response))
        same = db.session.scalars(select(EvaluationResponse).where(EvaluationResponse.quote_picked_at.is_not(None)))
        for other in [response, *same]:
            if normalised(quote_text(other)) == key:
                other.quote_picked_at = None
    db.session.flush()
    record_audit(actor, "evaluation.quote_picked" if picked else "evaluation.quote_dropped", response)
