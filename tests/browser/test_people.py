"""The People pages and the account's sign-in changes in a real browser; every page passes axe."""

from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from support import PASSWORD
from training_app.models import Booking, ElearningCompletion, User


def test_admin_finds_a_person_corrects_them_and_deactivates_then_reactivates_them(
    page, db, make_user, make_agency, make_course, make_session, partnerships, axe_check, sign_in_through_page, release
):
    admin = make_user(role="partnership_admin", partnership="HSCP", email="hana@example.org", name="Hana Admin")
    police = make_agency("Hampshire Constabulary", "Police", partnerships["HSCP"])
    officer = make_user(name="Olive Officer", email="olive@example.org", agency=police)
    make_user(name="Nina New", agency=police, email_confirmed_at=None)
    past = make_session(course=make_course(title="Child Neglect"), starts_in=timedelta(days=-5))
    upcoming = make_session(course=make_course(title="Working Together"), starts_in=timedelta(days=10))
    elearning = make_course(title="Level 1 online", format="elearning", elearning_url="https://e.example.org")
    db.session.add_all(
        [
            Booking(session=past, user=officer, status="attended", agency=police),
            Booking(session=upcoming, user=officer, status="confirmed", agency=police),
            ElearningCompletion(user=officer, course=elearning),
        ]
    )
    db.session.commit()
    officer_id, email = officer.id, admin.email
    release()

    sign_in_through_page(page, email)
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Programme").click()
    page.get_by_role("navigation", name="Manage the programme").get_by_role("link", name="People").click()
    expect(page.get_by_role("heading", name="People", exact=True)).to_be_visible()
    axe_check(page, "the people list")
    page.get_by_label("Name, email address or organisation").fill("constabulary")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#people-count")).to_contain_text("2 people matching")
    axe_check(page, "the people list, searched")

    page.get_by_role("link", name="Nina New", exact=True).click()
    axe_check(page, "an unconfirmed person's page")
    page.get_by_role("button", name="Resend the confirmation email").click()
    expect(page.get_by_text("A new confirmation link has been sent")).to_be_visible()
    page.goto(f"/admin/users/{officer_id}")
    expect(page.get_by_role("heading", name="Olive Officer")).to_be_visible()
    expect(page.get_by_role("table", name="Olive Officer's training record")).to_contain_text("Child Neglect")
    axe_check(page, "a person's page")

    page.get_by_role("button", name="Change details").click()
    page.get_by_label("Full name").fill("")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    axe_check(page, "the details form with an error")
    page.get_by_label("Full name").fill("Olive Constable")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Olive Constable's details have been saved.")).to_be_visible()

    page.get_by_role("button", name="Deactivate account").click()
    expect(page.get_by_text("This will cancel 1 future booking")).to_be_visible()
    axe_check(page, "the deactivation page")
    page.get_by_role("button", name="Deactivate account").click()
    expect(page.get_by_text("account has been deactivated and 1 future booking cancelled")).to_be_visible()
    axe_check(page, "a deactivated person's page")

    page.get_by_role("button", name="Reactivate account").click()
    axe_check(page, "the reactivation page")
    page.get_by_role("button", name="Reactivate account").click()
    expect(page.get_by_text("They can sign in again")).to_be_visible()

    page.goto(f"/admin/users/{officer_id}/role")
    axe_check(page, "the role page")
    page.get_by_role("button", name="Save role").click()
    expect(page.get_by_text("No changes to save.")).to_be_visible()

    officer = db.session.get(User, officer_id)
    assert officer.name == "Olive Constable" and officer.is_active
    statuses = sorted(db.session.scalars(select(Booking.status).where(Booking.user_id == officer_id)))
    assert statuses == ["attended", "cancelled"]
    release()


def test_person_changes_their_password_and_email_address(page, db, make_user, axe_check, sign_in_through_page, release):
    person = make_user(email="dsl@school.example", name="Dee Lead")
    email = person.email
    release()

    sign_in_through_page(page, email)
    page.goto("/account")
    page.get_by_role("link", name="Change your password").click()
    axe_check(page, "the change password page")
    page.get_by_label("Current password").fill("not-my-password")
    page.get_by_label("New password", exact=True).fill("lantern-orchard-pebble")
    page.get_by_label("Confirm new password").fill("lantern-orchard-pebble")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Your current password is not right").first).to_be_visible()
    axe_check(page, "the change password page with an error")

    page.goto("/account")
    page.get_by_role("link", name="Change your email address").click()
    axe_check(page, "the change email page")
    page.get_by_label("New email address").fill("dee.lead@school.example")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Send a confirmation link").click()
    expect(page.get_by_role("heading", name="Check your new email address")).to_be_visible()
    axe_check(page, "the email change sent page")
    page.goto("/account/email/confirm/not-a-token")
    axe_check(page, "the invalid email change link page")
