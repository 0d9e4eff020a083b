"""The closed vocabularies stored in the database: statuses, roles, kinds and formats.

Each is a `StrEnum`, so a member is the very string stored in its column and compares equal to it;
the rest of the code compares with members and the named sets below, never with bare strings
(tests/test_vocabulary.py greps for them). Each member has its display label here, and the
columns' check constraints are generated from the enums by `enum_check`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from sqlalchemy import CheckConstraint


class Vocabulary(StrEnum):
    """A value stored in a column, with the words a page shows for it (`label`)."""

    LABELS: ClassVar[dict[str, str]]

    @property
    def label(self) -> str:
        return type(self).LABELS[self]

    @classmethod
    def includes(cls, value: object) -> bool:
        """Whether `value` (say, from a query string) is one of the vocabulary's values."""
        return value in cls._value2member_map_


class BookingStatus(Vocabulary):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    # A freed place held for the first person waiting until offer_expires_at (bookings/offers.py).
    OFFERED = "offered"
    # A place held while the delegate's line manager decides, until approval_expires_at
    # (bookings/approvals.py; courses with requires_manager_approval).
    AWAITING_APPROVAL = "awaiting_approval"
    CANCELLED = "cancelled"
    ATTENDED = "attended"
    NO_SHOW = "no_show"

    # A place taken on the session (counts against capacity): confirmed, offered and held for someone,
    # held while a manager decides, and after the register whether they came or not.
    HOLDS_PLACE: ClassVar[tuple[BookingStatus, ...]]
    # Everything but cancelled: a person may have only one active booking per session.
    ACTIVE: ClassVar[tuple[BookingStatus, ...]]
    # Still to come: the person (or an admin) may cancel or move it, and is told of changes.
    OPEN: ClassVar[tuple[BookingStatus, ...]]
    # The marks a register records.
    ATTENDANCE: ClassVar[tuple[BookingStatus, ...]]


BookingStatus.LABELS = {
    BookingStatus.CONFIRMED: "Confirmed",
    BookingStatus.WAITLISTED: "On the waiting list",
    BookingStatus.OFFERED: "Offered a place",
    BookingStatus.AWAITING_APPROVAL: "Awaiting manager approval",
    BookingStatus.CANCELLED: "Cancelled",
    BookingStatus.ATTENDED: "Attended",
    BookingStatus.NO_SHOW: "Did not attend",
}
BookingStatus.HOLDS_PLACE = (
    BookingStatus.CONFIRMED,
    BookingStatus.OFFERED,
    BookingStatus.AWAITING_APPROVAL,
    BookingStatus.ATTENDED,
    BookingStatus.NO_SHOW,
)
BookingStatus.ACTIVE = tuple(status for status in BookingStatus if status != BookingStatus.CANCELLED)
BookingStatus.OPEN = (
    BookingStatus.CONFIRMED,
    BookingStatus.WAITLISTED,
    BookingStatus.OFFERED,
    BookingStatus.AWAITING_APPROVAL,
)
BookingStatus.ATTENDANCE = (BookingStatus.ATTENDED, BookingStatus.NO_SHOW)


class CourseStatus(Vocabulary):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"

    # What the course form offers; archiving and restoring are actions of their own.
    EDITABLE: ClassVar[tuple[CourseStatus, ...]]


CourseStatus.LABELS = {
    CourseStatus.DRAFT: "Draft",
    CourseStatus.PUBLISHED: "Published",
    CourseStatus.ARCHIVED: "Archived",
}
CourseStatus.EDITABLE = (CourseStatus.DRAFT, CourseStatus.PUBLISHED)


class SessionStatus(Vocabulary):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    POSTPONED = "postponed"
    COMPLETED = "completed"

    # Neither cancelled nor completed: an admin may still postpone, cancel or resize it.
    OPEN: ClassVar[tuple[SessionStatus, ...]]
    # Sessions that run (or ran): what the reports count as delivered or upcoming.
    RUNS: ClassVar[tuple[SessionStatus, ...]]


