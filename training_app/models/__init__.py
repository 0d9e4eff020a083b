from .users import Agency, Partnership, User, ROLES, SECTORS  # noqa: F401
from .catalogue import Course, CourseSession, LEVEL_KINDS, FORMATS, SESSION_STATUSES  # noqa: F401
from .bookings import Booking, ElearningCompletion, BOOKING_STATUSES, ACTIVE_STATUSES  # noqa: F401
from .platform import AuditEvent, OutboxMessage  # noqa: F401
from .evaluations import EvaluationForm, EvaluationRating, EvaluationResponse, STAGES  # noqa: F401
