"""Command-line tasks: `flask --app wsgi <command>`."""
import click


def register_cli(app):
    @app.cli.command("seed-demo")
    def seed_demo_command():
        """Load the HIPS catalogue and one demo account per role (safe to run twice)."""
        from .demo import seed_demo
        from .extensions import db
        report = seed_demo()
        db.session.commit()
        for line in report:
            click.echo(line)
