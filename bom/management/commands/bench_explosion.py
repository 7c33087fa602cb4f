"""Benchmark: explode a 6-level BOM with 10,000 distinct components; print time and queries.

Builds (once, idempotent) items BENCH-* and their approved BOMs in bulk, then times
material_list (flattened, skip-level blown through) and the indented explosion with cost
roll-up, and compares the query count with a small 6-level BOM.
"""

import datetime
import time
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bom.models import Bom, BomLine
from bom.selectors import explosion, material_list
from bom.services import bom_low_level_codes_update
from bom.states import BomStatus
from inventory.models import Item, UnitOfMeasure

# components per level below the root: 6 levels, 10,000 distinct components
LEVELS = [10, 30, 90, 270, 1000, 8600]


def build(prefix: str, levels: list[int]) -> Item:
    root_code = f"{prefix}-ROOT"
    root = Item.objects.filter(code=root_code).first()
    if root is not None:
        return root
    uom = UnitOfMeasure.objects.get_or_create(code="pcs", defaults={"name": "个"})[0]
    with transaction.atomic():
        root = Item.objects.create(code=root_code, name=root_code, uom=uom, supply_type="manufacture")
        tiers = [[root]]
        for depth, count in enumerate(levels, start=1):
            last = depth == len(levels)
            tier = [
                Item(
                    code=f"{prefix}-L{depth}-{i:05d}",
                    name=f"{prefix} L{depth} {i}",
                    uom=uom,
                    supply_type="purchase" if last else "manufacture",
                    standard_cost=Decimal("1.25") if last else Decimal("0"),
                )
                for i in range(count)
            ]
            Item.objects.bulk_create(tier, batch_size=2000)
            tiers.append(tier)
        now = timezone.now()
        boms = {}
        for tier in tiers[:-1]:
            objs = [
                Bom(item=p, version="V1.0", status=BomStatus.APPROVED, approved_at=now, skip_level=p.pk != root.pk)
                for p in tier
            ]
            Bom.objects.bulk_create(objs, batch_size=2000)
            boms.update({b.item_id: b for b in objs})
        lines = []
        for parents, children in zip(tiers[:-1], tiers[1:]):
            for i, child in enumerate(children):
                parent = parents[i % len(parents)]
                lines.append(
                    BomLine(
                        bom=boms[parent.pk],
                        line_no=10 + i,
                        component=child,
                        qty_per=Decimal("2"),
                        scrap_rate=Decimal("0.01"),
                    )
                )
        BomLine.objects.bulk_create(lines, batch_size=5000)
    return root


class Command(BaseCommand):
    help = "Time the explosion of a 6-level BOM with 10,000 distinct components (prints figures)."

    def handle(self, *args, **opts):
        t0 = time.perf_counter()
        big = build("BENCH", LEVELS)
        small = build("BENCHS", [1, 1, 1, 1, 1, 3])
        t1 = time.perf_counter()
        changed = bom_low_level_codes_update()
        t2 = time.perf_counter()
        self.stdout.write(f"setup {t1 - t0:.2f} s; low-level codes recomputed in {t2 - t1:.3f} s ({changed} changed)")
        day = datetime.date.today()
        for label, root in (("small (8 components)", small), ("large (10,000 components)", big)):
            for name, fn in (
                ("material_list", lambda r=root: material_list(item_id=r.pk, qty=Decimal("10"), as_of=day)),
                (
                    "explosion tree + cost roll-up",
                    lambda r=root: explosion(item_id=r.pk, qty=Decimal("10"), as_of=day).rows,
                ),
            ):
                fn()  # warm-up
                times = []
                for _run in range(5):
                    with CaptureQueriesContext(connection) as ctx:
                        start = time.perf_counter()
                        rows = fn()
                        times.append(time.perf_counter() - start)
                times.sort()
                self.stdout.write(
                    f"{label:28s} {name:30s} rows {len(rows):6d}  median {times[2] * 1000:7.1f} ms"
                    f"  best {times[0] * 1000:7.1f} ms  queries {len(ctx.captured_queries)}"
                )
