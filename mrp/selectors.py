"""Reads of MRP runs for pages and for other apps (the current plan = the latest finished run).

Other helpers (net change, CTP, kitting) read the plan through `current_run()`.
"""

from django.utils.translation import gettext_lazy as _

from .models import MrpRun, PlannedOrder, PlannedStatus
from .states import RunStatus

EXCEPTIONS_SHOWN = 200


def current_run(scope: str = "all") -> MrpRun | None:
    """The current plan: the latest DONE run of the scope ("all" by default), or None."""
    return MrpRun.objects.filter(scope=scope, status=RunStatus.DONE).order_by("-finished_at", "-pk").first()


def firm_orders_of_current_run() -> list[dict]:
    """Firm, not yet converted planned orders of the current plan (one query): item_id, qty,
    release_date, due_date, pegged_to, id. The next run keeps them as they are."""
    run = current_run()
    if run is None:
        return []
    return list(
        PlannedOrder.objects.filter(run=run, firm=True, status=PlannedStatus.OPEN).values(
            "id", "item_id", "qty", "release_date", "due_date", "pegged_to"
        )
    )


def fail_stale_if_running(run: MrpRun) -> None:
    """A page showing a running run fails it when its worker stopped answering."""
    if run.status == RunStatus.RUNNING:
        from .services.runs import fail_stale_runs

        if fail_stale_runs(run_id=run.pk):
            run.refresh_from_db()


DOCUMENT_URLS = {
    "production.workorder": "production:wo_detail",
    "procurement.outsourcingorder": "procurement:outsourcing_detail",
}


def document_url(doc_type: str, doc_id: int | None) -> str:
    """The page of the document a planned order became."""
    from django.urls import reverse

    if not doc_type or doc_id is None:
        return ""
    if doc_type == "procurement.requisitionline":
        from procurement.models import RequisitionLine

        req_id = RequisitionLine.objects.filter(pk=doc_id).values_list("requisition_id", flat=True).first()
        return reverse("procurement:requisition_detail", args=[req_id]) if req_id else ""
    name = DOCUMENT_URLS.get(doc_type)
    return reverse(name, args=[doc_id]) if name else ""


def run_list():
    return MrpRun.objects.select_related("created_by").order_by("-created_at")


def planned_orders(run_id: int):
    return (
        PlannedOrder.objects.filter(run_id=run_id)
        .select_related("item", "item__uom")
        .order_by("item__code", "due_date", "release_date")
    )


def run_exceptions(run: MrpRun, limit: int = EXCEPTIONS_SHOWN):
    """The run's exception messages shown on its page (the first `limit`, with their items)."""
    return run.messages.select_related("item").order_by("id")[:limit]


# --- workbench ------------------------------------------------------------------------------

PAGE_SIZE = 50
COUNT_CAP = 10000


