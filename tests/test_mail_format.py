"""What a delivered email looks like (issue 13, point 9): Date and Message-ID headers, a plain-text
and an HTML part made from the same text, and the calendar part, read back from a real SMTP server."""

from datetime import datetime
from email import message_from_bytes, policy
from email.utils import parsedate_to_datetime

from sqlalchemy import select

from training_app.bookings.services import book_place
from training_app.mail import build_email, deliver_pending, html_body, queue_email
from training_app.models import OutboxMessage

NOW = datetime(2027, 1, 11, 12, 0)


def delivered(smtp_server):
    return [message_from_bytes(m.content, policy=policy.default) for m in smtp_server.messages]


def test_booking_email_has_headers_both_parts_and_the_calendar(
    app, db, frozen_clock, make_user, make_session, smtp_server
):
    frozen_clock(NOW)
    course_session = make_session(venue="Civic Centre <Room 1> & annexe")
    user = make_user(name="Dee", email="dee@example.org")
    book_place(user, course_session.id)
    db.session.commit()
    sent_at = frozen_clock(datetime(2027, 1, 11, 12, 5))  # queued at 12:00, sent at 12:05
    assert deliver_pending() == (1, 0)
    [email] = delivered(smtp_server)
    assert parsedate_to_datetime(email["Date"]).replace(tzinfo=None) == sent_at
    message = db.session.scalars(select(OutboxMessage)).one()
    assert email["Message-ID"] == f"<outbox-{message.id}.20270111120000000000@localhost>"  # PUBLIC_BASE_URL's host
    assert email.get_content_type() == "multipart/mixed"
    [alternative, calendar] = list(email.iter_parts())
    assert alternative.get_content_type() == "multipart/alternative"
    plain = alternative.get_body(("plain",)).get_content()
    html = alternative.get_body(("html",)).get_content()
    assert "Your place is confirmed." in plain and "Your place is confirmed." in html
    assert "Civic Centre <Room 1> & annexe" in plain
    assert "Civic Centre &lt;Room 1&gt; &amp; annexe" in html and "<Room 1>" not in html
    url = f"http://localhost/sessions/{course_session.id}"
    assert url in plain and f'<a href="{url}">{url}</a>' in html
    assert calendar.get_content_type() == "text/calendar"
    assert calendar.get_param("method") == "REQUEST"
    assert calendar.get_filename() == "session.ics"
    assert "METHOD:REQUEST" in calendar.get_content() and "STATUS:CONFIRMED" in calendar.get_content()


def test_message_id_is_the_same_on_every_attempt(app, db, frozen_clock, make_user):
    frozen_clock(NOW)
    user = make_user()
    message = queue_email(user.email, "password_reset", "Reset", user=user, reset_url="u", minutes=1)
    db.session.commit()
    first = build_email(message, "a@b.test")
    frozen_clock(datetime(2027, 1, 11, 13, 0))
    again = build_email(message, "a@b.test")
    assert first["Message-ID"] == again["Message-ID"]
    assert first["Date"] != again["Date"]  # dated when it is actually sent


def test_html_keeps_paragraphs_and_line_breaks_and_escapes(app):
    with app.test_request_context():
        html = html_body('Dear <Sam>,\n\nLine one\nLine two: https://x.test/a?b=1&c=2.\n\n\nEnd "quote"')
    body = html.split("<body", 1)[1]
    assert body.count("<p ") == 3
    assert "Dear &lt;Sam&gt;," in body
    assert "Line one<br>\nLine two: " in body
    assert '<a href="https://x.test/a?b=1&amp;c=2">https://x.test/a?b=1&amp;c=2</a>.' in body
    assert "End &#34;quote&#34;" in body or "End &quot;quote&quot;" in body
