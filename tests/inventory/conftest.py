import pytest


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in their English source text (the zh-hans catalog is checked elsewhere)."""
    from django.utils import translation

    with translation.override("en"):
        yield
