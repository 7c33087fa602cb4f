import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english_messages():
    """Service messages are asserted in English (the source language); pages keep their locale."""
    with translation.override("en"):
        yield
