"""Dashboard cards and to-dos: apps register functions returning them for a user.

from erp.dashboard import register_card, register_todo
register_card("warehouse", lambda user: [{"title": ..., "value": ..., "url": ...}])
register_todo("warehouse", lambda user: [{"key": "pickings", "title": ..., "count": 3, "url": ...}])

To-dos are the work waiting for the user's role (hand-offs, erp.notify), counted live: one
vanishes when its count drops to 0. Links the user may not open are dropped (no dead ends).
"""

from .permissions import has_module, may_open

_providers: list[tuple[str, object]] = []
_todo_providers: list[tuple[str, object]] = []


def register_card(module: str, provider) -> None:
    if (module, provider) not in _providers:
        _providers.append((module, provider))


def register_todo(module: str, provider) -> None:
    """`provider(user)` returns dicts with key, title, count and url (the list of that work)."""
    if (module, provider) not in _todo_providers:
        _todo_providers.append((module, provider))


def dashboard_cards(user) -> list[dict]:
    cards = []
    for module, provider in _providers:
        if has_module(user, module):
            for card in provider(user):  # type: ignore[operator]
                if card.get("url") and not may_open(user, card["url"]):
                    card = {**card, "url": None}
                cards.append(card)
    return cards


def dashboard_todos(user) -> list[dict]:
    """The user's to-dos with a count above 0, each once (two modules may offer the same key)."""
    todos: list[dict] = []
    seen: set[str] = set()
    for module, provider in _todo_providers:
        if not has_module(user, module):
            continue
        for todo in provider(user):  # type: ignore[operator]
            key = todo.get("key") or todo.get("url") or todo.get("title")
            if not todo.get("count") or key in seen:
                continue
            if todo.get("url") and not may_open(user, todo["url"]):
                todo = {**todo, "url": None}
            seen.add(key)
            todos.append(todo)
    return todos
