"""A person changes their own password and email address."""

import re

import pytest
from flask import g
from sqlalchemy import select

from support import PASSWORD
from training_app.models import AuditEvent, OutboxMessage, User

NEW_PASSWORD = "lantern-orchard-pebble"


def mail_to(db, address):
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_address == address).order_by(OutboxMessage.id)
    ).all()


def link_path(message):
    return re.search(r"https?://\S+", message.body_text).group(0).split("localhost", 1)[1]


@pytest.mark.parametrize(
    "data, message",
    [
        ({"current_password": "wrong-password-here"}, "Your current password is not right"),
        ({"confirm": "something-else-entirely"}, "Passwords must match"),
        ({"password": "short", "confirm": "short"}, "Password must be 10 characters or more"),
        ({"password": PASSWORD, "confirm": PASSWORD}, "must be different from your current one"),
    ],
)
def test_change_password_errors(client, db, login, practitioner, post_form, data, message):
    login(practitioner)
    form = {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD, **data}
    response = post_form("/account/password", form)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in html and message in html
    db.session.refresh(practitioner)
    assert practitioner.check_password(PASSWORD) and practitioner.session_version == 1
    assert mail_to(db, practitioner.email) == []


def test_change_password_keeps_this_session_ends_the_others_and_tells_the_person(
    client, db, login, practitioner, post_form
):
    login(practitioner)
    other_device_id = practitioner.get_id()
    done = post_form(
        "/account/password",
        {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        follow_redirects=True,
    )
    assert "Your password has been changed" in done.get_data(as_text=True)
    assert client.get("/account").status_code == 200  # still signed in here
    db.session.refresh(practitioner)
    assert practitioner.check_password(NEW_PASSWORD) and practitioner.session_version == 2
    [message] = mail_to(db, practitioner.email)
    assert message.subject == "Your password has been changed"
    assert db.session.scalars(select(AuditEvent.action)).all() == ["account.password_changed"]
    # Another device, still holding the old session, is signed out.
    with client.session_transaction() as session:
        session["_user_id"] = other_device_id
    assert client.get("/account").headers["Location"].startswith("/sign-in")


def request_change(post_form, new_email, password=PASSWORD):
    return post_form("/account/email", {"new_email": new_email, "password": password})


def test_change_email_by_the_link_sent_to_the_new_address(client, db, login, practitioner, post_form):
    old = practitioner.email
    login(practitioner)
    sent = request_change(post_form, "  Priya.New@Example.org ")
    assert "We have sent an email to Priya.New@Example.org" in sent.get_data(as_text=True)
    [confirm] = mail_to(db, "Priya.New@Example.org")
    [notice] = mail_to(db, old)
    assert "being changed to Priya.New@Example.org" in notice.body_text.replace("\n", " ")
    assert "If this wasn't you, contact the training team" in notice.body_text
    db.session.refresh(practitioner)
    assert practitioner.email == old  # nothing changes until the link is followed
    path = link_path(confirm)
    assert path.startswith("/account/email/confirm/")
    followed = client.get(path, follow_redirects=True)
    assert "Your email address is now Priya.New@Example.org." in followed.get_data(as_text=True)
    db.session.refresh(practitioner)
    assert practitioner.email == "Priya.New@Example.org"
    changed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "account.email_changed")).one()
    assert changed.details == {"before": old, "after": "Priya.New@Example.org"}
    # The link works once.
    assert client.get(path).status_code == 400
    # The person signs in with the new address.
    client.get("/sign-out")
    g.pop("csrf_token", None)
    signed_in = post_form("/sign-in", {"email": "priya.new@example.org", "password": PASSWORD})
    assert signed_in.status_code == 302


@pytest.mark.parametrize(
    "new_email, password, message",
    [
        ("new@example.org", "wrong-password-here", "Your current password is not right"),
        ("not-an-address", PASSWORD, "Enter an email address in the correct format"),
        ("", PASSWORD, "Enter your new email address"),
    ],
)
def test_change_email_errors(client, db, login, practitioner, post_form, new_email, password, message):
    login(practitioner)
    response = request_change(post_form, new_email, password)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in html and message in html
    assert db.session.scalars(select(OutboxMessage)).all() == []


def test_own_address_in_another_case_is_not_a_change(client, db, login, practitioner, post_form):
    login(practitioner)
    html = request_change(post_form, practitioner.email.upper()).get_data(as_text=True)
    assert "This is already your email address" in html


def test_a_taken_address_gets_a_notice_not_a_link_and_the_answer_is_the_same(
    client, db, login, practitioner, make_user, post_form
):
    make_user(email="taken@example.org")
    login(practitioner)
    html = request_change(post_form, "TAKEN@example.org").get_data(as_text=True)
    assert "We have sent an email to TAKEN@example.org" in html
    [notice] = mail_to(db, "TAKEN@example.org")
    assert notice.subject == "Someone tried to use this email address"
    assert "/account/email/confirm/" not in notice.body_text
    db.session.refresh(practitioner)
    assert practitioner.email != "TAKEN@example.org"


def test_an_address_taken_before_the_link_is_followed_is_refused(client, db, login, practitioner, make_user, post_form):
    login(practitioner)
    request_change(post_form, "wanted@example.org")
    [confirm] = mail_to(db, "wanted@example.org")
    make_user(email="Wanted@Example.org")  # someone registers the address meanwhile
    refused = client.get(link_path(confirm))
    assert refused.status_code == 400
    assert "Another account now uses this email address" in refused.get_data(as_text=True)
    db.session.refresh(practitioner)
    assert practitioner.email != "wanted@example.org"


def test_a_link_stops_working_after_a_password_change(client, db, login, practitioner, post_form):
    login(practitioner)
    request_change(post_form, "later@example.org")
    [confirm] = mail_to(db, "later@example.org")
    post_form("/account/password", {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert client.get(link_path(confirm)).status_code == 400
    assert db.session.get(User, practitioner.id).email != "later@example.org"
    assert client.get("/account/email/confirm/not-a-token").status_code == 400


def test_account_page_links_to_the_changes(client, login, practitioner):
    login(practitioner)
    html = client.get("/account").get_data(as_text=True)
    assert 'href="/account/password"' in html and 'href="/account/email"' in html
