"""Reads of stock for other apps and pages (bulk, no per-row queries)."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db import connection, connections, models, transaction
from django.db.models import Sum, Value
from django.db.models.functions import Concat, Left, Length
from django.utils.translation import gettext as _

from erp.dbrouter import reports_alias
from erp.fields import ZERO

from .engine.deadstock import (
    DEFAULT_BOUNDS,
    NO_ISSUE,
    NO_MOVEMENT,
    DeadStockResult,
    LedgerMove,
    analyse,
    bucket_labels,
    carried_layers,
)
from .models import Item, StockBalance, StockMove, Warehouse


def on_hand_by_item(item_ids, *, warehouse_ids=None, nettable_only: bool = False) -> dict[int, Decimal]:
    """Quantity on hand per item (summed over warehouses)."""
    qs = StockBalance.objects.filter(item_id__in=list(item_ids))
    if warehouse_ids is not None:
        qs = qs.filter(warehouse_id__in=list(warehouse_ids))
    if nettable_only:
        qs = qs.filter(warehouse__nettable=True)
    out: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for row in qs.values("item_id").annotate(q=Sum("qty")):
        out[row["item_id"]] = row["q"] or ZERO
    return out


def on_hand_by_item_warehouse(item_ids, *, warehouse_ids=None) -> dict[tuple[int, int], Decimal]:
    qs = StockBalance.objects.filter(item_id__in=list(item_ids))
    if warehouse_ids is not None:
        qs = qs.filter(warehouse_id__in=list(warehouse_ids))
    return {(b["item_id"], b["warehouse_id"]): b["qty"] for b in qs.values("item_id", "warehouse_id", "qty")}


# Hints for the dead-stock report from other apps: callables (item_ids) -> {item_id: [text, ...]}.
ITEM_HINT_PROVIDERS: list = []


def register_item_hint_provider(fn) -> None:
    if fn not in ITEM_HINT_PROVIDERS:
        ITEM_HINT_PROVIDERS.append(fn)


def item_hints(item_ids) -> dict[int, list[str]]:
    out: dict[int, list[str]] = defaultdict(list)
    for provider in ITEM_HINT_PROVIDERS:
        for item_id, texts in provider(list(item_ids)).items():
            out[item_id].extend(texts)
    return out


# --- pages and reports -------------------------------------------------------------------


def on_hand_queryset():
    """On-hand by item x warehouse (quantity, value, average cost, nettable), for the inquiry."""
    from django.db.models import Case, DecimalField, ExpressionWrapper, F, When

    return (
        StockBalance.objects.exclude(qty=0, value=0)
        .select_related("item", "item__uom", "item__category", "warehouse")
        .annotate(
            avg=Case(
                When(
                    ~models.Q(qty=0),
                    then=ExpressionWrapper(
                        F("value") / F("qty"), output_field=DecimalField(max_digits=18, decimal_places=6)
                    ),
                ),
                default=None,
            )
        )
        .order_by("item__code", "warehouse__code")
    )


def item_ledger_queryset(*, running: bool = True):
    """Stock moves for the item ledger (库存明细账).

    running=True: with the running balance (结存) quantity and value per item x warehouse
    (window functions), in that order (warehouse, date, id). A running balance means something
    for one item, so callers filter to one item (and may filter a warehouse or an end date: those
    conditions only drop whole partitions or later moves, so the balances stay right); PostgreSQL
    then computes the window over that item's moves only, read in order from the index (item,
    warehouse, move_date, id).
    running=False: no balance columns, newest first (move_date, id descending): the list over all
    items, read in keyset pages (erp.keyset) from the index (move_date, id)."""
    from django.db.models import F, Window

    qs = StockMove.objects.select_related("item", "item__uom", "warehouse")
    if not running:
        return qs.order_by("-move_date", "-id")
    order = [F("move_date").asc(), F("id").asc()]
    part = [F("item_id"), F("warehouse_id")]
    return qs.annotate(
        running_qty=Window(Sum("qty"), partition_by=part, order_by=order),
        running_value=Window(Sum("value"), partition_by=part, order_by=order),
    ).order_by("item__code", "warehouse__code", "move_date", "id")


def on_hand_totals(queryset) -> dict:
    """Row count `n` and total value `v` of an on-hand list (one query: the page's pager takes its
    count from here instead of counting the rows again; no quantity total: units differ)."""
    return queryset.aggregate(n=models.Count("pk"), v=Sum("value"))


def item_stock_overview(item) -> dict:
    """The item page: stock per warehouse with totals, the latest 20 moves, unit conversions."""
    balances = list(item.balances.select_related("warehouse").exclude(qty=0, value=0).order_by("warehouse__code"))
    return {
        "balances": balances,
        "total_qty": sum((b.qty for b in balances), ZERO),
        "total_value": sum((b.value for b in balances), ZERO),
        "moves": list(item.moves.select_related("warehouse").order_by("-move_date", "-id")[:20]),
        "conversions": list(item.conversions.select_related("from_uom", "to_uom")),
    }


def document_total(lines) -> Decimal:
    """Amount of a warehouse document: line amounts (receipts, issues, transfers) or the value of
    the count differences."""
    return sum((getattr(ln, "amount", None) or getattr(ln, "diff_value", ZERO) for ln in lines), ZERO)


def value_by_category_report(*, warehouse_ids=None) -> dict:
    """分类库存金额 page: rows, chart of the top-level categories, total, xlsx rows."""
    rows = value_by_category(warehouse_ids=warehouse_ids)
    label = [str(r["category"] or _("(no category)")) for r in rows]
    return {
        "rows": rows,
        "chart": [
            {"label": lb, "value": r["value"]}
            for lb, r in zip(label, rows, strict=True)
            if r["level"] == 0 and r["value"]
        ],
        "total": sum((r["value"] for r in rows if r["level"] == 0), ZERO),
        "export": [[lb, r["items"], r["value"], r["own"]] for lb, r in zip(label, rows, strict=True)],
    }


def value_by_category(*, warehouse_ids=None) -> list[dict]:
    """Stock value and quantity per category, rolled up the category tree (one query + tree)."""
    from .models import ItemCategory

    qs = StockBalance.objects.all()
    if warehouse_ids:
        qs = qs.filter(warehouse_id__in=list(warehouse_ids))
    direct = {
        r["item__category_id"]: (r["v"] or ZERO, r["n"])
        for r in qs.values("item__category_id").annotate(v=Sum("value"), n=models.Count("item_id", distinct=True))
    }
    cats = list(ItemCategory.objects.order_by("tree_id", "lft"))
    parent = {c.pk: c.parent_id for c in cats}
    total: dict[int, Decimal] = defaultdict(lambda: ZERO)
    count: dict[int, int] = defaultdict(int)
    for cat_id, (value, n) in direct.items():
        node = cat_id
        while node is not None:  # add to the category and every ancestor
            total[node] += value
            count[node] += n
            node = parent.get(node)
    rows = [
        {
            "category": c,
            "level": c.level,
            "value": total[c.pk],
            "own": direct.get(c.pk, (ZERO, 0))[0],
            "items": count[c.pk],
        }
        for c in cats
    ]
    if None in direct:
        rows.append(
            {"category": None, "level": 0, "value": direct[None][0], "own": direct[None][0], "items": direct[None][1]}
        )
    return rows


# --- dead stock (呆滞料查询表, domain.md §6; definition: inventory/engine/deadstock.py) ----------

# Open demand of items from the apps that have it (sales-order lines, work-order materials,
# outsourcing materials): callables (item_ids) -> {item_id: open quantity in the stock unit},
# registered in those apps' AppConfig.ready (inventory imports none of them).
OPEN_DEMAND_PROVIDERS: list = []


def register_open_demand_provider(fn) -> None:
    if fn not in OPEN_DEMAND_PROVIDERS:
        OPEN_DEMAND_PROVIDERS.append(fn)


def open_demand_by_item(item_ids) -> dict[int, Decimal] | None:
    """Open demand per item, summed over the providers (one query or so each); None when no app
    provides demand (then nothing can be said about it)."""
    if not OPEN_DEMAND_PROVIDERS:
        return None
    ids = list(item_ids)
    out: dict[int, Decimal] = dict.fromkeys(ids, ZERO)
    for provider in OPEN_DEMAND_PROVIDERS:
        for item_id, qty in provider(ids).items():
            if item_id in out and qty:
                out[item_id] += qty
    return out


@dataclass
class DeadStockReport:
    """One run of the report: `rows` (the page asked for, or all rows), and over ALL matching rows
    `count`, value per bucket (`totals`, the chart) and `dead_value`."""

    labels: list[str]
    rows: list[dict]
    count: int
    totals: list[Decimal]
    dead_value: Decimal
    page_obj: Page | None = None

    @classmethod
    def empty(cls, bounds=None) -> "DeadStockReport":
        """No rows (the form has errors)."""
        labels = bucket_labels(tuple(bounds or DEFAULT_BOUNDS))
        return cls(labels, [], 0, [ZERO] * len(labels), ZERO, Paginator([], 50).get_page(1))

    @property
    def chart(self) -> list[dict]:
        return [
            {"label": lb, "value": v, "display": f"{v:,.2f}"} for lb, v in zip(self.labels, self.totals, strict=True)
        ]


def _reversed_keys(as_of):
    """Moves cancelled on or before `as_of`: an original with its reversal is no move at all."""
    return StockMove.objects.filter(
        reversal=True,
        move_date__lte=as_of,
        source_type=models.OuterRef("source_type"),
        source_id=models.OuterRef("source_id"),
        source_line=models.OuterRef("source_line"),
        kind=models.OuterRef("kind"),
    )


def effective_moves(as_of):
    """The moves that count up to `as_of`: no reversal, and no original whose reversal is dated
    on or before `as_of` (a receipt cancelled the next day never happened)."""
    return StockMove.objects.filter(move_date__lte=as_of, reversal=False).exclude(models.Exists(_reversed_keys(as_of)))


def _transfer_pairs(as_of, item_ids=None) -> list[tuple[int, int, int]]:
    """(receiving move, issuing move, item) of the transfers up to `as_of`: one document line
    posted as `<name>_out` from one warehouse and `<name>_in` into another (inventory transfers,
    material sent to a subcontractor and back)."""
    ins = effective_moves(as_of).filter(kind__endswith="_in", qty__gt=0)
    if item_ids is not None:
        ins = ins.filter(item_id__in=list(item_ids))
    outs = StockMove.objects.filter(
        reversal=False,
        source_type=models.OuterRef("source_type"),
        source_id=models.OuterRef("source_id"),
        source_line=models.OuterRef("source_line"),
        item_id=models.OuterRef("item_id"),
        kind=Concat(Left(models.OuterRef("kind"), Length(models.OuterRef("kind")) - 3), Value("_out")),
        qty=-models.OuterRef("qty"),
    ).exclude(warehouse_id=models.OuterRef("warehouse_id"))
    rows = (
        ins.annotate(out_id=models.Subquery(outs.values("pk")[:1]))
        .filter(out_id__isnull=False)
        .values_list("pk", "out_id", "item_id")
    )
    return list(rows)


def _carried(as_of, category_ids) -> dict[int, list]:
    """{receiving move: [(receipt date, qty), ...]} for the transfers up to `as_of` (engine
    `carried_layers` over the effective moves of the transferred items, every warehouse)."""
    item_ids = None
    if category_ids is not None:
        item_ids = Item.objects.filter(category_id__in=category_ids).values("pk")
    pairs = _transfer_pairs(as_of, item_ids)
    if not pairs:
        return {}
    transfer_of = {i: o for i, o, _item in pairs}
    by_item: dict[int, list[LedgerMove]] = defaultdict(list)
    rows = (
        effective_moves(as_of)
        .filter(item_id__in={item for _i, _o, item in pairs})
        .exclude(qty=0)
        .values_list("pk", "item_id", "warehouse_id", "move_date", "qty")
    )
    for pk, item_id, wh_id, day, qty in rows:
        by_item[item_id].append(LedgerMove(pk, wh_id, day, qty, transfer_of.get(pk)))
    out: dict[int, list] = {}
    for moves in by_item.values():
        out.update(carried_layers(moves))
    return out


def _category_ids(category_ids) -> list[int] | None:
    if not category_ids:
        return None
    from .models import ItemCategory

    cats = ItemCategory.objects.filter(pk__in=list(category_ids)).get_descendants(include_self=True)
    return list(cats.values_list("pk", flat=True))


_DEAD_STOCK_SQL = """
WITH rev AS (
    SELECT source_type, source_id, source_line, kind FROM inventory_stockmove
    WHERE reversal AND move_date <= %(as_of)s
), c AS (
    SELECT * FROM unnest(%(c_move)s::bigint[], %(c_seq)s::int[], %(c_date)s::date[], %(c_qty)s::numeric[])
        AS c(move_id, seq, layer_date, qty)
), moves AS (
    -- the effective moves; a transfer-in split into the layers it carries
    SELECT sm.item_id, sm.warehouse_id, sm.move_date AS arrival, 0 AS carried, sm.id AS mid, 0 AS seq,
           sm.move_date AS layer_date, sm.qty, sm.value
    FROM inventory_stockmove sm
    WHERE NOT sm.reversal AND sm.move_date <= %(as_of)s {where}
      AND NOT EXISTS (SELECT 1 FROM rev WHERE rev.source_type = sm.source_type AND rev.source_id = sm.source_id
                      AND rev.source_line = sm.source_line AND rev.kind = sm.kind)
      AND NOT EXISTS (SELECT 1 FROM c WHERE c.move_id = sm.id)
    UNION ALL
    SELECT sm.item_id, sm.warehouse_id, sm.move_date, 1, sm.id, c.seq, c.layer_date, c.qty,
           CASE WHEN c.seq = 0 THEN sm.value ELSE 0 END
    FROM c JOIN inventory_stockmove sm ON sm.id = c.move_id
    WHERE TRUE {where}
), w AS (
    -- per item x warehouse (whole partition): stock, value, dates; per receipt, newest arrival
    -- first: the receipts at or after it (what is left of a layer: on hand minus the newer ones)
    SELECT moves.*, SUM(qty) OVER whole AS on_hand, SUM(value) OVER whole AS total_value,
           MIN(layer_date) FILTER (WHERE qty > 0) OVER whole AS first_receipt,
           MAX(arrival) FILTER (WHERE qty > 0) OVER whole AS last_receipt,
           MAX(arrival) FILTER (WHERE qty < 0) OVER whole AS last_issue,
           MAX(arrival) FILTER (WHERE qty <> 0) OVER whole AS last_move,
           SUM(qty) FILTER (WHERE qty > 0) OVER newest_first AS newer,
           ROW_NUMBER() OVER newest_first AS rn
    FROM moves
    WINDOW whole AS (PARTITION BY item_id, warehouse_id),
           newest_first AS (PARTITION BY item_id, warehouse_id
                            ORDER BY arrival DESC, carried DESC, mid DESC, seq DESC ROWS UNBOUNDED PRECEDING)
), x AS MATERIALIZED (
    -- one row per item x warehouse (rn = 1) and the layers still on hand
    SELECT item_id, warehouse_id, rn, arrival, carried, mid, seq, layer_date, on_hand, total_value, first_receipt,
           last_receipt, last_issue, last_move, %(as_of)s::date - {since} AS idle_days,
           COALESCE(%(as_of)s::date - {since} >= %(threshold)s AND on_hand > 0, FALSE) AS dead,
           CASE WHEN qty > 0 THEN GREATEST(LEAST(qty, on_hand - (newer - qty)), 0) ELSE 0 END AS left_qty
    FROM w WHERE rn = 1 OR (qty > 0 AND newer - qty < on_hand)
), f AS MATERIALIZED (
    SELECT item_id, warehouse_id, on_hand, total_value AS value, first_receipt, last_receipt, last_issue, last_move,
           idle_days, dead
    FROM x WHERE rn = 1 AND (%(include_zero)s OR on_hand <> 0) AND (NOT %(only_dead)s OR dead)
), lv AS MATERIALIZED (
    -- layers on hand (so stock > 0: every such item x warehouse is in f unless only dead ones are asked)
    SELECT item_id, warehouse_id, arrival, carried, mid, seq, layer_date, left_qty, {bucket_case} AS bucket,
           ROUND(left_qty * total_value / on_hand, 2) AS v
    FROM x WHERE left_qty > 0 AND (NOT %(only_dead)s OR dead)
), page AS MATERIALIZED (
    SELECT p.*, ROW_NUMBER() OVER (ORDER BY p.dead DESC, COALESCE(p.idle_days, 0) DESC, p.item_code, p.wh_code) AS ord
    FROM (
        SELECT f.*, i.code COLLATE "C" AS item_code, w.code COLLATE "C" AS wh_code
        FROM f JOIN inventory_item i ON i.id = f.item_id JOIN inventory_warehouse w ON w.id = f.warehouse_id
        ORDER BY f.dead DESC, COALESCE(f.idle_days, 0) DESC, i.code COLLATE "C", w.code COLLATE "C"
        LIMIT %(limit)s OFFSET %(offset)s
    ) p
)
SELECT 'T' AS rk, NULL::bigint AS item_id, NULL::bigint AS warehouse_id, COUNT(*) AS ord, NULL::int AS bucket,
       NULL::numeric AS qty, COALESCE(SUM(value) FILTER (WHERE dead), 0) AS v, NULL::date AS layer_date,
       NULL::numeric AS on_hand, NULL::numeric AS value, NULL::date AS first_receipt, NULL::date AS last_receipt,
       NULL::date AS last_issue, NULL::date AS last_move, NULL::int AS idle_days, NULL::bool AS dead
