"""A route set grown by pricing keeps its column types (model/column_generation.with_columns).

A pricing round of a dated run can ask only for (route, product) pairs a cap left out: no new
route. The route tables were then concatenated with empty frames of object columns, and pandas
turned every column of ``routes`` and ``route_arcs`` to ``object``: the numbers stayed, but
every later group-by of the route set (the crossing use of each rebuilt model, the arc flows'
gate spans) ran as a Python loop per route, about a quarter of a warm sweep closure's CPU
(docs/notes/performance-log.md, target 3, session 16). And a sweep's kept model, priced so, wrote
its route tables' strings to parquet as ``string`` where a cold solve wrote ``large_string``.

tests/data/cg-three-borders over one dated day (README there): one product, routes R2 (two
crossings, via Boten) and R3 (three, priced in). Hand-made caps: R2's pair taken out of
``eligible``, then asked for again by a column of R2's arcs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pandas as pd

from borderflow.data.dataset import load_dataset
from borderflow.data.scenario import Horizon, Scenario
from borderflow.model.column_generation import with_columns
from borderflow.model.network import build_network
from borderflow.model.routes import enumerate_routes

DATA = Path(__file__).parent / "data" / "cg-three-borders"


def _capped():
    """The day's network, its enumerated route set, and the set with R2's pair capped out."""
    tables = load_dataset(DATA, check_borders=False)
    net = build_network(tables, Scenario(name="day", horizon=Horizon(start=dt.date(2024, 1, 1),
                                                                     days=1)))
    routes = enumerate_routes(net)
    assert len(routes.routes) == 1 and len(routes.eligible) == 1  # R2 alone (two crossings)
    return net, routes, replace(routes, eligible=routes.eligible.iloc[:0])


def _column_of(routes, pair: pd.Series) -> pd.DataFrame:
    """A priced column with the arcs of ``pair``'s route, for its product."""
    arcs = routes.route_arcs.loc[routes.route_arcs["route_id"] == pair["route_id"], "arc_id"]
    return pd.DataFrame({"origin": [pair["origin"]], "market": [pair["market"]],
                         "product_id": [pair["product_id"]], "arcs": [tuple(arcs)]})


def test_a_round_of_capped_pairs_only_adds_the_pair_and_keeps_the_types():
    """R2's pair asked for again: no new route (1 route, its 5 arcs: the roads to the first
    gate, between the gates and from the last, and the two crossings), the pair back in
    ``eligible`` (1 row), and every column of the three tables of the type it had."""
    net, full, capped = _capped()
    pair = full.eligible.iloc[0]
    grown = with_columns(net, capped, _column_of(full, pair))
    assert len(grown.routes) == 1 and len(grown.route_arcs) == len(full.route_arcs) == 5
    assert list(grown.eligible["route_id"]) == [pair["route_id"]]
    for name in ("routes", "route_arcs", "eligible"):
        before, after = getattr(capped, name), getattr(grown, name)
        assert after.dtypes.to_dict() == before.dtypes.to_dict(), name
    assert grown.route_arcs["seq"].dtype.kind == "i"
    assert grown.route_arcs["offset_h"].dtype.kind == "f"
    pd.testing.assert_frame_equal(grown.route_arcs, full.route_arcs, check_exact=True)
    pd.testing.assert_frame_equal(grown.routes, full.routes, check_exact=True)


def test_a_column_already_in_the_set_changes_nothing():
    """A column of R2's arcs for a pair the set has: the same route set back."""
    net, full, _ = _capped()
    assert with_columns(net, full, _column_of(full, full.eligible.iloc[0])) is full
