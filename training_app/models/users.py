import secrets

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Index, text
from werkzeug.security import check_password_hash, generate_password_hash

from ..clock import now
from ..extensions import db
from .vocabulary import Role, enum_check

ROLES = {
    "practitioner": "Practitioner",
    "trainer": "Trainer",
    "partnership_admin": "Partnership administrator",
    "system_admin": "System administrator",
}

SECTORS = [
    "Children's social care", "Police", "Health", "Education", "Early years", "Local authority",
    "Probation and youth justice", "Fire and rescue", "Housing", "Voluntary and community",
    "Faith groups", "Other",
]


class Partnership(db.Model):
    __tablename__ = "partnerships"
    id = db.Column(db.Integer, primary_key=True)
    code = db.Column(db.String(10), nullable=False, unique=True)
    name = db.Column(db.String(200), nullable=False)

    def __repr__(self):
        return f"<Partnership {self.code}>"


class Agency(db.Model):
    __tablename__ = "agencies"
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(200), nullable=False, unique=True)
    sector = db.Column(db.String(100), nullable=False)
    partnership_id = db.Column(db.ForeignKey("partnerships.id"))
    partnership = db.relationship(Partnership)


def new_calendar_token():
    return secrets.token_urlsafe(24)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        Index("uq_users_email_lower", text("lower(email)"), unique=True),
        enum_check("role", Role),
        CheckConstraint(f"role != '{Role.PARTNERSHIP_ADMIN}' OR partnership_id IS NOT NULL", name="admin_has_partnership"),
    )
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(200), nullable=False)
    email = db.Column(db.String(320), nullable=False)
    password_hash = db.Column(db.String(255), nullable=False)
    agency_id = db.Column(db.ForeignKey("agencies.id"))
    agency = db.relationship(Agency)
    job_role = db.Column(db.String(200))
    role = db.Column(db.String(30), nullable=False, default="practitioner")
    # The partnership a partnership admin runs (and an optional home partnership for others).
    partnership_id = db.Column(db.ForeignKey("partnerships.id"))
    partnership = db.relationship(Partnership)
    # Safeguarding level completed outside this system (e.g. an employer's Level 2 course).
    external_level_completed = db.Column(db.Integer)
    calendar_token = db.Column(db.String(64), nullable=False, unique=True, default=new_calendar_token)
    # Bumped to sign the person out everywhere (it is part of the login id in the cookie).
    session_version = db.Column(db.Integer, nullable=False, default=1)
    created_at = db.Column(db.DateTime, nullable=False, default=now)
    # Set when the owner follows the link emailed at registration (or a password reset link).
    email_confirmed_at = db.Column(db.DateTime)
    last_seen_at = db.Column(db.DateTime)
    closed_at = db.Column(db.DateTime)

    def set_password(self, password):
        self.password_hash = generate_password_hash(password)

    def check_password(self, password):
        return check_password_hash(self.password_hash, password)

    def get_id(self):
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self):
        return self.closed_at is None

    @property
    def role_label(self):
        return ROLES[self.role]

    @property
    def is_admin(self):
        return self.role in ("partnership_admin", "system_admin")

    @property
    def is_system_admin(self):
        return self.role == "system_admin"

    @property
    def is_trainer(self):
        return self.role == "trainer"

    def __repr__(self):
        return f"<User {self.id} {self.role}>"
