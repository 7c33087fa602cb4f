import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english_messages(request):
    """Service messages are asserted in their English source text (pages run in the user's language)."""
    if request.node.get_closest_marker("browser"):
        yield
        return
    with translation.override("en"):
        yield
