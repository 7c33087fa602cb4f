"""Benchmark of the global search (erp/search.py): `python manage.py bench_search`.

Runs on the database of DATABASE_URL; give it one of its own (e.g. .../bench_search): when the
searchable kinds hold fewer rows than asked, the apps' bench generators (erp.search.register_bench)
add them (100,000 documents: sales orders, purchase orders, work orders; 20,000 items). Then ~200
searches as an administrator (every kind, the worst case): prefixes and infixes of document
numbers, item codes and names, customer and supplier names, and misses; prints p50/p95/max.
"""

import random
import statistics
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from erp.search import bench_generators, search, sources

# share of the documents per kind
SPLIT = {"sales_order": 0.4, "purchase_order": 0.3, "work_order": 0.3}


class Command(BaseCommand):
    help = "Generate 100,000 documents if missing, then time ~200 global searches (p50/p95)."

    def add_arguments(self, parser):
        parser.add_argument("--documents", type=int, default=100_000)
        parser.add_argument("--items", type=int, default=20_000)
        parser.add_argument("--queries", type=int, default=200)
        parser.add_argument("--seed", type=int, default=18)
        parser.add_argument("--force", action="store_true", help="run on a database whose name lacks 'bench'")

    def handle(self, *args, documents, items, queries, seed, force, **opts):
        name = connection.settings_dict["NAME"]
        if "bench" not in str(name) and not force:
            raise CommandError(f"database {name!r}: give the benchmark a database of its own (name with 'bench')")
        admin = get_user_model().objects.filter(is_superuser=True).first()
        if admin is None:
            admin = get_user_model().objects.create_superuser("bench-search", password=None)
        by_kind = {s.kind: s for s in sources()}
        targets = {kind: int(documents * share) for kind, share in SPLIT.items()} | {"item": items}
        generators = bench_generators()
        for kind, target in targets.items():
            have = by_kind[kind].queryset(admin).count()
            if have < target:
                t0 = time.perf_counter()
                with transaction.atomic():
                    generators[kind](have, target - have)
                self.stdout.write(f"{kind}: +{target - have} rows in {time.perf_counter() - t0:.1f} s")
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")  # what autovacuum does after a bulk load: statistics for the planner
        counts = {kind: by_kind[kind].queryset(admin).count() for kind in targets}
        self.stdout.write(f"rows: {counts} ({sum(counts[k] for k in SPLIT):,} documents)")

        rng = random.Random(seed)
        numbers = [
            n
            for kind in SPLIT
            for n in by_kind[kind].queryset(admin).order_by("?").values_list("number", flat=True)[:100]
        ]
        codes = list(by_kind["item"].queryset(admin).order_by("?").values_list("code", "name")[:100])
        terms = []
        for _ in range(queries):
            pick = rng.random()
            if pick < 0.3:  # number prefix: "SO-2017-01"
                n = rng.choice(numbers)
                terms.append(n[: rng.randint(4, len(n))])
            elif pick < 0.6:  # number infix: "17-0123", "01234"
                n = rng.choice(numbers)
                i = rng.randint(3, len(n) - 4)
                terms.append(n[i : i + rng.randint(4, len(n) - i)])
            elif pick < 0.75:  # item code
                code = rng.choice(codes)[0]
                terms.append(code[rng.randint(0, 3) : rng.randint(6, len(code))])
            elif pick < 0.85:  # item name part
                name_ = rng.choice(codes)[1]
                i = rng.randint(0, len(name_) - 2)
                terms.append(name_[i : i + rng.randint(2, 6)])
            elif pick < 0.95:  # customer or supplier
                terms.append(rng.choice(["基准客户", "客户01", "供应商0", "BS-C01", "BS-S0", "贸易有限"]) + "")
            else:  # misses
                terms.append(rng.choice(["XYZ-999", "不存在的", "QQ-0000"]))
        for q in terms[:10]:  # warm-up
            search(admin, q)
        timings = []
        hits = 0
        for q in terms:
            t0 = time.perf_counter()
            groups = search(admin, q)
            timings.append((time.perf_counter() - t0) * 1000)
            hits += sum(len(g["results"]) for g in groups)
        timings.sort()
        p95 = timings[int(len(timings) * 0.95) - 1]
        self.stdout.write(
            f"{len(timings)} searches over {len(by_kind)} kinds as an administrator: "
            f"p50 {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms, max {timings[-1]:.1f} ms "
            f"({hits} results shown)"
        )
