"""Names and directions: display names next to ids, one direction notation, readable measure
and change names, and the value of capacity quoted over open days only.

Conventions (``docs/outputs.md``):

- A table shows the **display name** first and the **id** beside it (``Boten–Mohan`` and
  ``boten-mohan``): people read names, scripts join on ids.
- A direction is written ``VN→CN`` (ISO 3166 alpha-2 of the country the trucks leave, an arrow,
  the country they enter) everywhere: terminal, JSON, maps, GIS, report. ``a_to_b`` and
  ``b_to_a`` stay in files as keys; :func:`direction_label` maps them with the crossing's
  ``country_a`` and ``country_b``.
- A **change** is scenario minus baseline and its column says so (:func:`change_name`); a
  **regret** is the extra cost of a plan over the better one, never negative by construction
  of its name (:data:`MEASURES` names the summary keys).
- The **value of capacity** (the dual of a gate's capacity) is a price only on days the gate is
  open; on closed days it measures what reopening would be worth, not a price. It is quoted as
  the mean over open days, and as ``closed`` when the gate never opens
  (:func:`capacity_value`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from borderflow.present.numbers import fmt

#: the arrow of a direction (U+2192); :data:`ASCII_ARROW` where only ASCII is allowed
ARROW = "→"
ASCII_ARROW = "->"
DIRECTIONS = ("a_to_b", "b_to_a")
#: shown instead of a value of capacity for a gate closed on every day of the run
CLOSED = "closed"

#: summary or comparison measure -> (display name, unit of a summary total before /day)
MEASURES: dict[str, tuple[str, str]] = {
    "objective_usd": ("net cost (costs minus revenue)", "USD"),
    "net_value_usd": ("net value (revenue minus costs)", "USD"),
    "transport_cost_usd": ("transport cost", "USD"),
    "waiting_cost_usd": ("waiting cost at gates", "USD"),
    "revenue_usd": ("market revenue", "USD"),
    "lost_value_usd": ("value not shipped", "USD"),
    "supply_t": ("supply", "t"),
    "shipped_t": ("shipped", "t"),
    "unserved_t": ("not shipped", "t"),
    "spoiled_t": ("spoiled", "t"),
    "expired_in_queue_t": ("expired waiting at gates", "t"),
    "trucks": ("trucks", "trucks"),
}


def direction_label(from_country: str, to_country: str, ascii: bool = False) -> str:
    """``"VN→CN"``: the country trucks leave, an arrow, the country they enter.

    Examples
    --------
    >>> direction_label("la", "cn")
    'LA→CN'
    """
    return f"{str(from_country).upper()}{ASCII_ARROW if ascii else ARROW}" \
           f"{str(to_country).upper()}"


def crossing_direction(country_a: str, country_b: str, direction: str,
                       ascii: bool = False) -> str:
    """The label of ``a_to_b`` or ``b_to_a`` for a crossing from ``country_a`` to
    ``country_b``.

    Raises
    ------
    ValueError
        If ``direction`` is neither ``a_to_b`` nor ``b_to_a``.
    """
    if direction == "a_to_b":
        return direction_label(country_a, country_b, ascii)
    if direction == "b_to_a":
        return direction_label(country_b, country_a, ascii)
    raise ValueError(f"direction must be a_to_b or b_to_a, not '{direction}'")


def direction_map(crossings: pd.DataFrame, ascii: bool = False) -> dict[tuple[str, str], str]:
    """``(crossing_id, direction) -> "VN→CN"`` for every crossing of a dataset table
    (``crossing_id, country_a, country_b``)."""
    out = {}
    for cid, a, b in zip(crossings["crossing_id"], crossings["country_a"],
                         crossings["country_b"]):
        for d in DIRECTIONS:
            out[(cid, d)] = crossing_direction(a, b, d, ascii)
    return out


def label_directions(df: pd.DataFrame, crossings: pd.DataFrame | None = None,
                     column: str = "dir", ascii: bool = False) -> pd.DataFrame:
    """A copy of ``df`` with a direction label column right after ``direction``.

    Parameters
    ----------
    df : DataFrame
        Rows with ``crossing_id`` and ``direction`` (``a_to_b``/``b_to_a``); if it has
        ``from_country`` and ``to_country`` these are used and ``crossings`` is not needed.
    crossings : DataFrame, optional
        The dataset's crossings (``crossing_id, country_a, country_b``).
    column : str
        Name of the new column.

    Returns
    -------
    DataFrame

    Raises
    ------
    KeyError
        If a crossing of ``df`` is not in ``crossings``.
    """
    out = df.copy()
    if {"from_country", "to_country"} <= set(df.columns):
        labels = [direction_label(f, t, ascii) for f, t in
                  zip(df["from_country"], df["to_country"])]
    else:
        if crossings is None:
            raise KeyError("label_directions needs from_country/to_country or the crossings")
        dmap = direction_map(crossings, ascii)
        labels = [dmap[(c, d)] for c, d in zip(df["crossing_id"], df["direction"])]
    pos = list(out.columns).index("direction") + 1 if "direction" in out.columns else len(
        out.columns)
    out.insert(pos, column, labels)
    return out


def short_name(name: str, keep: tuple[str, ...] = ()) -> str:
    """A display name without its parentheses: ``"Ban Vuoc (Bat Xat)–Ba Sa / Ba Sai
    (Jinping, Yunnan)"`` -> ``"Ban Vuoc–Ba Sa / Ba Sai"``; for map labels and narrow tables.

    ``keep``: parentheses kept when they hold one of these words, e.g. ``("rail",)`` keeps
    ``"Boten–Mohan (rail)"`` apart from the road gate ``"Boten–Mohan"`` where no id is shown
    beside the name (sentences of the story)."""
    def drop(m: re.Match) -> str:
        return m.group(0) if m.group(1).strip().lower() in keep else ""
    return re.sub(r"\s+", " ", re.sub(r"\s*\(([^)]*)\)", drop, str(name))).strip()


@dataclass
class Names:
    """Display names of a dataset's crossings, nodes and products.

    Attributes
    ----------
    crossings, nodes, products : dict
        id -> display name (the ``name`` column of the dataset's tables).
    """

    crossings: dict[str, str] = field(default_factory=dict)
    nodes: dict[str, str] = field(default_factory=dict)
    products: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_tables(cls, tables) -> Names:
        """From :class:`borderflow.data.loaders.InputTables` (or any object with
        ``crossings``, ``nodes`` and ``products`` DataFrames holding an id and ``name``)."""
        def pairs(df: pd.DataFrame, key: str) -> dict[str, str]:
            return {str(k): str(v) for k, v in zip(df[key], df["name"])}
        return cls(crossings=pairs(tables.crossings, "crossing_id"),
                   nodes=pairs(tables.nodes, "node_id"),
                   products=pairs(tables.products, "product_id"))

    def of(self, kind: str, ident: str) -> str:
        """Display name of ``ident`` (``kind``: crossing, node or product); the id itself if
        the dataset has no name for it."""
        table = {"crossing": self.crossings, "node": self.nodes, "product": self.products}[kind]
        return table.get(str(ident), str(ident))

    def label(self, kind: str, ident: str) -> str:
        """``"Boten–Mohan (boten-mohan)"``: name and id, for one-line messages."""
        name = self.of(kind, ident)
        return name if name == ident else f"{name} ({ident})"


def add_names(df: pd.DataFrame, id_column: str, names: Mapping[str, str],
              name_column: str | None = None) -> pd.DataFrame:
    """A copy of ``df`` with a display-name column placed just before ``id_column``.

    Parameters
    ----------
    df : DataFrame
    id_column : str
        Column of ids (``crossing_id``, ``product_id``, ``origin`` ...).
    names : mapping
        id -> display name; ids without one show the id.
    name_column : str, optional
        Name of the new column (default: ``id_column`` without ``_id`` plus ``_name``,
        e.g. ``crossing_name``).

    Returns
    -------
    DataFrame
    """
    out = df.copy()
    col = name_column or f"{id_column.removesuffix('_id')}_name"
    values = [names.get(str(i), str(i)) for i in out[id_column]]
    out.insert(list(out.columns).index(id_column), col, values)
    return out


def measure_name(key: str) -> str:
    """Display name of a summary or comparison measure (``"transport cost"`` for
    ``transport_cost_usd``); unknown keys are returned with underscores as spaces."""
    return MEASURES[key][0] if key in MEASURES else key.replace("_", " ")


def change_name(what: str, unit: str) -> str:
    """Column name of a change that says its sign: ``"transport cost change, scenario minus
    baseline (USD)"``."""
    return f"{what} change, scenario minus baseline ({unit})"


def capacity_value(crossings: pd.DataFrame) -> pd.DataFrame:
    """The value of capacity per crossing and direction, over the days the gate is open.

    Parameters
    ----------
    crossings : DataFrame
        A run's ``crossings`` table: ``crossing_id, direction, period, available,
        capacity_trucks_per_day, dual_usd_per_truck``.

    Returns
    -------
    DataFrame
        ``crossing_id, direction, open_days, closed_days, value_usd_per_truck`` (mean dual
        over open days; NaN when the gate is closed every day), ``peak_value_usd_per_truck``
        (highest over open days) and ``value_label`` (the mean as quoted, or ``"closed"``).
        A day is open when the gate is available with a capacity above zero.
    """
    cr = crossings.copy()
    is_open = cr["capacity_trucks_per_day"].astype(float) > 0
    if "available" in cr.columns:
        is_open &= cr["available"].astype(bool)
    cr["open"] = is_open.to_numpy()
    cr["open_dual"] = np.where(cr["open"], cr["dual_usd_per_truck"].astype(float), np.nan)
    g = cr.groupby(["crossing_id", "direction"], as_index=False, sort=True).agg(
        open_days=("open", "sum"), days=("open", "size"),
        value_usd_per_truck=("open_dual", "mean"), peak_value_usd_per_truck=("open_dual", "max"))
    g["closed_days"] = g["days"] - g["open_days"]
    g["open_days"] = g["open_days"].astype(int)
    g["closed_days"] = g["closed_days"].astype(int)
    g["value_label"] = [CLOSED if n == 0 else fmt(v, "USD/truck", with_unit=False)
                        for n, v in zip(g["open_days"], g["value_usd_per_truck"])]
    g[["value_usd_per_truck", "peak_value_usd_per_truck"]] = \
        g[["value_usd_per_truck", "peak_value_usd_per_truck"]] + 0.0
    return g[["crossing_id", "direction", "open_days", "closed_days", "value_usd_per_truck",
              "peak_value_usd_per_truck", "value_label"]]
