"""An arc-based formulation of borderflow's static model, written from the raw CSV tables alone.

Nothing here imports borderflow: the tables are read with pandas, the LP is a scipy sparse
matrix handed to highspy, and every input is recomputed from its table following
``data/README.md`` (the semantics were read from borderflow's code and re-implemented):

- arcs: every link (and its reverse if ``bidirectional``) with ``cost_usd_per_truck`` or
  ``length_km x <mode>_cost_usd_per_truck_km``, hours ``travel_h``; every crossing in both
  directions (``a_to_b``: ``node_a -> node_b``) with its fee per truck and ``dwell_h``;
- products: shelf life ``shelf_life_reefer_days`` if ``reefer`` else ``shelf_life_ambient_days``
  (x 24 h), trucking cost factor ``reefer_cost_factor`` for reefer products (fees are not
  scaled), unserved penalty ``value_usd_per_t x unserved_penalty_factor``;
- a representative day of the year (or of a month) has the *mean* supply and capacity of the
  days it stands for (year 2023, 365 days): supply per day = ``supply_t_per_year x share(product,
  country of origin, month) / days in month`` (share ``1/12`` where ``seasonality.csv`` has
  none); a crossing carries traffic if its status is ``open``, ``upgraded`` or ``restricted``;
  a closure without dates removes its capacity in both directions for the whole period;
- markets buy at ``price_usd_per_t`` up to ``demand_t_per_year / 365`` t/day (empty: no cap);
- the generalized cost (``cost_terms.csv``, keyed by the first word of ``applies_to``): a road
  link priced per km costs ``km x rate x road_cost_factor_country[country of from_node] x
  road_cost_factor_terrain[class]``, class from its speed ``length_km / travel_h`` (expressway
  >= 55 km/h, mountain < 37.5, national between), plus ``km x expressway_toll[country]`` on
  expressway-class links (a toll: not scaled by the reefer factor); a road crossing adds
  ``transit_fee_entry`` of the country it enters to its fee; every tonne pays the product's
  ``value_of_time`` (USD/t-h) on each hour of travel and gate dwell;
- destination shares (``destination_shares.csv`` rows of dimension ``china-final-market``): of
  what the rule's origins (ISO2 countries or origin nodes, ``;``-joined, together) deliver of
  its products (a product, a category, or ``agri`` = fruit, vegetable, staple, industrial) to
  Chinese markets buying one of them, the share delivered at the markets of its region (the
  provinces of :data:`arc_terms.REGIONS`, ``nodes.csv`` ``admin1``) lies in ``[low, high]``.

The LP, per product ``p`` (flows in t/day)::

    min  sum_{p,a} w_{p,a} x_{p,a} - sum_{p,m} price_{m,p} y_{p,m} + sum_{p,o} penalty_p u_{p,o}
         + sum h_k (vot_p payload_p + waiting / 24) z_{c,d,p,k}    (congestion tiers, if any;
                                            congestion_fifo 1: a lane's value for vot_p payload_p,
                                            the gate's congestion_lane_value where it has one)
    s.t. out_{p,n}(x) - in_{p,n}(x) + y_{p,n} + u_{p,n} = supply_{p,n}         every (p, n)
         sum_p (x_{p,(c,d)} + sigma x_{p,(c,d')}) / payload_p <= K_{c,d}          every (c, d)
         0 <= y_{p,m} <= demand_{m,p},  0 <= u_{p,o} <= supply_{p,o},  x >= 0

with ``w = (cost_factor x running + toll) / payload + vot x hours`` on links and ``fee /
payload + vot x dwell`` on crossings, crossing arcs only for licensed products, ``sigma =
empty_return_share`` (returning empties use the opposite direction) and ``d'`` the opposite
direction. Share rows are per origin (a rule covers some origins), so a product's flow is split
into *commodities*, one per set of rules its origins are covered by (origins with the same
rules can share one: the rows see only their sum); each share rule ``r`` then adds

    sum_{k in r, m in china_r} ([m in region_r] - low_r) y_{k,m} >= 0   (and <= 0 with high_r)

and the demand cap of ``(m, p)`` becomes a row over the commodities of ``p``. With congestion
tiers (``congestion_hours_k`` in ``parameters.csv``) the trucks of ``p`` on crossing arc
``(c, d)`` (all its commodities) are held in tier variables ``z >= 0``,
``sum_k z_{c,d,p,k} >= sum x_{p,(c,d)} / payload_p``, and each tier holds at most its width of
the capacity over the products, ``sum_p z_{c,d,p,k} <= width_k K_{c,d}``. Commodities are
also split by the origins' country, and a commodity takes no crossing into that country (a
route never re-enters it). Shelf life and "never enter a country twice" are properties of whole
paths: the arc LP is a relaxation of the path LP, and equal to it when its optimal flow
decomposes into paths that all keep both (:func:`decompose` checks).

Run as a script to print the four scenarios of issue 17::

    python tests/independent/arc_lp.py [DATA_DIR] [--month 6] [--close boten-mohan ...]

(Over 500 lines: an independent formulation must import nothing of borderflow, so it reads the
raw CSVs, builds and solves the arc LP, decomposes it and prices it by network simplex here,
in one self-contained file.)
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import highspy
import numpy as np
import pandas as pd
import scipy.sparse as sp

try:
    from .arc_terms import EXPRESSWAY_KMH, MOUNTAIN_KMH, read_congestion, read_shares, \
        read_terms
except ImportError:  # run as a script
    from arc_terms import EXPRESSWAY_KMH, MOUNTAIN_KMH, read_congestion, read_shares, \
        read_terms

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "data" / "default"
AVAILABLE = {"open", "upgraded", "restricted"}
TRUE = {"true", "1", "yes"}
YEAR = 2023


@dataclass
class Instance:
    """One static representative day, from the raw tables.

    Attributes
    ----------
    products : DataFrame
        Index product_id: vot (USD/t-h), payload_t_per_truck, cost_factor, shelf_life_h,
        penalty_usd_per_t, perishable.
    country : dict
        node id -> ISO2 country.
    arcs : DataFrame
        arc_id, kind (link|crossing), crossing_id, direction, tail, head, hours,
        cost_usd_per_truck (link running cost + toll, or fee + transit fee for a crossing),
        toll (USD/truck; not scaled by the reefer factor).
    capacity : dict
        (crossing_id, direction) -> trucks/day (0 when closed or not available).
    licences : dict
        crossing_id -> set of product ids, or None (every product).
    supply : DataFrame
        origin, product_id, supply_t (t/day).
    markets : DataFrame
        market, product_id, price_usd_per_t, demand_t (t/day, NaN = unbounded).
    empty_return_share : float
        Share of loaded trucks returning empty through the opposite direction.
    shares : list of arc_terms.Share
        Destination-share rules (empty: none).
    congestion : list of (width, hours)
        Congestion tiers (:func:`arc_terms.read_congestion`; empty: none); a tier truck's hour
        costs its cargo's value of time x payload + ``waiting_usd_per_truck_day / 24``.
    congestion_lane_usd_per_truck_h : float or None
        With ``congestion_fifo`` 1 (first come, first served within a lane) the cargo value
        of a truck-hour for every truck alike, in place of value of time x payload.
    congestion_lane_by_crossing : dict
        crossing_id -> that gate's lane value (``congestion_lane_value`` rows of cost_terms.csv),
        in place of ``congestion_lane_usd_per_truck_h`` at that gate.
    """

    products: pd.DataFrame
    country: dict
    arcs: pd.DataFrame
    capacity: dict
    licences: dict
    supply: pd.DataFrame
    markets: pd.DataFrame
    empty_return_share: float
    shares: list = field(default_factory=list)
    congestion: list = field(default_factory=list)
    waiting_usd_per_truck_day: float = 0.0
    congestion_lane_usd_per_truck_h: float | None = None
    congestion_lane_by_crossing: dict = field(default_factory=dict)


def _csv(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False,
                       na_values=[""], skipinitialspace=True)


def _true(values: pd.Series) -> np.ndarray:
    return values.astype(str).str.strip().str.lower().isin(TRUE).to_numpy()


def representative_days(month: int | None) -> list[dt.date]:
    """The calendar days a static period stands for: a month of 2023, or all of 2023."""
    if month is None:
        return [dt.date(YEAR, 1, 1) + dt.timedelta(days=k) for k in range(365)]
    return [dt.date(YEAR, month, d) for d in range(1, calendar.monthrange(YEAR, month)[1] + 1)]


def read_instance(folder: Path | str = DEFAULT_DATA, month: int | None = None,
                  close: tuple[str, ...] = ()) -> Instance:
    """Read a dataset folder into the static instance of a representative day.

    Parameters
    ----------
    folder : path
        Folder with the dataset's CSV tables.
    month : int, optional
        Representative day of this month (default: of the year).
    close : tuple of str
        Crossings closed for the whole period (both directions).
    """
    folder = Path(folder)
    par = _csv(folder, "parameters")
    param = dict(zip(par["parameter"].str.strip(), par["value"].astype(float)))
    pr = _csv(folder, "products")
    reefer = _true(pr["reefer"])
    days = np.where(reefer, pr["shelf_life_reefer_days"].astype(float),
                    pr["shelf_life_ambient_days"].astype(float))
    payload = pr["payload_t_per_truck"].astype(float).to_numpy()
    terms = read_terms(folder)
    products = pd.DataFrame({
        "vot": [terms.get(("value_of_time", p), 0.0) for p in pr["product_id"]],
        "payload_t_per_truck": payload,
        "cost_factor": np.where(reefer, param.get("reefer_cost_factor", 1.0), 1.0),
        "shelf_life_h": days * 24.0,
        "penalty_usd_per_t": pr["value_usd_per_t"].astype(float).to_numpy()
        * param["unserved_penalty_factor"],
        "perishable": _true(pr["perishable"])}, index=pr["product_id"].to_numpy())
    nodes = _csv(folder, "nodes")
    country = dict(zip(nodes["node_id"], nodes["country"]))

    ln = _csv(folder, "links")
    km = ln["length_km"].astype(float)
    rate = ln["mode"].map(lambda m: param[f"{m}_cost_usd_per_truck_km"])
    hours = ln["travel_h"].astype(float)
    speed = km / hours
    cls = np.where(speed >= EXPRESSWAY_KMH, "expressway",
                   np.where(speed < MOUNTAIN_KMH, "mountain", "national"))
    road = (ln["mode"] == "road").to_numpy() & ln["cost_usd_per_truck"].isna().to_numpy()
    where = ln["from_node"].map(country).to_numpy()
    factor = np.array([terms.get(("road_cost_factor_country", c), 1.0)
                       * terms.get(("road_cost_factor_terrain", k), 1.0) if r else 1.0
                       for c, k, r in zip(where, cls, road)])
    toll = np.array([km_ * terms.get(("expressway_toll", c), 0.0)
                     if r and k == "expressway" else 0.0
                     for km_, c, k, r in zip(km, where, cls, road)])
    running = ln["cost_usd_per_truck"].astype(float).fillna(km * rate * factor)
    fwd = pd.DataFrame({"arc_id": ln["link_id"], "kind": "link", "crossing_id": "",
                        "direction": "", "tail": ln["from_node"], "head": ln["to_node"],
                        "hours": hours, "cost_usd_per_truck": running + toll, "toll": toll})
    back = fwd[_true(ln["bidirectional"])].copy()
    back["arc_id"] = back["arc_id"] + ":r"
    back[["tail", "head"]] = back[["head", "tail"]].to_numpy()
    cr = _csv(folder, "crossings")
    parts = [fwd, back]
    capacity, licences = {}, {}
    for direction, tail, head, enters in (("a_to_b", "node_a", "node_b", "country_b"),
                                          ("b_to_a", "node_b", "node_a", "country_a")):
        entry = np.array([terms.get(("transit_fee_entry", c), 0.0) if m == "road" else 0.0
                          for c, m in zip(cr[enters], cr["mode"])])
        parts.append(pd.DataFrame({
            "arc_id": cr["crossing_id"] + ":" + direction, "kind": "crossing",
            "crossing_id": cr["crossing_id"], "direction": direction, "tail": cr[tail],
            "head": cr[head], "hours": cr["dwell_h"].astype(float),
            "cost_usd_per_truck": cr["fee_usd_per_truck"].astype(float) + entry, "toll": 0.0}))
    for row in cr.itertuples(index=False):
        on = row.status.strip() in AVAILABLE and row.crossing_id not in close
        for direction in ("a_to_b", "b_to_a"):
            capacity[(row.crossing_id, direction)] = on * float(
                getattr(row, f"capacity_{direction}_trucks_per_day"))
        text = row.licensed_products if isinstance(row.licensed_products, str) else ""
        allowed = {p.strip() for p in text.split(";") if p.strip()}
        licences[row.crossing_id] = allowed or None
    arcs = pd.concat(parts, ignore_index=True).sort_values("arc_id", ignore_index=True)

    share = {(r.product_id, r.country, int(r.month)): float(r.share)
             for r in _csv(folder, "seasonality").itertuples(index=False)}
    period = representative_days(month)
    sup = _csv(folder, "supply")
    daily = []
    for r in sup.itertuples(index=False):
        c = country[r.node_id]
        per_day = [float(r.supply_t_per_year) * share.get((r.product_id, c, d.month), 1 / 12)
                   / calendar.monthrange(d.year, d.month)[1] for d in period]
        daily.append(float(np.mean(per_day)))
    supply = pd.DataFrame({"origin": sup["node_id"], "product_id": sup["product_id"],
                           "supply_t": daily})
    mk = _csv(folder, "markets")
    markets = pd.DataFrame({"market": mk["node_id"], "product_id": mk["product_id"],
                            "price_usd_per_t": mk["price_usd_per_t"].astype(float),
                            "demand_t": mk["demand_t_per_year"].astype(float) / 365.0})
    return Instance(products=products, country=country, arcs=arcs, capacity=capacity,
                    licences=licences, supply=supply, markets=markets,
                    empty_return_share=float(param.get("empty_return_share", 0.0)),
                    shares=read_shares(folder, nodes, pr, sup, mk),
                    congestion=read_congestion(param),
                    waiting_usd_per_truck_day=float(param.get("waiting_cost_usd_per_truck_day",
                                                              0.0)),
                    congestion_lane_usd_per_truck_h=float(param.get(
                        "congestion_lane_usd_per_truck_h", 0.0))
                    if float(param.get("congestion_fifo", 0.0)) == 1.0 else None,
                    congestion_lane_by_crossing={k: v for (t, k), v in terms.items()
                                                 if t == "congestion_lane_value"})


@dataclass
class ArcSolution:
    """Optimum of the arc LP.

    Attributes
    ----------
    objective_usd : float
        USD per day (transport and fees - revenue + value of unserved produce).
    arc_flows : DataFrame
        product_id, arc_id, flow_t (t/day), positive flows only.
    deliveries, unserved : DataFrame
        product_id, node, flow_t (t/day), positive only.
    capacity_duals : DataFrame
        crossing_id, direction, dual_usd_per_truck (>= 0: value of one more truck/day).
    """

    objective_usd: float
    arc_flows: pd.DataFrame
    deliveries: pd.DataFrame
    unserved: pd.DataFrame
    capacity_duals: pd.DataFrame


def arc_cost_per_t(a, prod) -> float:
    """USD/t of one tonne of ``prod`` over arc ``a``: trucking (running x cost factor, toll and
    fees per truck, over the payload) and the value of time on the arc's hours."""
    toll = float(getattr(a, "toll", 0.0) or 0.0)
    money = a.cost_usd_per_truck if a.kind == "crossing" else \
        prod.cost_factor * (a.cost_usd_per_truck - toll) + toll
    return money / prod.payload_t_per_truck + prod.vot * a.hours


