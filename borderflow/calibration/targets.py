"""What the model is fitted to: published normal-time observations, and how each is compared.

``observations.csv`` holds the published figures (per day, with a band); ``calibration_targets
.csv`` says for each how it is used:

========  ==================================================================================
use       meaning
========  ==================================================================================
fit       the model's value is fitted to ``modelled_share x year_scale x per_day``, band
          ``[modelled_share_low x year_scale_low x low_per_day,
          modelled_share_high x year_scale_high x high_per_day]``
upper     the figure counts more than the model holds (imports, other goods, all vehicle
          types): the model's value must not exceed ``modelled_share_high x high_per_day``
report    shown before and after, not fitted (another era, a Covid period, a peak window,
          a unit the model has no counterpart for); the reason is in the row
========  ==================================================================================

``modelled_share`` is the share of the published figure that the model represents: its goods
(farm produce among all export trucks), its mode (land among all modes). An observation
without a row in ``calibration_targets.csv`` is reported only.

``year_scale`` (optional; empty = 1) carries a figure of another year than the dataset's supply
year (2024) to that year: the published change of the same flow between the two years, its
``year_scale_low`` and ``year_scale_high`` the spread of the published changes, which widens the
band (:data:`SUPPLY_YEAR`; docs/notes/calibration-log.md, "Session 11").

The model's value of an observation (:func:`operator`) is linear in the route flows: at a
crossing (or a corridor of crossings, :data:`CORRIDORS`), in its direction(s), the tonnes
(``t/day``) or trucks (``trucks/day``, ``vehicles/day``: tonnes / payload, plus the empty
trucks returning through the gate when the figure counts all vehicles, i.e. names no products)
of the products named (default all); at an origin or a country, the tonnes shipped. Each figure
is compared with the mean over the calendar months its period covers (weights: its days in
each month) of the model's representative day of that month.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from borderflow.data.errors import InputError, Problem
from borderflow.data.loaders import InputTables, read_table_file, row_problem
from borderflow.data.parameters import ModelParameters
from borderflow.data.schemas import SIDE_TABLES

OBSERVATIONS = next(s for s in SIDE_TABLES if s.name == "observations")
TARGETS = next(s for s in SIDE_TABLES if s.name == "calibration_targets")
USES = ("fit", "upper", "report")
#: per-day units the model has a counterpart for
UNITS = ("t/day", "trucks/day", "vehicles/day")
#: corridor id -> (crossing id, the direction its exports take)
CORRIDORS: dict[str, tuple[tuple[str, str], ...]] = {
    "lang-son-gates": (("huu-nghi-youyiguan", "a_to_b"), ("tan-thanh-puzhai", "a_to_b"),
                       ("coc-nam-nonghuai", "a_to_b"), ("chi-ma-aidian", "a_to_b"),
                       ("dong-dang-pingxiang-rail", "a_to_b")),
    # the four road gates: the vehicles the Dong Dang - Lang Son Border Gate Economic Zone
    # Management Board counts (its daily totals are the sums of these four; the Dong Dang
    # railway station's freight wagons are reported apart, vietnam.vn Aug 2024; docs/notes/
    # calibration-log.md, "Session 14")
    "lang-son-road-gates": (("huu-nghi-youyiguan", "a_to_b"), ("tan-thanh-puzhai", "a_to_b"),
                            ("coc-nam-nonghuai", "a_to_b"), ("chi-ma-aidian", "a_to_b")),
    "r3a": (("houayxay-chiang-khong", "b_to_a"),),
    "mong-cai-gates": (("mong-cai-dongxing", "a_to_b"), ("mong-cai-km3-4-hai-yen", "a_to_b")),
    # the three Lang Son gates that cleared in Dec 2021 - Jan 2022 (VAN, Jan 2022)
    "lang-son-three-gates": (("huu-nghi-youyiguan", "a_to_b"), ("tan-thanh-puzhai", "a_to_b"),
                             ("chi-ma-aidian", "a_to_b")),
}
#: a band narrower than this share of the figure on one side is widened to it (a published
#: "more than X" has no room below X; misfit would otherwise be infinite)
MIN_HALF_BAND = 0.05
#: the year of the dataset's supply (``supply.csv``); a fitted figure of another year with a band
#: no wider than :data:`NARROW_BAND` on a side is rescaled (``year_scale``) or reported only
SUPPLY_YEAR = 2024
#: a band this narrow (share of the target, either side) holds a figure's rounding, not a year's
#: change of the flow
NARROW_BAND = 0.10
SCALES = ("year_scale", "year_scale_low", "year_scale_high")
_FLIP = {"a_to_b": "b_to_a", "b_to_a": "a_to_b"}


@dataclass(frozen=True)
class Targets:
    """Observations and their use, ready to compare with the model.

    Attributes
    ----------
    table : DataFrame
        One row per observation: ``obs_id, use, element_kind, element_id, direction, unit,
        products, observed, observed_low, observed_high, modelled_share, target, low, high,
        reason, source, source_year`` (target and band in the model's terms).
    months : ndarray (observations, 12)
        Weight of each calendar month in the observation's period (rows sum to 1).
    """

    table: pd.DataFrame
    months: np.ndarray

    @property
    def fitted(self) -> np.ndarray:
        """Boolean mask of the observations that enter the misfit (``fit`` and ``upper``)."""
        return self.table["use"].isin(("fit", "upper")).to_numpy()

    def residuals(self, values: np.ndarray) -> np.ndarray:
        """Misfit of each observation in units of its band (0 inside the band for ``upper``;
        ``report`` rows 0): ``(value - target) / half band`` on the side of the miss."""
        t = self.table
        v = np.asarray(values, dtype=float)
        y, lo, hi = (t[c].to_numpy(dtype=float) for c in ("target", "low", "high"))
        floor = MIN_HALF_BAND * np.abs(y)
        below = (v - y) / np.maximum(y - lo, floor)
        above = (v - y) / np.maximum(hi - y, floor)
        r = np.where(v < y, below, above)
        upper = t["use"].to_numpy() == "upper"
        r = np.where(upper, np.maximum(0.0, (v - hi) / np.maximum(hi - y, floor)), r)
        return np.where(self.fitted, r, 0.0)

    def within(self, values: np.ndarray) -> np.ndarray:
        """True where the model's value is inside the band (``upper``: not above it)."""
        t = self.table
        v = np.asarray(values, dtype=float)
        lo, hi = t["low"].to_numpy(dtype=float), t["high"].to_numpy(dtype=float)
        tol = 1e-6 * np.maximum(1.0, np.abs(hi))
        inside = (v >= lo - tol) & (v <= hi + tol)
        return np.where(t["use"].to_numpy() == "upper", v <= hi + tol, inside)


def _month_weights(start: dt.date, end: dt.date) -> np.ndarray:
    """Share of the days from ``start`` to ``end`` (inclusive) in each calendar month."""
    w = np.zeros(12)
    day = start
    while day <= end:
        last = dt.date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])
        stop = min(last, end)
        w[day.month - 1] += (stop - day).days + 1
        day = stop + dt.timedelta(days=1)
    return w / w.sum()


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError:
        return None


