"""deploy/backup.sh and deploy/restore.sh: a pg_dump of the database restores into an empty one with
every row (README, "Running on several machines"). PostgreSQL only; needs pg_dump and pg_restore."""

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from training_app.models import Booking, Course, CourseSession, User

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL") or not shutil.which("pg_dump") or not shutil.which("pg_restore"),
    reason="backups are of PostgreSQL (TEST_DATABASE_URL) with pg_dump and pg_restore",
)


def counts(connection):
    return [
        connection.execute(select(func.count()).select_from(model)).scalar_one()
        for model in (User, Course, CourseSession, Booking)
    ]


def test_a_backup_restores_into_an_empty_database(app, db, tmp_path, make_session, make_user):
    from training_app.bookings.services import book_place

    course_session = make_session(capacity=1)
    for _ in range(3):
        book_place(make_user(), course_session.id)
    db.session.commit()
    source = app.config["SQLALCHEMY_DATABASE_URI"]
    env = {**os.environ, "DATABASE_URL": source, "BACKUP_DIR": str(tmp_path)}
    dump = subprocess.run(
        [str(ROOT / "deploy/backup.sh")], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert Path(dump).is_file() and Path(dump).parent == tmp_path

    name = f"restore_{uuid.uuid4().hex[:8]}"
    server = make_url(source)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    target = server.set(database=name).render_as_string(hide_password=False)
    try:
        subprocess.run(
            [str(ROOT / "deploy/restore.sh"), dump],
            env={**os.environ, "TARGET_URL": target},
            capture_output=True,
            check=True,
        )
        restored = create_engine(target)
        with restored.connect() as conn, db.engine.connect() as original:
            assert counts(conn) == counts(original)
            assert counts(conn)[3] == 3
            assert conn.scalar(text("SELECT version_num FROM alembic_version")) == original.scalar(
                text("SELECT version_num FROM alembic_version")
            )
        restored.dispose()
    finally:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
