"""View-side queries of the report pages: the choices in the filter form."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import Row, select

from ..extensions import db
from ..models import Course, Partnership
from ..permissions import report_scope
from .scope import ReportFilters, course_conditions

if TYPE_CHECKING:
    from ..models import User


def courses_in_scope(actor: User) -> Sequence[Row[int, str]]:
    """(id, title) of every course an actor's reports can show, for the course filter."""
    scoped = report_scope(actor, ReportFilters(date.min, date.min))
    query = select(Course.id, Course.title).where(*course_conditions(scoped)).order_by(Course.title, Course.id)
    return db.session.execute(query).all()


def partnership_choices() -> Sequence[Row[int, str, str]]:
    return db.session.execute(
        select(Partnership.id, Partnership.code, Partnership.name).order_by(Partnership.code)
    ).all()