def filter_planned_orders(run_id: int, params) -> tuple:
    """The run's planned orders narrowed by the page's filters (bad values are ignored, never a
    500): item (code contains), planner (user id), order_type, late (1/0), firm (1/0), status, release_from/to
    (YYYY-MM-DD). Returns (queryset ordered by id = item code order, active filters dict)."""
    import datetime

    from django.db import connection

    from inventory.models import Item

    qs = PlannedOrder.objects.filter(run_id=run_id)
    active = {}
    items = Item.objects.all()
    item = (params.get("item") or "").strip()[:60]
    if item:
        items = items.filter(code__icontains=item)
        active["item"] = item
    planner = (params.get("planner") or "").strip()
    if planner.isdigit() and len(planner) < 12:
        items = items.filter(planner_id=int(planner))
        active["planner"] = planner
    if "item" in active and connection.vendor == "postgresql":
        # the orders of the matching items through the (run, item) index, the page's first rows by
        # id sorted from them: the items of a code fragment are neighbours in id order (ids follow
        # item codes), so walking the run's orders by id could pass 400,000 rows before the first
        sql, sql_params = items.order_by().values("pk").query.sql_with_params()
        qs = qs.extra(where=[f'"mrp_plannedorder"."item_id" = ANY(ARRAY({sql}))'], params=sql_params)
    elif "item" in active or "planner" in active:
        # a planner's items are spread over all codes: walking the run's orders by id finds a
        # page of them at once (a semi-join on the item)
        qs = qs.filter(item__in=items.order_by().values("pk"))
    if params.get("order_type") in ("purchase", "manufacture", "outsource"):
        qs = qs.filter(order_type=params["order_type"])
        active["order_type"] = params["order_type"]
    for name in ("late", "firm"):
        value = params.get(name)
        if value in ("1", "0", "true", "false", "True", "False"):
            flag = value in ("1", "true", "True")
            qs = qs.filter(**{name: flag})
            active[name] = "1" if flag else "0"
    if params.get("status") in (PlannedStatus.OPEN, PlannedStatus.CONVERTED):
        qs = qs.filter(status=params["status"])
        active["status"] = params["status"]
    for name, lookup in (("release_from", "release_date__gte"), ("release_to", "release_date__lte")):
        try:
            value = datetime.date.fromisoformat((params.get(name) or "").strip())
        except ValueError:
            continue
        if 1900 <= value.year <= 2999:
            qs = qs.filter(**{lookup: value})
            active[name] = value.isoformat()
    return qs.order_by("id"), active


def item_planners() -> list:
    """The users that are the planner of at least one item (the planner filter's choices), one query."""
    from django.contrib.auth import get_user_model

    from inventory.models import Item

    users = get_user_model().objects.filter(pk__in=Item.objects.filter(planner__isnull=False).values("planner_id"))
    return list(users.order_by("username"))


def planned_order_page(run: MrpRun, params) -> dict:
    """One keyset page (after=<last id>) of the filtered planned orders, a capped count and the
    quantity total of an item filter: a fixed number of indexed queries on any page."""
    from django.db.models import Sum

    qs, active = filter_planned_orders(run.pk, params)
    try:
        after = int(params.get("after") or 0)
    except ValueError:
        after = 0
    # start at the run's first order: walking by id from 0 would pass every older run's orders
    after = max(after, run.order_id_floor or 0)
    # the page's ids first (an index-only scan and a top-N sort), then those rows with their items:
    # joining before the sort would join every matching order
    ids = list(qs.filter(id__gt=after).values_list("id", flat=True)[: PAGE_SIZE + 1])
    rows = list(PlannedOrder.objects.filter(id__in=ids).select_related("item", "item__uom").order_by("id"))
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    if not active:
        count, capped = run.order_count, False
    else:
        count = qs.order_by()[: COUNT_CAP + 1].count()
        capped = count > COUNT_CAP
        count = min(count, COUNT_CAP)
    total = None
    if ("item" in active or "planner" in active) and not capped and count <= 5000:
        total = qs.order_by().aggregate(s=Sum("qty"))["s"]
    return {
        "rows": rows,
        "next_after": rows[-1].pk if more and rows else None,
        "count": count,
        "count_capped": capped,
        "total_qty": total,
        "filters": active,
    }


def planned_order_ids(run: MrpRun, params, limit: int) -> list[int]:
    """Ids of the open planned orders matching the filters (convert all that match)."""
    qs, _active = filter_planned_orders(run.pk, params)
    return list(qs.filter(status=PlannedStatus.OPEN).values_list("pk", flat=True)[: limit + 1])


def message_queryset(run_id: int):
    from .models import MrpMessage

    return MrpMessage.objects.filter(run_id=run_id).select_related("item").order_by("id")


def action_message_count() -> int:
    """Action messages of the current plan (the planner's dashboard)."""
    run = current_run()
    return run.exception_count if run else 0


# --- pegging --------------------------------------------------------------------------------

RECEIPT_KINDS = ("purchase", "manufacture", "outsource", "requisition")

