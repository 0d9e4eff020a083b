"""`flask --app wsgi send-evaluation-invitations`: invite delegates to open evaluations, remind once."""

import click

from .. import clock
from ..extensions import db


def register_evaluation_cli(app):
    @app.cli.command("send-evaluation-invitations")
    def send_evaluation_invitations_command():
        """Queue evaluation invitations, and one reminder 7 days later (safe to run again: no duplicates)."""
        from .due import opening_url
        from .invitations import send_evaluation_invitations

        invitations, reminders = send_evaluation_invitations(
            clock.now(), lambda opening: opening_url(opening, absolute=True)
        )
        db.session.commit()
        click.echo(f"Queued {invitations} evaluation invitation(s) and {reminders} reminder(s).")
