"""Configuration, read from environment variables (see README, "Configuration")."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from training_app import constants

BASE_DIR = Path(__file__).resolve().parent


def database_url(raw: str | None) -> str | None:
    """Normalise a DATABASE_URL so that PostgreSQL always goes through psycopg 3."""
    if not raw:
        return raw
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix) :]
    return raw


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


class BaseConfig:
    APP_ENV = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY", "development-only-not-secret")
    # Empty means "SQLite in the instance folder"; create_app() fills it in.
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL"))
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, object] = {}
    # No pre-ping (a round trip on every checkout): see training_app/connections.py.
    DB_POOL_RECYCLE = env_int("DB_POOL_RECYCLE", 1800)  # seconds a connection is kept
    DB_IDLE_PROBE_SECONDS = env_int("DB_IDLE_PROBE_SECONDS", 60)  # probed on checkout after this long unused
    # Shared by every worker and machine: rendered calendar feeds and rate-limit counters (see README,
    # "Running on several machines"). Unset: both live in each process's memory.
    REDIS_URL = os.environ.get("REDIS_URL") or None
    # One JSON line per request on standard error (training_app/observability.py).
    REQUEST_LOG = os.environ.get("REQUEST_LOG", "1") == "1"
    # Unhandled errors go to Sentry when set (personal data scrubbed first).
    SENTRY_DSN = os.environ.get("SENTRY_DSN") or None
    # Keeps this installation's keys apart from others' on a shared Redis.
    CACHE_KEY_PREFIX = os.environ.get("CACHE_KEY_PREFIX", "hips:")
    # Keep anonymous visitors' catalogue pages without Redis (training_app/page_cache.py): right for one
    # process only, since the catalogue version then lives in the process.
    PAGE_CACHE_WITHOUT_REDIS = True
    # Proxies in front that set X-Forwarded-For/-Proto (1 behind one load balancer); 0 trusts none.
    PROXY_FIX_HOPS = env_int("PROXY_FIX_HOPS", 0)
    # Rate-limit counters' key prefix in the shared store (security.py), like CACHE_KEY_PREFIX.
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "hips-limits")
    # PostgreSQL: the annual pack's independent reads run side by side, each on its own connection
    # (training_app/reports/side_by_side.py); off, they run one after another.
    REPORT_READS_SIDE_BY_SIDE = os.environ.get("REPORT_READS_SIDE_BY_SIDE", "1") == "1"
    # PostgreSQL: the longest a transaction waits for a session's row lock before "busy, try again".
    LOCK_TIMEOUT_MS = env_int("LOCK_TIMEOUT_MS", 15000)
    SERVICE_NAME = "HIPS safeguarding children training"
    SERVER_TIMEZONE = "Europe/London"
    MAIL_FROM = os.environ.get("MAIL_FROM", "training@hips-safeguarding.example")
    # Where mail goes: "smtp" (SMTP_HOST/SMTP_PORT), "console" or "folder" (MAIL_FOLDER).
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "console")
    MAIL_FOLDER = os.environ.get("MAIL_FOLDER", str(BASE_DIR / "mail-outbox"))
    SMTP_HOST = os.environ.get("SMTP_HOST", "localhost")
    SMTP_PORT = env_int("SMTP_PORT", 25)
    SMTP_USERNAME = os.environ.get("SMTP_USERNAME")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD")
    SMTP_STARTTLS = os.environ.get("SMTP_STARTTLS", "0") == "1"
    MAIL_MAX_ATTEMPTS = env_int("MAIL_MAX_ATTEMPTS", 8)
    # The HIPS-wide training team: named wherever nothing more specific is known (signed-out visitors,
    # people outside the four areas, a partnership without contact details, an error page that cannot
    # reach the database). See training_app.contact.
    HELP_TEAM_NAME = os.environ.get("HELP_TEAM_NAME", "HIPS safeguarding children partnerships")
    HELP_EMAIL = os.environ.get("HELP_EMAIL", "training@hips-safeguarding.example")
    HELP_PHONE = os.environ.get("HELP_PHONE", "")
    HELP_OPENING_HOURS = os.environ.get("HELP_OPENING_HOURS", "Monday to Friday, 9am to 5pm")
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://localhost:5000")
    PASSWORD_RESET_MAX_AGE = env_int("PASSWORD_RESET_MAX_AGE", 3600)  # seconds
    EMAIL_CONFIRMATION_MAX_AGE = env_int("EMAIL_CONFIRMATION_MAX_AGE", 3 * 86400)  # seconds
    # Delegates may cancel until this many working days before the session.
    CANCELLATION_CUTOFF_WORKING_DAYS = env_int("CANCELLATION_CUTOFF_WORKING_DAYS", 2)
    # The waiting list: how long a freed place is held for the first person waiting, and how far ahead a
    # freed place is confirmed at once instead (see README, "Waiting list"; constants.py has the defaults).
    OFFER_HOURS = env_int("OFFER_HOURS", constants.OFFER_HOURS)
    INTEREST_HEAD_START_HOURS = env_int("INTEREST_HEAD_START_HOURS", constants.INTEREST_HEAD_START_HOURS)
    OFFER_MIN_HOURS = env_int("OFFER_MIN_HOURS", constants.OFFER_MIN_HOURS)
    AUTO_CONFIRM_DAYS = env_int("AUTO_CONFIRM_DAYS", constants.AUTO_CONFIRM_DAYS)
    APPROVAL_WORKING_DAYS = env_int("APPROVAL_WORKING_DAYS", constants.APPROVAL_WORKING_DAYS)
    REMINDER_DAYS_BEFORE = env_int("REMINDER_DAYS_BEFORE", 2)
    # The follow-up ("has it changed your practice?") opens this many days after the session.
    EVALUATION_FOLLOW_UP_DAYS = env_int("EVALUATION_FOLLOW_UP_DAYS", constants.EVALUATION_FOLLOW_UP_DAYS)
    CATALOGUE_PAGE_SIZE = constants.CATALOGUE_PAGE_SIZE
    # Reports flag upcoming sessions within this many days that are less than this share full.
    REPORTS_UNDERFILLED_DAYS = env_int("REPORTS_UNDERFILLED_DAYS", constants.REPORTS_UNDERFILLED_DAYS)
    REPORTS_UNDERFILLED_THRESHOLD = float(
        os.environ.get("REPORTS_UNDERFILLED_THRESHOLD", constants.REPORTS_UNDERFILLED_THRESHOLD)
    )
    # Certificates people upload with training done elsewhere: kept here, outside the web root, under
    # random names (training_app/records/uploads.py). Requests over MAX_UPLOAD_MB get the 413 page.
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER", str(BASE_DIR / "instance" / "uploads"))
    MAX_CONTENT_LENGTH = env_int("MAX_UPLOAD_MB", 10) * 1024 * 1024
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None


class DevelopmentConfig(BaseConfig):
    DEBUG = False


class TestingConfig(BaseConfig):
    APP_ENV = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret"
    MAIL_BACKEND = "smtp"
    PASSWORD_RESET_MAX_AGE = 3600
    REQUEST_LOG = False  # tests attach their own handler (tests/test_operations.py)
    REDIS_URL = None  # tests that need Redis name it (tests/test_two_nodes.py)


class ProductionConfig(BaseConfig):
    APP_ENV = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "smtp")
    # Several workers: without a shared REDIS_URL, one could not tell the others of a change.
    PAGE_CACHE_WITHOUT_REDIS = os.environ.get("PAGE_CACHE_WITHOUT_REDIS") == "1"

    # Also accepted as the Host of a request, besides PUBLIC_BASE_URL's (e.g. a load balancer's health check).
    EXTRA_TRUSTED_HOSTS = [host.strip() for host in os.environ.get("TRUSTED_HOSTS", "").split(",") if host.strip()]

    @classmethod
    def check(cls) -> None:
        """Refuse to start with a development default where production needs a real value."""
        required = ("SECRET_KEY", "DATABASE_URL", "PUBLIC_BASE_URL")
        missing = [name for name in required if not os.environ.get(name)]
        if missing:
            raise RuntimeError("Production configuration needs these environment variables: " + ", ".join(missing))

    @staticmethod
    def trusted_hosts(public_base_url: str, extra: list[str]) -> list[str]:
        """The Host values requests may carry: PUBLIC_BASE_URL's host (others get 400), plus `extra`."""
        host = urlsplit(public_base_url).hostname
        if not host:
            raise RuntimeError(f"PUBLIC_BASE_URL must look like https://training.example.org, not {public_base_url!r}")
        return [host, *extra]


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
