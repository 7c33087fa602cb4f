"""Raw constraint names never reach users (issue #10): every check constraint and every
conditional or expression unique constraint of our apps declares a translated message, and a
constraint violation inside a view becomes that message."""

from django.apps import apps
from django.db.models import BaseConstraint, CheckConstraint, UniqueConstraint
from django.utils import translation

from erp.errors import constraint_message

DOMAIN_APPS = ("erp", "inventory", "bom", "mrp", "production", "procurement", "crm", "costing")


def _needs_message(constraint) -> bool:
    if isinstance(constraint, CheckConstraint):
        return True
    # Plain unique fields get Django's "X with this Y already exists"; the rest show the name.
    return isinstance(constraint, UniqueConstraint) and bool(constraint.condition or constraint.expressions)


def test_every_constraint_has_a_message_for_users():
    missing = [
        f"{model._meta.label}.{c.name}"
        for model in apps.get_models()
        if model._meta.app_label in DOMAIN_APPS
        for c in model._meta.constraints
        if _needs_message(c) and c.violation_error_message in (None, BaseConstraint.default_violation_error_message)
    ]
    assert not missing, f"constraints without violation_error_message: {missing}"


def test_a_database_constraint_name_becomes_its_message_in_the_users_language():
    with translation.override("en"):
        text = constraint_message("company_tolerance_0_100")
    assert "company_tolerance_0_100" not in text
    assert "tolerance" in text.lower()
    with translation.override("zh-hans"):
        assert "company_tolerance_0_100" not in constraint_message("company_tolerance_0_100")
