"""Commands of the training record: `flask --app wsgi import-elearning`, `send-refresher-reminders` and
`rebuild-compliance-summary`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask

from ..extensions import db


def register_records_cli(app: Flask) -> None:
    @app.cli.command("import-elearning")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--dry-run", is_flag=True, help="Check the file and report, saving nothing.")
    def import_elearning_command(path: str, dry_run: bool) -> None:
        """Record e-learning completions from a platform's CSV export (email, course, completed on)."""
        from .errors import RecordError
        from .importer import import_elearning

        try:
            report = import_elearning(None, Path(path).read_bytes())
        except RecordError as error:
            db.session.rollback()
            raise click.ClickException(error.message) from error
        for line in report.errors:
            click.echo(line, err=True)
        if dry_run:
            db.session.rollback()
            click.echo(
                f"Dry run: {report.created} would be recorded, {report.already} already on record, "
                f"{len(report.errors)} rows with problems. Nothing was saved."
            )
        else:
            db.session.commit()
            click.echo(
                f"{report.created} recorded, {report.already} already on record, "
                f"{len(report.errors)} rows with problems."
            )

    @app.cli.command("send-refresher-reminders")
    def send_refresher_reminders_command() -> None:
        """Email people whose training expires in 90 or 30 days (safe to run repeatedly: each once)."""
        from .reminders import send_refresher_reminders

        count = send_refresher_reminders()
        db.session.commit()
        click.echo(f"queued {count} refresher reminders")

    @app.cli.command("rebuild-compliance-summary")
    def rebuild_compliance_summary_command() -> None:
        """Recompute every person's latest completion per requirement (safe to run at any time)."""
        from .summary import rebuild_requirements

        rows = rebuild_requirements(db.session.connection())
        db.session.commit()
        click.echo(f"compliance summary rebuilt: {rows} rows")
