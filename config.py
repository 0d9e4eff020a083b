"""Configuration, read from environment variables (see README, "Configuration")."""

from __future__ import annotations

import os
from pathlib import Path

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
    SECRET_KEY = os.environ.get("SECRET_KEY", "development-only-not-secret")
    # Empty means "SQLite in the instance folder"; create_app() fills it in.
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL"))
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
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
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://localhost:5000")
    PASSWORD_RESET_MAX_AGE = env_int("PASSWORD_RESET_MAX_AGE", 3600)  # seconds
    EMAIL_CONFIRMATION_MAX_AGE = env_int("EMAIL_CONFIRMATION_MAX_AGE", 3 * 86400)  # seconds
    # Delegates may cancel until this many working days before the session.
    CANCELLATION_CUTOFF_WORKING_DAYS = env_int("CANCELLATION_CUTOFF_WORKING_DAYS", 2)
    # The waiting list: how long a freed place is held for the first person waiting, and how far ahead a
    # freed place is confirmed at once instead (see README, "Waiting list"; constants.py has the defaults).
    OFFER_HOURS = env_int("OFFER_HOURS", constants.OFFER_HOURS)
    OFFER_MIN_HOURS = env_int("OFFER_MIN_HOURS", constants.OFFER_MIN_HOURS)
    AUTO_CONFIRM_DAYS = env_int("AUTO_CONFIRM_DAYS", constants.AUTO_CONFIRM_DAYS)
    REMINDER_DAYS_BEFORE = env_int("REMINDER_DAYS_BEFORE", 2)
    # The follow-up ("has it changed your practice?") opens this many days after the session.
    EVALUATION_FOLLOW_UP_DAYS = env_int("EVALUATION_FOLLOW_UP_DAYS", constants.EVALUATION_FOLLOW_UP_DAYS)
    CATALOGUE_PAGE_SIZE = constants.CATALOGUE_PAGE_SIZE
    # Reports flag upcoming sessions within this many days that are less than this share full.
    REPORTS_UNDERFILLED_DAYS = env_int("REPORTS_UNDERFILLED_DAYS", constants.REPORTS_UNDERFILLED_DAYS)
    REPORTS_UNDERFILLED_THRESHOLD = float(
        os.environ.get("REPORTS_UNDERFILLED_THRESHOLD", constants.REPORTS_UNDERFILLED_THRESHOLD)
    )
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None


class DevelopmentConfig(BaseConfig):
    DEBUG = False


class TestingConfig(BaseConfig):
    TESTING = True
    SECRET_KEY = "testing-secret"
    MAIL_BACKEND = "smtp"
    PASSWORD_RESET_MAX_AGE = 3600


class ProductionConfig(BaseConfig):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "smtp")

    @classmethod
    def check(cls) -> None:
        missing = [name for name in ("SECRET_KEY", "DATABASE_URL") if not os.environ.get(name)]
        if missing:
            raise RuntimeError("Production configuration needs these environment variables: " + ", ".join(missing))


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
