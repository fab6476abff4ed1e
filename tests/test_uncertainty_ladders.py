"""Ladders (borderflow/uncertainty/ladders.py): the congestion tiers' hours are drawn together
(one quantile per sample), so no sample has falling tier hours; each marginal stays as
ranges.csv gives it; a ladder that falls even drawn together is refused when ranges are read;
the warm path refuses a falling sample as a rebuild does."""

from __future__ import annotations

import numpy as np
import pytest
import tiny
from helpers import congestion_tables
from scipy import stats

from borderflow.data.dataset import load_dataset
from borderflow.data.errors import InputError
from borderflow.data.loaders import read_tables
from borderflow.data.parameters import congestion_problem
from borderflow.data.scenario import Scenario
from borderflow.uncertainty.ranges import read_ranges
from borderflow.uncertainty.run import draw, sample_space

HOURS = [f"parameters/congestion_hours_{k}/value" for k in (2, 3, 4)]
#: the embedded ranges.csv rows of the hours (triangular low, mode, high)
TRIANGLES = {HOURS[0]: (0.5, 4.0, 6.0), HOURS[1]: (2.0, 15.0, 24.0), HOURS[2]: (6.0, 48.0, 72.0)}
#: KS test level: a marginal is refused if its p-value is below this
ALPHA = 0.01


@pytest.fixture(scope="module")
def embedded_space():
    return sample_space(read_tables(None), Scenario())[1]


@pytest.mark.parametrize("method", ["lhs", "sobol"])
def test_a_thousand_embedded_samples_never_have_falling_tier_hours(embedded_space, method):
    """Main (independent dimensions) draws falling hours (seed 1: sample 22 of 200 has
    hours_3 12.64 h above hours_4 12.58 h); drawn together, none of 1,000 (1,024) falls."""
    for seed in (0, 1):
        w = draw(embedded_space, 1000, method, seed).wide()
        h = w[HOURS].to_numpy()
        assert (np.diff(h, axis=1) >= 0).all() and (h[:, 0] >= 0).all()


def test_the_hours_are_one_dimension_and_each_marginal_is_its_triangle(embedded_space):
    f = embedded_space.factors
    names = embedded_space.names()
    dims = {f["dimension"][names.index(h)] for h in HOURS}
    assert len(dims) == 1 and embedded_space.dimensions[dims.pop()] == "ladder:congestion_hours"
    # breakpoints' ranges do not overlap: independent as before
    bp = [names.index(f"parameters/congestion_breakpoint_{k}/value") for k in (1, 2, 3)]
    assert len(set(f["dimension"][bp])) == 3 and set(f["group"][bp]) == {
        f"parameters/congestion_breakpoint_{k}/value" for k in (1, 2, 3)}
    w = draw(embedded_space, 1000, "lhs", 0).wide()
    for h, (low, mode, high) in TRIANGLES.items():
        tri = stats.triang(c=(mode - low) / (high - low), loc=low, scale=high - low)
        assert stats.kstest(w[h], tri.cdf).pvalue > ALPHA
        assert abs(np.median(w[h]) - tri.median()) < 0.01 * (high - low)
    assert stats.spearmanr(w[HOURS[1]], w[HOURS[2]]).statistic == pytest.approx(1.0)


def _ranges(folder, rows: str):
    (folder / "ranges.csv").write_text("table,key,field,low,high,distribution,group\n" + rows,
                                       encoding="utf-8")


def test_a_ladder_that_falls_even_drawn_together_is_one_line(tmp_path, tiny_tables):
    folder = tiny.write(tmp_path / "ds", congestion_tables(tiny_tables, hours=(0, 5, 6, 20)))
    tables = read_tables(folder)
    # hours_2 uniform 1-10 and hours_3 uniform 2-8: above quantile 1/3 hours_2 is the higher
    _ranges(folder, "parameters,congestion_hours_2,value,1,10,uniform,\n"
                    "parameters,congestion_hours_3,value,2,8,uniform,\n")
    with pytest.raises(InputError) as err:
        read_ranges(folder, tables)
    text = str(err.value)
    assert "\n" not in text and "ranges.csv, row 2 (parameters/congestion_hours_3/value)" in text
    assert "congestion_hours_3 can fall below congestion_hours_2" in text
    assert "at quantile 0.3334" in text
    # uniform 1-10 and 2-12 overlap but are ordered at every quantile: read, grouped
    _ranges(folder, "parameters,congestion_hours_2,value,1,10,uniform,\n"
                    "parameters,congestion_hours_3,value,2,12,uniform,\n")
    r = read_ranges(folder, tables).table
    assert set(r["group"]) == {"ladder:congestion_hours"}
    # a rung not ranged holds its value: hours_4 is 20 h, hours_3's range 5-25 goes above it
    _ranges(folder, "parameters,congestion_hours_3,value,5,25,uniform,\n")
    with pytest.raises(InputError, match="row 1 .*congestion_hours_4 can fall below "
                       "congestion_hours_3"):
        read_ranges(folder, tables)
    # rungs declaring two groups
    _ranges(folder, "parameters,congestion_hours_2,value,1,10,uniform,a\n"
                    "parameters,congestion_hours_3,value,2,12,uniform,b\n")
    with pytest.raises(InputError, match="declare groups a, b"):
        read_ranges(folder, tables)
    # a declared group is kept for the whole ladder
    _ranges(folder, "parameters,congestion_hours_2,value,1,10,uniform,waits\n"
                    "parameters,congestion_hours_3,value,2,12,uniform,\n")
    assert set(read_ranges(folder, tables).table["group"]) == {"waits"}


def test_the_warm_path_refuses_a_falling_sample_as_a_rebuild_does(tmp_path, tiny_tables):
    from borderflow.model.formulation import build_model
    from borderflow.model.network import build_network
    from borderflow.model.routes import RouteOptions, enumerate_routes
    from borderflow.uncertainty.changes import WarmEffects
    from borderflow.uncertainty.sampling import FactorSpace

    folder = tiny.write(tmp_path / "ds", congestion_tables(tiny_tables))
    _ranges(folder, "parameters,congestion_hours_2,value,0.2,0.9,uniform,\n"
                    "parameters,congestion_hours_3,value,1,3,uniform,\n")
    tables = load_dataset(folder, check_borders=False)
    net = build_network(tables)
    routes = enumerate_routes(net, RouteOptions())
    space = FactorSpace.from_ranges(read_ranges(folder, tables))
    effects = WarmEffects(build_model(net, routes), routes, net, space)
    names = space.names()
    good = np.array([0.9, 1.0])[[names.index(HOURS[0]), names.index(HOURS[1])]]
    effects.changes(good)  # equal hours: convex, taken
    bad = np.array([0.9, 0.0])  # hand-made: hours_3 0 h below hours_2 0.9 h
    bad = bad[[names.index(HOURS[0]), names.index(HOURS[1])]]
    with pytest.raises(InputError) as err:
        effects.changes(bad)
    text = str(err.value)
    assert "\n" not in text and "congestion_hours_3 = 0 h is below congestion_hours_2 = 0.9 h" \
        in text and "a rebuild refuses it too" in text
    assert text.startswith(str(folder / "ranges.csv")), text  # the file read, not a bare name
    assert congestion_problem({"congestion_hours_2": 0.9, "congestion_hours_3": 0.0,
                               "congestion_hours_4": 6.0})[0] == "congestion_hours_3"
