import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ColumnElement, ForeignKey, Index, String, event, or_, select, text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..clock import now
from ..extensions import Model
from .vocabulary import Role, enum_check

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

    def __repr__(self) -> str:
        return f"<Partnership {self.code}>"


class Agency(Model):
    __tablename__ = "agencies"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    sector: Mapped[str] = mapped_column(String(100))
    partnership_id: Mapped[int | None] = mapped_column(ForeignKey("partnerships.id"))
    partnership: Mapped[Partnership | None] = relationship()


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
    agency: Mapped[Agency | None] = relationship()
    job_role: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(30), default=Role.PRACTITIONER)
    # The partnership a partnership admin runs (and an optional home partnership for others).
    partnership_id: Mapped[int | None] = mapped_column(ForeignKey("partnerships.id"))
    partnership: Mapped[Partnership | None] = relationship()
    # Safeguarding level completed outside this system (e.g. an employer's Level 2 course).
    external_level_completed: Mapped[int | None]
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
