"""One dated pricing search taken apart: which labels it pops, where, and how far their keys are
from the origin's bound (issue 20, target 4: the 10x label blow-up).

    REGION_DUMP_PRICING=OUT/pricing.pkl python tests/benchmarks/region_profile.py REGION ...
    python tests/benchmarks/label_probe.py OUT/pricing.pkl --search p0006:o-00118:0 \
        [--labels 200000] [--hour-bounds] [--dominance]

Runs ``price_dated`` on the one (product, origin, day) with ``label_bound`` at ``--labels``
and records every label it expands (node, hours, cost, countries, crossings passed, gate) with
its key, then prints one JSON line: the origin's bound and the keys' spread, the cut (a
reduced cost of ``-tolerance``), labels by state (before any crossing, after passing one, after
the gate), by node (the most popped), per node the distinct hour slots and countries sets, the
dual spread the hour bounds see and how many of the popped labels share node, state, gate and
countries with a cheaper and earlier one (what a dominance rule would have to discard).
"""

from __future__ import annotations

import argparse
import json
import pickle
import resource
import time
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path


def main() -> None:
    """Run the search with the recorders on (module docstring)."""
    import borderflow.model.dated_pricing as dp

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dump", type=Path)
    ap.add_argument("--search", required=True)
    ap.add_argument("--labels", type=int, default=200_000)
    ap.add_argument("--hour-bounds", action="store_true")
    ap.add_argument("--dominance", action="store_true")
    args = ap.parse_args()
    with open(args.dump, "rb") as f:
        (graph, products, duals, _days), _ = pickle.load(f)
    pid, origin, day = args.search.split(":")
    product = replace({p.product_id: p for p in products}[pid], origins=(origin,))
    keys, expanded = [], []
    pop = dp.heapq.heappop

    class _Heap:  # heapq with the popped keys recorded
        heappush = staticmethod(dp.heapq.heappush)

        @staticmethod
        def heappop(heap):
            item = pop(heap)
            keys.append(item[0])
            return item

    extend = dp._DatedSearch._extend

    def recording(self, label, lid):
        expanded.append(label[:8])
        return extend(self, label, lid)

    dp.heapq, dp._DatedSearch._extend = _Heap, recording
    c0, w0 = time.process_time(), time.perf_counter()
    res = dp.price_dated(graph, [product], duals, [int(day)], max_labels=args.labels,
                         label_bound=True, hour_bounds=args.hour_bounds,
                         dominance=args.dominance)
    cpu = time.process_time() - c0
    pair = res.pairs.iloc[0]
    P = product.payload_t_per_truck
    pi = float(duals.supply_usd_per_t.get((origin, pid, int(day)), 0.0))
    offset = P * pi
    by_state, by_node = Counter(), Counter()
    slots, masks = defaultdict(set), defaultdict(set)
    best_at: dict = {}
    dominated = 0
    for node, cost, hours, mask, _visited, gate, _gate_h, passed in expanded:
        state = "after_gate" if gate >= 0 else ("passed" if passed else "start")
        by_state[state] += 1
        by_node[graph.node_ids[node]] += 1
        slots[node].add(int(hours * 10))
        masks[node].add(mask)
        k = (node, state, gate, mask)
        prior = best_at.get(k)
        if prior is not None and prior[0] <= cost and prior[1] <= hours:
            dominated += 1
        elif prior is None or (cost < prior[0] and hours < prior[1]):
            best_at[k] = (cost, hours)
    top = [(n, c, len(slots[graph.node_index()[n]]), len(masks[graph.node_index()[n]]))
           for n, c in by_node.most_common(8)]
    row = {
        "search": args.search, "hour_bounds": args.hour_bounds, "dominance": args.dominance,
        "labels": int(pair["labels"]), "exact": bool(pair["exact"]),
        "least_or_bound_usd_per_t": float(pair["min_reduced_cost_usd_per_t"]),
        "screen_usd_per_t": float(pair["screen_usd_per_t"]),
        "pi_usd_per_t": pi, "payload_t": P,
        "first_key_rc_usd_per_t": (keys[0] - offset) / P if keys else None,
        "last_key_rc_usd_per_t": (keys[-1] - offset) / P if keys else None,
        "key_rc_quantiles_usd_per_t": [round((keys[int(q * (len(keys) - 1))] - offset) / P, 4)
                                       for q in (0, 0.25, 0.5, 0.75, 1.0)] if keys else [],
        "by_state": dict(by_state), "nodes_popped": len(by_node),
        "top_nodes (node, labels, hour tenths, countries sets)": top,
        "same_node_state_gate_countries_with_a_cheaper_earlier": dominated,
        "cpu_s": round(cpu, 2), "wall_s": round(time.perf_counter() - w0, 2),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}
    print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
