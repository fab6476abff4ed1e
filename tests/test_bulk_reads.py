"""The solved model read in bulk by a sweep's warm scenario (model/pyomo_layer.py): row duals
from the rows made so far (``suffix_values``), the duals loaded over a :class:`RowList`'s rows
listed once (``RowList.keyed``), a made entry without a value read as NaN: the same floats, bit
for bit, as reading each row's or entry's own.

A solved 12-day model of tests/data/cg-three-borders (the baseline of the closure plan).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import solved_cg_baseline

from borderflow.model.pyomo_layer import RowList, column_values, load_duals, suffix_values

#: the row families whose duals the result tables read
FAMILIES = ("crossing_capacity", "supply_balance", "market_demand", "priority_share",
            "initial_queue_total")


@pytest.fixture(scope="module")
def solved():
    return solved_cg_baseline(days=12)


def _one_by_one(m, comp, n) -> np.ndarray:
    return np.array([m.dual.get(comp[k], 0.0) for k in range(n)], dtype=float)


def test_row_duals_in_bulk_are_each_rows(solved):
    """Every family's duals read in bulk equal the row-by-row read, byte for byte; some are
    not zero (the test reads real duals)."""
    m = solved.built.model
    nonzero = 0
    for name in FAMILIES:
        comp = getattr(m, name)
        n = len(comp)
        bulk = suffix_values(m.dual, comp, n)
        assert bulk.tobytes() == _one_by_one(m, comp, n).tobytes(), name
        nonzero += int(np.count_nonzero(bulk))
    assert nonzero > 0


def test_rows_without_a_dual_read_zero(solved):
    """A suffix without the rows' entries (cleared) reads 0.0 for each, as ``get(row, 0.0)``
    does; reloading the session's duals brings the same values back."""
    m = solved.built.model
    comp = m.crossing_capacity
    before = suffix_values(m.dual, comp, len(comp))
    saved = dict(m.dual._dict)
    m.dual.clear()
    try:
        assert suffix_values(m.dual, comp, len(comp)).tobytes() == \
            np.zeros(len(comp)).tobytes()
    finally:
        m.dual._dict.update(saved)
    assert suffix_values(m.dual, comp, len(comp)).tobytes() == before.tobytes()


def test_row_list_keyed_once_and_again_after_rows_are_added(solved):
    """A RowList's rows and keys are listed once (the same list on the next call) and listed
    again when rows are appended; duals loaded through it are each row's."""
    rows = solved.session._matrix.rows
    assert isinstance(rows, RowList)
    first = rows.keyed()
    assert rows.keyed()[0] is first[0]
    assert first[0] == list(rows)
    m = solved.built.model
    duals = np.linspace(-1.0, 1.0, len(rows)).tolist()
    load_duals(m.dual, rows, duals)
    assert [m.dual[r] for r in first[0]] == [0.0 + y for y in duals]
    grown = RowList()
    for comp, part in rows.parts:
        (grown.add_rows(part) if comp is None else grown.add_block(comp, part))
    listed = grown.keyed()[0]
    extra = [m.supply_balance[0]]
    grown.add_rows(extra)
    again = grown.keyed()[0]
    assert again is not listed and again == [*listed, *extra]


def test_made_entry_without_a_value_reads_nan(solved):
    """A made entry whose value is None reads NaN in bulk, as one by one."""
    m = solved.built.model
    x, positions, _ = m.objective.cost_arrays()
    j = int(positions[0])
    v = x[j]
    old = v.value
    try:
        v.set_value(None, skip_validation=True)
        got = column_values(x)[positions]
        assert np.isnan(got[0])
        one = np.array([np.nan if x[i].value is None else x[i].value for i in positions])
        assert got.tobytes() == one.tobytes()
    finally:
        v.set_value(old, skip_validation=True)


def _arc_flows_by_merges(net, rf, routes, dep):
    """The dated arc flows as the merges made them before (session 13's code): the
    reference the arrays must equal, row for row."""
    from borderflow.model.queue_results import gate_arcs

    gate_seq, gate_off, after = gate_arcs(routes)
    up = rf.merge(gate_seq, on="route_id")
    up = up[up["seq"] < up["gate_seq"]].copy()
    up["period"] = up["period"] + np.floor(up["offset_h"] / 24.0).astype(int)
    down = dep.merge(after, on="route_id").merge(gate_off, on="route_id")
    down["period"] = down["period"] + np.floor(
        (down["offset_h"] - down["gate_offset_h"]) / 24.0).astype(int)
    cols = ["arc_id", "product_id", "period", "flow_t", "trucks_per_day"]
    return pd.concat([up[cols], down[cols]], ignore_index=True)


def test_arc_flows_along_routes_are_the_merges(solved):
    """The rows each route flow and departure puts on its route's arcs (model/flow_tables.py
    ``_along``) are the merges' rows, in their order, the same bytes; and the arc table made
    from them is the table the merges give."""
    from borderflow.model import flow_tables
    from borderflow.model.queue_results import departures

    built, routes, net = solved.built, solved.routes, solved.net
    rf = flow_tables.route_flows(built, routes)[
        ["route_id", "product_id", "period", "flow_t", "trucks_per_day"]]
    dep = departures(built)
    assert len(rf) and len(dep)
    up, down = flow_tables._gate_spans(routes)
    got = pd.concat([flow_tables._along(rf, up), flow_tables._along(dep, down)],
                    ignore_index=True)
    want = _arc_flows_by_merges(net, rf, routes, dep)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    for c in want.columns:
        assert got[c].to_numpy().tobytes() == want[c].to_numpy().tobytes() \
            if want[c].dtype.kind in "if" else got[c].tolist() == want[c].tolist(), c
    # a route flow of a route the arcs do not know puts nothing anywhere (an inner merge)
    stray = rf.iloc[:1].assign(route_id="no-such-route")
    assert flow_tables._along(stray, up).empty
