import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english_messages():
    """Service messages are asserted in English (pages render in the user's language)."""
    with translation.override("en"):
        yield
