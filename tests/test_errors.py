"""One error family: DomainError carries the message a person reads and, optionally, the field; show_error
puts it beside that field, at the top of the form, or in a flash."""

from flask import get_flashed_messages
from flask_wtf import FlaskForm
from wtforms import StringField

from training_app.admin.roles import RoleError
from training_app.admin.services import AdminError, SlugTaken
from training_app.bookings.errors import BookingError, MoveNotAllowed
from training_app.errors import DomainError, show_error
from training_app.evaluations.errors import EvaluationError
from training_app.privacy.services import AccountAlreadyClosed


class NameForm(FlaskForm):
    class Meta:
        csrf = False

    name = StringField("Name")


def test_every_area_error_is_a_domain_error_with_a_message():
    for error_class in (
        BookingError,
        MoveNotAllowed,
        AdminError,
        SlugTaken,
        RoleError,
        EvaluationError,
        AccountAlreadyClosed,
    ):
        assert issubclass(error_class, DomainError)
    assert AccountAlreadyClosed().message == "This account is already closed."
    assert str(BookingError()) == BookingError.message
    error = RoleError("Choose the partnership they will run", field="partnership_id")
    assert (error.message, error.field, str(error)) == (
        "Choose the partnership they will run",
        "partnership_id",
        "Choose the partnership they will run",
    )
    assert (SlugTaken("Taken").field, MoveNotAllowed().field) == ("slug", "target_session")


def test_show_error_puts_the_message_beside_its_field_or_on_the_form(app):
    with app.test_request_context(method="POST", data={"name": "x"}):
        form = NameForm()
        form.validate()
        show_error(DomainError("That name is taken", field="name"), form)
        show_error(DomainError("Something about the whole form", field="not_on_this_form"), form)
        show_error(DomainError("No field at all"), form)
        assert form.name.errors == ["That name is taken"]
        assert form.form_errors == ["Something about the whole form", "No field at all"]
        assert get_flashed_messages() == []


def test_show_error_without_a_form_flashes_it(app):
    with app.test_request_context():
        show_error(BookingError("Booking is closed for this session."))
        assert get_flashed_messages(with_categories=True) == [("error", "Booking is closed for this session.")]


def test_show_error_on_a_form_not_yet_validated(app):
    with app.test_request_context():
        form = NameForm()  # field.errors is still a tuple before validation
        show_error(DomainError("That name is taken", field="name"), form)
        assert list(form.name.errors) == ["That name is taken"]