def _folder(tables: InputTables) -> Path | None:
    files = tables.sources.get("products")
    return Path(files[0]).parent if files else None


def read_targets(tables: InputTables, observations: Path | str | None = None,
                 targets: Path | str | None = None) -> Targets:
    """Read and check the observations and their use.

    Parameters
    ----------
    tables : InputTables
        The dataset (ids are checked against it).
    observations, targets : path, optional
        ``observations.csv`` and ``calibration_targets.csv`` (a file or the folder holding it;
        default: the dataset's folder).

    Returns
    -------
    Targets

    Raises
    ------
    InputError
        Every problem, naming file, row and field.
    """
    folder = _folder(tables)

    def resolve(given, spec) -> Path:
        path = Path(given) if given is not None else (folder / spec.filename if folder
                                                      else Path(spec.filename))
        return path / spec.filename if path.is_dir() else path

    obs = read_table_file(resolve(observations, OBSERVATIONS), OBSERVATIONS)
    use_path = resolve(targets, TARGETS)
    use = read_table_file(use_path, TARGETS) if use_path.exists() or targets is not None \
        else None
    problems = _observation_problems(obs, tables)
    if use is not None:
        problems += _target_problems(use, obs)
    if problems:
        raise InputError(problems)
    return _assemble(obs, use)


