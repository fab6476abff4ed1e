"""Samples of the ranged numbers: Latin hypercube or Sobol designs, seeded and reproducible.

A :class:`FactorSpace` is what is sampled: the ranged numbers the model reads (a range with
``low == high`` or on a number the model does not read is not sampled), gathered into
*dimensions*. Each dimension is one independent quantile ``u`` in [0, 1]; every number of it
takes the value at ``u`` of its own distribution (:func:`borderflow.uncertainty.distributions.ppf`).

Correlated groups: rows of ``ranges.csv`` that share a ``group`` name form one dimension, so
they move together (comonotonic: rank correlation 1). That is the right model when the numbers
were estimated the same way and share their error, e.g. every link length derived from the
great-circle distance times one winding factor, or every "class international" dwell time
assumed at one value: if the assumption is off, it is off for all. No partial correlation is
offered: the dataset has no basis for estimating one, and a rank correlation of 1 or 0 brackets
it. Ungrouped rows are independent dimensions. Ladders (the congestion tiers' hours, whose
ranges overlap) are grouped when ranges are read: :mod:`borderflow.uncertainty.ladders`.

Designs come from ``scipy.stats.qmc``: :func:`latin_hypercube` (stratified in each dimension,
for P10/P50/P90 from a few hundred samples) and :func:`sobol_sequence` (scrambled, a power of
two samples). The same seed gives the same samples, on any machine.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import qmc

from .distributions import ppf
from .ranges import Ranges

FACTOR_COLUMNS = ["table", "key", "field", "low", "value", "high", "distribution", "unit",
                  "effect", "group", "dimension"]


def factor_name(table: str, key: str, field: str) -> str:
    """``table/key/field``: the name of a sampled number in tables and charts."""
    return f"{table}/{key}/{field}"


@dataclass(frozen=True)
class FactorSpace:
    """The sampled numbers and their independent dimensions.

    Attributes
    ----------
    factors : DataFrame
        One row per sampled number (:data:`FACTOR_COLUMNS`): ``effect`` in the run's horizon,
        ``group`` the dimension's name, ``dimension`` its index.
    dimensions : list of str
        Names of the independent dimensions (a declared group, or ``table/key/field``).
    dated : bool
        Whether effects are those of a dated run.
    source : str or None
        The ranges file the factors were read from, as a message names it (``None``: built
        otherwise, e.g. by a calibration).
    """

    factors: pd.DataFrame
    dimensions: list[str]
    dated: bool = False
    source: str | None = None

    @classmethod
    def from_ranges(cls, ranges: Ranges, *, dated: bool = False) -> FactorSpace:
        """The numbers of ``ranges`` that a run samples (see the module docstring)."""
        t = ranges.table
        effect = t["effect_dated" if dated else "effect_static"] if len(t) else pd.Series(
            dtype=object)
        used = t[(effect != "none").to_numpy() & (t["low"] < t["high"]).to_numpy()].copy()
        used["effect"] = effect[used.index]
        used = used.sort_values(["table", "key", "field"], kind="stable", ignore_index=True)
        names = [g if g else factor_name(a, b, c) for g, a, b, c in
                 zip(used["group"], used["table"], used["key"], used["field"])]
        dims = list(dict.fromkeys(names))
        used["group"] = names
        used["dimension"] = [dims.index(n) for n in names]
        return cls(used[FACTOR_COLUMNS].reset_index(drop=True), dims, dated, ranges.file)

    @property
    def n_factors(self) -> int:
        """Sampled numbers."""
        return len(self.factors)

    @property
    def n_dimensions(self) -> int:
        """Independent dimensions."""
        return len(self.dimensions)

    def names(self) -> list[str]:
        """``table/key/field`` of each factor, in order."""
        f = self.factors
        return [factor_name(a, b, c) for a, b, c in zip(f["table"], f["key"], f["field"])]

    def structural(self) -> pd.DataFrame:
        """Factors whose new values need a rebuilt model (effect ``structure``)."""
        return self.factors[self.factors["effect"] == "structure"]

    def values(self, u: np.ndarray) -> np.ndarray:
        """Values of every factor (columns) at the quantiles ``u`` of every dimension."""
        u = np.atleast_2d(np.asarray(u, dtype=float))
        out = np.empty((u.shape[0], self.n_factors))
        for j, r in enumerate(self.factors.itertuples(index=False)):
            out[:, j] = ppf(u[:, r.dimension], r.low, r.value, r.high, r.distribution)
        return out

    def point(self) -> np.ndarray:
        """The dataset's values (one row)."""
        return self.factors["value"].to_numpy(dtype=float)[None, :]