def commodities(inst: Instance, product: str,
                by_country: bool = True) -> list[tuple[int, tuple, tuple, str]]:
    """The commodities of ``product``: ``(k, share rules, origins, country)`` per country of
    origin and set of share rules covering the origins. Per country so that a commodity never
    crosses back into its origins' country: a route enters no country twice, so every route
    keeps that and the arc LP stays a relaxation of the path LP (tighter: on the embedded
    dataset, without it, Lao cassava would loop Laos -> Thailand -> Laos -> China)."""
    s = inst.supply[(inst.supply["product_id"] == product) & (inst.supply["supply_t"] > 0)]
    groups: dict[tuple, list] = {}
    for o in sorted(set(s["origin"])):
        rules = tuple(i for i, r in enumerate(inst.shares)
                      if product in r.products and o in r.origins)
        groups.setdefault((inst.country[o] if by_country else "", rules), []).append(o)
    return [(k, rules, tuple(origins), c)
            for k, ((c, rules), origins) in enumerate(sorted(groups.items()))]


def solve_arc_lp(inst: Instance, products: tuple[str, ...] | None = None,
                 by_country: bool = True) -> ArcSolution:
    """Solve the arc LP of ``inst`` (only ``products`` if given) with HiGHS (``by_country``:
    commodities per origin country, none crossing back into it; False: the plain relaxation,
    one commodity per product and set of share rules).

    Raises
    ------
    RuntimeError
        If HiGHS does not end optimal.
    """
    supply = inst.supply[inst.supply["supply_t"] > 0]
    pids = sorted(set(supply["product_id"]) if products is None else products)
    comms = [(p, k, rules, origins, home) for p in pids
             for k, rules, origins, home in commodities(inst, p, by_country)]
    nodes = sorted(inst.country)
    node_at = {n: i for i, n in enumerate(nodes)}
    arcs = inst.arcs
    keys = sorted(inst.capacity)
    cap_at = {k: i for i, k in enumerate(keys)}
    other = {"a_to_b": "b_to_a", "b_to_a": "a_to_b"}
    sigma = inst.empty_return_share
    cols = []  # (kind, commodity, id, cost, upper, [(row, coef), ...])
    n_bal = len(comms) * len(nodes)
    mk = inst.markets[inst.markets["product_id"].isin(pids)]
    capped = [(m, p, d) for m, p, d in zip(mk["market"], mk["product_id"], mk["demand_t"])
              if not np.isnan(d)]
    demand_at = {(m, p): n_bal + len(keys) + i for i, (m, p, _) in enumerate(capped)}
    share_at = n_bal + len(keys) + len(capped)  # rule i: rows share_at + 2i (low), + 2i + 1
    link_at: dict = {}  # (crossing, direction, product) -> congestion link row (after shares)
    link0 = share_at + 2 * len(inst.shares)
    for j, (p, k, rules, origins, home) in enumerate(comms):
        prod = inst.products.loc[p]
        base = j * len(nodes)
        name = p if len(comms) == len(pids) else f"{p}#{k}"
        for a in arcs.itertuples(index=False):
            rows = []
            if a.kind == "crossing":
                lic = inst.licences[a.crossing_id]
                if (lic is not None and p not in lic) or inst.country[a.head] == home:
                    continue
                rows = [(n_bal + cap_at[(a.crossing_id, a.direction)],
                         1.0 / prod.payload_t_per_truck)]
                if sigma > 0:
                    rows.append((n_bal + cap_at[(a.crossing_id, other[a.direction])],
                                 sigma / prod.payload_t_per_truck))
                if inst.congestion:
                    at = link_at.setdefault((a.crossing_id, a.direction, p),
                                            link0 + len(link_at))
                    rows.append((at, 1.0 / prod.payload_t_per_truck))
            rows += [(base + node_at[a.tail], 1.0), (base + node_at[a.head], -1.0)]
            cols.append(("arc", name, a.arc_id, arc_cost_per_t(a, prod), np.inf, rows))
        for m in mk[mk["product_id"] == p].itertuples(index=False):
            rows = [(base + node_at[m.market], 1.0)]
            if (m.market, p) in demand_at:
                rows.append((demand_at[(m.market, p)], 1.0))
            for i in rules:
                rule = inst.shares[i]
                if m.market in rule.china:
                    inside = float(m.market in rule.region)
                    rows += [(share_at + 2 * i, inside - rule.low),
                             (share_at + 2 * i + 1, inside - rule.high)]
            cols.append(("deliver", name, m.market, -m.price_usd_per_t, np.inf, rows))
        s = supply[(supply["product_id"] == p) & supply["origin"].isin(origins)]
        for o, v in zip(s["origin"], s["supply_t"]):
            cols.append(("unserved", name, o, prod.penalty_usd_per_t, v,
                         [(base + node_at[o], 1.0)]))
    rhs = np.zeros(n_bal)
    for j, (p, _, _, origins, _) in enumerate(comms):
        s = supply[(supply["product_id"] == p) & supply["origin"].isin(origins)]
        for o, v in zip(s["origin"], s["supply_t"]):
            rhs[j * len(nodes) + node_at[o]] += v
    # congestion: trucks of a product at a gate direction sit in tiers (tier rows after the
    # link rows, per gate direction and tier), each tier truck waits its hours at the
    # product's value of time
    tier0, n_tier = link0 + len(link_at), len(inst.congestion)
    for (c, d, p), at in sorted(link_at.items()):
        prod = inst.products.loc[p]
        lane = inst.congestion_lane_usd_per_truck_h  # first come, first served: the lane's
        if lane is not None:                          # value, the gate's own where it has one
            lane = inst.congestion_lane_by_crossing.get(c, lane)
        for k, (_, hours) in enumerate(inst.congestion):
            cols.append(("tier", p, f"{c}:{d}:{k + 1}",
                         hours * (lane if lane is not None else prod.vot
                                  * prod.payload_t_per_truck)
                         + hours * inst.waiting_usd_per_truck_day / 24.0, np.inf,
                         [(at, -1.0), (tier0 + cap_at[(c, d)] * n_tier + k, 1.0)]))
    tier_up = [max(inst.capacity[key], 0.0) * w for key in keys for w, _ in inst.congestion]
    n_rows = tier0 + len(tier_up)
    row_lo = np.concatenate([rhs, np.full(len(keys) + len(capped), -np.inf),
                             np.tile([0.0, -np.inf], len(inst.shares)),
                             np.full(len(link_at) + len(tier_up), -np.inf)])
    row_up = np.concatenate([rhs, [inst.capacity[k] for k in keys], [d for _, _, d in capped],
                             np.tile([np.inf, 0.0], len(inst.shares)),
                             np.zeros(len(link_at)), tier_up])
    r_idx = [r for c in cols for r, _ in c[5]]
    c_idx = [j for j, c in enumerate(cols) for _ in c[5]]
    vals = [v for c in cols for _, v in c[5]]
    A = sp.csc_matrix((vals, (r_idx, c_idx)), shape=(n_rows, len(cols)))
    A.sum_duplicates()
    A.sort_indices()

    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = len(cols), n_rows
    lp.col_cost_ = np.array([c[3] for c in cols])
    lp.col_lower_ = np.zeros(len(cols))
    lp.col_upper_ = np.array([c[4] for c in cols])
    lp.row_lower_, lp.row_upper_ = row_lo, row_up
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = A.indptr
    lp.a_matrix_.index_ = A.indices
    lp.a_matrix_.value_ = A.data
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.passModel(lp)
    h.run()
    status = h.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(f"arc LP: HiGHS ended {h.modelStatusToString(status)}")
    sol = h.getSolution()
    x = np.asarray(sol.col_value)
    frame = pd.DataFrame({"kind": [c[0] for c in cols], "product_id": [c[1] for c in cols],
                          "id": [c[2] for c in cols], "flow_t": x})
    frame = frame[frame["flow_t"] > 1e-9]

    def part(kind: str, name: str) -> pd.DataFrame:
        return frame[frame["kind"] == kind].rename(columns={"id": name})[
            ["product_id", name, "flow_t"]].reset_index(drop=True)

    duals = -np.asarray(sol.row_dual)[n_bal:n_bal + len(keys)]
    cap_duals = pd.DataFrame({"crossing_id": [k[0] for k in keys],
                              "direction": [k[1] for k in keys],
                              "dual_usd_per_truck": np.maximum(duals, 0.0) + 0.0})
    return ArcSolution(objective_usd=float(h.getInfo().objective_function_value),
                       arc_flows=part("arc", "arc_id"), deliveries=part("deliver", "node"),
                       unserved=part("unserved", "node"), capacity_duals=cap_duals)