SessionStatus.LABELS = {
    SessionStatus.SCHEDULED: "Scheduled",
    SessionStatus.CANCELLED: "Cancelled",
    SessionStatus.POSTPONED: "Postponed",
    SessionStatus.COMPLETED: "Completed",
}
SessionStatus.OPEN = (SessionStatus.SCHEDULED, SessionStatus.POSTPONED)
SessionStatus.RUNS = (SessionStatus.SCHEDULED, SessionStatus.COMPLETED)


class Role(Vocabulary):
    PRACTITIONER = "practitioner"
    TRAINER = "trainer"
    PARTNERSHIP_ADMIN = "partnership_admin"
    SYSTEM_ADMIN = "system_admin"
    # A practitioner appointed to see and book their organisations' staff (models.AgencyLead; agency/).
    AGENCY_LEAD = "agency_lead"

    ADMINS: ClassVar[tuple[Role, ...]]
    # People who run training: trainers and admins (they see evaluation summaries, for one).
    STAFF: ClassVar[tuple[Role, ...]]


Role.LABELS = {
    Role.PRACTITIONER: "Practitioner",
    Role.TRAINER: "Trainer",
    Role.PARTNERSHIP_ADMIN: "Partnership administrator",
    Role.SYSTEM_ADMIN: "System administrator",
    Role.AGENCY_LEAD: "Agency training lead",
}
Role.ADMINS = (Role.PARTNERSHIP_ADMIN, Role.SYSTEM_ADMIN)
Role.STAFF = (Role.TRAINER, *Role.ADMINS)


class LevelKind(Vocabulary):
    """How a course's safeguarding level is meant; the label is a template for the level number."""

    CORE = "core"
    CONTRIBUTES = "contributes"
    SUBJECT_SPECIFIC = "subject_specific"
    INTERCOLLEGIATE = "intercollegiate"

    def describe(self, level: int | str) -> str:
        """The label for a course at `level`, e.g. "Level 3 subject specific"."""
        return self.label.format(n=level)


LevelKind.LABELS = {
    LevelKind.CORE: "Level {n}",
    LevelKind.CONTRIBUTES: "Contributes to meeting the learning outcomes at Level {n}",
    LevelKind.SUBJECT_SPECIFIC: "Level {n} subject specific",
    LevelKind.INTERCOLLEGIATE: "Intercollegiate training level {n}",
}


class CourseFormat(Vocabulary):
    FACE_TO_FACE = "face_to_face"
    LIVE_ONLINE = "live_online"
    BLENDED = "blended"
    ELEARNING = "elearning"


CourseFormat.LABELS = {
    CourseFormat.FACE_TO_FACE: "Face-to-face",
    CourseFormat.LIVE_ONLINE: "Live online",
    CourseFormat.BLENDED: "Blended (workbook, then a session)",
    CourseFormat.ELEARNING: "E-learning",
}


class EvaluationStage(Vocabulary):
    PRE = "pre"
    POST = "post"
    FOLLOW_UP = "follow_up"

    # The stages that rate each learning outcome; a delegate's pre and post ratings are paired.
    PAIRED: ClassVar[tuple[EvaluationStage, ...]]


EvaluationStage.LABELS = {
    EvaluationStage.PRE: "Pre-course evaluation",
    EvaluationStage.POST: "Post-course evaluation",
    EvaluationStage.FOLLOW_UP: "Follow-up evaluation",
}
EvaluationStage.PAIRED = (EvaluationStage.PRE, EvaluationStage.POST)


class OrganisationStatus(Vocabulary):
    """Where an organisation (an agency) stands in the reference data the partnerships keep."""

    APPROVED = "approved"
    PENDING = "pending"
    RETIRED = "retired"
    MERGED = "merged"

    # People may belong to it: approved ones are offered to everyone; a pending one only to the person
    # who named it (and anyone already in it), until an administrator approves or merges it.
    IN_USE: ClassVar[tuple[OrganisationStatus, ...]]
    # An administrator may still edit, approve, merge or retire it (a merged one is history only).
    EDITABLE: ClassVar[tuple[OrganisationStatus, ...]]


