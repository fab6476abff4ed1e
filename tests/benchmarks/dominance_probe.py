"""Labels and CPU seconds of single dated pricing searches with and without dominance.

    REGION_DUMP_PRICING=OUT/pricing.pkl python tests/benchmarks/region_profile.py REGION ...
    python tests/benchmarks/dominance_probe.py OUT/pricing.pkl [--search p0002:o-00010:27 ...]
        [--sample 20] [--labels 200000] [--hour-bounds]

Reads the first pricing pass's inputs dumped by ``region_profile.py`` and runs each search
asked for (``product:origin:day``; ``--sample N``: N more drawn at random, seed 0) twice,
``Pricing(dominance=False)`` and ``True``, both with ``label_bound`` at ``--labels``: one JSON
line per search and variant (labels popped, labels discarded, least reduced cost or bound,
exact, CPU s, resident MB), so the rule's effect is measured on the searches that fail.
``--hour-bounds``: both variants with ``hour_bounds=True`` (model/dated_hour_bounds.py).
"""

from __future__ import annotations

import argparse
import json
import pickle
import random
import resource
import time
from dataclasses import replace
from pathlib import Path


def main() -> None:
    """Run the searches (module docstring)."""
    from borderflow.model.dated_pricing import price_dated

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dump", type=Path)
    ap.add_argument("--search", action="append", default=[])
    ap.add_argument("--sample", type=int, default=0)
    ap.add_argument("--labels", type=int, default=200_000)
    ap.add_argument("--only", choices=["off", "on"], default=None)
    ap.add_argument("--hour-bounds", action="store_true")
    args = ap.parse_args()
    with open(args.dump, "rb") as f:
        (graph, products, duals, days), _ = pickle.load(f)
    by_id = {p.product_id: p for p in products}
    todo = [tuple(s.split(":")) for s in args.search]
    rng = random.Random(0)
    every = [(p.product_id, o, t) for p in products for o in p.origins for t in days]
    todo += [tuple(map(str, x)) for x in rng.sample(every, min(args.sample, len(every)))]
    for pid, origin, day in todo:
        product = replace(by_id[pid], origins=(origin,))
        for on in (False, True):
            if args.only is not None and on != (args.only == "on"):
                continue
            c0, w0 = time.process_time(), time.perf_counter()
            res = price_dated(graph, [product], duals, [int(day)], max_labels=args.labels,
                              label_bound=True, dominance=on, hour_bounds=args.hour_bounds)
            pair = res.pairs.iloc[0]
            print(json.dumps({
                "search": f"{pid}:{origin}:{day}", "dominance": on,
                "hour_bounds": args.hour_bounds,
                "labels": int(pair["labels"]), "dominated": res.stats.get("dominated"),
                "least_or_bound_usd_per_t": float(pair["min_reduced_cost_usd_per_t"]),
                "exact": bool(pair["exact"]), "limited": res.stats["limited"],
                "cpu_s": round(time.process_time() - c0, 2),
                "wall_s": round(time.perf_counter() - w0, 2),
                "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}),
                flush=True)


if __name__ == "__main__":
    main()