@dataclass(frozen=True)
class SampleSet:
    """Samples of a :class:`FactorSpace`.

    Attributes
    ----------
    space : FactorSpace
    u : ndarray (n, dimensions)
        Quantiles of each dimension.
    values : ndarray (n, factors)
        Value of each sampled number, in its unit.
    method : str
        ``latin_hypercube``, ``sobol`` or a sensitivity design's name.
    seed : int or None
    """

    space: FactorSpace
    u: np.ndarray
    values: np.ndarray
    method: str
    seed: int | None

    def __len__(self) -> int:
        return self.values.shape[0]

    def sample(self, i: int) -> dict[tuple[str, str, str], float]:
        """Sample ``i`` as ``{(table, key, field): value}``."""
        f = self.space.factors
        return {(a, b, c): float(v) for a, b, c, v in
                zip(f["table"], f["key"], f["field"], self.values[i])}

    def wide(self) -> pd.DataFrame:
        """One row per sample, one column per factor (``table/key/field``)."""
        df = pd.DataFrame(self.values, columns=self.space.names())
        df.insert(0, "sample", np.arange(len(self)))
        return df

    def long(self) -> pd.DataFrame:
        """``sample, table, key, field, value`` (the ``samples`` table of a run)."""
        f = self.space.factors
        n, d = self.values.shape
        return pd.DataFrame({"sample": np.repeat(np.arange(n), d),
                             "table": np.tile(f["table"].to_numpy(), n),
                             "key": np.tile(f["key"].to_numpy(), n),
                             "field": np.tile(f["field"].to_numpy(), n),
                             "value": self.values.ravel()})


def _engine(kind, d: int, seed: int | None, **kw):
    try:  # scipy >= 1.15 names the generator ``rng``
        return kind(d, rng=np.random.default_rng(seed), **kw)
    except TypeError:  # pragma: no cover - older scipy
        return kind(d, seed=np.random.default_rng(seed), **kw)


def latin_hypercube(space: FactorSpace, n: int, seed: int | None = 0) -> SampleSet:
    """``n`` Latin hypercube samples (scrambled: uniform within each stratum).

    Parameters
    ----------
    space : FactorSpace
    n : int
        Samples, >= 1.
    seed : int
        Seed of ``numpy.random.default_rng``: the same seed gives the same samples.
    """
    if n < 1:
        raise ValueError("at least one sample")
    if space.n_dimensions == 0:
        return SampleSet(space, np.zeros((n, 0)), np.zeros((n, 0)), "latin_hypercube", seed)
    u = _engine(qmc.LatinHypercube, space.n_dimensions, seed).random(n)
    return SampleSet(space, u, space.values(u), "latin_hypercube", seed)


def sobol_sequence(space: FactorSpace, n: int, seed: int | None = 0) -> SampleSet:
    """Scrambled Sobol samples: ``n`` rounded up to a power of two (the sequence is balanced
    only then; 1,000 asked gives 1,024), said in ``method``.
    """
    if n < 1:
        raise ValueError("at least one sample")
    m = max(0, math.ceil(math.log2(n)))
    if space.n_dimensions == 0:
        return SampleSet(space, np.zeros((2 ** m, 0)), np.zeros((2 ** m, 0)), "sobol", seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # no balance warning: n is 2^m
        u = _engine(qmc.Sobol, space.n_dimensions, seed, scramble=True).random_base2(m)
    method = "sobol" if 2 ** m == n else f"sobol ({n:,} asked, {2 ** m:,} drawn: a power of two)"
    return SampleSet(space, u, space.values(u), method, seed)


def point_sample(space: FactorSpace) -> SampleSet:
    """The dataset's own values as a one-sample set (the baseline of a comparison)."""
    return SampleSet(space, np.full((1, space.n_dimensions), np.nan), space.point(), "point",
                     None)


def structure_batches(samples: SampleSet) -> pd.DataFrame:
    """Which samples can share one kept model.

    Samples whose structural factors (effect ``structure``) have the same values share a model
    (all of them, when no structural factor is sampled); each batch is then solved warm.

    Returns
    -------
    DataFrame
        ``sample, batch`` (batches numbered in order of their first sample).
    """
    structural = samples.space.factors.index[samples.space.factors["effect"] == "structure"]
    n = len(samples)
    if not len(structural):
        return pd.DataFrame({"sample": np.arange(n), "batch": np.zeros(n, dtype=np.int64)})
    keys = pd.DataFrame(samples.values[:, structural.to_numpy()])
    batch = keys.groupby(list(keys.columns), sort=False).ngroup().to_numpy(dtype=np.int64)
    return pd.DataFrame({"sample": np.arange(n), "batch": batch})