def _observation_problems(obs: pd.DataFrame, tables: InputTables) -> list[Problem]:
    crossings = set(tables.crossings["crossing_id"])
    origins = set(tables.supply["node_id"])
    country = dict(zip(tables.nodes["node_id"], tables.nodes["country"]))
    countries = {country[n] for n in origins}
    products = set(tables.products["product_id"])
    shown = str(obs["_file"].iloc[0]) if len(obs) else OBSERVATIONS.filename
    out = []
    for i, r in enumerate(obs.to_dict("records")):
        def fail(field: str, message: str, i: int = i) -> None:
            out.append(row_problem(obs, OBSERVATIONS, shown, i, field, message))
        kind, eid = r["element_kind"], r["element_id"]
        known = {"crossing": crossings, "rail": crossings, "corridor": set(CORRIDORS),
                 "origin": origins, "country": countries}
        if kind not in known:
            fail("element_kind", f"unknown kind '{kind}' (one of {', '.join(known)})")
        elif eid not in known[kind]:
            fail("element_id", f"no {kind} '{eid}' in the dataset")
        if kind in ("origin", "country") and r["direction"] != "export":
            fail("direction", f"an {kind} figure is an export: direction 'export', got "
                 f"'{r['direction']}'")
        start, end = _date(r["period_start"]), _date(r["period_end"])
        if start is None:
            fail("period_start", f"not an ISO date: {r['period_start']!r}")
        if end is None:
            fail("period_end", f"not an ISO date: {r['period_end']!r}")
        if start and end and end < start:
            fail("period_end", f"{end} is before period_start {start}")
        if isinstance(r["products"], str):
            for p in r["products"].split(";"):
                if p.strip() not in products:
                    fail("products", f"unknown product '{p.strip()}'")
        if not r["low_per_day"] <= r["per_day"] <= r["high_per_day"]:
            fail("per_day", f"{r['per_day']:g} is outside its band [{r['low_per_day']:g}, "
                 f"{r['high_per_day']:g}]")
    return out


def _target_problems(use: pd.DataFrame, obs: pd.DataFrame) -> list[Problem]:
    unit = dict(zip(obs["obs_id"], obs["per_day_unit"]))
    shown = str(use["_file"].iloc[0]) if len(use) else TARGETS.filename
    out = []
    for i, r in enumerate(use.to_dict("records")):
        def fail(field: str, message: str, i: int = i) -> None:
            out.append(row_problem(use, TARGETS, shown, i, field, message))
        if r["obs_id"] not in unit:
            fail("obs_id", f"no observation '{r['obs_id']}' in {OBSERVATIONS.filename}")
            continue
        if r["use"] != "report" and unit[r["obs_id"]] not in UNITS:
            fail("use", f"'{r['use']}' needs a unit the model has ({', '.join(UNITS)}); "
                 f"{r['obs_id']} is in {unit[r['obs_id']]}: use 'report'")
        if not r["modelled_share_low"] <= r["modelled_share"] <= r["modelled_share_high"]:
            lo, hi = r["modelled_share_low"], r["modelled_share_high"]
            fail("modelled_share", f"{r['modelled_share']:g} is outside [{lo:g}, {hi:g}]")
        scale = [r.get(c) for c in SCALES]
        given = [s is not None and not pd.isna(s) for s in scale]
        if any(given) and not all(given):
            missing = next(c for c, g in zip(SCALES, given) if not g)
            fail(missing, "year_scale, year_scale_low and year_scale_high go together: "
                 "all three or none")
        elif all(given) and not scale[1] <= scale[0] <= scale[2]:
            fail("year_scale", f"{scale[0]:g} is outside [{scale[1]:g}, {scale[2]:g}]")
    return out


def year_scales(use: pd.DataFrame) -> pd.DataFrame:
    """``year_scale``, ``year_scale_low``, ``year_scale_high`` of each row (1 where empty or
    the columns are absent)."""
    return pd.DataFrame({c: (use[c].astype(float) if c in use else pd.Series(
        np.nan, index=use.index)).fillna(1.0) for c in SCALES}, index=use.index)


