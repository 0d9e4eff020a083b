"""Certificates of attendance: one issued document per attended booking, verified by its code.

A certificate keeps what it said when it was issued (name, course, level, date, hours, outcomes,
running partnership), so the public verification page and a re-download show the same words as the
printed copy. A correction is a new certificate: the old one is marked replaced and points to it.
"""

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import now
from ..extensions import Model

if TYPE_CHECKING:
    from .bookings import Booking
    from .users import User


class Certificate(Model):
    __tablename__ = "certificates"
    __table_args__ = (
        # One current certificate per booking: two first downloads at once become an IntegrityError,
        # which issue_certificate turns into the certificate the other request made.
        Index(
            "uq_certificates_current_booking",
            "booking_id",
            unique=True,
            sqlite_where=text("replaced_at IS NULL"),
            postgresql_where=text("replaced_at IS NULL"),
        ),
        Index("ix_certificates_issued_at", "issued_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    # Unguessable, written in groups ("7KQ2-M9XD-..."): the public verification page looks it up.
    code: Mapped[str] = mapped_column(String(40), unique=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"), index=True)
    booking: Mapped["Booking"] = relationship()
    # Null once the holder is anonymised (privacy): the certificate still verifies by its initials.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    user: Mapped["User | None"] = relationship(foreign_keys=[user_id])
    issued_at: Mapped[datetime] = mapped_column(default=now)
    # Who caused it to be issued: the delegate's first download, or an administrator (a re-issue).
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    replaced_at: Mapped[datetime | None]
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    replaced_by: Mapped["Certificate | None"] = relationship(remote_side=[id], foreign_keys=[replaced_by_id])
    # What the certificate says, as issued.
    holder_name: Mapped[str] = mapped_column(String(200))
    course_title: Mapped[str] = mapped_column(String(200))
    level_label: Mapped[str | None] = mapped_column(String(200))
    attended_at: Mapped[datetime]  # the session's start (naive UTC)
    duration_minutes: Mapped[int]
    learning_outcomes: Mapped[list[str]] = mapped_column(JSON, default=list)
    partnership_name: Mapped[str] = mapped_column(String(200))

    @property
    def is_current(self) -> bool:
        return self.replaced_at is None

    @property
    def holder_initials(self) -> str:
        """ "P. K." for "Priya Kaur": all the verification page says about who holds it."""
        return " ".join(f"{part[0].upper()}." for part in self.holder_name.split() if part[:1].isalpha())
