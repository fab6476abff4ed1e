"""The index tables (borderflow/model/indices.py): every look-up by key agrees with the tables,
and the model's rows are where the index tables say they are."""

from __future__ import annotations

import pytest
import tiny
from helpers import dated, day

from borderflow.data.dataset import load_dataset
from borderflow.data.scenario import CloseEvent, InitialQueue, Window
from borderflow.model.formulation import BuiltModel, build_model
from borderflow.model.indices import (CROSS_KEYS, DEMAND_KEYS, FLOW_KEYS, SUPPLY_KEYS,
                                      IndexTables, index_tables)
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
        if q.period > 0:
            assert balance[("queue", ix.queue_index(q.k, q.period - 1).item())] == -1.0


def test_the_size_estimate_counts_what_the_index_tables_hold(dated_model):
    net, routes, built = dated_model
    size = estimate_model_size(net, routes)
    ix = built.index
    assert size.variables == len(ix.flows) + len(ix.unserved) + 3 * len(ix.queues)
    assert size.constraints >= len(ix.unserved) + len(ix.capacity_rows) + len(
        ix.demand_rows) + 3 * len(ix.queues)
