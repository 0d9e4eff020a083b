"""The migrations build exactly the schema the models describe, and can be undone."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from training_app.extensions import db as _db


@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_migrated_schema_matches_the_models(app, db):
    # SQLite cannot reflect the expression index lower(email); PostgreSQL compares it too, and
    # test_auth checks the database refuses the same address in another case on both.
    with _db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), _db.metadata)
    assert diff == []


def email_index_exists():
    with _db.engine.connect() as conn:
        return (
            conn.exec_driver_sql(
                "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'uq_users_email_lower'"
            ).scalar()
            == 1
        )


def test_downgrade_step_by_step_and_back_keeps_the_case_insensitive_email_index(tmp_path):
    from alembic.script import ScriptDirectory
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect

    from training_app import create_app

    scratch = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'scratch.db'}"})
    with scratch.app_context():
        upgrade()
        revisions = [
            r.revision
            for r in ScriptDirectory.from_config(scratch.extensions["migrate"].migrate.get_config()).walk_revisions()
        ]
        for _ in revisions[:-1]:
            downgrade(revision="-1")
            assert email_index_exists()
        downgrade(revision="base")
        assert inspect(_db.engine).get_table_names() == ["alembic_version"]
        upgrade()
        assert "bookings" in inspect(_db.engine).get_table_names() and email_index_exists()
        _db.engine.dispose()
