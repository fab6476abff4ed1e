"""Which inputs drive a run's headline number: screening, then Morris, Sobol or one-at-a-time.

The embedded dataset ranges ~1,300 numbers. A Morris design over all of them is
``r (G + 1)`` ~ 13,000 solves, a Saltelli Sobol design ~ 100,000: too many for a run an
analyst waits for. So the ranking is two-stage, and says so in its output:

1. **Screening** (free: no extra solve): the Spearman rank correlation of each dimension's
   quantile with the headline number over the run's own samples (a Latin hypercube stratifies
   each dimension, so this is the standardised rank regression of one input at a time). The
   ``screen`` dimensions with the largest ``|rho|`` go on; ``screen=0`` keeps every dimension.
   A driver whose effect is not monotonic can be missed by a rank correlation: the table of
   every dimension's ``rho`` is kept so an analyst can look.
2. **Design** on the kept dimensions, the others at the dataset's values
   (:func:`borderflow.uncertainty.sensitivity.restrict`): ``morris`` (mu*, sigma; default),
   ``sobol`` (first-order and total indices) or ``oat`` (swings only). Every method but
   ``none`` also solves the one-at-a-time design of the kept dimensions (``2 k + 1`` solves),
   which the tornado chart draws in the output's own unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from .sampling import FactorSpace, SampleSet
from .sensitivity import (morris_design, morris_indices, oat_design, restrict, sobol_design,
                          sobol_indices, tornado_table)

SENSITIVITY_METHODS = ("morris", "oat", "sobol", "none")
#: Sobol base samples (a power of two) of a focused design
SOBOL_BASE_SAMPLES = 64


@dataclass
class Sensitivity:
    """Tables of a sensitivity analysis of one headline number.

    Attributes
    ----------
    tables : dict
        ``{target: indices}`` (Morris or Sobol indices; empty for ``oat`` and ``none``) and
        ``{"screening": rho per dimension}``.
    tornado : dict
        ``{target: swings}`` (:func:`~borderflow.uncertainty.sensitivity.tornado_table`).
    meta : dict
        Method, target, dimensions kept, solves.
    """

    tables: dict = field(default_factory=dict)
    tornado: dict = field(default_factory=dict)
    meta: dict = field(default_factory=dict)


def target_values(results: pd.DataFrame, target: str, n: int) -> np.ndarray:
    """The headline number per sample (``cost_usd``, or ``cost_increase_usd``: scenario minus
    baseline); NaN where a sample did not solve."""
    cost = results[results["measure"] == "cost_usd"].pivot_table(
        index="sample", columns="scenario", values="value", dropna=False)
    cost = cost.reindex(range(n))
    if target == "cost_increase_usd":
        return (cost["scenario"] - cost["baseline"]).to_numpy(dtype=float)
    return cost["scenario"].to_numpy(dtype=float)


def _target(solved: dict, target: str) -> float:
    def cost(name: str) -> float:
        m = solved.get(name)
        return float(m["cost_usd"]) if isinstance(m, dict) else np.nan
    if target == "cost_increase_usd":
        return cost("scenario") - cost("baseline")
    return cost("scenario")


#: family-wise error rate of the screen's "stands out from chance" (Bonferroni over dimensions)
SCREEN_ALPHA = 0.05


def screening_table(design: SampleSet, y: np.ndarray) -> pd.DataFrame:
    """Spearman's rho of every dimension's quantile with ``y`` (samples that solved):
    ``dimension, rho, abs_rho, p_value, stands_out, rank``, largest ``|rho|`` first.

    ``p_value`` is the two-sided p-value of rho = 0 (scipy's t approximation; 1 where the
    dimension or ``y`` does not vary); ``stands_out`` is True where it stays below
    :data:`SCREEN_ALPHA` divided by the number of dimensions (Bonferroni): with many
    dimensions and few samples the largest ``|rho|`` are expected by chance alone (30 samples,
    1,373 dimensions: ``|rho|`` near 0.6), and a rank no dimension stands out in is no evidence
    of which inputs matter."""
    ok = np.isfinite(y)
    u, y = design.u[ok], y[ok]
    dims = design.space.dimensions
    rho, p = np.zeros(len(dims)), np.ones(len(dims))
    if len(y) >= 3 and np.ptp(y) > 0:
        for d in range(len(dims)):
            if np.ptp(u[:, d]) > 0:
                r = spearmanr(u[:, d], y)
                rho[d], p[d] = r.statistic, r.pvalue
        rho, p = np.nan_to_num(rho), np.nan_to_num(p, nan=1.0)
    out = pd.DataFrame({"dimension": dims, "rho": rho, "abs_rho": np.abs(rho), "p_value": p,
                        "stands_out": p * max(len(dims), 1) < SCREEN_ALPHA})
    out = out.sort_values(["abs_rho", "dimension"], ascending=[False, True], kind="stable",
                          ignore_index=True)
    out["rank"] = np.arange(1, len(out) + 1)
    return out


def _full_values(space: FactorSpace, sub: FactorSpace, values: np.ndarray) -> np.ndarray:
    """Rows of a restricted design as rows of the full space (others at the point)."""
    where = {n: i for i, n in enumerate(space.names())}
    cols = np.array([where[n] for n in sub.names()], dtype=np.int64)
    full = np.tile(space.point()[0], (len(values), 1))
    full[:, cols] = values
    return full


def sensitivity_analysis(method: str, space: FactorSpace, design: SampleSet,
                         results: pd.DataFrame, evaluate, *, seed: int = 0, screen: int = 12,
                         trajectories: int = 10, target: str = "cost_usd",
                         on_progress=None) -> Sensitivity:
    """Screen the dimensions on the run's samples, then solve the sensitivity design.

    Parameters
    ----------
    method : {"morris", "oat", "sobol", "none"}
    space, design
        The sampled space and the run's samples.
    results : DataFrame
        The run's ``scenario, sample, measure, value``.
    evaluate : evaluator
        ``evaluate.many(rows, on_each)`` -> ``[{model name: measures}]`` (solves rows of
        factor values, here or on Dask workers).
    seed : int
        Seed of the Morris and Sobol designs.
    screen : int
        Dimensions kept (0: all).
    trajectories : int
        Morris trajectories.
    target : str
        ``cost_usd`` or ``cost_increase_usd``.
    on_progress : callable, optional
        Told ``("sensitivity", done, total, message)``.

    Returns
    -------
    Sensitivity
    """
    out = Sensitivity(meta={"method": method, "target": target})
    if method == "none":
        return out
    progress = on_progress or (lambda *a, **k: None)
    y = target_values(results, target, len(design))
    ranked = screening_table(design, y)
    out.tables["screening"] = ranked
    keep = list(ranked["dimension"]) if not screen else list(ranked["dimension"].head(screen))
    keep = [d for d in space.dimensions if d in set(keep)]  # the space's order
    sub = restrict(space, keep)
    designs = {"oat": oat_design(sub)}
    if method == "morris":
        designs["morris"] = morris_design(sub, trajectories, seed=seed)
    elif method == "sobol":
        designs["sobol"] = sobol_design(sub, SOBOL_BASE_SAMPLES, seed=seed)
    total = sum(len(d) for d in designs.values())
    done = 0
    outputs = {}
    progress("sensitivity", 0, total, f"{method} on {len(keep)} dimension(s): {total:,} solves")
    for name, d in designs.items():
        def told(k: int, before: int = done, name: str = name) -> None:
            progress("sensitivity", before + k, total, f"{name} solve {before + k:,} of "
                     f"{total:,}")

        solved = evaluate.many(_full_values(space, sub, d.values), told)
        outputs[name] = np.asarray([_target(one, target) for one in solved], dtype=float)
        done += len(d)
    out.tornado[target] = tornado_table(designs["oat"], outputs["oat"])
    if method == "morris":
        out.tables[target] = morris_indices(designs["morris"], outputs["morris"], seed=seed)
    elif method == "sobol":
        out.tables[target] = sobol_indices(designs["sobol"], outputs["sobol"], seed=seed)
    out.meta.update({"screened_by": "Spearman rank correlation over the run's samples"
                     if screen and screen < space.n_dimensions else "none (every dimension)",
                     "dimensions_kept": len(keep), "dimensions": space.n_dimensions,
                     "screen_samples": int(np.isfinite(y).sum()),
                     "screen_stand_out": int(ranked["stands_out"].sum()),
                     "solves": int(total),
                     "trajectories": int(trajectories) if method == "morris" else None})
    return out
