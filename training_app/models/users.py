from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ColumnElement, ForeignKey, Index, String, case, event, false, or_, select, text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..clock import now
from ..extensions import Model
from .vocabulary import OrganisationStatus, Role, enum_check

SECTORS = [
    "Children's social care",
    "Police",
    "Health",
    "Education",
    "Early years",
    "Local authority",
    "Probation and youth justice",
    "Fire and rescue",
    "Housing",
    "Voluntary and community",
    "Faith groups",
    "Other",
]


# After the name of an organisation that waits for an administrator's approval.
PENDING_SUFFIX = " (awaiting approval)"


class Partnership(Model):
    __tablename__ = "partnerships"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(10), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # How people reach the partnership's training team (edited by its admins; see training_app.contact).
    # A partnership without an email address is answered for by the HIPS-wide team (HELP_* settings).
    contact_email: Mapped[str | None] = mapped_column(String(320))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    opening_hours: Mapped[str | None] = mapped_column(String(200))
    # Set when the partnership stops: it keeps its courses, organisations and history, but is no
    # longer offered for new courses, organisations or administrators.
    retired_at: Mapped[datetime | None]
    # Non-attendance and managers (bookings/non_attendance.py, bookings/manager_emails.py), set by its
    # admins: whether a delegate's line manager is told of a no-show, and of their staff's bookings,
    # cancellations and completions on sessions this partnership runs; and what it charges an
    # organisation for a no-show or a late cancellation (None: nothing).
    notify_managers_of_no_shows: Mapped[bool] = mapped_column(default=False, server_default=false())
    notify_managers_of_bookings: Mapped[bool] = mapped_column(default=False, server_default=false())
    no_show_charge_pence: Mapped[int | None]
    late_cancellation_charge_pence: Mapped[int | None]

    @property
    def label(self) -> str:
        return f"{self.name} ({self.code})"

    def __repr__(self) -> str:
        return f"<Partnership {self.code}>"


class Agency(Model):
    """An organisation people work for (the pages say "organisation"; reports group by it).

    Approved ones are offered to everyone; a pending one was named by a person registering and waits
    for an administrator; a retired one is no longer offered but keeps its people and history; a
    merged one was a duplicate whose people, bookings and evaluation answers moved to `merged_into`.
    """

    __tablename__ = "agencies"
    __table_args__ = (
        enum_check("status", OrganisationStatus),
        CheckConstraint(
            f"(status = '{OrganisationStatus.MERGED}') = (merged_into_id IS NOT NULL)", name="merged_has_target"
        ),
        CheckConstraint("merged_into_id IS NULL OR merged_into_id != id", name="not_merged_into_itself"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    sector: Mapped[str] = mapped_column(String(100))
    partnership_id: Mapped[int | None] = mapped_column(ForeignKey("partnerships.id"))
    partnership: Mapped[Partnership | None] = relationship()
    status: Mapped[str] = mapped_column(String(20), default=OrganisationStatus.APPROVED)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    merged_into: Mapped[Agency | None] = relationship(remote_side=[id])
    # The person who named it at registration ("My organisation is not listed"); users and agencies
    # refer to each other, so this key is added after both tables exist (use_alter).
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL", use_alter=True))
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    created_at: Mapped[datetime] = mapped_column(default=now)

    @property
    def status_label(self) -> str:
        return OrganisationStatus(self.status).label

    @property
    def label(self) -> str:
        """The name as choice lists and reports show it: a pending one says it is waiting (`label_sql`)."""
        if self.status == OrganisationStatus.PENDING:
            return self.name + PENDING_SUFFIX
        return self.name

    @classmethod
    def label_sql(cls) -> ColumnElement[str]:
        """`label` in SQL, for reports that group by organisation."""
        return case((cls.status == OrganisationStatus.PENDING, cls.name + PENDING_SUFFIX), else_=cls.name)

    def __repr__(self) -> str:
        return f"<Agency {self.id} {self.status}>"


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


class User(UserMixin, Model):
    __tablename__ = "users"
    __table_args__ = (
        Index("uq_users_email_lower", text("lower(email)"), unique=True),
        enum_check("role", Role),
        CheckConstraint(
            f"role != '{Role.PARTNERSHIP_ADMIN}' OR partnership_id IS NOT NULL", name="admin_has_partnership"
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    password_hash: Mapped[str] = mapped_column(String(255))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    agency: Mapped[Agency | None] = relationship(foreign_keys=[agency_id])
    job_role: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(30), default=Role.PRACTITIONER)
    # The partnership a partnership admin runs (and an optional home partnership for others).
    partnership_id: Mapped[int | None] = mapped_column(ForeignKey("partnerships.id"))
    partnership: Mapped[Partnership | None] = relationship()
    # Safeguarding level completed outside this system (e.g. an employer's Level 2 course).
    external_level_completed: Mapped[int | None]
    # Their line manager, who approves bookings on courses that ask for it (no account: signed links).
    manager_name: Mapped[str | None] = mapped_column(String(200))
    manager_email: Mapped[str | None] = mapped_column(String(320))
    calendar_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_calendar_token)
    # Bumped to sign the person out everywhere (it is part of the login id in the cookie).
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=now)
    # Set when the owner follows the link emailed at registration (or a password reset link).
    email_confirmed_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # Set by an administrator: the person cannot sign in, but keeps their name, bookings and record
    # (unlike closure, which anonymises). Reactivation clears both.
    deactivated_at: Mapped[datetime | None]
    deactivated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # What calendars show about this person changed: their name, or the sessions they teach
    # (set by listeners here and in models.catalogue); feeds' Last-Modified uses it.
    calendar_changed_at: Mapped[datetime] = mapped_column(default=now)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        """Whether the person may sign in (Flask-Login refuses an inactive user)."""
        return self.closed_at is None and self.deactivated_at is None

    # --- "is this person in this partnership's area", the one definition ---
    @classmethod
    def in_area_of(cls, partnership_id: int) -> ColumnElement[bool]:
        """SQL: the person belongs to the partnership's area: it is their own partnership, or their
        organisation's. The access policy (permissions.people_condition) uses this."""
        agencies = select(Agency.id).where(Agency.partnership_id == partnership_id)
        return or_(cls.partnership_id == partnership_id, cls.agency_id.in_(agencies))

    def is_in_area_of(self, partnership_id: int) -> bool:
        """`in_area_of` for one loaded person (tests check the two agree)."""
        return self.partnership_id == partnership_id or (
            self.agency is not None and self.agency.partnership_id == partnership_id
        )

    @property
    def role_label(self) -> str:
        return Role(self.role).label

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


@event.listens_for(User.name, "set")
def _name_changed(user: User, value: str, old: object, _initiator: object) -> None:
    if value != old:
        user.calendar_changed_at = now()
