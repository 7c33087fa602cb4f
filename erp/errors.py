"""Business errors. Services raise them; views and the middleware turn them into messages."""


class DomainError(Exception):
    """A business rule refused the action. `message` is already translated for the user."""

    def __init__(self, message, *, code: str = "", details=None):
        super().__init__(str(message))
        self.message = message
        self.code = code
        self.details = details or []

    def __str__(self):
        return str(self.message)


class ValidationError(DomainError):
    """Input that breaks a rule (bad quantity, unknown code)."""


class StateError(DomainError):
    """The document's status does not allow the action."""


class InsufficientStock(DomainError):
    """Posting would take stock below zero where that is not allowed."""


class ClosedPeriodError(DomainError):
    """Posting into a closed accounting period."""


class ConcurrencyError(DomainError):
    """Another user or job holds what this action needs (e.g. a run already active)."""


# Database constraint name -> message for the user (apps add theirs in AppConfig.ready()).
CONSTRAINT_MESSAGES: dict = {}


def register_constraint_messages(mapping: dict) -> None:
    CONSTRAINT_MESSAGES.update(mapping)


def constraint_message(name: str) -> str:
    from django.utils.translation import gettext as _

    message = CONSTRAINT_MESSAGES.get(name) or _declared_message(name)
    if message:
        return str(message)
    return _("The data breaks a rule of the database (a duplicate or a value out of range); nothing was saved.")


def _declared_message(name: str):
    """The `violation_error_message` a model declares for constraint `name` (None if default)."""
    if not name:
        return None
    from django.apps import apps
    from django.db.models import BaseConstraint

    for model in apps.get_models():
        for constraint in model._meta.constraints:
            if constraint.name == name and constraint.violation_error_message not in (
                None,
                BaseConstraint.default_violation_error_message,
            ):
                return constraint.violation_error_message % {"name": name}
    return None
