"""CPU seconds and labels per second of a dumped dated pricing pass, and its outputs compared.

    REGION_DUMP_PRICING=OUT/pass.pkl python tests/benchmarks/region_profile.py REGION ...
    python tests/benchmarks/pricing_pass.py OUT/pass.pkl [--search p0015:o-00065 ...]
        [--every-product K] [--every-day K] [--save OUT/a.pkl]
    python tests/benchmarks/pricing_pass.py --same OUT/a.pkl OUT/b.pkl

Reads the first pricing pass's inputs dumped by ``region_profile.py`` (``price_dated``'s
arguments and options) and runs the pass again in this process: every search, or those of
the ``--search product:origin`` pairs asked for (``product:`` alone: every origin of it), on
every ``--every-day``-th dispatch day. Prints one JSON line: CPU s of the pass, of it the
hour-bound tables (``dated_hour_bounds.HourBounds``, made once per product), the searches
(the rest), the pass's counts and labels per CPU s of the searches. ``--save``: the pass's
pair and column tables (and counts) pickled; ``--same A B``: exit 1 unless two saved passes
are equal value for value (every float bit for bit) with the same counts, the check that a
change to the search left its outputs as they were (session 29,
docs/notes/performance-log.md).
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import time
from dataclasses import replace


def _same(a_path: str, b_path: str) -> int:
    """0 when two saved passes are equal (module docstring), else 1 with what differs."""
    import pandas as pd

    with open(a_path, "rb") as f:
        a = pickle.load(f)
    with open(b_path, "rb") as f:
        b = pickle.load(f)
    for i, name in enumerate(["pairs", "columns"]):
        try:
            pd.testing.assert_frame_equal(a[i], b[i], check_exact=True)
        except AssertionError as e:
            print(f"{name} differ: {e}")
            return 1
        if pickle.dumps(a[i].to_dict("list")) != pickle.dumps(b[i].to_dict("list")):
            print(f"{name} differ in their bytes")
            return 1
    if a[2] != b[2]:
        print(f"counts differ: {a[2]} against {b[2]}")
        return 1
    print(f"the same: {len(a[0])} pairs, {len(a[1])} columns, counts {a[2]}")
    return 0


def main() -> int:
    """Run the pass, or compare two saved ones (module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dump", nargs="?")
    ap.add_argument("--search", action="append", default=[], help="product:origin")
    ap.add_argument("--every-product", type=int, default=1)
    ap.add_argument("--every-day", type=int, default=1)
    ap.add_argument("--save")
    ap.add_argument("--same", nargs=2, metavar=("A", "B"))
    args = ap.parse_args()
    if args.same:
        return _same(*args.same)
    from borderflow.model import dated_pricing

    with open(args.dump, "rb") as f:
        dumped, options = pickle.load(f)
    graph, products, duals, days = dumped[:4]
    products = list(products)[::args.every_product]
    if args.search:
        by_id = {p.product_id: p for p in products}
        chosen = [s.split(":") for s in args.search]
        products = [replace(by_id[pid], origins=(origin,)) if origin else by_id[pid]
                    for pid, origin in chosen]
    days = list(days)[::args.every_day]
    tables = [0.0]
    made = dated_pricing.HourBounds

    def timed(*a, **k):  # the hour-bound tables' CPU apart from the searches'
        c0 = time.process_time()
        try:
            return made(*a, **k)
        finally:
            tables[0] += time.process_time() - c0

    dated_pricing.HourBounds = timed
    c0 = time.process_time()
    res = dated_pricing.price_dated(graph, products, duals, days, *dumped[4:], **options)
    cpu = time.process_time() - c0
    searches = cpu - tables[0]
    print(json.dumps({"cpu_s": round(cpu, 3), "hour_bounds_s": round(tables[0], 3),
                      "searches_s": round(searches, 3), **res.stats,
                      "labels_per_s": round(res.stats["labels"] / max(searches, 1e-9))}))
    if args.save:
        with open(args.save, "wb") as f:
            pickle.dump((res.pairs, res.columns, res.stats), f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