FROM f
UNION ALL
SELECT 'B', NULL, NULL, NULL, bucket, NULL, SUM(v), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM lv GROUP BY bucket
UNION ALL
SELECT 'P', item_id, warehouse_id, ord, NULL, NULL, NULL, NULL, on_hand, value, first_receipt, last_receipt,
       last_issue, last_move, idle_days, dead
FROM page
UNION ALL
SELECT 'L', lv.item_id, lv.warehouse_id, ROW_NUMBER() OVER (ORDER BY lv.arrival, lv.carried, lv.mid, lv.seq), lv.bucket,
       lv.left_qty, lv.v, lv.layer_date, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM lv JOIN page ON page.item_id = lv.item_id AND page.warehouse_id = lv.warehouse_id
"""


def _dead_stock_sql(*, as_of, threshold, criterion, bounds, warehouse_ids, category_ids, include_zero, only_dead,
                    carried, limit, offset):  # fmt: skip
    """One statement (PostgreSQL): effective moves, FIFO layers as sums over the newer arrivals
    (window functions), buckets, idle days, filters, totals, one page of rows and their layers."""
    n = len(bounds) + 1
    where = ""
    params: dict = {
        "as_of": as_of,
        "threshold": threshold,
        "include_zero": include_zero,
        "only_dead": only_dead,
        "limit": limit,
        "offset": offset,
    }
    if warehouse_ids:
        where += " AND sm.warehouse_id = ANY(%(whs)s)"
        params["whs"] = list(warehouse_ids)
    if category_ids is not None:
        where += " AND sm.item_id IN (SELECT id FROM inventory_item WHERE category_id = ANY(%(cats)s))"
        params["cats"] = category_ids
    c_move, c_seq, c_date, c_qty = [], [], [], []
    for move_id, parts in carried.items():
        for seq, (day, qty) in enumerate(parts):
            c_move.append(move_id)
            c_seq.append(seq)
            c_date.append(day)
            c_qty.append(qty)
    params.update(c_move=c_move, c_seq=c_seq, c_date=c_date, c_qty=c_qty)
    case = ["CASE"]
    for k, b in enumerate(bounds):
        case.append(f"WHEN %(as_of)s::date - layer_date <= %(b{k})s THEN {k}")
        params[f"b{k}"] = int(b)
    case.append(f"ELSE {n - 1} END")
    sql = _DEAD_STOCK_SQL.format(
        where=where,
        bucket_case=" ".join(case),
        since="last_move" if criterion == NO_MOVEMENT else "COALESCE(last_issue, first_receipt)",
    )
    with connections[reports_alias()].cursor() as cur:
        # the row estimates of the window results are far too low: nested loops would look up
        # every item by index; hash joins read the tables once
        cur.execute("SET LOCAL enable_nestloop = off")
        cur.execute(sql, params)
        fetched = cur.fetchall()
        cur.execute("SET LOCAL enable_nestloop = on")
    count, dead_value, totals = 0, ZERO, [ZERO] * n
    page: dict[tuple[int, int], DeadStockResult] = {}
    order: list[tuple[int, int, int]] = []
    fetched.sort(key=lambda row: (row[0] == "L", row[3] or 0))  # layers last, oldest arrival first
    for rk, item_id, wh_id, ord_, bucket, qty, v, layer_date, *rest in fetched:
        if rk == "T":
            count, dead_value = ord_, v
        elif rk == "B":
            totals[bucket] = v
        elif rk == "P":
            on_hand, value, first_receipt, last_receipt, last_issue, last_move, idle_days, dead = rest
            page[(item_id, wh_id)] = DeadStockResult(
                on_hand=on_hand,
                value=value,
                unit_cost=(value / on_hand) if on_hand > 0 else ZERO,
                first_receipt=first_receipt,
                last_receipt=last_receipt,
                last_issue=last_issue,
                last_move=last_move,
                idle_days=idle_days,
                dead=dead,
                bucket_qty=[ZERO] * n,
                bucket_value=[ZERO] * n,
            )
            order.append((ord_, item_id, wh_id))
        else:
            res = page[(item_id, wh_id)]
            res.bucket_qty[bucket] += qty
            res.bucket_value[bucket] += v
            res.layers.append((layer_date, qty, (as_of - layer_date).days))
    results = [(item_id, wh_id, page[(item_id, wh_id)]) for _o, item_id, wh_id in sorted(order)]
    return count, totals, dead_value, results


def _dead_stock_python(*, as_of, threshold, criterion, bounds, warehouse_ids, category_ids, include_zero, only_dead,
                       carried, limit, offset, with_layers=False):  # fmt: skip
    """The same with the engine (other databases than PostgreSQL: the quick start's SQLite)."""
    qs = effective_moves(as_of).exclude(qty=0)
    if warehouse_ids:
        qs = qs.filter(warehouse_id__in=list(warehouse_ids))
    if category_ids is not None:
        qs = qs.filter(item__category_id__in=category_ids)
    days: dict[tuple[int, int], dict] = defaultdict(dict)
    for pk, item_id, wh_id, day, qty, value in qs.order_by("move_date", "pk").values_list(
        "pk", "item_id", "warehouse_id", "move_date", "qty", "value"
    ):
        d = days[(item_id, wh_id)].setdefault(day, [day, ZERO, ZERO, ZERO, [], []])
        d[3] += value
        if qty > 0:
            d[1] += qty
            if pk in carried:
                d[5].extend(carried[pk])
            else:
                d[4].append((day, qty))
        else:
            d[2] -= qty
    results = []
    for (item_id, wh_id), by_day in days.items():
        rows = [(day, rq, iq, v, plain + moved) for day, rq, iq, v, plain, moved in by_day.values()]
        res = analyse(rows, as_of=as_of, idle_threshold=threshold, criterion=criterion, bounds=bounds)
        if res.on_hand == 0 and not include_zero:
            continue
        results.append((item_id, wh_id, res))
    codes = dict(Item.objects.filter(pk__in={i for i, _w, _r in results}).values_list("pk", "code"))
    wh_codes = dict(Warehouse.objects.values_list("pk", "code"))
    results.sort(key=lambda x: (not x[2].dead, -(x[2].idle_days or 0), codes[x[0]], wh_codes[x[1]]))
    if only_dead:
        results = [r for r in results if r[2].dead]
    totals = [sum((r.bucket_value[k] for _i, _w, r in results), ZERO) for k in range(len(bounds) + 1)]
    dead_value = sum((r.value for _i, _w, r in results if r.dead), ZERO)
    end = None if limit is None else offset + limit
    return len(results), totals, dead_value, results[offset:end]


class _Rows(Sequence):
    """What the Paginator slices: the row count of the whole report, and the rows of one page
    fetched when the paginator asks for them (the first fetch is reused)."""

    def __init__(self, count, offset, rows, fetch):
        self._count, self._offset, self._rows, self._fetch = count, offset, rows, fetch

    def count(self):
        return self._count

    def __len__(self):
        return self._count

    def __getitem__(self, index):
        if not isinstance(index, slice):
            raise TypeError("rows are read a page at a time")
        start = index.start or 0
        if start != self._offset or len(self._rows) < min(index.stop, self._count) - start:
            self._offset, self._rows = start, self._fetch(start, index.stop - start)
        return self._rows


def dead_stock_report(
    *,
    as_of,
    idle_threshold: int = 90,
    criterion: str = NO_ISSUE,
    warehouse_ids=None,
    category_ids=None,
    include_zero: bool = False,
    bounds=None,
    only_dead: bool = False,
    page=None,
    per_page: int = 50,
) -> DeadStockReport:
    """呆滞料查询表 (domain.md §6). `page` (a page number as given, e.g. from the query string):
    only that page's rows are built, with their hints and open demand; None: every row (export).
    Count, bucket totals and dead value always cover all matching rows. On PostgreSQL one
    statement does it all (plus one to find transfers); elsewhere the engine does."""
    alias = reports_alias()
    with transaction.atomic(using=alias):
        if connections[alias].vendor == "postgresql":
            with connections[alias].cursor() as cur:
                # JIT-compiling these statements takes longer than running them; the sort of the
                # moves fits in memory
                cur.execute("SET LOCAL jit = off; SET LOCAL work_mem = '64MB'")
        return _dead_stock_report(
            as_of=as_of,
            idle_threshold=idle_threshold,
            criterion=criterion,
            warehouse_ids=warehouse_ids,
            category_ids=category_ids,
            include_zero=include_zero,
            bounds=bounds,
            only_dead=only_dead,
            page=page,
            per_page=per_page,
        )


def _dead_stock_report(
    *, as_of, idle_threshold, criterion, warehouse_ids, category_ids, include_zero, bounds, only_dead, page, per_page,
) -> DeadStockReport:  # fmt: skip
    bounds = tuple(bounds or DEFAULT_BOUNDS)
    cats = _category_ids(category_ids)
    carried = _carried(as_of, cats)
    compute = _dead_stock_sql if connection.vendor == "postgresql" else _dead_stock_python
    args = {
        "as_of": as_of,
        "threshold": idle_threshold,
        "criterion": criterion,
        "bounds": bounds,
        "warehouse_ids": warehouse_ids,
        "category_ids": cats,
        "include_zero": include_zero,
        "only_dead": only_dead,
        "carried": carried,
    }
    labels = bucket_labels(bounds)
    if page is None:
        count, totals, dead_value, results = compute(**args, limit=None, offset=0)
        return DeadStockReport(labels, _dead_stock_rows(results), count, totals, dead_value)
    try:
        guess = max(int(str(page)), 1) if str(page).isdigit() else 1
    except ValueError:
        guess = 1
    offset = (guess - 1) * per_page
    count, totals, dead_value, results = compute(**args, limit=per_page, offset=offset)

    def fetch(start, size):
        return compute(**args, limit=size, offset=start)[3]

    page_obj = Paginator(_Rows(count, offset, results, fetch), per_page).get_page(page)
    page_obj.object_list = _dead_stock_rows(page_obj.object_list)
    return DeadStockReport(labels, page_obj.object_list, count, totals, dead_value, page_obj)


def _dead_stock_rows(results) -> list[dict]:
    """Rows with item, warehouse, result, hints and open demand (a few queries for all rows)."""
    items = Item.objects.select_related("uom", "category").in_bulk({i for i, _w, _r in results})
    whs = Warehouse.objects.in_bulk({w for _i, w, _r in results})
    hints = item_hints(items.keys()) if items else {}
    demand = open_demand_by_item(items.keys()) if items else None
    rows = []
    for i, w, r in results:
        texts = list(hints.get(i, []))
        open_qty = demand.get(i, ZERO) if demand is not None else None
        if open_qty is not None and open_qty <= 0:
            texts.append(_("no open demand"))
        rows.append({"item": items[i], "warehouse": whs[w], "result": r, "hints": texts, "open_demand": open_qty})
    return rows


def dead_stock(**params) -> list[dict]:
    """Every row of the report (`dead_stock_report` without a page)."""
    return dead_stock_report(**params).rows


def dead_stock_export(report: DeadStockReport) -> tuple[list[str], list[list]]:
    """Header and rows of the xlsx export of a full report."""
    header = [
        _("Item number"), _("Item name"), _("Warehouse"), _("On hand"), _("Unit cost"), _("Value"), _("Last receipt"),
        _("Last issue"), _("Idle days"),
        *[_("%(bucket)s qty") % {"bucket": lb} for lb in report.labels],
        *[_("%(bucket)s value") % {"bucket": lb} for lb in report.labels],
        _("Dead"), _("Open demand"), _("Hints"),
    ]  # fmt: skip
    data = [
        [
            r["item"].code,
            r["item"].name,
            r["warehouse"].code,
            r["result"].on_hand,
            r["result"].unit_cost.quantize(Decimal("0.000001")),
            r["result"].value,
            r["result"].last_receipt,
            r["result"].last_issue,
            r["result"].idle_days,
            *r["result"].bucket_qty,
            *r["result"].bucket_value,
            _("yes") if r["result"].dead else _("no"),
            r["open_demand"],
            "; ".join(r["hints"]),
        ]  # fmt: skip
        for r in report.rows
    ]
    return header, data


def uom_factor(*, item, from_uom_id: int, to_uom_id: int | None = None) -> Decimal:
    """How many `to_uom` (default: the item's stock unit) one `from_uom` is, for this item.

    Order: same unit → 1; the item's purchase unit → purchase_factor; an item-specific
    conversion; a global conversion; the inverse of either. Unknown → ValidationError.
    """
    from django.db.models import Q
    from django.utils.translation import gettext as _

    from erp.errors import ValidationError

    from .models import UomConversion

    to_uom_id = to_uom_id or item.uom_id
    if from_uom_id == to_uom_id:
        return Decimal(1)
    bad = ValidationError(
        _("The unit conversion of %(item)s must be greater than 0.") % {"item": item}, code="bad_uom_factor"
    )
    if to_uom_id == item.uom_id and from_uom_id == item.purchase_uom_id:
        if item.purchase_factor <= 0:
            raise bad
        return item.purchase_factor
    convs = list(
        UomConversion.objects.filter(Q(item=item) | Q(item__isnull=True)).filter(
            Q(from_uom_id=from_uom_id, to_uom_id=to_uom_id) | Q(from_uom_id=to_uom_id, to_uom_id=from_uom_id)
        )
    )
    convs.sort(key=lambda c: c.item_id is None)  # item-specific first
    for c in convs:
        if c.factor <= 0:
            raise bad
        return c.factor if c.from_uom_id == from_uom_id else Decimal(1) / c.factor
    raise ValidationError(
        _("No conversion between these units for %(item)s.") % {"item": item}, code="no_uom_conversion"
    )


def item_lookup(query: str, *, exact: bool = False, limit: int = 12) -> list[Item]:
    """Items for the document grids' lookup (issue 18): the exact number first, then numbers
    starting with the text, pinyin initials starting with it (自行车 ← zxc), then names holding
    it. Active items only. The prefix searches use the indexes `item_code_prefix` and
    `item_pinyin_prefix` (varchar_pattern_ops), the name search a trigram or character-pair
    index (`_name_holds`), so they stay fast with 50,000 items."""
    q = (query or "").strip()[:60]
    base = Item.objects.filter(is_active=True).select_related("uom")
    if not q:
        return []
    if exact:
        return list(base.filter(code=q)[:1]) or list(base.filter(code=q.upper())[:1])
    found: dict[int, Item] = {}

    def add(qs) -> None:
        for item in qs[: limit - len(found)]:
            found.setdefault(item.pk, item)

    add(base.filter(code=q))
    for prefix in dict.fromkeys([q, q.upper()]):
        if len(found) < limit:
            add(base.filter(code__startswith=prefix).exclude(pk__in=list(found)).order_by("code"))
    if len(found) < limit and q.isascii() and q.isalnum():
        add(base.filter(pinyin__startswith=q.lower()).exclude(pk__in=list(found)).order_by("pinyin", "code"))
    if len(found) < limit:
        add(_name_holds(base, q).exclude(pk__in=list(found)).order_by("code"))
    return list(found.values())[:limit]


def _name_holds(qs, q: str):
    """Items whose name holds `q`, case-insensitive, through an index on PostgreSQL: from three
    characters `name__icontains` (trigram index inventory_item_name_trgm); one or two characters
    (轮胎) have no trigram, so they use the index of the name's characters and character pairs
    (inventory_item_name_ngrams, migration 0010)."""
    if len(q) < 3 and connection.vendor == "postgresql":
        from django.contrib.postgres.fields import ArrayField
        from django.db.models import Func, TextField
        from django.db.models.functions import Upper

        grams = Func(Upper("name"), function="item_name_ngrams", output_field=ArrayField(TextField()))
        return qs.alias(name_grams=grams).filter(name_grams__contains=[q.upper()])
    return qs.filter(name__icontains=q)
