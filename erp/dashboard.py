"""Dashboard cards: apps register a function returning cards for a user.

from erp.dashboard import register_card
register_card("warehouse", lambda user: [{"title": ..., "value": ..., "url": ...}])
"""

from .permissions import has_module

_providers: list[tuple[str, object]] = []


def register_card(module: str, provider) -> None:
    if (module, provider) not in _providers:
        _providers.append((module, provider))


def dashboard_cards(user) -> list[dict]:
    cards = []
    for module, provider in _providers:
        if has_module(user, module):
            cards.extend(provider(user))
    return cards
