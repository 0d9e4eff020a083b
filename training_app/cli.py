"""Command-line tasks: `flask --app wsgi <command>`."""

import signal
import threading

import click
from flask import current_app

from .extensions import db
from .models import Role


def register_cli(app):
    @app.cli.command("seed-demo")
    def seed_demo_command():
        """Load the HIPS catalogue, one demo account per role and a delivered course (safe to run twice)."""
        from .demo import seed_demo

        if current_app.config["APP_ENV"] == "production":
            raise click.ClickException(
                "seed-demo adds demo accounts with published passwords, so it does not run with APP_ENV=production. "
                "Use create-admin and load-reference instead (see the README, Running in production)."
            )

        from .demo_evidence import seed_evidence

        report = seed_demo()
        report += seed_evidence()  # a delivered course for the demand report, quotes and the annual pack
        db.session.commit()
        for line in report:
            click.echo(line)

    @app.cli.command("send-mail")
    @click.option("--loop", is_flag=True, help="Keep running, checking the outbox every --interval seconds.")
    @click.option("--interval", default=30, show_default=True, help="Seconds between checks with --loop.")
    def send_mail_command(loop, interval):
        """Deliver queued emails from the outbox over SMTP (retries with backoff; never sends twice).

        SIGTERM or SIGINT (systemd stop, Ctrl-C): the message being sent is finished and marked sent,
        then the worker exits 0; the rest are left for the other workers or the next run."""
        from .mail import deliver_pending

        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        while not stop.is_set():
            sent, failed = deliver_pending(stopping=stop.is_set)
            click.echo(f"sent {sent}, failed {failed}")
            if not loop:
                break
            stop.wait(interval)

    @app.cli.command("set-role")
    @click.argument("email")
    @click.argument("role", type=click.Choice([role.value for role in Role]))
    @click.option("--partnership", help="Partnership code (HSCP, IOWSCP, PSCP, SSCP) for a partnership admin.")
    def set_role_command(email, role, partnership):
        """Give an existing account a role: how the first system administrator is appointed."""
        from .auth.services import find_user_by_email
        from .models import Partnership

        user = find_user_by_email(email)
        if user is None or user.closed_at is not None:
            raise click.ClickException(f"No open account has the email address {email}. Register it first.")
        partnership_id = None
        if role == Role.PARTNERSHIP_ADMIN:
            found = db.session.scalars(
                db.select(Partnership).where(Partnership.code == (partnership or "").upper())
            ).first()
            if found is None:
                raise click.ClickException("A partnership admin needs --partnership HSCP, IOWSCP, PSCP or SSCP.")
            partnership_id = found.id
        from .admin.roles import apply_role

        apply_role(None, user, role, partnership_id, via="command line")
        db.session.commit()
        click.echo(f"{user.email} is now {role}" + (f" of {partnership.upper()}" if partnership_id else ""))

    @app.cli.command("send-reminders")
    def send_reminders_command():
        """Queue reminder emails for sessions starting soon (safe to run repeatedly)."""
        from .bookings.reminders import send_reminders

        count = send_reminders()
        db.session.commit()
        click.echo(f"queued {count} reminders")

    @app.cli.command("expire-offers")
    def expire_offers_command():
        """Pass on waiting-list offers that have run out (safe to run repeatedly, e.g. every 5 minutes)."""
        from . import clock
        from .bookings.offers import expire_offers_on, sessions_with_expired_offers

        now = clock.now()
        session_ids = sessions_with_expired_offers(now)
        db.session.commit()  # one short transaction (one session lock) per session, below
        expired = given = sessions = 0
        for session_id in session_ids:
            result = expire_offers_on(session_id, now)
            db.session.commit()
            expired, given = expired + result.expired, given + result.given
            sessions += 1 if result.expired else 0  # another run may have got there first
        click.echo(f"expired {expired} offers on {sessions} sessions; gave {given} places to people waiting")

    @app.cli.command("expire-approvals")
    def expire_approvals_command():
        """Remind line managers at half time and let go of places whose approval ran out (safe to repeat,
        e.g. every 15 minutes)."""
        from . import clock
        from .bookings.approvals import remind_and_expire

        run = remind_and_expire(clock.now())
        click.echo(
            f"reminded {run.reminded} managers; {run.expired} requests ran out; "
            f"gave {run.given} places to people waiting"
        )

    @app.cli.command("apply-retention")
    @click.option(
        "--years",
        default=3,
        show_default=True,
        type=click.IntRange(min=1),
        help="Close accounts not used for this many years.",
    )
    def apply_retention_command(years):
        """Anonymise accounts inactive for --years years (as closing an account does)."""
        from .privacy.services import apply_retention

        closed = apply_retention(years)
        db.session.commit()
        click.echo(f"anonymised {len(closed)} accounts inactive for {years} years")

    @app.cli.command("create-admin")
    @click.argument("email")
    @click.option("--name", required=True, help="The administrator's full name.")
    def create_admin_command(email, name):
        """Create a confirmed system administrator and print a one-time link to set their password."""
        from .admin.roles import RoleError, create_system_admin
        from .auth.services import make_reset_token
        from .web import external_url

        try:
            user = create_system_admin(email, name)
        except RoleError as error:
            db.session.rollback()
            raise click.ClickException(error.message) from error
        link = external_url("auth.reset_password_page", token=make_reset_token(user))
        db.session.commit()
        minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
        click.echo(f"Created system administrator {user.name} <{user.email}>.")
        click.echo(f"They set their password at this link, which works once and for {minutes} minutes:")
        click.echo(link)
        click.echo("If it runs out, they can use 'Forgotten your password?' on the sign-in page.")

    @app.cli.command("load-reference")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--dry-run", is_flag=True, help="Report what would change, and save nothing.")
    def load_reference_command(path, dry_run):
        """Load partnerships, organisations and courses from a JSON or CSV file (safe to run twice)."""
        from pathlib import Path

        from .reference import ReferenceDataError, load_reference, read_reference

        try:
            report = load_reference(read_reference(Path(path)))
        except ReferenceDataError as error:
            db.session.rollback()
            for line in error.errors:
                click.echo(line, err=True)
            raise click.ClickException(error.message) from error
        for line in report.changes:
            click.echo(f"would change: {line}" if dry_run else line)
        for kind, tally in report.tallies.items():
            click.echo(f"{kind}: {tally.created} created, {tally.updated} updated, {tally.unchanged} unchanged")
        if dry_run:
            db.session.rollback()
            click.echo(f"Dry run: {report.created} would be created, {report.updated} updated. Nothing was saved.")
        else:
            db.session.commit()
            click.echo(f"{report.created} created, {report.updated} updated.")

    from .evaluations.cli import register_evaluation_cli

    register_evaluation_cli(app)

    from .records.cli import register_records_cli

    register_records_cli(app)
