"""Which inputs drive each headline number: Morris screening, Sobol indices, one-at-a-time swings.

The choice follows the budget of solves. The embedded dataset has hundreds of estimated numbers
(dimensions ``G`` after correlated groups are joined):

==========  ===========================  ==================================================
method      solves                       what it gives
==========  ===========================  ==================================================
``oat``     ``2 G + 1``                  output at each dimension's low and high, the
                                         others at the dataset's values: the tornado chart
``morris``  ``r (G + 1)`` (r = 10)       mu* (mean absolute elementary effect, in output
                                         units over the input's range) and sigma
                                         (interactions, non-linearity): a global ranking
``sobol``   ``N (G + 2)`` (N = 2^k)      first-order and total Sobol indices (shares of the
                                         output variance), with bootstrap intervals
==========  ===========================  ==================================================

Default: Morris for the ranking (with G ~ 300 warm solves of ~0.05 s it is ~3,000 solves, a
few minutes on two workers, where Sobol would need 10^5), and the one-at-a-time swings for the
tornado chart, which an analyst reads in the output's own units. Sobol is for a focused
question on few dimensions, e.g. the top ten of a Morris screening
(:func:`restrict`), the others held at their values.

SALib samples and analyses the designs in the unit cube of the dimensions' quantiles (each
dimension is a uniform quantile mapped through its numbers' distributions), so correlated
groups are one factor and any distribution is handled.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from .sampling import FactorSpace, SampleSet


def _problem(space: FactorSpace) -> dict:
    return {"num_vars": space.n_dimensions, "names": list(space.dimensions),
            "bounds": [[0.0, 1.0]] * space.n_dimensions}


def restrict(space: FactorSpace, dimensions: list[str]) -> FactorSpace:
    """The space of a few dimensions only (the others' numbers stay at the dataset's values)."""
    missing = [d for d in dimensions if d not in space.dimensions]
    if missing:
        raise ValueError(f"unknown dimension(s): {', '.join(missing)}")
    f = space.factors[space.factors["group"].isin(dimensions)].copy()
    f["dimension"] = [dimensions.index(g) for g in f["group"]]
    return FactorSpace(f.reset_index(drop=True), list(dimensions), space.dated, space.source)


def solves_needed(space: FactorSpace, method: str, *, trajectories: int = 10,
                  base_samples: int = 64) -> int:
    """Solves a sensitivity design of ``space`` takes (see the module table)."""
    g = space.n_dimensions
    return {"oat": 2 * g + 1, "morris": trajectories * (g + 1),
            "sobol": base_samples * (g + 2)}[method]


# ---- one at a time (tornado) ----------------------------------------------------------------
def oat_design(space: FactorSpace) -> SampleSet:
    """The dataset's values, then each dimension at its low and at its high (others at their
    values): ``2 G + 1`` samples, sample 0 the point."""
    g = space.n_dimensions
    point = space.point()[0]
    values = np.tile(point, (2 * g + 1, 1))
    u = np.full((2 * g + 1, g), np.nan)
    dims = space.factors["dimension"].to_numpy()
    for d in range(g):
        cols = np.flatnonzero(dims == d)
        for k, end in enumerate((0.0, 1.0)):
            row = 1 + 2 * d + k
            u[row, d] = end
            values[row, cols] = space.values(np.full((1, g), end))[0, cols]
    return SampleSet(space, u, values, "oat", None)


def tornado_table(design: SampleSet, y: np.ndarray) -> pd.DataFrame:
    """Swings of one output from an :func:`oat_design`'s solves.

    Returns
    -------
    DataFrame
        ``dimension, point, at_low, at_high, swing`` (``|at_high - at_low|``), largest swing
        first.
    """
    y = np.asarray(y, dtype=float)
    g = design.space.n_dimensions
    if len(y) != 2 * g + 1:
        raise ValueError(f"expected {2 * g + 1} outputs (an OAT design), got {len(y)}")
    low, high = y[1::2], y[2::2]
    out = pd.DataFrame({"dimension": design.space.dimensions, "point": y[0], "at_low": low,
                        "at_high": high, "swing": np.abs(high - low)})
    return out.sort_values(["swing", "dimension"], ascending=[False, True], kind="stable",
                           ignore_index=True)


# ---- Morris ---------------------------------------------------------------------------------
def morris_design(space: FactorSpace, trajectories: int = 10, levels: int = 4,
                  seed: int = 0) -> SampleSet:
    """Morris trajectories (SALib): ``trajectories x (G + 1)`` samples."""
    u = morris_sample.sample(_problem(space), trajectories, num_levels=levels, seed=seed)
    return SampleSet(space, u, space.values(u), f"morris (levels={levels})", seed)


def morris_indices(design: SampleSet, y: np.ndarray, levels: int = 4,
                   seed: int = 0) -> pd.DataFrame:
    """Morris measures of one output (SALib): ``dimension, mu_star, mu_star_conf, mu, sigma,
    rank`` (rank 1 = largest mu*). mu* is in the output's unit per the dimension's full range
    (quantile 0 to 1)."""
    res = morris_analyze.analyze(_problem(design.space), design.u, np.asarray(y, dtype=float),
                                 num_levels=levels, seed=seed)
    out = pd.DataFrame({"dimension": design.space.dimensions, "mu_star": res["mu_star"],
                        "mu_star_conf": res["mu_star_conf"], "mu": res["mu"],
                        "sigma": res["sigma"]})
    out = out.sort_values(["mu_star", "dimension"], ascending=[False, True], kind="stable",
                          ignore_index=True)
    out.insert(len(out.columns), "rank", np.arange(1, len(out) + 1))
    return out


# ---- Sobol ----------------------------------------------------------------------------------
def sobol_design(space: FactorSpace, base_samples: int = 64, seed: int = 0) -> SampleSet:
    """Saltelli's scheme on a Sobol sequence (SALib), first-order and total indices:
    ``base_samples x (G + 2)`` samples (``base_samples`` a power of two)."""
    u = sobol_sample.sample(_problem(space), base_samples, calc_second_order=False, seed=seed)
    return SampleSet(space, u, space.values(u), "sobol-saltelli", seed)


def sobol_indices(design: SampleSet, y: np.ndarray, seed: int = 0) -> pd.DataFrame:
    """Sobol indices of one output (SALib): ``dimension, S1, S1_conf, ST, ST_conf, rank``
    (rank 1 = largest total index)."""
    res = sobol_analyze.analyze(_problem(design.space), np.asarray(y, dtype=float),
                                calc_second_order=False, seed=seed)
    out = pd.DataFrame({"dimension": design.space.dimensions, "S1": res["S1"],
                        "S1_conf": res["S1_conf"], "ST": res["ST"], "ST_conf": res["ST_conf"]})
    out = out.sort_values(["ST", "dimension"], ascending=[False, True], kind="stable",
                          ignore_index=True)
    out.insert(len(out.columns), "rank", np.arange(1, len(out) + 1))
    return out
