"""A realistic run's foresight bound is the foresight run's optimum, solved on the same
aggregated-streams LP (borderflow/dispatch.py ``aggregated_bound``; issue 18, session 24).

Network (tests/tiny.py) carried on into Laos: the market L is in Laos behind a China -> Laos
gate Y at M, so each route crosses X1 or X2 first (transit, counted in that crossing's
capacity on the day it passes it) and queues at Y, its last gate. O -> A1 takes 30 h, so a
truck reaches X1 the day after dispatch; via X1 costs 5 USD/t less than via X2 (tests/tiny.py).

X1 is throttled to 5 trucks/day on days 2-3, a surprise (news on day 2). With foresight the LP
sends 5 of day 1's 10 trucks via X1 (they pass it on day 2) and 5 via X2: 100 t on the route-day
(via X1, day 1). A realistic dispatcher committed day 1 before the news, so that route-day is
an unwarned transit route-day (borderflow/unwarned.py): withheld, with the foresight tonnes
(100 t) reported beside it.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest
import tiny
from helpers import FORESIGHT, REALISTIC, day, dated

from borderflow.data.scenario import CapacityEvent

XY_LA = {"la-d": (106.02, 21.52), "la-l": (106.3, 21.7)}


def _into_laos(t):
    """The market moved to Laos behind gate Y (M -> D), 50 km on (edits ``t``)."""
    t["supply"].loc[0, "supply_t_per_year"] = 200 * 31 * 12
    t["links"].loc[0, "travel_h"] = 30
    nodes = t["nodes"]
    nodes.loc[nodes["node_id"] == "cn-m", "kind"] = "gate"
    new = [nodes.iloc[0].to_dict() | {"node_id": n, "name": n.upper(), "kind": kind,
                                      "country": "LA", "lon": x, "lat": y}
           for (n, (x, y)), kind in zip(XY_LA.items(), ("gate", "market"))]
    t["nodes"] = pd.concat([nodes, pd.DataFrame(new)], ignore_index=True)
    y = t["crossings"].iloc[0].to_dict() | {
        "crossing_id": "y", "name": "Y", "node_a": "cn-m", "node_b": "la-d", "country_a": "CN",
        "country_b": "LA", "lon": 106.01, "lat": 21.51}
    t["crossings"] = pd.concat([t["crossings"], pd.DataFrame([y])], ignore_index=True)
    link = t["links"].iloc[1].to_dict() | {
        "link_id": "l5", "from_node": "la-d", "to_node": "la-l", "route_ref": "L5",
        "length_km": 50, "travel_h": 2,
        "geometry_wkt": tiny._line(XY_LA["la-d"], XY_LA["la-l"])}
    t["links"] = pd.concat([t["links"], pd.DataFrame([link])], ignore_index=True)
    t["markets"].loc[0, "node_id"] = "la-l"
    return t


def _throttle():
    return CapacityEvent(crossing="x1", capacity_trucks_per_day=5,
                         **{"from": day(2), "to": day(3)})


def _extra(model, index):
    """Extra constraints that add nothing: the run (and its bound) stays per pair."""
    return None


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The foresight run, the realistic run (the default: plans and bound on the aggregated
    LP), the realistic run with per-pair plans (``--per-pair-streams``: the bound still on the
    aggregated LP, the foresight run's) and a realistic run with extra constraints (the
    foresight run would be per pair: the bound is the per-pair LP's own), of one scenario."""
    from borderflow.data.dataset import load_dataset
    from borderflow.pipeline import run_scenario

    folder = tiny.write(tmp_path_factory.mktemp("laos"), _into_laos(tiny.base_tables()))
    tables = load_dataset(folder, check_borders=False)
    scenario = dated("throttle", 6, _throttle())
    return (run_scenario(tables, scenario, FORESIGHT), run_scenario(tables, scenario, REALISTIC),
            run_scenario(tables, scenario, replace(REALISTIC, aggregate_streams=False)),
            run_scenario(tables, scenario, REALISTIC, extra_constraints=_extra))


def test_the_bound_is_the_foresight_runs_optimum_from_the_aggregated_lp(runs):
    foresight, realistic, per_pair, extended = runs
    f, s, p, e = (r.results.summary for r in runs)
    assert f["stream_aggregation"]["split"].startswith("exact")
    for run in (s, p, e):
        assert run["foresight_objective_usd"] == pytest.approx(f["objective_usd"], rel=1e-12)
    assert s["foresight_bound_lp"].startswith("the aggregated-streams LP")
    assert p["foresight_bound_lp"].startswith("the aggregated-streams LP")
    assert e["foresight_bound_lp"].startswith("the per-pair LP the plans are solved on")
    # the plans are the same whichever LP gave the bound and whichever LP they are solved on
    assert s["objective_usd"] == pytest.approx(p["objective_usd"], abs=1e-6)
    assert p["objective_usd"] == e["objective_usd"]
    assert s["value_of_foresight_usd"] == pytest.approx(p["value_of_foresight_usd"], abs=1e-6)
    assert realistic.built.index.aggregated  # the default: the plans on streams
    assert not per_pair.built.index.aggregated and not extended.built.index.aggregated
    assert len(realistic.routes.routes) == len(per_pair.routes.routes)
    assert s["plan_iterations"] and len(s["plan_iterations"]) == s["decision_days"] - 1
    assert "plan_iterations" not in f and "foresight_bound_lp" not in f


def test_the_unwarned_transit_tonnes_are_the_foresight_runs(runs):
    foresight, realistic, per_pair, _ = runs
    keys = ["route_id", "product_id", "period"]
    held = realistic.results.unwarned_transit
    assert held[keys].values.tolist() == [[held["route_id"].iloc[0], "durian", 1]]
    assert held["crossing_id"].tolist() == ["x1"]
    flows = foresight.results.route_flows
    seen = held[keys].merge(flows[keys + ["flow_t"]], on=keys, how="left").fillna(0.0)
    assert held["foresight_flow_t"].tolist() == pytest.approx(seen["flow_t"].tolist(),
                                                              abs=1e-6)
    assert held["foresight_flow_t"].tolist() == pytest.approx([100.0], abs=1e-6)
    assert realistic.results.summary["unwarned_transit_foresight_t"] == pytest.approx(100.0,
                                                                                     abs=1e-6)
    assert per_pair.results.unwarned_transit["foresight_flow_t"].tolist() == pytest.approx(
        [100.0], abs=1e-6)