def decompose(inst: Instance, sol: ArcSolution, tol: float = 1e-7,
              by_country: bool = True) -> pd.DataFrame:
    """Decompose the optimal arc flow of each product into origin -> market paths.

    A walk starts at an origin with flow left to ship, follows arcs that still carry flow and
    stops at the first market with delivery left; a cycle met on the way is cancelled. Each path
    is checked against its product's shelf life (travel + dwell hours) and against entering a
    country twice.

    Returns
    -------
    DataFrame
        product_id, origin, market, flow_t, hours, shelf_life_h, n_crossings, arcs (" > "
        joined), fits_shelf_life, countries_once.
    """
    arcs = inst.arcs.set_index("arc_id")
    rows = []
    for p, flows in sol.arc_flows.groupby("product_id", sort=True):
        left = dict(zip(flows["arc_id"], flows["flow_t"]))
        out: dict[str, list[str]] = {}
        for a in sorted(left):
            out.setdefault(arcs.at[a, "tail"], []).append(a)
        d = sol.deliveries[sol.deliveries["product_id"] == p]
        demand = dict(zip(d["node"], d["flow_t"]))
        u = sol.unserved[sol.unserved["product_id"] == p]
        p = p.split("#")[0]  # a commodity of p (share rules split its origins)
        s = inst.supply[inst.supply["product_id"] == p]
        if "#" in flows["product_id"].iloc[0]:
            k = int(flows["product_id"].iloc[0].split("#")[1])
            origins = {c[0]: c[2] for c in commodities(inst, p, by_country)}[k]
            s = s[s["origin"].isin(origins)]
        unserved = dict(zip(u["node"], u["flow_t"]))
        shipped = {o: v - unserved.get(o, 0.0) for o, v in zip(s["origin"], s["supply_t"])}
        for origin in sorted(shipped):
            while shipped[origin] > tol:
                path, node, seen = [], origin, {origin: 0}
                while demand.get(node, 0.0) <= tol:
                    nxt = next((a for a in out.get(node, []) if left[a] > tol), None)
                    if nxt is None:
                        raise RuntimeError(f"{p}: flow from {origin} stops at {node}")
                    path.append(nxt)
                    node = arcs.at[nxt, "head"]
                    if node in seen:  # cancel the cycle
                        cycle = path[seen[node]:]
                        amount = min(left[a] for a in cycle)
                        for a in cycle:
                            left[a] -= amount
                        path = path[:seen[node]]
                        seen = {k: v for k, v in seen.items() if v <= seen[node]}
                    else:
                        seen[node] = len(path)
                amount = min([shipped[origin], demand[node], *(left[a] for a in path)])
                for a in path:
                    left[a] -= amount
                shipped[origin] -= amount
                demand[node] -= amount
                rows.append(_path_row(inst, arcs, p, origin, node, amount, path))
    return pd.DataFrame(rows, columns=["product_id", "origin", "market", "flow_t", "hours",
                                       "shelf_life_h", "n_crossings", "arcs",
                                       "fits_shelf_life", "countries_once"])


