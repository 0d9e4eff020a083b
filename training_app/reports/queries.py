"""View-side queries of the report pages: the choices in the filter form."""
from datetime import date

from sqlalchemy import select

from ..extensions import db
from ..models import Course, Partnership
from ..permissions import report_scope
from .scope import ReportFilters, course_conditions


def courses_in_scope(actor):
    """(id, title) of every course an actor's reports can show, for the course filter."""
    scoped = report_scope(actor, ReportFilters(date.min, date.min))
    query = select(Course.id, Course.title).where(*course_conditions(scoped)).order_by(Course.title, Course.id)
    return db.session.execute(query).all()


def partnership_choices():
    return db.session.execute(select(Partnership.id, Partnership.code, Partnership.name)
                              .order_by(Partnership.code)).all()