OrganisationStatus.LABELS = {
    OrganisationStatus.APPROVED: "Approved",
    OrganisationStatus.PENDING: "Waiting for approval",
    OrganisationStatus.RETIRED: "Retired",
    OrganisationStatus.MERGED: "Merged",
}
OrganisationStatus.IN_USE = (OrganisationStatus.APPROVED, OrganisationStatus.PENDING)
OrganisationStatus.EDITABLE = (OrganisationStatus.APPROVED, OrganisationStatus.PENDING, OrganisationStatus.RETIRED)


class CertificateRelease(Vocabulary):
    """When a delegate who attended a course may download its certificate of attendance."""

    # The common rule: once they have submitted the post-course evaluation.
    AFTER_EVALUATION = "after_evaluation"
    IMMEDIATE = "immediate"


CertificateRelease.LABELS = {
    CertificateRelease.AFTER_EVALUATION: "After the delegate submits the post-course evaluation",
    CertificateRelease.IMMEDIATE: "As soon as the session has ended and the delegate is marked as attended",
}


class RequirementStatus(Vocabulary):
    """Where a person stands on a training requirement (records/validity.py decides, pages and SQL alike)."""

    CURRENT = "current"
    DUE = "due"
    EXPIRED = "expired"
    NEVER = "never"


RequirementStatus.LABELS = {
    RequirementStatus.CURRENT: "Current",
    RequirementStatus.DUE: "Due for renewal",
    RequirementStatus.EXPIRED: "Expired",
    RequirementStatus.NEVER: "Never completed",
}


class CompletionSource(Vocabulary):
    """Where a completion on a person's training record comes from (records/completions.py)."""

    SESSION = "session"
    ELEARNING = "elearning"
    EXTERNAL = "external"


CompletionSource.LABELS = {
    CompletionSource.SESSION: "Attended a session",
    CompletionSource.ELEARNING: "E-learning completed",
    CompletionSource.EXTERNAL: "Recorded: training elsewhere",
}


class ReviewKind(Vocabulary):
    """The kind of review whose learning the programme carries (issue 16)."""

    LCSPR = "lcspr"
    CSPR = "cspr"
    SAR = "sar"
    DHR = "dhr"
    THEMATIC = "thematic"


ReviewKind.LABELS = {
    ReviewKind.LCSPR: "Local child safeguarding practice review (LCSPR)",
    ReviewKind.CSPR: "Child safeguarding practice review (CSPR)",
    ReviewKind.SAR: "Safeguarding adults review (SAR)",
    ReviewKind.DHR: "Domestic homicide review (DHR)",
    ReviewKind.THEMATIC: "Thematic review",
}

VOCABULARIES: tuple[type[Vocabulary], ...] = (
    BookingStatus,
    CourseStatus,
    SessionStatus,
    Role,
    LevelKind,
    CourseFormat,
    EvaluationStage,
    OrganisationStatus,
    CertificateRelease,
    RequirementStatus,
    CompletionSource,
    ReviewKind,
)


def one_of(column: str, vocabulary: type[StrEnum], nullable: bool = False) -> str:
    """SQL saying `column` holds a member of `vocabulary`: "status IN ('confirmed', ...)"."""
    values = ", ".join(f"'{member.value}'" for member in vocabulary)
    condition = f"{column} IN ({values})"
    return f"{column} IS NULL OR {condition}" if nullable else condition


def enum_check(column: str, vocabulary: type[StrEnum], nullable: bool = False) -> CheckConstraint:
    """The check constraint (named after the column) that keeps `column` within `vocabulary`."""
    return CheckConstraint(one_of(column, vocabulary, nullable), name=column)


class MessageAudience(Vocabulary):
    """Who the training team's message to a session goes to."""

    PLACES = "places"
    WAITING_LIST = "waiting_list"
    EVERYONE = "everyone"


MessageAudience.LABELS = {
    MessageAudience.PLACES: "Everyone with a place",
    MessageAudience.WAITING_LIST: "Everyone on the waiting list",
    MessageAudience.EVERYONE: "Everyone with a place or on the waiting list",
}
