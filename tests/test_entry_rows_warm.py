"""Gate-entry rows on a kept model re-solved warm (the uncertainty engine and sweep bands,
issue 16): a slot quota in force on part of the year limits the representative day to
``phi Q + (1 - phi) K`` trucks (:mod:`borderflow.model.levers`), so its limit moves with the
gate's capacity ``K``, whether a sweep scenario sets it or a sample draws it.

By hand on the static tiny network (tests/tiny.py: durian 200 t/day at O, 20 t/truck, X1
11 USD/t, X2 16 USD/t, price 1,000 USD/t): a quota of 0 trucks/day at X1 from 1 January to 14
March is in force on 73 of 365 days, phi = 0.2, so X1 may take 0.8 K trucks/day.

- K = 100: 80 trucks, not binding: 200 t via X1, 200 x (11 - 1,000) = -197,800 USD/day.
- K = 5: 4 trucks (80 t) via X1, 120 t via X2: 80 x -989 + 120 x -984 = -197,200 USD/day.
  With the kept model's limit (80 trucks) only the capacity (5 trucks, 100 t) would bind:
  -98,900 - 98,400 = -197,300, the answer before the fix.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from borderflow.data.dataset import load_dataset
from borderflow.data.scenario import Scenario
from borderflow.model.formulation import build_model
from borderflow.model.network import build_network
from borderflow.model.routes import RouteOptions, enumerate_routes
from borderflow.solvers.highs import HighsSession
from borderflow.uncertainty.changes import WarmEffects
from borderflow.uncertainty.ranges import read_ranges
from borderflow.uncertainty.sampling import FactorSpace
from borderflow.uncertainty.sweep_models import scenario_view
from borderflow.uncertainty.warm import WarmModel

import tiny

EVERY = RouteOptions(detour_factor=math.inf)
QUOTA = "  - {crossing: x1, slot_quota: {trucks_per_day: 0}, from: 2023-01-01, to: 2023-03-14}\n"
RANGES = ("table,key,field,base,low,high,distribution,basis,source\n"
          "crossings,x1,capacity_a_to_b_trucks_per_day,100,4,150,triangular,test,test\n")


def _kept(tmp_path):
    """The dataset, the sampled space (X1's capacity a to b) and the kept model of the
    quota's scenario, as a sweep keeps it."""
    folder = tiny.write(tmp_path / "ds")
    (folder / "ranges.csv").write_text(RANGES, encoding="utf-8")
    ds = load_dataset(folder, check_borders=False)
    space = FactorSpace.from_ranges(read_ranges(folder, ds))
    net = build_network(ds, Scenario.from_yaml_text("name: ref\nevents:\n" + QUOTA, ds))
    routes = enumerate_routes(net, EVERY)
    built = build_model(net, routes)
    session = HighsSession(built.model)
    return ds, space, net, built, WarmEffects(built, routes, net, space, tables=ds), \
        session, WarmModel(session, built.model)


def test_a_sweep_scenario_sharing_the_kept_model_gets_its_own_quota_limit(tmp_path):
    """The reference (K = 100) and a scenario of the same structure throttling X1 to 5
    trucks/day, solved warm on one kept model at the dataset's values: -197,800 and
    -197,200 USD/day, as cold builds give."""
    ds, space, _, built, effects, session, warm = _kept(tmp_path)
    got = []
    for text in ("", "  - {crossing: x1, capacity_trucks_per_day: 5}\n"):
        net = build_network(ds, Scenario.from_yaml_text("name: s\nevents:\n" + QUOTA + text, ds))
        view = scenario_view(built, net)
        warm.apply(effects.for_scenario(view, net).changes(space.point()[0]))
        got.append(session.solve(load=False).objective_usd)
    assert got == pytest.approx([-197_800.0, -197_200.0], abs=1e-6)


def test_a_sampled_capacity_moves_the_quota_limit(tmp_path):
    """X1's capacity drawn at 5 trucks/day: the quota's row is 0.8 x 5 = 4 trucks, the cost
    -197,200 USD/day; drawn at 60 (limit 48, not binding): -197,800; back at the point the
    row is the built model's own limit, 80 trucks."""
    _, _, _, built, effects, session, warm = _kept(tmp_path)
    got = []
    for k in (5.0, 60.0, 100.0):
        changes = effects.changes(np.array([k]))
        got.append(changes.rows["gate_entry_limit"][1].tolist())
        warm.apply(changes)
        got.append(session.solve(load=False).objective_usd)
    assert got[0] == pytest.approx([4.0]) and got[2] == pytest.approx([48.0])
    assert got[4] == [80.0] == built.entry_rows["limit_trucks_per_day"].tolist()
    assert got[1::2] == pytest.approx([-197_200.0, -197_800.0, -197_800.0], abs=1e-6)
