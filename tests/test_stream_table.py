"""The stream-table helpers of model/queues.py, by hand, without a solve: a stream queues at the
last gate of its route, its offsets and allowed wait in whole days, the arrival days of its route
flows, and which streams an initial queue may belong to (mutation run of session 29,
docs/testing.md).

The network: the tiny one (tests/tiny.py) with X1 leading into Laos (B1 in LA) and a second
border X3 (LA C1 -> CN D1) on the way to M::

    O (VN) --24 h--> A1 ==X1 2 h==> B1 (LA) --22 h--> C1 ==X3 2 h==> D1 (CN) --22 h--> M
    O (VN) --3 h--> A2 ==X2 2 h==> B2 (CN) --3 h--> M

Durian keeps 14 days (336 h) in a reefer; ``queue_max_wait_days`` is 12.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tiny
from helpers import dated, set_parameter, two_origins

from borderflow.data.dataset import load_dataset
from borderflow.data.scenario import InitialQueue
from borderflow.model.indices import flow_table
from borderflow.model.network import build_network
from borderflow.model.queues import allowed_wait_days, arrivals, initial_allocations, stream_table
from borderflow.model.routes import RouteOptions, enumerate_routes

VIA_LAOS = "vn-o>cn-m|x1:a_to_b+x3:a_to_b|cheapest"
DIRECT = "vn-o>cn-m|x2:a_to_b|cheapest"


def _via_laos(t) -> None:
    """X1 into Laos and X3 on into China (the module docstring's network), wait cap 12 days."""
    nodes, cross, links = t["nodes"], t["crossings"], t["links"]
    nodes.loc[nodes["node_id"] == "cn-b1", ["node_id", "name", "country"]] = \
        ["la-b1", "LA-B1", "LA"]
    for nid, x, y, country in (("la-c1", 105.7, 21.4, "LA"), ("cn-d1", 105.72, 21.42, "CN")):
        nodes.loc[len(nodes)] = {**nodes.iloc[0].to_dict(), "node_id": nid, "name": nid.upper(),
                                 "kind": "gate", "country": country, "lon": x, "lat": y}
    cross.loc[0, ["node_b", "country_b"]] = ["la-b1", "LA"]
    cross.loc[len(cross)] = {**cross.iloc[0].to_dict(), "crossing_id": "x3", "name": "X3",
                             "node_a": "la-c1", "node_b": "cn-d1", "country_a": "LA",
                             "country_b": "CN"}
    links.loc[0, "travel_h"] = 24
    links.loc[1, ["from_node", "to_node", "travel_h"]] = ["la-b1", "la-c1", 22]
    links.loc[len(links)] = {**links.iloc[1].to_dict(), "link_id": "l5", "from_node": "cn-d1",
                             "to_node": "cn-m", "route_ref": "L5", "travel_h": 22}
    xy = dict(zip(nodes["node_id"], zip(nodes["lon"], nodes["lat"])))
    links["geometry_wkt"] = [tiny._line(xy[a], xy[b])
                             for a, b in zip(links["from_node"], links["to_node"])]
    set_parameter(t, "queue_max_wait_days", 12, "days")


def _network(tmp_path: Path, edit, *queues: InitialQueue, days: int = 5):
    t = tiny.base_tables()
    edit(t)
    ds = load_dataset(tiny.write(tmp_path / "data", t), check_borders=False)
    net = build_network(ds, dated("streams", days, queues=queues))
    return net, enumerate_routes(net, RouteOptions())


def test_a_stream_queues_at_the_last_gate_of_its_route_with_whole_day_offsets(tmp_path):
    """Via Laos (72 h): one stream, queueing at X3 (not X1), reached 24 + 2 + 22 = 48 h after
    dispatch (day 2), M 2 + 22 = 24 h after X3 (1 day); it may wait floor((336 - 72) / 24) = 11
    days. Direct by X2 (8 h): gate at 3 h (day 0), M 5 h on (day 0); floor((336 - 8) / 24) = 13
    days, capped at 12. Sorted by product, then route (x1... before x2...)."""
    net, routes = _network(tmp_path, _via_laos)
    s = stream_table(net, routes)
    want = pd.DataFrame({
        "k": [0, 1], "route_id": [VIA_LAOS, DIRECT], "product_id": "durian", "origin": "vn-o",
        "market": "cn-m", "crossing_id": ["x3", "x2"], "direction": "a_to_b",
        "gate_offset_days": [2, 0], "downstream_days": [1, 0], "max_wait_days": [11, 12],
        "payload_t_per_truck": 20.0, "perishable": True, "penalty_usd_per_t": 500.0})
    pd.testing.assert_frame_equal(s, want, check_dtype=False)
    assert [s[c].dtype.kind for c in ("k", "gate_offset_days", "downstream_days",
                                      "max_wait_days")] == ["i"] * 4  # whole days


def test_route_flows_reach_their_queue_on_dispatch_day_plus_the_gate_offset(tmp_path):
    """A flow dispatched on day t via Laos reaches X3's queue on day t + 2; by X2 on day t."""
    net, routes = _network(tmp_path, _via_laos)
    s = stream_table(net, routes)
    flows = flow_table(net, routes)
    arr = arrivals(flows, s)
    assert arr["f"].tolist() == flows["f"].tolist()
    offset = np.where(flows["route_id"] == VIA_LAOS, 2, 0)
    assert arr["arrival_period"].tolist() == (flows["period"].to_numpy() + offset).tolist()
    assert arr["k"].tolist() == np.where(flows["route_id"] == VIA_LAOS, 0, 1).tolist()
    assert arr["max_wait_days"].tolist() == np.where(flows["route_id"] == VIA_LAOS, 11,
                                                     12).tolist()


def test_allowed_wait_is_the_whole_days_of_shelf_life_left_capped_and_never_negative():
    """floor((shelf - duration) / 24) clipped to [0, cap]: 60 h -> 2; 22 h -> 0 (less than a
    day); 12 h shelf on a 12.5 h journey -> 0, not -1; 324 h -> 13, capped at 12; with a cap of
    30: 324 h -> 13 (13.5 days, not 324 / 25) and 24 h exactly -> 1."""
    got = allowed_wait_days([72, 30, 12, 336], [12, 8, 12.5, 12], 12)
    assert got.tolist() == [2, 0, 0, 12] and got.dtype.kind == "i"
    assert allowed_wait_days(np.array([336.0, 48.0]), np.array([12.0, 24.0]), 30).tolist() == \
        [13, 1]


def test_an_initial_queue_naming_its_origin_belongs_to_that_origins_stream_only(tmp_path):
    """Two origins through X1 (tests/helpers.py two_origins: O's and O2's routes are two
    streams). An entry naming O2 may belong to O2's stream alone; one naming no origin to
    both; each allocation row carries its entry's trucks and age."""
    net, routes = _network(tmp_path, two_origins,
                           InitialQueue(crossing="x1", product="durian", trucks=7, age_days=2,
                                        origin="vn-o2"),
                           InitialQueue(crossing="x1", product="durian", trucks=3, age_days=0))
    s = stream_table(net, routes)
    at_x1 = s[s["crossing_id"] == "x1"]
    assert sorted(at_x1["origin"]) == ["vn-o", "vn-o2"]
    k_o2 = int(at_x1.loc[at_x1["origin"] == "vn-o2", "k"].item())
    got = initial_allocations(net, s)
    want = pd.DataFrame({"i": [0, 1, 2], "j": [0, 1, 1], "k": [k_o2, *at_x1["k"]],
                         "trucks": [7.0, 3.0, 3.0], "age_days": [2, 0, 0]})
    pd.testing.assert_frame_equal(got, want, check_dtype=False)


@pytest.mark.parametrize("entry, message", [
    (InitialQueue(crossing="x1", product="durian", trucks=3, age_days=0, direction="b_to_a"),
     "initial queue 2: no route of durian queues at x1 (b_to_a)"),
    (InitialQueue(crossing="x2", product="durian", trucks=3, age_days=0, origin="vn-o2"),
     "initial queue 2: no route of durian queues at x2 (a_to_b) from vn-o2")],
    ids=["no-origin", "origin"])
def test_an_initial_queue_with_no_stream_is_named_by_its_place_gate_and_origin(tmp_path, entry,
                                                                               message):
    """The second entry has no stream (nothing queues at X1 b_to_a; X2 is closed, so O2 has
    no route through it): the whole message, which the pipeline turns into the bad-input line
    (1-based entry, gate, direction, and the origin only when the entry names one)."""
    net, routes = _network(tmp_path, two_origins,
                           InitialQueue(crossing="x1", product="durian", trucks=3, age_days=0),
                           entry)
    with pytest.raises(ValueError) as err:
        initial_allocations(net, stream_table(net, routes))
    assert str(err.value) == message
