"""A sample solved warm on the kept model equals the same sample rebuilt from its tables.

Routes are enumerated without the detour filter (``detour_factor=inf``) on both sides: with
it, a rebuild drops a route whose cost the sample pushes past 1.6 x the cheapest while the kept
model still has it (the warm answer is then the better one; both are restricted optima until
routes are priced, issue 17). On the tiny network every crossing sequence has one path, so
both route sets are then equal and the objectives must agree."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
import uncertainty_data as ud
from borderflow.data.loaders import read_tables
from borderflow.data.scenario import Horizon, Scenario
from borderflow.model.formulation import build_model
from borderflow.model.network import build_network
from borderflow.model.routes import RouteOptions, enumerate_routes
from borderflow.solvers.highs import HighsSession

from borderflow.uncertainty.changes import StructureChange, WarmEffects, structure_tables
from borderflow.uncertainty.perturb import apply_sample
from borderflow.uncertainty.ranges import read_ranges
from borderflow.uncertainty.sampling import FactorSpace, latin_hypercube
from borderflow.uncertainty.summaries import quantile_table
from borderflow.uncertainty.warm import WarmModel

ALL_ROUTES = RouteOptions(detour_factor=math.inf)


def _rebuilt_objective(tables, scenario=None) -> float:
    net = build_network(tables, scenario)
    built = build_model(net, enumerate_routes(net, ALL_ROUTES))
    return HighsSession(built.model).solve(load=False).objective_usd


def _kept(tables, space, scenario=None):
    net = build_network(structure_tables(tables, space), scenario)
    routes = enumerate_routes(net, ALL_ROUTES)
    built = build_model(net, routes)
    effects = WarmEffects(built, routes, net, space, tables=tables)
    session = HighsSession(built.model)
    warm = WarmModel(session, built.model)
    warm.apply(effects.changes(space.point()[0]))
    session.solve(load=False)
    return effects, session, warm, session.basis()


def _warm_objectives(tables, space, samples, scenario=None) -> list[float]:
    """Each sample's objective, solved warm on one kept model from the point's basis."""
    effects, session, warm, basis = _kept(tables, space, scenario)
    out = []
    for i in range(len(samples)):
        warm.apply(effects.changes(samples.values[i]))
        session.restart_from(basis)
        out.append(session.solve(load=False).objective_usd)
    return out


def _assert_warm_equals_rebuild(tables, space, samples, scenario=None) -> None:
    for i, got in enumerate(_warm_objectives(tables, space, samples, scenario)):
        want = _rebuilt_objective(apply_sample(tables, samples.sample(i)), scenario)
        assert got == pytest.approx(want, rel=1e-9, abs=1e-6), f"sample {i}"


@pytest.mark.parametrize("scenario", [None, Scenario(name="x2-shut", events=(
    {"crossing": "x2", "close": {"from": "2023-03-01", "to": "2023-05-31"}},))],
    ids=["base", "x2-closed-in-spring"])
def test_warm_equals_rebuild(tmp_path, scenario):
    tables = read_tables(ud.write(tmp_path / "ds"))
    space = FactorSpace.from_ranges(read_ranges(tmp_path / "ds", tables))
    assert "crossings/x1/lanes_a_to_b" not in space.names()  # the model does not read lanes
    assert space.n_dimensions == space.n_factors - 1  # the two lengths are one group
    _, session, _, _ = _kept(tables, space, scenario)
    assert session.solve(load=False).objective_usd == pytest.approx(
        _rebuilt_objective(tables, scenario), rel=1e-9)  # the point on the kept model
    _assert_warm_equals_rebuild(tables, space, latin_hypercube(space, 10, seed=3), scenario)


def test_warm_equals_rebuild_dated(tmp_path):
    """A 4-day horizon: capacities, supply, prices and payloads (warm in dated runs too)."""
    ranges = "\n".join(line for line in ud.RANGES.splitlines()
                       if "dwell_h" not in line and "shelf_life" not in line) + "\n"
    t = ud.binding_tables()
    t["products"].loc[0, "shelf_life_reefer_days"] = 3
    tables = read_tables(ud.write(tmp_path / "ds", t, ranges))
    scenario = Scenario(name="days", horizon=Horizon(start=dt.date(2024, 3, 1), days=4))
    space = FactorSpace.from_ranges(read_ranges(tmp_path / "ds", tables), dated=True)
    _assert_warm_equals_rebuild(tables, space, latin_hypercube(space, 4, seed=5), scenario)


def test_structural_numbers_refused_warm(tmp_path):
    tables = read_tables(ud.write(tmp_path / "ds"))
    ranges = read_ranges(tmp_path / "ds", tables)
    dated = FactorSpace.from_ranges(ranges, dated=True)  # hours and shelf lives: structure
    assert set(dated.structural()["field"]) == {"dwell_h", "shelf_life_reefer_days"}
    net = build_network(tables)
    routes = enumerate_routes(net)
    with pytest.raises(StructureChange, match="rebuild"):
        WarmEffects(build_model(net, routes), routes, net, dated)


def test_self_check_catches_a_model_out_of_step(tmp_path):
    tables = read_tables(ud.write(tmp_path / "ds"))
    space = FactorSpace.from_ranges(read_ranges(tmp_path / "ds", tables))
    net = build_network(tables)
    routes = enumerate_routes(net)
    built = build_model(net, routes)
    built.flows["cost_usd_per_t"] *= 1.01  # as if the formulation priced routes differently
    with pytest.raises(RuntimeError, match="route costs"):
        WarmEffects(built, routes, net, space)


def test_cost_linear_in_one_number_has_hand_quantiles(tmp_path):
    """Ample capacity, one sampled number: the road rate r ~ U[0.8, 1.2] USD/truck-km.
    Everything goes via x1 (200 km, fee 20 USD, 20 t/truck, 200 t/day, price 1,000 USD/t):
    objective = 200 * ((200 r + 20) / 20 - 1000) = 2000 r - 199,800 USD/day, so
    P10/P50/P90 = 2000 * (0.84, 1.00, 1.16) - 199,800 = -198,120 / -197,800 / -197,480."""
    ranges = "table,key,field,low,high\nparameters,road_cost_usd_per_truck_km,value,0.8,1.2\n"
    tables = read_tables(ud.write(tmp_path / "ds", ud.tiny.base_tables(), ranges))
    space = FactorSpace.from_ranges(read_ranges(tmp_path / "ds", tables))
    samples = latin_hypercube(space, 200, seed=11)
    y = _warm_objectives(tables, space, samples)
    q = quantile_table(pd.DataFrame({"sample": range(len(y)), "measure": "cost_usd",
                                     "value": y}))
    stratum = 2000 * 0.4 / len(samples)  # one Latin-hypercube stratum of the output
    assert q.loc[0, ["p10", "p50", "p90"]].to_numpy(dtype=float) == pytest.approx(
        np.array([-198_120.0, -197_800.0, -197_480.0]), abs=stratum)


def test_many_coefficients_passed_at_once_give_the_same_answers(tmp_path, monkeypatch):
    """Above ``bulk_threshold`` coefficient changes the matrix is passed again with the basis
    instead of one ``changeCoeff`` per entry: same optima."""
    monkeypatch.setattr(WarmModel, "bulk_threshold", 0)
    tables = read_tables(ud.write(tmp_path / "ds"))
    space = FactorSpace.from_ranges(read_ranges(tmp_path / "ds", tables))
    _assert_warm_equals_rebuild(tables, space, latin_hypercube(space, 6, seed=9))