def _assemble(obs: pd.DataFrame, use: pd.DataFrame | None) -> Targets:
    cols = ["obs_id", "use", "modelled_share", "modelled_share_low", "modelled_share_high",
            "reason"]
    if use is None:
        use = pd.DataFrame(columns=cols)
    use = pd.concat([use[cols], year_scales(use)], axis=1)
    t = obs.merge(use, on="obs_id", how="left")
    t["use"] = t["use"].fillna("report")
    t["reason"] = t["reason"].fillna("no row in calibration_targets.csv: reported only")
    for c in ("modelled_share", "modelled_share_low", "modelled_share_high", *SCALES):
        t[c] = t[c].astype(float).fillna(1.0)
    out = pd.DataFrame({
        "obs_id": t["obs_id"], "use": t["use"], "element_kind": t["element_kind"],
        "element_id": t["element_id"], "direction": t["direction"], "unit": t["per_day_unit"],
        "products": t["products"].where(t["products"].notna(), None),
        "period": t["period_start"].astype(str) + " to " + t["period_end"].astype(str),
        "observed": t["per_day"].astype(float), "observed_low": t["low_per_day"].astype(float),
        "observed_high": t["high_per_day"].astype(float),
        "modelled_share": t["modelled_share"], "year_scale": t["year_scale"],
        "target": t["modelled_share"] * t["year_scale"] * t["per_day"].astype(float),
        "low": t["modelled_share_low"] * t["year_scale_low"] * t["low_per_day"].astype(float),
        "high": t["modelled_share_high"] * t["year_scale_high"]
        * t["high_per_day"].astype(float),
        "reason": t["reason"], "source": t["source"], "source_year": t["source_year"]})
    months = np.vstack([_month_weights(_date(a), _date(b)) for a, b in
                        zip(t["period_start"], t["period_end"])]) if len(t) else np.zeros((0, 12))
    return Targets(out.reset_index(drop=True), months)


def operator(targets: Targets, flows: pd.DataFrame, route_crossings: pd.DataFrame,
             tables: InputTables) -> sp.csr_matrix:
    """The linear map from route flows (t/day) to each observation's model value.

    Parameters
    ----------
    targets : Targets
    flows : DataFrame
        One row per flow: ``route_id, product_id, origin`` (e.g. a model's ``flows`` index
        table or a result's ``route_flows``).
    route_crossings : DataFrame
        ``route_id, element_id, direction`` of every crossing each route takes.
    tables : InputTables
        Payloads, node countries and the empty-return share.

    Returns
    -------
    csr_matrix (observations, flows)
        Model value of observation ``i`` = row ``i`` @ flows (in the observation's unit).
    """
    f = flows.reset_index(drop=True)
    payload = tables.products.set_index("product_id")["payload_t_per_truck"].astype(float)
    trucks = 1.0 / payload.reindex(f["product_id"]).to_numpy()
    country = dict(zip(tables.nodes["node_id"], tables.nodes["country"]))
    f_country = f["origin"].map(country).to_numpy()
    empty = ModelParameters.of(tables).empty_return_share
    rc = route_crossings[["route_id", "element_id", "direction"]]
    uses = f[["route_id"]].reset_index().merge(rc, on="route_id")  # index = flow row
    rows, cols, vals = [], [], []
    for i, t in enumerate(targets.table.to_dict("records")):
        products = set(t["products"].split(";")) if isinstance(t["products"], str) else None
        p_ok = np.ones(len(f), dtype=bool) if products is None else \
            f["product_id"].isin(products).to_numpy()
        per_t = np.ones(len(f)) if t["unit"] == "t/day" else trucks
        if t["unit"] not in UNITS:
            continue
        if t["element_kind"] in ("origin", "country"):
            mine = (f["origin"].to_numpy() == t["element_id"]) if t["element_kind"] == "origin" \
                else (f_country == t["element_id"])
            hit = np.flatnonzero(mine & p_ok)
            rows += [i] * len(hit)
            cols += hit.tolist()
            vals += per_t[hit].tolist()
            continue
        for crossing, direction in _members(t):
            at = uses[uses["element_id"] == crossing]
            loaded = at.loc[at["direction"] == direction, "index"].to_numpy()
            loaded = loaded[p_ok[loaded]]
            rows += [i] * len(loaded)
            cols += loaded.tolist()
            vals += per_t[loaded].tolist()
            if products is None and t["unit"] != "t/day" and empty > 0:
                back = at.loc[at["direction"] == _FLIP[direction], "index"].to_numpy()
                rows += [i] * len(back)
                cols += back.tolist()
                vals += (empty * trucks[back]).tolist()
    return sp.csr_matrix((vals, (rows, cols)), shape=(len(targets.table), len(f)))


def _members(t: dict) -> list[tuple[str, str]]:
    """(crossing, direction) pairs an observation counts."""
    if t["element_kind"] == "corridor":
        base = CORRIDORS[t["element_id"]]
    else:
        base = ((t["element_id"], "a_to_b"),)
    if t["direction"] in ("a_to_b", "export"):
        return list(base)
    if t["direction"] == "b_to_a":
        return [(c, _FLIP[d]) for c, d in base]
    return [(c, d) for c, d0 in base for d in (d0, _FLIP[d0])]
