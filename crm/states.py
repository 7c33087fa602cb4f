"""Statuses and allowed transitions of the sales documents."""

from django.utils.translation import gettext_lazy as _

from erp.states import Flow


class DocStatus(models_TextChoices := __import__("django.db.models", fromlist=["TextChoices"]).TextChoices):
    pass
