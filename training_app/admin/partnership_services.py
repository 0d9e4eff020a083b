"""Partnerships as reference data: system administrators add, rename, retire and reinstate them.

A retired partnership keeps its courses, organisations, administrators and history, but is no longer
offered for new courses, organisations or administrator appointments (`offered_partnerships`). There is
no merge: the four statutory partnerships do not merge, and a new one is simply added.
Services take the actor, flush, never commit, and audit; the views check may_manage_partnerships.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from sqlalchemy import ColumnElement, func, or_, select

from .. import clock
from ..audit import record_audit
from ..errors import DomainError
from ..extensions import db
from ..models import Partnership, User

CODE_PATTERN = re.compile(r"^[A-Z][A-Z0-9]{1,9}$")


class PartnershipError(DomainError):
    field = "name"


def offered_partnerships(keep: Iterable[int | None] = ()) -> Sequence[Partnership]:
    """The partnerships a form offers, by code: those still running, plus any in `keep` (the ones the
    thing being edited already has, so a retired one is not silently dropped)."""
    kept = [partnership_id for partnership_id in keep if partnership_id is not None]
    condition: ColumnElement[bool] = Partnership.retired_at.is_(None)
    if kept:
        condition = or_(condition, Partnership.id.in_(kept))
    return db.session.scalars(select(Partnership).where(condition).order_by(Partnership.code)).all()


def _check_name(name: str, partnership: Partnership | None = None) -> str:
    name = " ".join(name.split())
    if not name:
        raise PartnershipError("Enter the partnership's name")
    clash = db.session.scalars(select(Partnership).where(func.lower(Partnership.name) == name.lower())).first()
    if clash is not None and clash is not partnership:
        raise PartnershipError(f"There is already a partnership called ‘{clash.name}’")
    return name


def create_partnership(actor: User, code: str, name: str) -> Partnership:
    """Add a partnership. Raises PartnershipError (code malformed or taken, name taken)."""
    code = code.strip().upper()
    if not CODE_PATTERN.match(code):
        raise PartnershipError(
            "Enter a code of 2 to 10 letters or digits, starting with a letter, like SSCP", field="code"
        )
    if db.session.scalar(select(Partnership.id).where(func.upper(Partnership.code) == code)) is not None:
        raise PartnershipError(f"There is already a partnership with the code {code}", field="code")
    partnership = Partnership(code=code, name=_check_name(name))
    db.session.add(partnership)
    db.session.flush()
    record_audit(actor, "partnership.created", partnership, code=code, name=partnership.name)
    db.session.flush()
    return partnership


def rename_partnership(actor: User, partnership: Partnership, name: str) -> bool:
    """Give a partnership a new name (its code stays: filters and exports use it). Returns whether it
    changed. Raises PartnershipError."""
    name = _check_name(name, partnership)
    if name == partnership.name:
        return False
    record_audit(actor, "partnership.renamed", partnership, before=partnership.name, after=name)
    partnership.name = name
    db.session.flush()
    return True


def retire_partnership(actor: User, partnership: Partnership) -> None:
    """Stop offering a partnership for new courses, organisations and administrators. Raises PartnershipError."""
    if partnership.retired_at is not None:
        raise PartnershipError("This partnership is already retired.")
    partnership.retired_at = clock.now()
    record_audit(actor, "partnership.retired", partnership)
    db.session.flush()


def reinstate_partnership(actor: User, partnership: Partnership) -> None:
    """Offer a retired partnership again. Raises PartnershipError."""
    if partnership.retired_at is None:
        raise PartnershipError("This partnership is not retired.")
    partnership.retired_at = None
    record_audit(actor, "partnership.reinstated", partnership)
    db.session.flush()
