"""A tiny network of four parallel gates for N-k tests (tests/tiny.py plus two gates).

O -> Xi -> M for i = 1..4, route costs 11, 16, 12 and 13 USD/t, each gate 4 trucks/day
(80 t/day) each way; supply 200 t/day (10 trucks). All open: X1 and X2 full, X3 carries
2 trucks, X4 nothing. Closing two of X1-X3 leaves 8 trucks of capacity: 2 trucks unserved.
"""

from __future__ import annotations

import pandas as pd

import tiny


def four_gate_tables() -> dict[str, pd.DataFrame]:
    """Tables of the four-gate network (see the module's docstring)."""
    t = tiny.base_tables()
    xy = dict(tiny.XY)
    for k in (3, 4):
        xy[f"vn-a{k}"], xy[f"cn-b{k}"] = (105.6 + 0.1 * k, 21.0), (105.62 + 0.1 * k, 21.02)
    nodes = [t["nodes"]]
    crossings = [t["crossings"]]
    links = [t["links"]]
    for k, km in ((3, 110), (4, 120)):
        a, b = f"vn-a{k}", f"cn-b{k}"
        for n in (a, b):
            row = t["nodes"].iloc[[1]].copy()
            row["node_id"], row["name"], row["country"] = n, n.upper(), n[:2].upper()
            row["lon"], row["lat"] = xy[n]
            nodes.append(row)
        row = t["crossings"].iloc[[0]].copy()
        row["crossing_id"], row["name"], row["node_a"], row["node_b"] = f"x{k}", f"X{k}", a, b
        row["lon"], row["lat"] = (xy[a][0] + xy[b][0]) / 2, (xy[a][1] + xy[b][1]) / 2
        crossings.append(row)
        for lid, f, to in ((f"l{2 * k + 1}", "vn-o", a), (f"l{2 * k + 2}", b, "cn-m")):
            row = t["links"].iloc[[0]].copy()
            row["link_id"], row["from_node"], row["to_node"] = lid, f, to
            row["route_ref"], row["length_km"], row["travel_h"] = lid.upper(), km, 3
            row["geometry_wkt"] = tiny._line(xy[f], xy[to])
            links.append(row)
    t["nodes"] = pd.concat(nodes, ignore_index=True)
    t["crossings"] = pd.concat(crossings, ignore_index=True)
    t["links"] = pd.concat(links, ignore_index=True)
    for col in ("capacity_a_to_b_trucks_per_day", "capacity_b_to_a_trucks_per_day"):
        t["crossings"][col] = 4
    return t
