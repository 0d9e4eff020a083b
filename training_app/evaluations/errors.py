"""The evaluation area's errors: each carries the message a person reads (training_app.errors)."""

from __future__ import annotations

from ..errors import DomainError


class EvaluationError(DomainError):
    """Base class: `message` is what the person should read."""


class EvaluationNotAvailable(EvaluationError):
    """This stage is not open to this delegate (yet, or any more)."""


class AlreadySubmitted(EvaluationError):
    """The delegate has already answered this stage; answers are final."""

    @classmethod
    def for_stage(cls, stage_label: str) -> AlreadySubmitted:
        return cls(
            f"You have already submitted the {stage_label.lower()} for this course. Submitted answers are final."
        )


class QuestionsChanged(EvaluationError):
    """The questions were changed while the delegate was answering."""

    message = "The questions have changed. Check your answers and submit them again."


class OutcomeCountChanged(EvaluationError):
    """Adjusted questions must keep the number of learning outcomes, so pre and post ratings still pair."""

    message = "The number of learning outcomes cannot change once evaluations exist"
    field = "outcome_0"


class InvalidAnswers(EvaluationError):
    """Missing or out-of-range answers; `errors` maps field names to messages."""

    message = "Check your answers"

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__()
        self.errors = errors

    def by_field(self) -> list[EvaluationError]:
        """One error per answer, each naming its form field (for training_app.errors.show_error)."""
        return [EvaluationError(text, field=name) for name, text in self.errors.items()]
