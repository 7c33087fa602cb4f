"""Sales-order progress (销售订单执行进度): other apps contribute their linked orders.

Production and outsourcing register a provider at startup (AppConfig.ready):

    from crm.progress import LinkedOrder, register_provider
    register_provider(work_order_progress)

A provider is `fn(line_ids: list[int])` answering, in one bulk query, for the sales-order lines it
knows about. It returns either

- a list of `LinkedOrder` rows, one per linked order (preferred): the order's item, quantity,
  received, still to come, warning and link. The registry decides what they mean for the line:
  only orders of the line's own item count as finished goods (ordered / received / to come);
  orders of a component (child work orders, an outsourcing order for a part) add their link and
  warning only;
- or, the older form, `{line_id: Contribution}` already summed per line and counted as finished
  goods of the line (still to come = ordered − received).

`collect(line_ids)` sums them per line; `line_progress(lines)` gives the figures of a line
(`Progress`), the one definition used by the sales pages and by 以销定产 (`left_to_arrange`):

    received        finished goods received on the line's orders
    to come         still expected from its open orders (a closed or cancelled order: nothing)
    covered         received + to come (what the linked orders will have supplied)
    from stock      shipped − received, when more was shipped than the orders supplied
    to produce      quantity − from stock (what production has to supply for the line)
    completion %    received / to produce
    left to arrange to produce − covered (never below 0)
    ready to ship   received − shipped (never below 0)
"""

from dataclasses import dataclass, field
from decimal import Decimal

from erp.fields import ZERO

from .engine import completion_pct
from .states import ProgressStatus, ShipStatus

# worst first is the highest rank
WARNING_RANK = {"": 0, "due_soon": 1, "late_start": 2, "behind": 3, "short": 4, "overdue": 5}


@dataclass
class LinkedOrder:
    """One work or outsourcing order pegged to a sales-order line, as its provider sees it."""

    line_id: int
    item_id: int
    qty: Decimal  # ordered on the linked order
    received: Decimal
    to_come: Decimal  # still expected: open orders' quantity not yet received (net of scrap), else 0
    warning: str = ""  # one of WARNING_RANK
    label: str = ""
    url: str = ""


@dataclass
class Contribution:
    """What the linked orders of one line add up to (finished goods of the line's item)."""

    ordered: Decimal
    received: Decimal
    warning: str = ""  # one of "", "late_start", "due_soon", "behind", "overdue", "short"
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, url)
    to_come: Decimal | None = None  # None (older providers): ordered − received

    @property
    def expected(self) -> Decimal:
        if self.to_come is None:
            return max(ZERO, self.ordered - self.received)
        return self.to_come


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


def _line_items(line_ids) -> dict[int, int]:
    from .models import SalesOrderLine

    return dict(SalesOrderLine.objects.filter(pk__in=list(line_ids)).values_list("pk", "item_id"))


def collect(line_ids: list[int]) -> dict[int, Contribution]:
    """Sum of every provider's contribution per line (lines nobody knows are absent).

    Ordered, received and to come count orders of the line's own item only; every linked order
    adds its link and its warning (worst wins)."""
    total: dict[int, Contribution] = {}
    if not line_ids:
        return total
    items: dict[int, int] | None = None
    for fn in list(_providers):
        answer = fn(list(line_ids)) or {}
        if isinstance(answer, dict):
            for line_id, c in answer.items():
                acc = total.setdefault(line_id, Contribution(ZERO, ZERO, to_come=ZERO))
                acc.ordered += c.ordered
                acc.received += c.received
                acc.to_come += c.expected
                acc.warning = worst_warning(acc.warning, c.warning)
                acc.links.extend(c.links)
            continue
        rows = list(answer)
        if rows and items is None:
            items = _line_items(line_ids)
        for row in rows:
            acc = total.setdefault(row.line_id, Contribution(ZERO, ZERO, to_come=ZERO))
            if items.get(row.line_id) == row.item_id:
                acc.ordered += row.qty
                acc.received += row.received
                acc.to_come += max(ZERO, row.to_come)
            acc.warning = worst_warning(acc.warning, row.warning)
            if row.label:
                acc.links.append((row.label, row.url))
    return total


@dataclass
class Progress:
    """Execution progress of a sales-order line, or of an order (the sum of its lines)."""

    qty: Decimal = ZERO  # sales quantity
    shipped: Decimal = ZERO
    ordered: Decimal = ZERO  # of the line's item on linked orders (arranged)
    received: Decimal = ZERO
    to_come: Decimal = ZERO
    from_stock: Decimal = ZERO  # shipped beyond what the linked orders supplied
    warning: str = ""
    links: list = field(default_factory=list)
    arranged: bool = False  # some order is linked to the line

    @classmethod
    def of_line(cls, line, contribution: Contribution | None) -> "Progress":
        p = cls(qty=line.qty, shipped=line.delivered_qty)
        if contribution is not None:
            p.arranged = True
            p.ordered, p.received = contribution.ordered, contribution.received
            p.to_come = contribution.expected
            p.warning, p.links = contribution.warning, list(contribution.links)
        p.from_stock = max(ZERO, p.shipped - p.received)
        return p

    def add(self, other: "Progress") -> None:
        """Order totals: the sum of its lines' figures."""
        self.qty += other.qty
        self.shipped += other.shipped
        self.ordered += other.ordered
        self.received += other.received
        self.to_come += other.to_come
        self.from_stock += other.from_stock
        self.arranged = self.arranged or other.arranged
        self.warning = worst_warning(self.warning, other.warning)
        self.links.extend(other.links)

    @property
    def covered(self) -> Decimal:
        return self.received + self.to_come

    @property
    def to_produce(self) -> Decimal:
        return max(ZERO, self.qty - self.from_stock)

    @property
    def left_to_arrange(self) -> Decimal:
        return max(ZERO, self.to_produce - self.covered)

    @property
    def completion_pct(self) -> Decimal:
        return completion_pct(self.received, self.to_produce)

    @property
    def ready_to_ship(self) -> Decimal:
        return max(self.received - self.shipped, ZERO)

    @property
    def status(self) -> str:
        if not self.arranged or self.ordered <= 0:
            return ProgressStatus.UNPLANNED
        if self.received <= 0:
            return ProgressStatus.IN_PRODUCTION
        if self.received < self.to_produce:
            return ProgressStatus.PARTIAL
        return ProgressStatus.COMPLETED

    @property
    def status_label(self) -> str:
        return str(ProgressStatus(self.status).label)

    @property
    def ship_status(self) -> str:
        if self.shipped <= 0:
            return ShipStatus.NONE
        if self.shipped < self.qty:
            return ShipStatus.PARTIAL
        return ShipStatus.FULL

    @property
    def ship_status_label(self) -> str:
        return str(ShipStatus(self.ship_status).label)

    @property
    def warning_label(self) -> str:
        from .selectors import warning_label

        return warning_label(self.warning)


def line_progress(lines) -> dict[int, Progress]:
    """销售订单执行进度 per sales-order line: one call of every provider for all lines."""
    lines = list(lines)
    contributions = collect([ln.pk for ln in lines])
    return {ln.pk: Progress.of_line(ln, contributions.get(ln.pk)) for ln in lines}


def left_to_arrange(lines) -> dict[int, Decimal]:
    """以销定产: quantity of each line still to put on a work or outsourcing order."""
    return {pk: p.left_to_arrange for pk, p in line_progress(lines).items()}
