"""Entry point for gunicorn (`gunicorn wsgi:app`) and `flask --app wsgi`."""

from training_app import create_app

app = create_app()
