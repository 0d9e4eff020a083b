"""The floor for page benchmarks: a bare Flask + SQLAlchemy + Jinja page listing 50 rows.

    DATABASE_URL=postgresql+psycopg://... gunicorn -w 2 bench.bare_app:app

No sessions, CSRF, sign-in, security headers or GOV.UK templates: what any page of any Flask app on
the same database costs at least. `bench/pages_bench.py` measures the app's pages against it.
"""

import os

from flask import Flask, render_template_string
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import text

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
db = SQLAlchemy(app)

PAGE = """<!doctype html><html lang="en"><head><title>Courses</title></head><body><h1>Courses</h1>
<ul>{% for row in rows %}<li><a href="/courses/{{ row.slug }}">{{ row.title }}</a> ({{ row.id }})</li>{% endfor %}</ul>
</body></html>"""


@app.get("/")
def courses():
    rows = db.session.execute(text("SELECT id, slug, title FROM courses ORDER BY title, id LIMIT 50")).all()
    return render_template_string(PAGE, rows=rows)
