"""Defaults used in more than one place: config.py reads them (an environment variable may override
some), and code that runs without an application (benchmarks, unit tests) uses them directly."""

# Catalogue: courses per page.
CATALOGUE_PAGE_SIZE = 20
# People and roles: people per page.
ADMIN_USERS_PAGE_SIZE = 50
# Organisations: organisations per page.
ADMIN_ORGANISATIONS_PAGE_SIZE = 50
# Venues: venues per page.
ADMIN_VENUES_PAGE_SIZE = 50
# Issued certificates listed per page for the partnership team.
ADMIN_CERTIFICATES_PAGE_SIZE = 50
# Capacity report: sessions per page of the sessions table.
REPORT_SESSIONS_PER_PAGE = 50
# The highest page number a query string may ask for (larger numbers show the last page).
MAX_PAGE = 100_000

# Reports flag upcoming sessions within this many days that are less than this share full.
REPORTS_UNDERFILLED_DAYS = 14
REPORTS_UNDERFILLED_THRESHOLD = 0.5

# The follow-up evaluation ("has it changed your practice?") opens this many days after the session.
EVALUATION_FOLLOW_UP_DAYS = 90
# Comments on one evaluation summary page, and respondents listed for one course.
SUMMARY_COMMENTS = 50
SUMMARY_RESPONDENTS = 200
# Impact comments quoted in the annual report pack.
ANNUAL_IMPACT_COMMENTS = 6

# Blank rows at the foot of a printed sign-in sheet, for people who come without a booking.
SIGN_IN_SHEET_WALK_IN_ROWS = 8

# The waiting list (bookings/promotion.py): a freed place is held for the first person waiting for
# OFFER_HOURS, at most half the time left before the session starts, never less than OFFER_MIN_HOURS
# (or until the start, if that is sooner). Sessions more than AUTO_CONFIRM_DAYS away confirm the first
# person waiting at once instead (0 turns that off: every freed place is offered).
OFFER_HOURS = 48
OFFER_MIN_HOURS = 2
AUTO_CONFIRM_DAYS = 14

# Manager approval (bookings/approvals.py): a place is held this many working days (never past the
# session's start) for the delegate's line manager to approve or decline; they are reminded at half time.
APPROVAL_WORKING_DAYS = 5

# Interest (interest/services.py): people who asked to be told of a course's dates may book a newly
# scheduled session this many hours before booking opens to everyone.
INTEREST_HEAD_START_HOURS = 48
