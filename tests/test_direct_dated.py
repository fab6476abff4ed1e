"""The independent dated LP (tests/benchmarks/direct_dated.py) against the Pyomo model.

The direct builder shares no formulation code with ``borderflow.model``; if either drifts from
docs/model.md the optima part. Also checked: stream aggregation gives the same optimum and its
FIFO split back over the (route, product) pairs satisfies every per-pair row (the exactness
certificate), and rolling windows followed by crossover and the primal simplex on the whole LP
reach the whole LP's optimum, not the rolling approximation.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "benchmarks"))

import dated_strategies as ds
import direct_dated as dd
import stream_split
from borderflow.model.formulation import build_model
from borderflow.solvers.highs import HighsSession, SolverOptions

pytestmark = pytest.mark.slow
REL = 1e-6


#: tables the direct builder does not model (values of time and tolls, destination-share rows):
#: emptied to their header in the dataset both builders are compared on
OUT_OF_SCOPE = ("cost_terms.csv", "destination_shares.csv")


@pytest.fixture(scope="module")
def week(tmp_path_factory):
    """Network and capped route set of 7 days of the embedded dataset (its
    :data:`OUT_OF_SCOPE` tables empty), and the Pyomo optimum."""
    import shutil

    from borderflow.data.loaders import default_data_dir

    data = tmp_path_factory.mktemp("scope") / "data"
    shutil.copytree(default_data_dir(), data)
    for name in OUT_OF_SCOPE:
        path = data / name
        path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n",
                        encoding="utf-8")
    net, routes = dd.inputs(7, data=data)
    summary = HighsSession(build_model(net, routes).model,
                           SolverOptions(solver="ipm")).solve(load=False)
    return net, routes, summary


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= REL * max(1.0, abs(a), abs(b))


def test_direct_lp_has_the_pyomo_model_size_and_optimum(week):
    net, routes, summary = week
    d = dd.build(net, routes)
    assert (d.size["variables"], d.size["constraints"], d.size["nonzeros"]) == \
        (summary.variables, summary.constraints, summary.nonzeros)
    assert _close(dd.solve(dd.load(d.lp))["objective_usd"], summary.objective_usd)


@pytest.mark.parametrize("fifo", ["window", "cumulative"])
def test_aggregated_streams_keep_the_optimum_and_split_back(week, fifo):
    net, routes, summary = week
    d = dd.build(net, routes, dd.Variant(aggregate=True, fifo=fifo))
    assert d.size["streams"] < len(d.pairs)  # pairs really share queues
    h = dd.load(d.lp)
    assert _close(dd.solve(h)["objective_usd"], summary.objective_usd)
    if fifo == "window":
        check = stream_split.split_streams(d, h.getSolution().col_value)
        assert check["max_violation_t"] < 1e-6
        assert check["phantom_expiry_t"] < 1e-6


def test_rolling_then_exact_reaches_the_whole_lp_optimum(week):
    net, routes, summary = week
    d = dd.build(net, routes, dd.Variant(aggregate=True))
    roll = ds.rolling(d.lp, ds.column_days(d), 3, 3)  # short windows: several of them
    assert roll["windows"] >= 3
    out, _ = ds.exact_from_rolling(d.lp, roll, "crossover")
    assert out["status"] == "Optimal"
    assert _close(out["objective_usd"], summary.objective_usd)
    assert roll["objective_rolling"] >= out["objective_usd"] - REL * abs(out["objective_usd"])


def test_split_detects_a_per_pair_violation(week):
    """The certificate can fail: moving tonnes of departures from one day to another in the
    aggregated solution breaks the per-pair balance the split re-checks."""
    net, routes, _ = week
    d = dd.build(net, routes, dd.Variant(aggregate=True))
    h = dd.load(d.lp)
    dd.solve(h)
    x = list(h.getSolution().col_value)
    first_y = d.cols["y"][0]
    busy = max(range(d.cols["y"][1]), key=lambda i: x[first_y + i])
    x[first_y + busy] += 5.0  # 5 t more leave than the queue holds
    assert stream_split.split_streams(d, x)["max_violation_t"] > 1.0
