import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english_messages():
    """Service messages are asserted in English (pages switch language per request)."""
    translation.activate("en")
    yield
    translation.deactivate()
