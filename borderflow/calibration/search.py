"""The global search of the cost dimensions: differential evolution from a Sobol population.

The misfit is piecewise constant in the costs (a route is chosen or not), with plateaus
separated by steps where a reduced cost crosses zero (docs/calibration.md). Powell's line
searches and the coordinate grid scan (:mod:`.fit`) move one direction at a time from where
they start, so they stop at the first point no single direction improves: a local optimum. Two
parallel gates whose shares depend on *differences* of costs (a gate's fee against a market's
price, against the other gate's fee) need several dimensions to move at once.

:func:`global_stage` runs :func:`scipy.optimize.differential_evolution` over the cost
dimensions of the current point, every other dimension held:

- the population is a scrambled Sobol sequence over ``[-1, 1]^d``
  (``init="sobol"``, :mod:`scipy.stats.qmc`), plus the current point (``x0``), so the search
  never ends worse than where it starts;
- ``popsize`` members per dimension, at most ``maxiter`` generations (``options.
  global_evaluations`` bounds the evaluations in all), ``updating="immediate"``, one worker,
  no gradient polish (the objective has no useful gradient), a fixed ``seed``: the same inputs
  give the same result;
- each evaluation is one warm re-solve of the kept model per month (:class:`~.engine.
  KeptModel`), as everywhere in the fit.

Differential evolution is a heuristic: it samples the space globally but does not certify a
global optimum; the report names it as such.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import differential_evolution

#: population members per dimension of the global search
POPSIZE = 2


def generations(n_dims: int, evaluations: int, popsize: int = POPSIZE) -> int:
    """Generations that fit in ``evaluations`` (the first population included): at least 1."""
    members = max(5, popsize * n_dims)
    return max(1, evaluations // members - 1)


def global_stage(objective, z: np.ndarray, dims: np.ndarray, evaluations: int, seed: int
                 ) -> np.ndarray:
    """Differential evolution of ``objective`` over the dimensions ``dims`` of ``z`` (the
    others held), from a Sobol population and ``z`` itself.

    Parameters
    ----------
    objective : callable
        ``objective(z_full) -> float``.
    z : ndarray
        The current point (every dimension).
    dims : ndarray of int
        The dimensions searched (each in [-1, 1]).
    evaluations : int
        About the most evaluations (population x generations).
    seed : int
        Seed of the Sobol scrambling and of the mutations.

    Returns
    -------
    ndarray
        The best point found, ``z`` itself if none is better.
    """
    z = np.asarray(z, dtype=float)

    def fun(sub):
        full = z.copy()
        full[dims] = sub
        return objective(full)

    res = differential_evolution(
        fun, [(-1.0, 1.0)] * len(dims), popsize=POPSIZE,
        maxiter=generations(len(dims), evaluations), init="sobol", x0=z[dims], rng=seed,
        polish=False, updating="immediate", workers=1, tol=0.0, atol=0.0)
    out = z.copy()
    out[dims] = np.clip(res.x, -1.0, 1.0)
    return out if objective(out) <= objective(z) else z
