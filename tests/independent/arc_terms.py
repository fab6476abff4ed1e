"""The generalized-cost terms and destination-share rules of a dataset, read from its raw CSV
tables for the independent arc LP (:mod:`independent.arc_lp`); nothing here imports borderflow.

Semantics as ``data/README.md`` states them (the region -> provinces map as
``data/destinations.py`` defines the ``china-final-market`` regions).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

#: china-final-market regions -> provinces (nodes.csv admin1), as data/destinations.py states
REGIONS = {
    "yunnan": ("Yunnan",),
    "sichuan-chongqing": ("Sichuan", "Chongqing"),
    "guangxi-guangdong": ("Guangxi", "Guangdong"),
    "further-inland-and-east": ("Hunan", "Hubei", "Henan", "Jiangxi", "Anhui", "Zhejiang",
                                "Jiangsu", "Shanghai", "Beijing", "Hebei", "Shandong"),
}
AGRI = ("fruit", "vegetable", "staple", "industrial")
EXPRESSWAY_KMH, MOUNTAIN_KMH = 55.0, 37.5


def _csv(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False,
                       na_values=[""], skipinitialspace=True)


@dataclass(frozen=True)
class Share:
    """A destination-share rule: of what ``origins`` deliver of ``products`` at ``china``, the
    part delivered at ``region`` lies in ``[low, high]``."""

    name: str
    origins: frozenset
    products: frozenset
    region: frozenset
    china: frozenset
    low: float
    high: float


def read_terms(folder: Path) -> dict:
    """``(term, key) -> value`` of cost_terms.csv (key: first word of applies_to)."""
    if not (folder / "cost_terms.csv").exists():
        return {}
    ct = _csv(folder, "cost_terms")
    return {(t.strip(), str(a).strip().split()[0].rstrip(",;:")): float(v)
            for t, a, v in zip(ct["term"], ct["applies_to"], ct["value"])}


def read_shares(folder: Path, nodes: pd.DataFrame, products: pd.DataFrame,
                supply: pd.DataFrame, markets: pd.DataFrame) -> list:
    """The china-final-market rules of destination_shares.csv."""
    if not (folder / "destination_shares.csv").exists():
        return []
    ds = _csv(folder, "destination_shares")
    ds = ds[ds["dimension"].str.strip() == "china-final-market"]
    country = dict(zip(nodes["node_id"], nodes["country"]))
    admin1 = dict(zip(nodes["node_id"], nodes["admin1"]))
    origins_all = sorted(set(supply["node_id"]))
    cn_markets = [m for m in sorted(set(markets["node_id"])) if country[m] == "CN"]
    out = []
    for r in ds.itertuples(index=False):
        origins = set()
        for name in str(r.origin).split(";"):
            name = name.strip()
            origins |= {name} if name in origins_all else \
                {o for o in origins_all if country[o] == name}
        group = r.product_id.strip()
        cats = AGRI if group == "agri" else (group,)
        prods = {group} if group in set(products["product_id"]) else \
            set(products.loc[products["category"].isin(cats), "product_id"])
        region = {m for m in cn_markets if admin1[m] in REGIONS[r.destination.strip()]}
        china = set(markets.loc[markets["product_id"].isin(prods)
                                & markets["node_id"].isin(cn_markets), "node_id"])
        out.append(Share(f"{r.origin.strip()}/{group}/{r.destination.strip()}",
                         frozenset(origins), frozenset(prods), frozenset(region),
                         frozenset(china), float(r.low), float(r.high)))
    return out


#: congestion tier ends (shares of capacity) when parameters.csv does not give them
CONGESTION_ENDS = (0.5, 0.75, 0.9)


def read_congestion(param: dict) -> list[tuple[float, float]]:
    """``(width, hours)`` per congestion tier from ``parameters.csv`` values by name: tier ``k``
    holds ``(end_k - end_{k-1})`` of a gate direction's capacity (ends
    ``congestion_breakpoint_1..3``, then 1) and each truck in it waits ``congestion_hours_k``
    (absent: 0). Empty when every tier's hours are 0 (no congestion)."""
    ends = [0.0] + [float(param.get(f"congestion_breakpoint_{k}", CONGESTION_ENDS[k - 1]))
                    for k in (1, 2, 3)] + [1.0]
    hours = [float(param.get(f"congestion_hours_{k}", 0.0)) for k in (1, 2, 3, 4)]
    if not any(hours):
        return []
    return [(ends[k + 1] - ends[k], hours[k]) for k in range(4)]