def _path_row(inst: Instance, arcs: pd.DataFrame, p: str, origin: str, market: str,
              amount: float, path: list[str]) -> tuple:
    hours = float(sum(arcs.at[a, "hours"] for a in path))
    shelf = float(inst.products.at[p, "shelf_life_h"])
    countries = [inst.country[origin]] + [inst.country[arcs.at[a, "head"]] for a in path
                                          if arcs.at[a, "kind"] == "crossing"]
    n_cross = len(countries) - 1
    return (p, origin, market, amount, hours, shelf, n_cross, " > ".join(path),
            hours <= shelf + 1e-9, len(set(countries)) == len(countries))


def network_simplex_objective(inst: Instance, product: str) -> float:
    """The same optimum for one product without returning empties, by networkx's
    ``max_flow_min_cost`` (network simplex) on a graph with a super source and sink.

    Without empties (``empty_return_share`` = 0) one product's LP is a pure min-cost flow:
    source -> origin (capacity = supply), origin -> sink (unserved, cost = penalty), arcs (crossing
    capacity = trucks x payload), market -> sink (capacity = demand, cost = -price). Every unit
    of supply reaches the sink, so the maximum flow is the total supply and its cheapest
    routing is the LP optimum. networkx needs integers: costs are in micro-USD per tonne and
    flows in grams per day (both rounded).
    """
    import networkx as nx

    usd, ton = 1e6, 1e6
    prod = inst.products.loc[product]
    g = nx.DiGraph()
    for a in inst.arcs.itertuples(index=False):
        if a.kind == "crossing":
            lic = inst.licences[a.crossing_id]
            if lic is not None and product not in lic:
                continue
            cap = inst.capacity[(a.crossing_id, a.direction)] * prod.payload_t_per_truck
        else:
            cap = None
        cost = arc_cost_per_t(a, prod)
        w = round(cost * usd)
        if g.has_edge(a.tail, a.head):  # parallel arcs: an intermediate node keeps them apart
            mid = f"{a.arc_id}#"
            g.add_edge(a.tail, mid, weight=w, **({} if cap is None else
                                                  {"capacity": round(cap * ton)}))
            g.add_edge(mid, a.head, weight=0)
        else:
            g.add_edge(a.tail, a.head, weight=w, **({} if cap is None else
                                                     {"capacity": round(cap * ton)}))
    s = inst.supply[(inst.supply["product_id"] == product) & (inst.supply["supply_t"] > 0)]
    for o, v in zip(s["origin"], s["supply_t"]):
        g.add_edge("__source__", o, capacity=round(v * ton), weight=0)
        g.add_edge(o, f"{o}#unserved", capacity=round(v * ton),
                   weight=round(prod.penalty_usd_per_t * usd))
        g.add_edge(f"{o}#unserved", "__sink__", weight=0)
    for m in inst.markets[inst.markets["product_id"] == product].itertuples(index=False):
        attrs = {} if np.isnan(m.demand_t) else {"capacity": round(m.demand_t * ton)}
        g.add_edge(m.market, f"{m.market}#buy", weight=round(-m.price_usd_per_t * usd), **attrs)
        g.add_edge(f"{m.market}#buy", "__sink__", weight=0)
    flow = nx.max_flow_min_cost(g, "__source__", "__sink__")
    return nx.cost_of_flow(g, flow) / (usd * ton)


def main(argv: list[str] | None = None) -> None:
    """Print the arc optimum of a scenario and whether its paths keep shelf life."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", nargs="?", default=str(DEFAULT_DATA))
    ap.add_argument("--month", type=int, default=None)
    ap.add_argument("--close", action="append", default=[])
    args = ap.parse_args(argv)
    inst = read_instance(args.data, args.month, tuple(args.close))
    sol = solve_arc_lp(inst)
    paths = decompose(inst, sol)
    print(f"objective_usd {sol.objective_usd:,.2f}")
    bad = paths[~(paths["fits_shelf_life"] & paths["countries_once"])]
    print(f"paths {len(paths)}, max crossings {paths['n_crossings'].max()}, "
          f"not fitting: {sorted(set(bad['product_id'])) or 'none'}")


if __name__ == "__main__":
    main()
