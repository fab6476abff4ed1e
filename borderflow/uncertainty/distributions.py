"""From a quantile in [0, 1] to a value of a ranged number (scipy.stats distributions).

Each range is bounded by its low and high; the dataset's value is the mode of the triangular
and PERT distributions:

- ``uniform``: every value in [low, high] equally likely (what a bare "between a and b" says);
- ``triangular``: density rising linearly from low to the value and falling to high;
- ``pert``: the beta-PERT of cost estimating (beta with shape 1 + 4 (mode - low) / (high -
  low) and 1 + 4 (high - mode) / (high - low)): smoother than the triangle, less weight on the
  ends;
- ``loguniform``: uniform in log(value), for numbers known to a factor (low > 0).

A range with ``low == high`` is a constant.
"""

from __future__ import annotations

import numpy as np
from scipy import stats


def ppf(u: np.ndarray, low: float, mode: float, high: float, kind: str) -> np.ndarray:
    """Values at quantiles ``u`` of a ranged number.

    Parameters
    ----------
    u : array of float in [0, 1]
        Quantiles (a column of a Latin hypercube or Sobol design).
    low, mode, high : float
        The range and the dataset's value (the mode of ``triangular`` and ``pert``).
    kind : str
        ``uniform``, ``triangular``, ``pert`` or ``loguniform``.

    Returns
    -------
    ndarray
        Values in [low, high]; ``u = 0`` gives low and ``u = 1`` high exactly.
    """
    u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
    width = high - low
    if width <= 0:
        return np.full(u.shape, float(low))
    if kind == "uniform":
        x = low + u * width
    elif kind == "triangular":
        x = stats.triang(c=(mode - low) / width, loc=low, scale=width).ppf(u)
    elif kind == "pert":
        a = 1.0 + 4.0 * (mode - low) / width
        b = 1.0 + 4.0 * (high - mode) / width
        x = stats.beta(a, b, loc=low, scale=width).ppf(u)
    elif kind == "loguniform":
        x = stats.loguniform(low, high).ppf(u)
    else:
        raise ValueError(f"unknown distribution {kind!r}")
    # the ends exactly (ppf of 0 and 1 may carry rounding)
    return np.where(u <= 0.0, low, np.where(u >= 1.0, high, np.clip(x, low, high)))


def median(low: float, mode: float, high: float, kind: str) -> float:
    """The distribution's median (P50 of the input alone)."""
    return float(ppf(np.array([0.5]), low, mode, high, kind)[0])
