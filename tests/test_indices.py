"""The index tables (borderflow/model/indices.py): every look-up by key agrees with the tables,
and the model's rows are where the index tables say they are."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import tiny
from helpers import dated, day

from borderflow.data.dataset import load_dataset
from borderflow.data.scenario import (CloseEvent, InitialQueue, PriorityEvent, PriorityRule,
                                      Window)
from borderflow.model.formulation import BuiltModel, build_model
from borderflow.model.indices import (CROSS_KEYS, DEMAND_KEYS, FLOW_KEYS, SUPPLY_KEYS,
                                      IndexTables, KeyIndex, empty_returns, index_tables)
from borderflow.model.keys import expand_by_key
from borderflow.model.network import build_network
from borderflow.model.queues import arrivals
from borderflow.model.routes import RouteOptions, enumerate_routes
from borderflow.model.size import estimate_model_size


@pytest.fixture
def dated_model(tmp_path):
    t = tiny.base_tables()
    t["markets"].loc[0, "demand_t_per_year"] = 150 * 365
    ds = load_dataset(tiny.write(tmp_path / "data", t), check_borders=False)
    scenario = dated("ix", 5, CloseEvent(crossing="x1", close=Window(**{"to": day(1)})),
                     queues=(InitialQueue(crossing="x1", product="durian", trucks=3,
                                          age_days=0),))
    net = build_network(ds, scenario)
    routes = enumerate_routes(net, RouteOptions())
    return net, routes, build_model(net, routes)


def test_every_key_look_up_agrees_with_its_table(dated_model):
    _, _, built = dated_model
    ix = built.index
    for table, look_up in ((ix.flows, ix.flow_column), (ix.unserved, ix.supply_row),
                           (ix.capacity_rows, ix.capacity_row),
                           (ix.demand_rows, ix.demand_row)):
        assert len(table)
        assert look_up(table).tolist() == list(range(len(table)))
    assert ix.flow_column(ix.flows[FLOW_KEYS].assign(period=99)).tolist() == [-1] * len(ix.flows)
    q = ix.queues
    assert ix.queue_index(q["k"], q["period"]).tolist() == q["q"].tolist()
    assert ix.queue_index([0, 0], [-1, ix.n_periods]).tolist() == [-1, -1]
    assert ix.n_periods == len(dated_model[0].periods)
    assert set(CROSS_KEYS + SUPPLY_KEYS + DEMAND_KEYS) <= set(ix.capacity_rows.columns) | set(
        ix.unserved.columns) | set(ix.demand_rows.columns)


def test_the_built_model_is_made_in_one_go(dated_model):
    net, routes, built = dated_model
    assert isinstance(built, BuiltModel) and isinstance(built.index, IndexTables)
    with pytest.raises(AttributeError):
        built.model = None  # frozen: no placeholder model swapped in afterwards
    again = index_tables(net, routes)
    assert again.flows.equals(built.flows) and again.queues.equals(built.queues)
    assert built.flows is built.index.flows and built.dated


def test_each_index_attribute_of_a_built_model_is_its_index_table_and_says_so(dated_model):
    """The twelve read-only attributes (``built.flows`` ...) are the index tables' own, each
    documented with the attribute it reads (``help(BuiltModel)``)."""
    _, _, built = dated_model
    names = [n for n, v in vars(BuiltModel).items() if isinstance(v, property)]
    assert len(names) == 12
    for name in names:
        assert getattr(built, name) is getattr(built.index, name)
        assert getattr(BuiltModel, name).__doc__.endswith(f" (``index.{name}``)"), name


def _terms(row_data):
    return {(v.parent_component().local_name, v.index()): c
            for c, v in zip(*row_data._terms())}


def test_queue_rows_hold_the_arrivals_the_index_tables_say(dated_model):
    """Row (k, t) of queue_balance takes route flows arriving at stream k's gate on day t;
    queue_expiry takes those that arrived on day t - W_k - 1, queue_age those of days
    t - W_k .. t (looked up by key, checked here against the arrival table)."""
    _, _, built = dated_model
    ix, m = built.index, built.model
    arr = arrivals(ix.flows, ix.streams)
    for q in ix.queues.itertuples():
        here = arr[arr["k"] == q.k]
        w = int(ix.streams.loc[q.k, "max_wait_days"])
        arriving = {("route_flow", int(f)) for f in here.loc[here["arrival_period"] == q.period,
                                                             "f"]}
        expiring = {("route_flow", int(f)) for f in
                    here.loc[here["arrival_period"] == q.period - w - 1, "f"]}
        young = {("route_flow", int(f)) for f in
                 here.loc[here["arrival_period"].between(q.period - w, q.period), "f"]}
        balance, expiry, age = (_terms(m.queue_balance[q.q]), _terms(m.queue_expiry[q.q]),
                                _terms(m.queue_age[q.q]))
        assert {k for k in balance if k[0] == "route_flow"} == arriving
        assert {k for k in expiry if k[0] == "route_flow"} == expiring
        assert {k for k in age if k[0] == "route_flow"} == young
        stock = {("queue", q.q): 1.0}  # its own day's queue, and the day before's (not day 0)
        if q.period > 0:
            stock[("queue", ix.queue_index(q.k, q.period - 1).item())] = -1.0
        assert {k: v for k, v in balance.items() if k[0] == "queue"} == stock
        # and nothing else: arrivals, its departures and write-offs, initial queues on day 0
        others = {k for k in balance if k[0] not in ("queue", "route_flow", "initial_queue")}
        assert others == {("departures", q.q), ("expired", q.q)}
        assert q.period == 0 or not any(k[0] == "initial_queue" for k in balance)


def test_the_size_estimate_counts_what_the_index_tables_hold(dated_model):
    net, routes, built = dated_model
    size = estimate_model_size(net, routes)
    ix = built.index
    assert size.variables == len(ix.flows) + len(ix.unserved) + 3 * len(ix.queues)
    assert size.constraints >= len(ix.unserved) + len(ix.capacity_rows) + len(
        ix.demand_rows) + 3 * len(ix.queues)


@pytest.mark.parametrize("age_days", [0, 2, 3, 5])
def test_initial_queues_age_and_expire_in_the_rows_their_age_says(tmp_path, age_days):
    """Trucks already ``g`` days in the queue at the start (allowed wait ``W``: 2 days with a
    3-day shelf life) count in the queue_age rows of days 0 .. W - g and in the queue_expiry
    row of day max(0, W - g + 1): cargo already too old expires on day 0, the first row of
    the first stream (mutmut survivors: expiry clipped at day 1, row 0 skipped)."""
    t = tiny.base_tables()
    t["products"].loc[0, "shelf_life_reefer_days"] = 3
    ds = load_dataset(tiny.write(tmp_path / "data", t), check_borders=False)
    scenario = dated("old", 5, queues=(InitialQueue(crossing="x1", product="durian", trucks=3,
                                                    age_days=age_days),))
    net = build_network(ds, scenario)
    built = build_model(net, enumerate_routes(net, RouteOptions()))
    ix, m = built.index, built.model
    (i, k), = ix.initial[["i", "k"]].itertuples(index=False)
    w = int(ix.streams.loc[k, "max_wait_days"])
    assert w == 2
    expiring, counted = [], []
    for q in ix.queues[ix.queues["k"] == k].itertuples():
        if ("initial_queue", i) in _terms(m.queue_expiry[q.q]):
            expiring.append(q.period)
        if ("initial_queue", i) in _terms(m.queue_age[q.q]):
            counted.append(q.period)
    assert expiring == [max(0, w - age_days + 1)]
    assert counted == list(range(0, w - age_days + 1))


def test_a_static_model_has_every_family_with_no_queue_rows(tmp_path):
    """One representative day: every constraint family and variable of BuiltModel's docstring
    exists under its name, the dated ones (queues, initial queues) and an absent priority rule
    with no rows (mutmut survivors: a family renamed or given a row in a static model)."""
    import pyomo.environ as pyo

    from borderflow.data.scenario import Scenario

    ds = load_dataset(tiny.write(tmp_path / "data", tiny.base_tables()), check_borders=False)
    net = build_network(ds, Scenario())
    built = build_model(net, enumerate_routes(net, RouteOptions()))
    rows = {c.local_name: len(c) for c in built.model.component_objects(pyo.Constraint)}
    cols = {c.local_name: len(c) for c in built.model.component_objects(pyo.Var)}
    assert rows == {"supply_balance": 1, "crossing_capacity": 2, "priority_share": 0,
                    "market_demand": 0, "destination_share": 0, "queue_balance": 0,
                    "queue_age": 0, "queue_expiry": 0, "initial_queue_total": 0,
                    "gate_entry_limit": 0}
    assert cols == {"route_flow": 2, "unserved": 1, "queue": 0, "departures": 0, "expired": 0,
                    "initial_queue": 0}


def test_every_variable_family_is_non_negative(dated_model):
    """define_variables: every family of a dated model (route flows and unserved, t/day; queue,
    t waiting; departures and expired, t/day; initial queues, t) has the bounds ``[0, inf)``,
    as its docstring says. A free family is not seen by the tiny optima of the mutation runs:
    none of them made a departure negative (mutant ``define_variables`` 23, the departures'
    domain ``None``, survived them; docs/testing.md)."""
    _, _, built = dated_model
    for name in ("route_flow", "unserved", "queue", "departures", "expired", "initial_queue"):
        var = getattr(built.model, name)
        assert len(var.index_set()) > 0, name
        assert var.domain_bounds() == (0.0, np.inf), name


def test_a_closed_crossing_day_bounds_its_variables_to_zero(dated_model):
    """define_closure_bounds: every variable that takes x1 on its closed days (0 and 1) has an
    upper bound of 0 and no other variable has one. The capacity row of 0 trucks/day holds
    those variables at 0 too, so no optimum shows a missing bound (mutmut survivor
    ``setub(None)``, docs/testing.md); sweeps re-solve by changing these bounds."""
    _, _, built = dated_model
    use = built.index.crossing_use
    ub = [getattr(built.model, v)[int(i)].ub for v, i in zip(use["var"], use["idx"])]
    closed = ((use["crossing_id"] == "x1") & (use["period"] <= 1)).to_numpy()
    assert closed.any() and (~closed).any()
    assert [u for u, c in zip(ub, closed) if c] == [0] * int(closed.sum())
    assert {u for u, c in zip(ub, closed) if not c} == {None}


@pytest.mark.parametrize("horizon_days", [None, 3])
def test_must_deliver_bounds_the_unserved_and_expired_of_its_products_to_zero(tmp_path,
                                                                             horizon_days):
    """define_delivery_requirements: with ``must_deliver: [durian]`` every ``unserved`` and
    (dated) ``expired`` variable of durian has an upper bound of 0, and those of a second
    product none. Through an optimum a bound of 1 t instead of 0 shows only where supply
    exceeds what can be carried by less than 1 t/day, and expiry only where cargo must expire
    (mutmut survivors: ``setub(1.0)``, the expired bounds skipped; docs/testing.md)."""
    from borderflow.data.scenario import Scenario

    t = tiny.base_tables()
    tiny.add_product(t, "rice", supply_t_per_day=50, perishable=False)
    ds = load_dataset(tiny.write(tmp_path / "data", t), check_borders=False)
    base = Scenario() if horizon_days is None else dated("must", horizon_days)
    net = build_network(ds, base.with_must_deliver(("durian",)))
    built = build_model(net, enumerate_routes(net, RouteOptions()))
    ix, m = built.index, built.model
    for var, table in (("unserved", ix.unserved), ("expired", ix.queues)):
        ub = {p: {getattr(m, var)[i].ub for i in range(len(table)) if
                  table["product_id"].iloc[i] == p} for p in ("durian", "rice")}
        assert ub == ({"durian": set(), "rice": set()} if var == "expired" and not horizon_days
                      else {"durian": {0}, "rice": {None}}), var


def test_priority_rows_hold_the_non_perishable_trucks_of_their_crossing_day(tmp_path):
    """Row r of priority_share takes every non-perishable variable that uses its crossing,
    direction and day, at trucks per tonne, and nothing else; the first row too (mutmut
    survivors ``has = row > 0`` / ``>= 1``: the tiny optimum with a priority lane does not
    show a lost first row, the LP favours the fruit anyway)."""
    t = tiny.base_tables()
    tiny.add_product(t, "rice", supply_t_per_day=200, perishable=False, reefer=False,
                     shelf_life_days=365)
    ds = load_dataset(tiny.write(tmp_path / "data", t), check_borders=False)
    prio = PriorityEvent(crossing="x1", priority=PriorityRule(share=0.4),
                         **{"from": day(0), "to": day(1)})
    net = build_network(ds, dated("prio", 3, prio))
    built = build_model(net, enumerate_routes(net, RouteOptions()))
    ix, m = built.index, built.model
    use = ix.crossing_use
    assert len(ix.priority_rows) == 2
    for r in ix.priority_rows.itertuples():
        mine = use[(use["crossing_id"] == r.crossing_id) & (use["direction"] == r.direction)
                   & (use["period"] == r.period) & ~use["perishable"].astype(bool)]
        assert len(mine)
        want = {(v, int(i)): c for v, i, c in zip(mine["var"], mine["idx"], mine["trucks_per_t"])}
        assert _terms(m.priority_share[r.Index]) == pytest.approx(want)


# ---- the integer-coded look-ups against the pandas joins they replace ------------------------
def test_expand_by_key_lists_the_pairs_of_an_inner_merge_in_its_order():
    left = pd.Series(["b", "a", "z", "b", "c"], dtype="str")
    right = pd.Series(["a", "b", "c", "b", "a", "y"], dtype="str")
    l_at, r_at = expand_by_key(left, right)
    merged = pd.DataFrame({"k": left, "l": range(5)}).merge(
        pd.DataFrame({"k": right, "r": range(6)}), on="k")
    assert l_at.tolist() == merged["l"].tolist() == [0, 0, 1, 1, 3, 3, 4]
    assert r_at.tolist() == merged["r"].tolist() == [1, 3, 0, 4, 1, 3, 2]
    none = expand_by_key(left, right.iloc[0:0])
    assert [a.tolist() for a in none] == [[], []]


def test_key_index_finds_what_a_multiindex_finds():
    table = pd.DataFrame({"c": pd.Series(["x", "x", "y", "y"], dtype="str"),
                          "d": ["in", "out", "in", "in"], "period": [0, 0, 0, 1]})
    frame = pd.DataFrame({"c": ["y", "x", "q", "x", "y"], "d": ["in", "out", "in", "in", "out"],
                          "period": [1, 0, 0, 1, 0]})
    got = KeyIndex(table, ["c", "d", "period"]).rows(frame)
    want = pd.MultiIndex.from_frame(table).get_indexer(pd.MultiIndex.from_frame(frame))
    assert got.tolist() == want.tolist() == [3, 1, -1, -1, -1]
    assert KeyIndex(table, ["c", "d", "period"]).rows(frame.iloc[0:0]).tolist() == []
    with pytest.raises(ValueError, match="not unique"):
        KeyIndex(table, ["c", "d"])


def test_crossing_use_and_empty_returns_are_the_joins_they_replace(dated_model):
    net, routes, built = dated_model
    ix = built.index
    # the route flows' part of crossing_use as the join of flows and crossings on route_id
    rc = routes.route_crossings
    gate = rc.groupby("route_id")["seq"].transform("max")
    joined = ix.flows[["f", "route_id", "period", "product_id"]].merge(
        rc[rc["seq"] < gate][["route_id", "element_id", "direction", "offset_h"]],
        on="route_id")
    joined["period"] += np.floor(joined["offset_h"] / 24.0).astype(int)
    joined = joined[joined["period"] < ix.n_periods]
    use = ix.crossing_use[ix.crossing_use["var"] == "route_flow"]
    assert use["idx"].tolist() == joined["f"].tolist()
    assert use["crossing_id"].tolist() == joined["element_id"].tolist()
    assert use["direction"].tolist() == joined["direction"].tolist()
    assert use["period"].tolist() == joined["period"].tolist()
    # empty trucks come back the other way; the table is made once per model
    back = empty_returns(ix.crossing_use, 0.5, 1, ix.n_periods)
    turned = ix.crossing_use["direction"].map({"a_to_b": "b_to_a", "b_to_a": "a_to_b"})
    kept = (ix.crossing_use["period"] + 1 < ix.n_periods).to_numpy()
    assert back["direction"].tolist() == turned[kept].tolist()
    assert ix.empty_returns() is ix.empty_returns() and ix.deliveries() is ix.deliveries()


def test_row_codes_of_a_key_wider_than_int64_still_tell_rows_apart():
    """Five key columns of 10,000 values each span 1e20 combinations, past int64. The key
    (1844, 6744, 737, 955, 1616) is 2**64 in a plain mixed radix of 10,000, which wraps
    around to the code of (0, 0, 0, 0, 0): the codes are re-factorised on the way, so the
    two stay apart, and equal codes still mean equal keys."""
    from borderflow.model.keys import row_codes

    n, keys = 10_000, ["a", "b", "c", "d", "e"]
    table = pd.DataFrame({k: np.arange(n).astype(str) for k in keys})  # codes = values
    wide = [1844, 6744, 737, 955, 1616]
    assert sum(v * n ** (4 - i) for i, v in enumerate(wide)) == 2**64
    frame = pd.DataFrame([[str(v) for v in wide], ["0"] * 5, ["7"] * 5], columns=keys)
    t_code, f_code = row_codes(table, frame, keys)
    assert pd.Index(t_code).is_unique
    assert f_code[0] not in set(t_code)  # no row of the table has that key
    assert f_code[1] == t_code[0] and f_code[2] == t_code[7]