SUPPLY_LABELS = {
    "stock": _("Stock"),
    "purchase": _("Purchase order"),
    "manufacture": _("Work order"),
    "outsource": _("Outsourcing order"),
    "requisition": _("Purchase requisition"),
    "planned": _("Planned order"),
}


def planned_by_seq(run_id: int, seqs) -> dict[str, PlannedOrder]:
    return {
        str(p.seq): p
        for p in PlannedOrder.objects.filter(
            run_id=run_id, seq__in=[int(s) for s in seqs if str(s).isdigit()]
        ).select_related("item")
    }


def pegs_of_planned_order(p: PlannedOrder) -> dict:
    """Both ways: the demands this planned order covers, and what its own requirements take."""
    from .models import MrpPeg

    covers = list(
        MrpPeg.objects.filter(run_id=p.run_id, supply_kind="planned", supply_ref=str(p.seq)).order_by(
            "demand_date", "id"
        )
    )
    needs = list(
        MrpPeg.objects.filter(run_id=p.run_id, demand_kind="planned", demand_ref=str(p.seq))
        .select_related("item")
        .order_by("item__code", "supply_date", "id")
    )
    seqs = {g.demand_ref for g in covers if g.demand_kind == "planned"} | {
        g.supply_ref for g in needs if g.supply_kind == "planned"
    }
    planned = planned_by_seq(p.run_id, seqs)
    for g in covers:
        g.planned = planned.get(g.demand_ref) if g.demand_kind == "planned" else None
    for g in needs:
        g.planned = planned.get(g.supply_ref) if g.supply_kind == "planned" else None
    return {"covers": covers, "needs": needs}


def supply_tree(
    run_id: int, demand_kind: str, demand_ref: str, max_levels: int = 12, max_rows: int = 1500
) -> list[dict]:
    """The multi-level supply tree of a demand (a sales-order line "SO/line", a work order …),
    flattened depth-first for one collapsible page: one query per level and demand kind. A
    supply shared by several branches is expanded once ("shown above" elsewhere)."""
    from .models import MrpPeg

    def children_of(keys: list[tuple[str, str]]) -> dict[tuple[str, str], list]:
        """Pegs of the demands `keys`: one indexed query per demand kind."""
        by_kind: dict[str, list[str]] = {}
        for kind, ref in keys:
            by_kind.setdefault(kind, []).append(ref)
        out: dict[tuple[str, str], list] = {}
        for kind, refs in by_kind.items():
            for g in (
                MrpPeg.objects.filter(run_id=run_id, demand_kind=kind, demand_ref__in=refs)
                .select_related("item")
                .order_by("item__code", "supply_date", "id")
            ):
                out.setdefault((g.demand_kind, g.demand_ref), []).append(g)
        return out

    def key_of(g) -> tuple[str, str] | None:
        if g.supply_kind == "planned":
            return ("planned", g.supply_ref)
        if g.supply_kind in ("manufacture", "outsource"):
            return ("order_material", g.supply_ref)
        return None

    levels = [children_of([(demand_kind, demand_ref)])]
    roots = levels[0].get((demand_kind, demand_ref), [])
    frontier = [k for g in roots if (k := key_of(g))]
    seen = set(frontier)
    fetched = len(roots)
    for _level in range(max_levels):
        if not frontier or fetched > max_rows:
            break
        level = children_of(frontier)
        fetched += sum(len(v) for v in level.values())
        levels.append(level)
        frontier = []
        for gs in level.values():
            for g in gs:
                k = key_of(g)
                if k and k not in seen:
                    seen.add(k)
                    frontier.append(k)
    merged: dict[tuple[str, str], list] = {}
    for level in levels:
        for k, v in level.items():
            merged.setdefault(k, v)
    planned = planned_by_seq(
        run_id,
        [ref for kind, ref in merged if kind == "planned"]
        + [g.supply_ref for gs in merged.values() for g in gs if g.supply_kind == "planned"],
    )
    rows: list[dict] = []
    expanded: set = set()

    def walk(key, depth, path):
        expanded.add(key)
        for g in merged.get(key, []):
            if len(rows) >= max_rows:
                return
            k = key_of(g)
            node_id = f"{path}-{len(rows)}"
            rows.append(
                {
                    "peg": g,
                    "depth": depth,
                    "indent": depth * 1.5,
                    "id": node_id,
                    "parent": path,
                    "planned": planned.get(g.supply_ref) if g.supply_kind == "planned" else None,
                    "supply_label": SUPPLY_LABELS.get(g.supply_kind, g.supply_kind),
                    "has_children": bool(k and merged.get(k) and k not in expanded),
                    "shown_above": bool(k and merged.get(k) and k in expanded),
                    "short": g.supply_kind == "",
                    "late": g.late,
                }
            )
            if k and depth < max_levels and k not in expanded:
                walk(k, depth + 1, node_id)

    walk((demand_kind, demand_ref), 0, "n")
    return rows


