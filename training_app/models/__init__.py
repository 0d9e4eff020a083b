from .agency_leads import AgencyLead  # noqa: F401
from .bookings import Booking, ElearningCompletion  # noqa: F401
from .catalogue import Course, CourseSession  # noqa: F401
from .certificates import Certificate  # noqa: F401
from .demand import CourseInterest, OnwardDelivery  # noqa: F401
from .evaluations import EvaluationForm, EvaluationRating, EvaluationResponse  # noqa: F401
from .platform import AuditEvent, OutboxMessage  # noqa: F401
from .records import ExternalTraining, RefresherReminder, RequirementCompletion, TrainingRequirement  # noqa: F401
from .reviews import CaseReview, CourseSuite, RecommendationCourse, ReviewRecommendation  # noqa: F401
from .users import SECTORS, Agency, Partnership, User  # noqa: F401
from .venues import Venue  # noqa: F401
from .vocabulary import (  # noqa: F401
    BookingStatus,
    CertificateRelease,
    CompletionSource,
    CourseFormat,
    CourseStatus,
    EvaluationStage,
    LevelKind,
    OrganisationStatus,
    RequirementStatus,
    ReviewKind,
    Role,
    SessionStatus,
)
