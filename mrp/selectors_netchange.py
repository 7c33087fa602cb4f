"""Reads for net change pages and the plan-freshness line every planning page shows."""

from collections.abc import Iterable

from django.db.models import Avg, Max

from inventory.models import PlanningChange

from .models import MrpRun, PlanUpdate
from .selectors import current_run
from .sources import among

UPDATES_SHOWN = 50


def plan_freshness(scope: str = "all") -> dict:
    """The current plan, its last update (when, by which change, latency) and the changes still
    pending (three small queries)."""
    run: MrpRun | None = current_run(scope)
    last = PlanUpdate.objects.filter(run=run).order_by("-created_at", "-id").first() if run is not None else None
    pending = PlanningChange.objects.filter(scope=scope, processed_at__isnull=True).count()
    updated_at = last.created_at if last else (run.finished_at if run else None)
    return {
        "run": run,
        "last_update": last,
        "updated_at": updated_at,
        "cause": last.change_text if last else "",  # in the reader's language (rendered per request)
        "pending": pending,
    }


def recent_updates(run: MrpRun | None, limit: int = UPDATES_SHOWN):
    if run is None:
        return PlanUpdate.objects.none()
    return PlanUpdate.objects.filter(run=run).order_by("-created_at", "-id")[:limit]


def latency_stats(run: MrpRun | None) -> dict:
    if run is None:
        return {"count": 0, "avg": None, "max": None}
    agg = PlanUpdate.objects.filter(run=run).aggregate(avg=Avg("latency_ms"), max=Max("latency_ms"))
    return {"count": PlanUpdate.objects.filter(run=run).count(), **agg}


# ---- the BOM around changed items, read level by level (never the whole BOM) -------------------


def default_boms(item_ids: Iterable[int]) -> dict[int, int]:
    """item id → its default BOM (bom.selectors.default_bom_ids: approved, highest version), with
    the ids as one array parameter."""
    from bom.models import Bom, version_key

    ids = sorted(set(item_ids))
    best: dict[int, tuple] = {}
    if not ids:
        return {}
    # newest first, as bom's own ordering (item code, -id) gives them per item: of two equal versions
    # the newer wins, as in default_bom_ids (without joining the items to sort by code)
    rows = Bom.objects.filter(among(Bom, "item_id", ids), status="approved").order_by("-id")
    for bid, iid, ver in rows.values_list("id", "item_id", "version"):
        if iid not in best or version_key(ver) > best[iid][0]:
            best[iid] = (version_key(ver), bid)
    return {iid: v[1] for iid, v in best.items()}


def _components(parents: set[int]) -> set[int]:
    """Components on the default BOMs of these items (mrp.sources reads the same lines)."""
    from bom.models import BomLine

    defaults = default_boms(parents)
    if not defaults:
        return set()
    return set(
        BomLine.objects.filter(among(BomLine, "bom_id", defaults.values()), line_type="component")
        .order_by()
        .values_list("component_id", flat=True)
    )


def _parents(components: set[int]) -> set[int]:
    """Items whose default BOM has one of these components."""
    from bom.models import BomLine

    found: dict[int, set[int]] = {}
    if not components:
        return set()
    rows = BomLine.objects.filter(among(BomLine, "component_id", components), line_type="component").order_by()
    for bom_id, parent in rows.values_list("bom_id", "bom__item_id"):
        found.setdefault(parent, set()).add(bom_id)
    defaults = default_boms(found)
    return {p for p, boms in found.items() if defaults.get(p) in boms}


def _passing_through(ids: set[int]) -> set[int]:
    """Active phantom items and items whose default BOM is a skip-level BOM."""
    from bom.models import Bom
    from inventory.models import Item

    if not ids:
        return set()
    phantoms = set(
        Item.objects.filter(among(Item, "id", ids), is_active=True, supply_type="phantom").values_list("pk", flat=True)
    )
    defaults = default_boms(ids - phantoms)
    if not defaults:
        return phantoms
    skip = (
        Bom.objects.filter(among(Bom, "id", defaults.values()), skip_level=True)
        .order_by()
        .values_list("item_id", flat=True)
    )
    return phantoms | set(skip)


def bom_scope(seeds: Iterable[int], *, descend: bool = True) -> tuple[set[int], set[int]]:
    """(scope, parents outside it) of changed items by the rule of mrp.engine.partial.replan_scope
    (the seeds, their BOM descendants, the phantom / skip-level parents of those, recursively),
    read from the database a BOM level at a time: a few queries per level. `descend=False`: the
    seeds without their descendants (with their phantom parents and the other parents)."""
    scope = bom_descendants(seeds) if descend else {int(s) for s in seeds}
    outside: set[int] = set()
    todo = set(scope)
    while todo:
        parents = _parents(todo) - scope - outside
        through = _passing_through(parents)
        outside |= parents - through
        scope |= through
        todo = through
    return scope, outside


def bom_descendants(item_ids: Iterable[int]) -> set[int]:
    """The items and everything below them in the BOM (a query pair per level)."""
    out: set[int] = set()
    frontier = {int(i) for i in item_ids}
    while frontier:
        out |= frontier
        frontier = _components(frontier) - out
    return out


def bom_ancestors(item_ids: Iterable[int]) -> set[int]:
    """The items and everything above them in the BOM (a query pair per level)."""
    out: set[int] = set()
    frontier = {int(i) for i in item_ids}
    while frontier:
        out |= frontier
        frontier = _parents(frontier) - out
    return out