# --- the MRP record (Orlicky) ----------------------------------------------------------------


def item_record(run: MrpRun, item_id: int, bucket: str = "day") -> dict:
    """Time-phased record of one item: per bucket gross requirements, scheduled receipts,
    projected on hand, net requirements, planned receipts and planned releases, and for each
    number the documents behind it (pegs and planned orders). Three queries."""
    import datetime
    from collections import defaultdict
    from decimal import Decimal

    from inventory.models import Item

    from .models import MrpPeg

    zero = Decimal(0)
    item = Item.objects.get(pk=item_id)
    pegs = list(MrpPeg.objects.filter(run=run, item_id=item_id).order_by("id"))
    orders = list(PlannedOrder.objects.filter(run=run, item_id=item_id).order_by("due_date", "id"))
    d0 = run.run_date
    ss = zero if item.make_to_order else item.safety_stock

    def start_of(day: datetime.date) -> datetime.date:
        day = max(day, d0)
        if bucket == "week":
            return day - datetime.timedelta(days=(day - d0).days % 7)
        return day

    gross: dict = defaultdict(lambda: zero)
    sched: dict = defaultdict(lambda: zero)
    prec: dict = defaultdict(lambda: zero)
    prel: dict = defaultdict(lambda: zero)
    docs: dict = defaultdict(list)
    on_hand = zero
    for g in pegs:
        if g.demand_kind and g.demand_kind != "safety" and g.demand_date:
            b = start_of(g.demand_date)
            gross[b] += g.qty
            docs[("gross", b)].append(g)
        if g.supply_kind == "stock":
            on_hand += g.qty
        elif g.supply_kind in RECEIPT_KINDS and g.supply_date:
            b = start_of(g.supply_date)
            sched[b] += g.qty
            docs[("sched", b)].append(g)
    for p in orders:
        b = start_of(p.due_date)
        prec[b] += p.qty
        docs[("prec", b)].append(p)
        r = start_of(p.release_date)
        prel[r] += p.qty
        docs[("prel", r)].append(p)
    keys = sorted(set(gross) | set(sched) | set(prec) | set(prel) | {d0})
    if bucket == "week" and keys:
        keys = []
        day = d0
        last = max(set(gross) | set(sched) | set(prec) | set(prel) | {d0})
        while day <= last:
            keys.append(day)
            day += datetime.timedelta(days=7)
    rows = []
    poh = on_hand
    for b in keys:
        before = poh + sched[b] - gross[b]
        net = max(zero, ss - before) if before < ss else zero
        poh = before + prec[b]
        rows.append(
            {
                "date": b,
                "gross": gross[b],
                "sched": sched[b],
                "poh": poh,
                "net": net,
                "prec": prec[b],
                "prel": prel[b],
                "docs": {k: docs.get((k, b), []) for k in ("gross", "sched", "prec", "prel")},
            }
        )
    return {"item": item, "on_hand": on_hand, "safety_stock": ss, "rows": rows, "bucket": bucket}
