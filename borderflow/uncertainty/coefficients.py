"""Payload-dependent matrix entries of a constraint family, recomputed per sample with numpy."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class CoefficientTerms:
    """The payload-dependent entries of one constraint family, with their values.

    ``row``, ``var``, ``idx`` (unique positions, the same arrays for every sample of a
    :class:`WarmEffects`, so their solver positions are looked up once) and ``coef``.
    """

    row: np.ndarray
    var: np.ndarray
    idx: np.ndarray
    coef: np.ndarray
    _product: np.ndarray = field(repr=False, default=None)
    _empty: np.ndarray = field(repr=False, default=None)
    _inverse: np.ndarray = field(repr=False, default=None)

    @classmethod
    def of(cls, terms: pd.DataFrame) -> CoefficientTerms:
        """From ``row, var, idx, product, empty`` (one line per term, duplicates allowed)."""
        keys = terms[["row", "var", "idx"]].astype({"row": np.int64, "idx": np.int64})
        unique = keys.drop_duplicates().sort_values(["row", "var", "idx"], kind="stable")
        inverse = keys.merge(unique.reset_index(drop=True).reset_index(), on=["row", "var",
                                                                             "idx"])["index"]
        return cls(unique["row"].to_numpy(), unique["var"].to_numpy(), unique["idx"].to_numpy(),
                   np.zeros(len(unique)), terms["product"].to_numpy(dtype=np.int64),
                   terms["empty"].to_numpy(dtype=bool), inverse.to_numpy(dtype=np.int64))

    def at(self, trucks_per_t: np.ndarray, share: float) -> CoefficientTerms:
        """The entries at these payloads (trucks per tonne by product) and empty share."""
        w = trucks_per_t[self._product] * np.where(self._empty, share, 1.0)
        coef = np.bincount(self._inverse, weights=w, minlength=len(self.row))
        return replace(self, coef=coef)

    def frame(self) -> pd.DataFrame:
        """``row, var, idx, coef``."""
        return pd.DataFrame({"row": self.row, "var": self.var, "idx": self.idx,
                             "coef": self.coef})
