"""Capable-to-promise answer times (docs/mrp.md §5, issue 14).

    python manage.py bench_ctp --count 20                 # as `manage.py ctp` answers (the current plan
                                                          # as base when up to date, else in memory)
    python manage.py bench_ctp --count 20 --memory        # the base plan always computed in memory
    python manage.py bench_ctp --count 20 --plan          # as the pages answer (today's plan as base)
    python manage.py bench_ctp --count 5 --linear         # the linear scan over staged plans (before)
    python manage.py bench_ctp --count 20 --check         # and compare every answer with the linear scan
    python manage.py bench_ctp --count 10 --check-base    # and with the base plan computed in memory

Random items with a BOM (made or outsourced, or any active item with --any-item), random quantities
1-100; prints p50 / p95 / max of the answer time (reading the plan's inputs and the base plan
included, Django's start-up excluded) and how many plans each answer computed. Reads only.
"""

import random
import time
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ...services.promise import ctp_promise
from .bench_netchange import _loadavg


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, int(round(p / 100 * len(values) + 0.5)) - 1))
    return values[k]


class Command(BaseCommand):
    help = "p50 / p95 of random capable-to-promise answers (see the module docstring)."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=20)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--horizon", type=int, default=90)
        parser.add_argument("--plan", action="store_true", help="today's current plan as the base (pages)")
        parser.add_argument("--linear", action="store_true", help="the linear scan over staged plans")
        parser.add_argument("--memory", action="store_true", help="the base plan always computed in memory")
        parser.add_argument("--check", action="store_true", help="compare each answer with the linear scan")
        parser.add_argument(
            "--check-base",
            action="store_true",
            dest="check_base",
            help="compare each answer with the one whose base plan is computed in memory",
        )
        parser.add_argument("--any-item", action="store_true", dest="any_item")
        parser.add_argument("--date", default="", help="D0 (default today; bench_mrp's data: its plan's run date)")

    def handle(self, *args, count, seed, horizon, plan, memory, linear, check, check_base, any_item, date, **options):
        import datetime

        from bom.models import Bom
        from inventory.models import Item

        rnd = random.Random(seed)
        today = datetime.date.fromisoformat(date) if date else timezone.localdate()
        if any_item:
            ids = list(Item.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True))
        else:
            ids = sorted(set(Bom.objects.filter(status="approved").values_list("item_id", flat=True)))
        if not ids or count < 1:
            raise CommandError("no items to ask about (or --count < 1)")
        times, cpus, plans, mismatches, from_plan = [], [], [], 0, 0
        for _n in range(count):
            item_id, qty = rnd.choice(ids), Decimal(rnd.randint(1, 100))
            ask = {"item_id": item_id, "qty": qty, "d0": today, "horizon_days": horizon, "use_plan": plan}
            t, cpu = time.perf_counter(), time.process_time()
            promise = ctp_promise(**ask, memory=memory, fast=not linear)
            times.append((time.perf_counter() - t) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
            plans.append(promise.evaluations)
            from_plan += promise.from_plan
            if options["verbosity"] >= 2:
                self.stdout.write(
                    f"item {item_id} qty {qty}: {promise.date} {promise.kind} {promise.limiting_item_code} "
                    f"{times[-1]:.0f} ms (CPU {cpus[-1]:.0f} ms, {promise.evaluations} plans)"
                )
            others = []
            if check and not linear:
                others.append(("linear scan", ctp_promise(**ask, memory=memory, fast=False)))
            if check_base and not memory:
                others.append(("base in memory", ctp_promise(**{**ask, "use_plan": False}, memory=True)))
            for what, other in others:
                if _answer(promise) != _answer(other):
                    mismatches += 1
                    self.stdout.write(f"MISMATCH ({what}) item {item_id} qty {qty}: {promise} != {other}")
        mode = "linear scan" if linear else "fast search"
        mode += (
            ", base in memory"
            if memory
            else (", today's plan as base" if plan else ", base from the plan when current, else in memory")
        )
        self.stdout.write(
            f"CTP × {count} ({mode}; {from_plan} answered from the plan): p50 {_pct(times, 50):.0f} ms, "
            f"p95 {_pct(times, 95):.0f} ms, max {max(times):.0f} ms (process CPU p50 {_pct(cpus, 50):.0f} ms, "
            f"p95 {_pct(cpus, 95):.0f} ms; PostgreSQL's work not included); plans per answer: median "
            f"{_pct(plans, 50)}, max {max(plans)}; load average {_loadavg()}"
            + (f"; {mismatches} answers differ from the checks" if (check and not linear) or check_base else "")
        )


def _answer(promise) -> tuple:
    return (promise.date, promise.kind, promise.limiting_item_code, promise.chain_text)
