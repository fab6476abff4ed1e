"""Where exports go: the ``destination_shares.csv`` rows the model holds to, as share rules.

The model reads the rows of dimension :data:`MODEL_DIMENSION` (``china-final-market``): the
share of an origin's goods, among what it delivers to Chinese markets, that ends in each
region, with a band ``[low, high]``. Each row becomes a *share rule* (:func:`share_rules`):

- ``origin`` is an ISO2 country, an origin node, or several joined by ``;`` (``VN;TH;LA``):
  their goods together, as a ``;`` list means in the dataset's other tables (the products of
  an observation are counted together). The China final-market rows are a split of China's
  land-borne fruit imports, not one per exporting country: read per country, they would send
  a quarter of the Lao bananas to Guangxi through Vietnam (the model has no Chinese railway
  beyond Kunming), which is not how they travel;
- ``product_id`` is a product, a category of ``products.csv`` (``fruit``) or ``agri`` (every
  product of the categories in :data:`AGRI_CATEGORIES`);
- ``destination`` is a region of :data:`REGIONS`: the Chinese market nodes of the region's
  provinces (``nodes.csv`` ``admin1``): Kunming (Yunnan), Chongqing, Nanning and Guangzhou
  (Guangxi-Guangdong), Changsha for *further inland and east* (central China, reached by the
  G4 from Guangzhou or the G60 from Guiyang, so that goods for it may enter by Guangxi or by
  Yunnan). Deliveries at a hub stand for consumption in its region: goods in transit to another
  region are delivered at that region's node.

Other dimensions (``china-province`` is the customs province of entry, ``mode-to-china``,
``export-market``, ``output-use``, ``share-of-land``, ``china-entry``) describe what supply and
observations mean and are not model rows: ``china-entry`` in particular is an outcome the
calibration is checked against, not a rule.

:func:`share_problems` checks the rows against the dataset (unknown region, origin or product
group; bands of one rule that cannot hold together) and names file, row and field.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .errors import Problem
from .memo import ByIdentity
from .loaders import InputTables, row_problem
from .schemas import DESTINATION_SHARES

MODEL_DIMENSION = "china-final-market"
#: region -> provinces (``admin1`` of Chinese market nodes)
REGIONS: dict[str, tuple[str, ...]] = {
    "yunnan": ("Yunnan",),
    "sichuan-chongqing": ("Sichuan", "Chongqing"),
    "guangxi-guangdong": ("Guangxi", "Guangdong"),
    "further-inland-and-east": ("Hunan", "Hubei", "Henan", "Jiangxi", "Anhui", "Zhejiang",
                                "Jiangsu", "Shanghai", "Beijing", "Hebei", "Shandong"),
}
#: product groups a row may name besides a product id or a category
AGRI_CATEGORIES = ("fruit", "vegetable", "staple", "industrial")
#: the country whose market nodes the regions are in
MARKET_COUNTRY = "CN"


@dataclass(frozen=True)
class ShareRule:
    """Of what ``origins`` deliver of ``products`` to Chinese markets, the share delivered at
    ``markets`` lies in ``[low, high]``.

    Attributes
    ----------
    rule_id : str
        ``origin/group/region``, e.g. ``VN;TH;LA/fruit/yunnan``.
    origins : tuple of str
        Origin node ids.
    products : tuple of str
        Product ids.
    markets : tuple of str
        Market nodes of the region.
    china : tuple of str
        Every Chinese market node buying one of the products (the denominator).
    low, high : float
        The band of the share (0-1).
    row : int
        1-based row of ``destination_shares.csv`` the rule comes from.
    """

    rule_id: str
    origins: tuple[str, ...]
    products: tuple[str, ...]
    markets: tuple[str, ...]
    china: tuple[str, ...]
    low: float
    high: float
    row: int


def _origins(tables: InputTables, name: str) -> tuple[str, ...]:
    supply_nodes = sorted(set(tables.supply["node_id"]))
    if name in supply_nodes:
        return (name,)
    country = dict(zip(tables.nodes["node_id"], tables.nodes["country"]))
    return tuple(n for n in supply_nodes if country.get(n) == name)


def _products(tables: InputTables, group: str) -> tuple[str, ...]:
    p = tables.products
    if group in set(p["product_id"]):
        return (group,)
    cats = AGRI_CATEGORIES if group == "agri" else (group,)
    return tuple(sorted(p.loc[p["category"].isin(cats), "product_id"]))


def _region_markets(tables: InputTables, region: str) -> tuple[str, ...]:
    n = tables.nodes
    provinces = set(REGIONS.get(region, ()))
    markets = set(tables.markets["node_id"])
    hit = n[(n["country"] == MARKET_COUNTRY) & n["admin1"].isin(provinces)
            & n["node_id"].isin(markets)]
    return tuple(sorted(hit["node_id"]))


def _model_rows(tables: InputTables) -> pd.DataFrame:
    ds = tables.destination_shares
    if ds.empty:
        return ds
    return ds[ds["dimension"] == MODEL_DIMENSION]


def share_problems(tables: InputTables) -> list[Problem]:
    """Problems of the ``destination_shares.csv`` rows the model reads (empty: none)."""
    ds = tables.destination_shares
    rows = _model_rows(tables)
    if rows.empty:
        return []
    shown = (tables.sources.get("destination_shares") or [DESTINATION_SHARES.filename])[-1]
    out = []
    for i in rows.index:
        r = ds.loc[i]
        pos = int(ds.index.get_loc(i))

        def fail(field: str, message: str, pos: int = pos) -> None:
            out.append(row_problem(ds, DESTINATION_SHARES, shown, pos, field, message))
        if r["destination"] not in REGIONS:
            fail("destination", f"unknown region '{r['destination']}' (regions of "
                 f"{MODEL_DIMENSION}: {', '.join(REGIONS)})")
        elif not _region_markets(tables, r["destination"]):
            fail("destination", f"no Chinese market node in region '{r['destination']}' "
                 f"(provinces {', '.join(REGIONS[r['destination']]) or 'none'})")
        for name in str(r["origin"]).split(";"):
            if not _origins(tables, name.strip()):
                fail("origin", f"'{name.strip()}' is no origin node and no country with supply")
        if not _products(tables, r["product_id"]):
            fail("product_id", f"'{r['product_id']}' is no product, category or 'agri'")
        if not r["low"] <= r["share"] <= r["high"]:
            fail("share", f"{r['share']:g} is outside its band [{r['low']:g}, {r['high']:g}]")
    if not out:
        out += _band_problems(tables, shown)
    return out


def _band_problems(tables: InputTables, shown: str) -> list[Problem]:
    """The bands of one origin and group must admit a split: sum of lows <= 1 <= sum of highs
    when the regions cover every market, sum of lows <= 1 otherwise."""
    ds = tables.destination_shares
    out = []
    for (origin, group), grp in _model_rows(tables).groupby(["origin", "product_id"], sort=True):
        lows, highs = float(grp["low"].sum()), float(grp["high"].sum())
        if lows > 1 + 1e-9 or highs < 1 - 1e-9:
            pos = int(ds.index.get_loc(grp.index[0]))
            out.append(row_problem(ds, DESTINATION_SHARES, shown, pos, "low",
                                   f"the bands of {origin}/{group} cannot add up to 1 (lows "
                                   f"sum to {lows:g}, highs to {highs:g})"))
    return out


_RULES = ByIdentity()


def share_rules(tables: InputTables) -> list[ShareRule]:
    """The share rules of a dataset (rows checked by :func:`share_problems`): one per row of
    the model's dimension, the origins it names together. Worked out once per table set
    (:class:`~borderflow.data.memo.ByIdentity`: a sweep prices and rebuilds with them per
    scenario); the list is the caller's own."""
    return list(_RULES.get((tables,), None, lambda: _share_rules(tables)))


def _share_rules(tables: InputTables) -> list[ShareRule]:
    """:func:`share_rules`, worked out anew."""
    rows = _model_rows(tables)
    if rows.empty:
        return []
    china_markets = tables.markets.merge(
        tables.nodes.loc[tables.nodes["country"] == MARKET_COUNTRY, ["node_id"]], on="node_id")
    out = []
    for r in rows.to_dict("records"):
        group, region = r["product_id"], r["destination"]
        products = _products(tables, group)
        china = tuple(sorted(set(china_markets.loc[china_markets["product_id"].isin(products),
                                                   "node_id"])))
        origin = str(r["origin"]).strip()
        origins = {n for name in origin.split(";") for n in _origins(tables, name.strip())}
        out.append(ShareRule(rule_id=f"{origin}/{group}/{region}", origins=tuple(sorted(origins)),
                             products=products, markets=_region_markets(tables, region),
                             china=china, low=float(r["low"]), high=float(r["high"]),
                             row=int(r.get("_row", 0))))
    return sorted(out, key=lambda rule: rule.rule_id)
