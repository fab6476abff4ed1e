"""Congestion rows a sample's own columns need, added to the kept HiGHS model for that sample.

A static model with congestion tiers (:mod:`borderflow.model.congestion`) has a
``congestion_link`` row per (gate, direction, day, product) some route of it loads, and tier
variables ``z_k`` of that link in the gate's ``congestion_tier`` rows. A sample's own route
(:mod:`borderflow.uncertainty.sample_columns`) may load a product at a gate no kept route
loads it at: the kept model has no link row for it. A fresh build of the sample, with that
route among its routes, would have one, so :func:`add_links` gives HiGHS what the fresh
build gives it (:func:`~borderflow.model.congestion.congestion_index`,
:func:`~borderflow.model.congestion.define_congestion`):

- the link row ``sum x_f / P_p - sum_k z_k <= 0`` (its route terms come with the columns);
- a tier column ``z_k >= 0`` per tier, cost ``hours_k x (vot_p x P_p + waiting / 24)`` per
  truck (or the lane's value, ``congestion_fifo`` 1: :func:`~borderflow.uncertainty.
  congestion_effects.cell_costs` at the sample's numbers), entering the link row at ``-1``
  and the gate's tier row ``k`` at ``+1``;
- that tier row, if HiGHS does not hold it (no kept link at the gate-day: no entry), with the
  sample's bound ``(b_k - b_{k-1}) x capacity`` (``changes``, or for a gate-day the kept
  model has no capacity row, :meth:`WarmEffects.capacity_at`).

Rows are keyed in the sample's ``extra`` (``("congestion_link", (crossing, direction, day,
product))``, ``("congestion_tier", (crossing, direction, day, tier))``) so later pricing
rounds reuse them, and the pricer reads the link rows' duals as the gate prices
(:func:`extra_entry_prices`); everything appended is taken out after the sample with the
sample's columns and rows (:meth:`HighsSession.drop_columns_from`, ``drop_rows_from``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from borderflow.model.congestion import LINK_KEYS
from borderflow.model.levers import entry_duals

from .congestion_effects import cell_costs, tier_widths

__all__ = ["add_links", "extra_entry_prices", "tier_columns"]


def add_links(session, built, effects, arr: dict, changes, extra: dict, keys: list,
              n_columns: int) -> tuple[dict, tuple]:
    """Append the link rows ``keys`` (``(crossing_id, direction, period, product_id)`` the
    kept model and ``extra`` lack), their tier rows HiGHS lacks and their tier columns.

    Parameters
    ----------
    n_columns
        How many new columns come before the tier columns in the same
        :meth:`HighsSession.add_columns` call (the tier columns are numbered after them).

    Returns
    -------
    (dict, (cost, rows, cols, values))
        HiGHS row of each new link key, and the tier columns' objective coefficients and
        matrix entries (HiGHS row, new column counted from ``n_columns``, coefficient).
    """
    ci = built.congestion
    keys = list(dict.fromkeys(keys))
    tiers = sorted(set(ci.tiers["tier"].astype(int)))
    tier_row = pd.Series(ci.tiers["r"].to_numpy(),
                         index=pd.MultiIndex.from_frame(ci.tiers[LINK_KEYS[:3] + ["tier"]]))
    held = session.rows_of(built.model.congestion_tier)
    widths = tier_widths(effects, arr)
    new_rows: dict = {}  # key -> upper bound, in order of appending

    def tier_at(c, d, t, k) -> object:
        key = ("congestion_tier", (c, d, t, k))
        if key in extra or key in new_rows:
            return key
        r = tier_row.get((c, d, t, k))
        if r is not None and len(held) and held[int(r)] >= 0:
            return int(held[int(r)])
        up = float(changes.rows["congestion_tier"][1][int(r)]) if r is not None else \
            float(widths[k - 1] * max(effects.capacity_at(arr, (c, d, t)), 0.0))
        new_rows[key] = up
        return key

    cells = []  # (link key, tier row key or HiGHS row, crossing, product, tier)
    for key in keys:
        new_rows[("congestion_link", key)] = 0.0
        c, d, t, p = key
        cells += [(key, tier_at(c, d, t, k), c, p, k) for k in tiers]
    first = session.add_rows(np.full(len(new_rows), -np.inf), np.array(list(new_rows.values())))
    extra.update({k: first + i for i, k in enumerate(new_rows)})
    link_at = {k: extra[("congestion_link", k)] for k in keys}
    vot = effects.element_costs(arr)["vot"]
    cost = cell_costs(effects, arr, vot, [x[2] for x in cells], [x[3] for x in cells],
                      [x[4] for x in cells]) if cells else np.zeros(0)
    j = n_columns + np.arange(len(cells), dtype=np.int64)
    link = np.array([link_at[x[0]] for x in cells], dtype=np.int64)
    tier = np.array([x[1] if isinstance(x[1], int) else extra[x[1]] for x in cells],
                    dtype=np.int64)
    rows = np.concatenate([link, tier])
    cols = np.concatenate([j, j])
    values = np.concatenate([np.full(len(cells), -1.0), np.ones(len(cells))])
    return link_at, (np.asarray(cost, dtype=float), rows, cols, values)


def extra_entry_prices(built, y: np.ndarray, extra: dict) -> tuple:
    """Gate prices of the rows appended for a sample (``y``: HiGHS's row duals), as
    :attr:`~borderflow.model.pricing.StaticDuals.entry_usd_per_truck` terms: a link row's
    ``(crossing_id, direction, (), (product_id,), dual)`` as
    :func:`~borderflow.model.congestion.congestion_prices` gives the kept ones, and an
    appended ``gate_entry_limit`` row's as :func:`~borderflow.model.column_generation.
    entry_prices` does (minus HiGHS's dual, not clipped; zero duals left out)."""
    out = []
    entry = {}
    for (family, key), at in extra.items():
        if family == "congestion_link":
            v = -float(y[at]) + 0.0
            if v != 0.0:
                out.append((key[0], key[1], (), (key[3],), v))
        elif family == "gate_entry_limit":
            entry[int(key)] = float(y[at])
    if entry:
        rows = built.entry_rows
        duals = np.zeros(len(rows))
        duals[list(entry)] = list(entry.values())
        table = entry_duals(rows.iloc[sorted(entry)], duals[sorted(entry)])
        table = table[table["dual_usd_per_truck"] != 0.0]
        out += list(zip(table["crossing_id"], table["direction"], table["origins"],
                        table["products"], table["dual_usd_per_truck"]))
    return tuple(out)


def tier_columns(built, extra: dict, since: int) -> int:
    """How many tier columns :func:`add_links` appended for the link rows keyed in ``extra``
    after its first ``since`` keys (a sample's round: its routes are the other new columns)."""
    if built.congestion is None:
        return 0
    links = sum(1 for family, _ in list(extra)[since:] if family == "congestion_link")
    return links * built.congestion.tiers["tier"].nunique()
