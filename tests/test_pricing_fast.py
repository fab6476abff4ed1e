"""The fast paths of a pricing pass give what the plain ones give, bit for bit (issue 19: a
sample is priced two to three times, so a pass is worked out with arrays made once).

- ``_to_sink`` builds the reversed graph's CSR arrays directly and breaks ties between
  parallel arcs by arc-id rank: same distances, first arcs and sink flags as scipy's COO ->
  CSR conversion with arc-id strings (the construction it replaced, restated here); and
  ``_to_sinks`` (every product's screen in one block-diagonal scipy call) gives each job what
  a call of its own gives;
- the screened pass (``exact_minimum=False``, what every sample runs: label setting only where
  the screen's unconstrained lower bound is below -tolerance) returns exactly the columns of the
  unscreened one, and a gap bound at least as large and larger by at most tolerance x supply;
- a bulk coefficient change after columns were added and dropped again leaves the matrix the
  changes say (the session keeps the values it passed last).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from borderflow.model.column_generation import gap_bound_usd
from borderflow.model.pricing import StaticDuals, _to_sink, _to_sinks, price_static
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pricing_cases import cases
from scipy.sparse.csgraph import dijkstra


def _to_sink_reference(graph, weight, usable, sink_weight):
    """The reversed-graph Dijkstra as it was built before (COO -> CSR, string tie keys)."""
    n = graph.n_nodes
    shift = max(0.0, -min(sink_weight.values(), default=0.0))
    idx = np.flatnonzero(usable)
    order = np.lexsort((np.asarray(graph.arc_ids, dtype=object)[idx].astype(str),
                        weight[idx], graph.tail[idx], graph.head[idx]))
    idx = idx[order]
    pair = graph.head[idx] * (n + 1) + graph.tail[idx]
    first = np.ones(len(idx), dtype=bool)
    first[1:] = pair[1:] != pair[:-1]
    idx = idx[first]
    markets = np.array(sorted(sink_weight), dtype=np.int64)
    rows = np.r_[graph.head[idx], np.full(len(markets), n)]
    cols = np.r_[graph.tail[idx], markets]
    vals = np.r_[weight[idx], np.array([sink_weight[m] for m in markets]) + shift]
    rev = sp.csr_matrix((vals, (rows, cols)), shape=(n + 1, n + 1))
    dist, pred = dijkstra(rev, directed=True, indices=n, return_predecessors=True)
    dist, pred = dist[:n] - shift, pred[:n]
    arc_of = {(int(graph.tail[a]), int(graph.head[a])): int(a) for a in idx}
    next_arc = np.array([arc_of.get((v, int(p)), -1) if 0 <= p < n else -1
                         for v, p in enumerate(pred)], dtype=np.int64)
    return dist, next_arc, pred == n


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(), st.data())
def test_the_direct_csr_dijkstra_equals_the_coo_one(case, data):
    g = case.graph
    m = len(g.arc_ids)
    weight = np.array(data.draw(st.lists(st.sampled_from([0.0, 1.0, 2.0, 5.0]), min_size=m,
                                         max_size=m)))  # few values: ties between parallel arcs
    usable = np.array(data.draw(st.lists(st.booleans(), min_size=m, max_size=m)), dtype=bool)
    nodes = data.draw(st.lists(st.integers(0, g.n_nodes - 1), min_size=1, max_size=3,
                               unique=True))
    sink = {k: float(data.draw(st.sampled_from([-40.0, 0.0, 3.0]))) for k in nodes}
    got = _to_sink(g, weight, usable, sink)
    want = _to_sink_reference(g, weight, usable, sink)
    for a, b in zip(got, want):
        assert np.array_equal(a, b)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(), st.data())
def test_the_batched_dijkstra_equals_one_call_per_job(case, data):
    g = case.graph
    m = len(g.arc_ids)
    jobs = []
    for _ in range(data.draw(st.integers(1, 4))):
        weight = np.array(data.draw(st.lists(st.sampled_from([0.0, 1.0, 5.0]), min_size=m,
                                             max_size=m)))
        usable = np.array(data.draw(st.lists(st.booleans(), min_size=m, max_size=m)),
                          dtype=bool)
        nodes = data.draw(st.lists(st.integers(0, g.n_nodes - 1), min_size=1, max_size=3,
                                   unique=True))
        jobs.append((weight, usable,
                     {k: float(data.draw(st.sampled_from([-40.0, 0.0, 3.0]))) for k in nodes}))
    for got, job in zip(_to_sinks(g, jobs), jobs):
        for a, b in zip(got, _to_sink_reference(g, *job)):
            assert np.array_equal(a, b)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(), st.sampled_from([0.0, 40.0]), st.integers(-100, 300),
       st.sampled_from([1e-7, 5.0]))
def test_the_screened_pass_returns_the_unscreened_columns(case, mu, pi, tol):
    g, p = case.graph, case.product
    duals = StaticDuals(supply_usd_per_t={(case.origin, "p"): float(pi)},
                        capacity_usd_per_truck={(c, "a_to_b"): mu for c in g.crossing_ids},
                        empty_return_share=0.5)
    screened = price_static(g, [p], duals, max_columns=3, tolerance=tol, exact_minimum=False)
    exact = price_static(g, [p], duals, max_columns=3, tolerance=tol, exact_minimum=True)
    pd.testing.assert_frame_equal(screened.columns, exact.columns)
    supply = {(case.origin, "p"): 7.0}
    _, bound_screened = gap_bound_usd(screened, None, supply)
    _, bound_exact = gap_bound_usd(exact, None, supply)
    assert bound_exact <= bound_screened <= bound_exact + tol * 7.0 + 1e-12
    # a pair the screen answers without a search is one whose lower bound cannot price out
    pairs = screened.pairs
    assert (pairs.loc[~pairs["exact"], "min_reduced_cost_usd_per_t"] >= -tol).all()


def test_a_bulk_change_after_columns_came_and_went_leaves_the_matrix_it_says(tmp_path):
    from test_pyomo_layer import STATIC, _prepared

    prep = _prepared(tmp_path, STATIC)
    m, session = prep.built.model, prep.session
    h = session.highs
    rows = session.rows_of(m.supply_balance)[:1]
    cols = session.columns_of(m.unserved)[:1]

    def entry() -> float:
        lp = h.getLp()
        start, index = lp.a_matrix_.start_, lp.a_matrix_.index_
        c = int(cols[0])
        at = [k for k in range(start[c], start[c + 1]) if index[k] == int(rows[0])]
        return float(lp.a_matrix_.value_[at[0]])

    n_col, n_row = h.getNumCol(), h.getNumRow()
    session.set_coefficients(rows, cols, [2.0], bulk=True)
    session.add_columns(np.array([1.0]), np.array([int(rows[0])]), np.array([0]),
                        np.array([1.0]))
    session.drop_columns_from(n_col)
    session.set_coefficients(rows, cols, [3.0], bulk=False)  # one by one: the kept copy goes
    session.set_coefficients(session.rows_of(m.supply_balance)[1:2],
                             session.columns_of(m.unserved)[1:2], [1.5], bulk=True)
    assert entry() == 3.0
    session.set_coefficients(rows, cols, [4.0], bulk=True)
    assert entry() == 4.0
    assert (h.getNumCol(), h.getNumRow()) == (n_col, n_row)
    session.solve()
