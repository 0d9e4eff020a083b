"""Agency training leads: who leads training for which organisations (agency/ and permissions)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import now
from ..extensions import Model
from .users import Agency, User


class AgencyLead(Model):
    """One appointment: `user` leads training for `agency` (a person may lead several organisations).

    Appointed and removed by the organisation's partnership admins and system admins
    (agency.appointments); the lead's role is Role.AGENCY_LEAD while they hold at least one.
    """

    __tablename__ = "agency_leads"
    __table_args__ = (Index("ix_agency_leads_agency_id", "agency_id"),)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), primary_key=True)
    agency: Mapped[Agency] = relationship()
    appointed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    appointed_by: Mapped[User | None] = relationship(foreign_keys=[appointed_by_id])
    appointed_at: Mapped[datetime] = mapped_column(default=now)

    def __repr__(self) -> str:
        return f"<AgencyLead user={self.user_id} agency={self.agency_id}>"
