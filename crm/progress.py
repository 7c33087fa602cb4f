"""Sales-order progress (销售订单执行进度): other apps contribute their linked orders.

Production and outsourcing register a provider at startup (AppConfig.ready):

    from crm.progress import Contribution, register_provider
    register_provider(work_order_progress)

A provider is `fn(line_ids: list[int]) -> dict[int, Contribution]` answering, in one bulk query,
for each sales-order line it knows about: quantity ordered on its linked orders, quantity received
from them, the worst warning of those orders and links to them. `crm.selectors.order_progress`
sums the contributions of all providers per line.
"""

from dataclasses import dataclass, field
from decimal import Decimal

# worst first is the highest rank
WARNING_RANK = {"": 0, "due_soon": 1, "late_start": 2, "behind": 3, "short": 4, "overdue": 5}


@dataclass
class Contribution:
    ordered: Decimal
    received: Decimal
    warning: str = ""  # one of "", "late_start", "due_soon", "behind", "overdue", "short"
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, url)


_providers: list = []


def register_provider(fn) -> None:
    if fn not in _providers:
        _providers.append(fn)


def unregister_provider(fn) -> None:
    if fn in _providers:
        _providers.remove(fn)


def providers() -> list:
    return list(_providers)


def worst_warning(a: str, b: str) -> str:
    return a if WARNING_RANK.get(a, 0) >= WARNING_RANK.get(b, 0) else b


def collect(line_ids: list[int]) -> dict[int, Contribution]:
    """Sum of every provider's contribution per line (lines nobody knows are absent)."""
    total: dict[int, Contribution] = {}
    if not line_ids:
        return total
    for fn in list(_providers):
        for line_id, c in (fn(list(line_ids)) or {}).items():
            acc = total.get(line_id)
            if acc is None:
                total[line_id] = Contribution(c.ordered, c.received, c.warning, list(c.links))
            else:
                acc.ordered += c.ordered
                acc.received += c.received
                acc.warning = worst_warning(acc.warning, c.warning)
                acc.links.extend(c.links)
    return total
