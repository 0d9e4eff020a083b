"""Venues: the rooms where face-to-face sessions are held.

A venue belongs to the partnership that manages it (its admins edit it; None: a HIPS-wide venue
that only system admins edit); any session may use it. Retired venues are not offered for new
sessions but keep their history.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import now
from ..extensions import Model
from ..postcodes import map_search_url

if TYPE_CHECKING:
    from .users import Partnership


class Venue(Model):
    __tablename__ = "venues"
    __table_args__ = (CheckConstraint("room_capacity IS NULL OR room_capacity >= 1", name="room_capacity_positive"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # The street address, one line per line of the envelope (town last); without the postcode.
    address: Mapped[str] = mapped_column(Text, default="")
    # Written "SO14 7LY" (training_app.postcodes); None only for venues moved from free text (0009).
    postcode: Mapped[str | None] = mapped_column(String(10))
    map_url: Mapped[str | None] = mapped_column(String(500))
    accessibility_notes: Mapped[str] = mapped_column(Text, default="")
    parking_notes: Mapped[str] = mapped_column(Text, default="")
    # How many people the room holds; None: not known (venues moved from free text).
    room_capacity: Mapped[int | None]
    partnership_id: Mapped[int | None] = mapped_column(ForeignKey("partnerships.id"))
    partnership: Mapped[Partnership | None] = relationship()
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)
    retired_at: Mapped[datetime | None]

    @property
    def street_lines(self) -> list[str]:
        """The address lines, without the name (a venue moved from free text has its text as both)."""
        if (self.address or "").strip() == self.name.strip():
            return []
        lines = [line.strip() for line in (self.address or "").splitlines()]
        return [line for line in lines if line and line != self.name]

    @property
    def address_lines(self) -> list[str]:
        """The name, the address lines and the postcode: the full address, line by line."""
        return [self.name, *self.street_lines] + ([self.postcode] if self.postcode else [])

    @property
    def full_address(self) -> str:
        """The whole address on one line, e.g. "Civic Centre, Civic Centre Road, Southampton, SO14 7LY"."""
        return ", ".join(self.address_lines)

    @property
    def short_label(self) -> str:
        """Name and town (the last address line), for lists: "Civic Centre, Southampton"."""
        lines = self.street_lines
        if not lines or lines[-1] in self.name:
            return self.name
        return f"{self.name}, {lines[-1]}"

    @property
    def map_link(self) -> str | None:
        """The map link given, or an OpenStreetMap search for the postcode (None without either)."""
        if self.map_url:
            return self.map_url
        return map_search_url(self.postcode) if self.postcode else None

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None

    def room_refusal(self, capacity: int) -> str | None:
        """Why `capacity` places do not fit in this room, or None (also when the room size is unknown)."""
        if self.room_capacity is not None and capacity > self.room_capacity:
            people = "person" if self.room_capacity == 1 else "people"
            return (
                f"The room at {self.name} holds {self.room_capacity} {people}. "
                f"Enter {self.room_capacity} or fewer places"
            )
        return None

    def __repr__(self) -> str:
        return f"<Venue {self.id} {self.name}>"
