"""Generate ``data/default/ranges.csv``: a low/high for every number of the embedded dataset.

Run from the repo root: ``python tools/build_ranges.py``. One row per (table, row, field):
``table,row_key,field,value,low,high,distribution,basis,source``. ``row_key`` is the row's key
columns joined by ``|`` (e.g. ``la-bokeo|banana`` in supply.csv). The range follows from how the
number was obtained (its row's ``quality`` and ``notes``), by the rules written out in
``RULES`` below and in ``data/README.md`` ("Ranges"). Published numbers get their reporting
range; estimates get the range of the assumption that made them. ``distribution`` is
``triangular`` (mode = value) for estimates and ``uniform`` for a published reporting range.

Congestion tiers (``congestion_*`` parameters and the gates' ``congestion_lane_value`` cost
terms) are not derived by rule: their prior rows come from ``tools/congestion_prior/``
(appended by ``tools/calibrate_default.py --with-congestion``) and so do their ranges, from its
``ranges.csv`` (tier ends that do not overlap, so sampled tiers stay in order; hours whose low
and high each rise with the tier, so the delay stays convex), in its order after every other
row, with the current (calibrated) value. Rows of the prior without a range there
(``congestion_hours_1``, 0 h by definition; ``congestion_fifo``, a switch) get none.

Ranges are derived from the *prior* numbers: where calibration changed a row of
``data/default`` (``borderflow calibrate``), the uncalibrated row in ``data/uncalibrated/`` is
what the rule is applied to, and the ``value`` written is the calibrated one (calibration stays
inside the prior range, so the range still holds it). Cost terms carry their own low and high
(``cost_terms.csv``).

Deterministic: the same tables give a byte-identical file (``--out FOLDER`` writes it there
instead of into ``data/default``; tests/test_build_ranges.py checks the committed file).
"""

from __future__ import annotations

import argparse
import csv
import re
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data" / "default"
#: the prior rows of calibrated tables (an overlay of ``data/default``), if any
PRIOR = DATA.parent / "uncalibrated"
#: prior rows and ranges of the congestion tiers (see the module docstring)
CONGESTION = Path(__file__).resolve().parent / "congestion_prior"
#: key columns of the tables calibration writes (to match prior rows with current ones)
KEYS = {"supply": ("node_id", "product_id"), "crossings": ("crossing_id",),
        "parameters": ("parameter",), "cost_terms": ("term", "applies_to"),
        "links": ("link_id",), "markets": ("node_id", "product_id"), "products": ("product_id",),
        "seasonality": ("product_id", "country", "month")}

#: rule id -> what it says (written into the basis column)
RULES = {
    "cap-limit": "published clearance limit ('up to'): practical throughput 70-100 % of it",
    "cap-observed": "observed traffic is a lower bound of capacity: 85 % (reporting) to 150 %",
    "cap-class": "gate-class default (no published figure): half to twice the class value",
    "cap-token": "restricted gate, token capacity: 0 to 4x",
    "dwell-est": "clearance hours by gate class (estimate): 0.5x to 2.5x",
    "fee-est": "fees and handling by gate class (estimate): 0.5x to 2x",
    "len-pub": "published distance: +-5 % (where the route is measured from/to)",
    "len-est": "great-circle x winding: winding range of the road class",
    "time-est": "length range / speed range of the road class",
    "time-pub": "published hours: +-15 %",
    "rail-est": "freight hours estimate: 0.7x to 1.5x",
    "len-rail": "rail line length from the source, apportioned or estimated: +-10 %",
    "time-derived": "hours derived at class speed for a published length: 0.7x to 1.5x",
    "transfer-est": "road-rail transfer (estimate): 0.5x to 2x",
    "supply-pub": "published volume for the origin: +-10 %",
    "supply-pub-range": "published reporting range for the origin (low-high as printed)",
    "supply-pub-national": ("published provincial output x published national shares of the "
                            "product: 0.7x to 1.3x (the province's own shares are not published)"),
    "supply-share": ("published total x an assumed share (province, land or China share): "
                     "0.5x to 1.5x"),
    "supply-assumed": "assumed volume: 0.3x to 2x",
    "price-china": "delivered China price = value x markup 1.45-1.5 (assumed): markup 1.2-1.8",
    "price-domestic": "domestic wholesale = value x 1.05-1.1 (assumed): markup 0.9-1.3",
    "price-port": "FOB at port = value x 1.1-1.12 (assumed): markup 1.0-1.25",
    "demand-est": "finite domestic demand (assumed): 0.5x to 2x",
    "season-pub": "published season, monthly split assumed: 0.8x to 1.2x (renormalise per product)",
    "season-est": "assumed monthly profile: 0.5x to 1.5x (renormalise per product)",
    "season-zero": "out-of-season month: 0 to 0.02 (renormalise per product)",
    "product": "published reporting range or stated spread (see notes of products.csv)",
    "param": "range stated in parameters.csv notes or FACTS.md (see basis)",
    "cost-term-pub": "published reporting range of the cost term (cost_terms.csv low-high)",
    "cost-term": "range of the estimate's assumptions (cost_terms.csv low-high, see notes)",
}

SPEED = {"expressway": ((1.05, 1.30), (50.0, 80.0)), "national": ((1.10, 1.50), (35.0, 55.0)),
         "mountain": ((1.20, 2.00), (20.0, 40.0)), "rail": ((1.10, 1.40), (25.0, 45.0))}
CLASS_VALUES = {300.0, 120.0, 40.0}
#: a published reporting range written in a supply row's notes: "published range 15,000-20,000 t"
PUBLISHED_RANGE = re.compile(r"published range ([\d,]+)-([\d,]+) t")

# product -> field -> (low, high, basis); published reporting ranges where found (FACTS.md)
PRODUCT_RANGES = {
    "durian": {"shelf_life_ambient_days": (4, 6, "Cargo Handbook: ripens 4-6 days"),
               "shelf_life_reefer_days": (7, 21, ("WA DPIRD ~1 week at 10 C; Kasetsart <=2 weeks; "
                                          "Cargo Handbook 3-5 weeks mature-unripe")),
               "payload_t_per_truck": (16, 20, "~18 t per container (waef2023 citing VnExpress)"),
               "value_usd_per_t": (3980, 4957, ("GACC 2024 VN USD 3,980/t to all-origin "
                                                "USD 4,957/t (VAN 2025)"))},
    "dragon-fruit": {"shelf_life_ambient_days": (5, 15, "VAAS 5 days at 20 C; trade 1-2 weeks"),
                     "shelf_life_reefer_days": (21, 35, "VAAS up to 4 weeks at 6 C"),
                     "payload_t_per_truck": (18, 26, ("56ok.com 22-28 t; 900 t per 20-21 reefers "
                                             "(VNR 2023)")),
                     "value_usd_per_t": (650, 1040, ("SOFRI 2013 USD 650/t; Binh Thuan 2022 "
                                         "USD 1,040/t"))},
    "lychee": {"shelf_life_ambient_days": (3, 5, "Paull, Chen & Chen 2014: 3-5 days at 20 C"),
               "shelf_life_reefer_days": (14, 35, "FAO 2-3 weeks; 21-35 days at 1-6 C"),
               "payload_t_per_truck": (12, 18, "~15 t per container (VnExpress)"),
               "value_usd_per_t": (1400, 2100, "USD 1,750/t derived (qdnd 2018) +-20 %")},
    "longan": {"shelf_life_ambient_days": (2, 8, "blog 2-3 days; Jiang et al. ~8 days at 30 C"),
               "shelf_life_reefer_days": (14, 30, "2-4 weeks by analogy; ~30 days at 1-5 C"),
               "payload_t_per_truck": (12, 25, "like lychee; 25 t/container (Pattaya Mail)"),
               "value_usd_per_t": (800, 1800, "assumed like lychee: wide")},
    "banana": {"shelf_life_ambient_days": (5, 7, "green 5-7 days ambient (estimate)"),
               "shelf_life_reefer_days": (18, 28, "18-22 days (agileshipping); ~4 weeks"),
               "payload_t_per_truck": (18, 25, "assumed"),
               "value_usd_per_t": (210, 560, ("Q1 2023 volume x 2021 value ~USD 210/t to 2016 "
                                   "USD 475/t +20 %"))},
    "mango": {"shelf_life_ambient_days": (5, 7, "5-7 days (estimate)"),
              "shelf_life_reefer_days": (14, 25, "14-21 days; 14-25 days at 10-12 C"),
              "payload_t_per_truck": (18, 24, "assumed"),
              "value_usd_per_t": (600, 1300, "assumed USD 0.9/kg: wide")},
    "jackfruit": {"shelf_life_ambient_days": (3, 10, "ITFNet ~3 days at 28 C; 3-10 days"),
                  "shelf_life_reefer_days": (14, 28, "2-4 weeks (Kader, UC Davis)"),
                  "payload_t_per_truck": (18, 25, "22 t per truck (VnExpress 2021)"),
                  "value_usd_per_t": (400, 900, "assumed USD 0.6/kg: wide")},
    "watermelon": {"shelf_life_ambient_days": (7, 14, "1-2 weeks (hortcinter)"),
                   "shelf_life_reefer_days": (14, 21, "14-21 days at ~10 C"),
                   "payload_t_per_truck": (25, 32, "30 t per truck (VietNamNet)"),
                   "value_usd_per_t": (150, 400, "assumed USD 0.25/kg: wide")},
    "mangosteen": {"shelf_life_ambient_days": (4, 10, "assumed"),
                   "shelf_life_reefer_days": (14, 28, "assumed"),
                   "payload_t_per_truck": (15, 22, "assumed"),
                   "value_usd_per_t": (1200, 3000, "assumed")},
}
GENERIC_PRODUCT = {"shelf_life_ambient_days": (0.5, 1.5), "shelf_life_reefer_days": (0.5, 1.5),
                   "payload_t_per_truck": (0.8, 1.1), "value_usd_per_t": (0.6, 1.5)}

# parameter -> (low, high, basis)
PARAM_RANGES = {
    "road_cost_usd_per_truck_km": (1.0, 1.5, ("FACTS.md working assumption VN/TH USD 1.0-1.5 per "
                                   "truck-km (JETRO: TH 1.1, LA 2.5)")),
    "rail_cost_usd_per_truck_km": (0.6, 1.1, ("rail 20-50 % cheaper than road (VNR 2020; Lao "
                                   "Railway Dept 2017) on the road range")),
    "transfer_cost_usd_per_truck_km": (10.0, 40.0, "assumed: 0.5x to 2x"),
    "reefer_cost_factor": (1.15, 1.5, ("reefer fuel VND 300,000/day (Tuoi Tre 2021) plus "
                           "equipment: assumed")),
    "waiting_cost_usd_per_truck_day": (16.0, 60.0, ("parking VND 100,000-400,000 + reefer fuel "
                                       "VND 300,000/day (VnExpress 2022; Tuoi Tre 2021) to "
                                       "VND 1.5 m with food and driver")),
    "unserved_penalty_factor": (1.0, 1.0, "model convention (not uncertain)"),
    "queue_max_wait_days": (10.0, 17.0, "waits up to 10-17 days at Lang Son (VnExpress 2021)"),
    "empty_return_share": (0.3, 0.8, "assumed"),
    "empty_return_days": (1.0, 4.0, "assumed"),
    "spot_premium_factor": (0.1, 0.5, "assumed"),
    "unused_booking_factor": (0.0, 0.3, "assumed"),
}


def _f(x: float) -> str:
    return f"{x:.6g}"


def _read(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


#: (table, key, field) -> the current (possibly calibrated) value, set by :func:`_rows`
CURRENT: dict[tuple[str, str, str], float] = {}


def _rows(name: str) -> list[dict]:
    """The prior rows of a table: ``data/default`` with the rows of ``data/uncalibrated`` put
    back where calibration changed them; the current numbers go to :data:`CURRENT`."""
    rows = _read(DATA / f"{name}.csv")
    key = KEYS.get(name)
    prior = {tuple(r[k] for k in key): r for r in _read(PRIOR / f"{name}.csv")} if key else {}
    out = []
    for r in rows:
        k = tuple(r[c] for c in key) if key else None
        for field, text in r.items():
            try:
                CURRENT[(name, "|".join(k) if k else "", field)] = float(text)
            except (TypeError, ValueError):
                pass
        out.append(prior.get(k, r) if k else r)
    return out


def _add(out: list, table: str, key: str, field: str, value: float, low: float, high: float,
         rule: str, source: str, extra: str = "") -> None:
    value = CURRENT.get((table, key, field), value)
    low, high = min(low, value), max(high, value)
    dist = ("uniform" if rule.endswith("-pub") or rule in ("cap-limit", "supply-pub-range")
            else "triangular")
    basis = f"{rule}: {RULES[rule]}" + (f"; {extra}" if extra else "")
    out.append({"table": table, "row_key": key, "field": field, "value": _f(value), "low": _f(low),
                    "high": _f(high), "distribution": dist, "basis": basis, "source": source[:300]})


def crossings(out: list) -> None:
    """Capacity, dwell and fee ranges of every crossing."""
    for r in _rows("crossings"):
        key, src = r["crossing_id"], r["source"]
        for fld in ("capacity_a_to_b_trucks_per_day", "capacity_b_to_a_trucks_per_day"):
            v = float(r[fld])
            if r["capacity_kind"] == "limit":
                _add(out, "crossings", key, fld, v, 0.7 * v, v, "cap-limit", src)
            elif r["capacity_kind"] == "observed":
                _add(out, "crossings", key, fld, v, 0.85 * v, 1.5 * v, "cap-observed", src)
            elif r["status"] == "restricted" and v <= 10:
                _add(out, "crossings", key, fld, v, 0.0, 4 * v, "cap-token", src)
            else:
                _add(out, "crossings", key, fld, v, 0.5 * v, 2.0 * v, "cap-class", src)
        _add(out, "crossings", key, "dwell_h", float(r["dwell_h"]), 0.5 * float(r["dwell_h"]),
             2.5 * float(r["dwell_h"]), "dwell-est", "estimate by gate class")
        fee = float(r["fee_usd_per_truck"])
        _add(out, "crossings", key, "fee_usd_per_truck", fee, 0.5 * fee, 2.0 * fee, "fee-est",
             "estimate by gate class")


def links(out: list) -> None:
    """Length, hours and cost ranges of every link."""
    for r in _rows("links"):
        key, src, notes = r["link_id"], r["source"], r["notes"] or ""
        km, h = float(r["length_km"]), float(r["travel_h"])
        if r["mode"] == "transfer":
            _add(out, "links", key, "travel_h", h, 0.5 * h, 2.0 * h, "transfer-est", src)
            c = float(r["cost_usd_per_truck"])
            _add(out, "links", key, "cost_usd_per_truck", c, 0.5 * c, 2.0 * c, "transfer-est", src)
            continue
        m = re.search(r"great-circle (\d+(?:\.\d+)?) km x winding [\d.]+ \((\w+)\)", notes)
        if r["mode"] == "rail":
            _add(out, "links", key, "length_km", km, 0.9 * km, 1.1 * km, "len-rail", src)
            _add(out, "links", key, "travel_h", h, 0.7 * h, 1.5 * h, "rail-est", src)
            continue
        if r["quality"] == "published" or m is None:
            _add(out, "links", key, "length_km", km, 0.95 * km, 1.05 * km, "len-pub", src)
            if re.search(r"\d+(?:\.\d+)? h\b", notes) and "hours at" not in notes:
                _add(out, "links", key, "travel_h", h, 0.85 * h, 1.15 * h, "time-pub", src)
            else:
                _add(out, "links", key, "travel_h", h, 0.7 * h, 1.5 * h, "time-derived", src)
            continue
        g, cls = float(m.group(1)), m.group(2)
        (wl, wh), (vl, vh) = SPEED.get(cls, SPEED["national"])
        lo_km, hi_km = max(g * wl, 0.1), g * wh
        _add(out, "links", key, "length_km", km, lo_km, hi_km, "len-est", src, f"class {cls}")
        _add(out, "links", key, "travel_h", h, lo_km / vh, hi_km / vl, "time-est", src,
             f"{vl:g}-{vh:g} km/h")


def supply(out: list) -> None:
    """Supply volume ranges."""
    for r in _rows("supply"):
        key, v, notes = f"{r['node_id']}|{r['product_id']}", float(r["supply_t_per_year"]), \
            r["notes"] or ""
        printed = PUBLISHED_RANGE.search(notes)
        if r["quality"] == "published" and printed:
            lo, hi = (float(x.replace(",", "")) for x in printed.groups())
            _add(out, "supply", key, "supply_t_per_year", v, lo, hi, "supply-pub-range",
                 r["source"])
        elif r["quality"] == "published" and "national shares" in notes:
            _add(out, "supply", key, "supply_t_per_year", v, 0.7 * v, 1.3 * v,
                 "supply-pub-national", r["source"])
        elif r["quality"] == "published":
            _add(out, "supply", key, "supply_t_per_year", v, 0.9 * v, 1.1 * v, "supply-pub",
                 r["source"])
        elif "assumed" in notes and "published" not in notes and "derived" not in notes:
            _add(out, "supply", key, "supply_t_per_year", v, 0.3 * v, 2.0 * v, "supply-assumed",
                 r["source"])
        else:
            _add(out, "supply", key, "supply_t_per_year", v, 0.5 * v, 1.5 * v, "supply-share",
                 r["source"])


def markets(out: list) -> None:
    """Price and demand ranges (relative to the product's export value)."""
    value = {p["product_id"]: float(p["value_usd_per_t"]) for p in _rows("products")}
    for r in _rows("markets"):
        key, price = f"{r['node_id']}|{r['product_id']}", float(r["price_usd_per_t"])
        v = value[r["product_id"]]
        if r["node_id"].startswith("cn-"):
            rule, lo, hi = "price-china", 1.2 * v, 1.8 * v
        elif "FOB" in (r["notes"] or ""):
            rule, lo, hi = "price-port", 1.0 * v, 1.25 * v
        else:
            rule, lo, hi = "price-domestic", 0.9 * v, 1.3 * v
        _add(out, "markets", key, "price_usd_per_t", price, lo, hi, rule, r["source"])
        if r["demand_t_per_year"]:
            d = float(r["demand_t_per_year"])
            _add(out, "markets", key, "demand_t_per_year", d, 0.5 * d, 2.0 * d, "demand-est",
                 r["source"])


def products(out: list) -> None:
    """Shelf life, payload and value ranges."""
    for r in _rows("products"):
        pid = r["product_id"]
        for fld, (glo, ghi) in GENERIC_PRODUCT.items():
            v = float(r[fld])
            if pid in PRODUCT_RANGES and fld in PRODUCT_RANGES[pid]:
                lo, hi, why = PRODUCT_RANGES[pid][fld]
            else:
                lo, hi, why = glo * v, ghi * v, "no published range: generic spread"
            _add(out, "products", pid, fld, v, lo, hi, "product", r["source"], why)


def seasonality(out: list) -> None:
    """Monthly share ranges (samples must be renormalised per product and country)."""
    for r in _rows("seasonality"):
        key, v = f"{r['product_id']}|{r['country']}|{r['month']}", float(r["share"])
        if v == 0:
            _add(out, "seasonality", key, "share", v, 0.0, 0.02, "season-zero", r["source"])
        elif r["quality"] == "published":
            _add(out, "seasonality", key, "share", v, 0.8 * v, min(1.2 * v, 1.0), "season-pub",
                 r["source"])
        else:
            _add(out, "seasonality", key, "share", v, 0.5 * v, min(1.5 * v, 1.0), "season-est",
                 r["source"])


def _congestion_keys(table: str) -> set[str]:
    """The ``row_key`` of every row of ``tools/congestion_prior/<table>.csv``: rows whose
    ranges come from there (:func:`congestion`), not from a rule."""
    rows = _read(CONGESTION / f"{table}.csv")
    return {"|".join(r[k] for k in KEYS[table]) for r in rows}


def parameters(out: list) -> None:
    """Scalar parameter ranges (congestion tiers aside: :func:`congestion`)."""
    skip = _congestion_keys("parameters")
    for r in _rows("parameters"):
        if r["parameter"] in skip:
            continue
        name, v = r["parameter"], float(r["value"])
        lo, hi, why = PARAM_RANGES.get(name, (0.5 * v, 2.0 * v, "assumed: 0.5x to 2x"))
        _add(out, "parameters", name, "value", v, lo, hi, "param", r["source"], why)


def cost_terms(out: list) -> None:
    """Generalized-cost terms: the low and high of their own rows (the gates' congestion lane
    values aside: :func:`congestion`)."""
    skip = _congestion_keys("cost_terms")
    for r in _rows("cost_terms"):
        if f"{r['term']}|{r['applies_to']}" in skip:
            continue
        rule = "cost-term-pub" if r["quality"] == "published" else "cost-term"
        _add(out, "cost_terms", f"{r['term']}|{r['applies_to']}", "value", float(r["value"]),
             float(r["low"]), float(r["high"]), rule, r["source"], r["notes"][:200])


def congestion(out: list) -> None:
    """The congestion tiers' ranges of ``tools/congestion_prior/ranges.csv``, for the rows the
    dataset has, at their current value (the range widened to hold it, as :func:`_add`)."""
    for r in _read(CONGESTION / "ranges.csv"):
        v = CURRENT.get((r["table"], r["row_key"], r["field"]))
        if v is None:
            continue
        low, high = min(float(r["low"]), v), max(float(r["high"]), v)
        out.append({**r, "value": _f(v), "low": _f(low), "high": _f(high)})


def main(argv: list[str] | None = None) -> None:
    """Write ``ranges.csv`` into ``data/default`` (or ``--out FOLDER``)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DATA,
                    help="folder to write ranges.csv into (default: data/default)")
    folder = ap.parse_args(argv).out
    out: list[dict] = []
    for build in (crossings, links, supply, markets, products, seasonality, parameters,
                  cost_terms, congestion):
        build(out)
    cols = ["table", "row_key", "field", "value", "low", "high", "distribution", "basis",
            "source"]
    with open(folder / "ranges.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        w.writerows(out)
    print(len(out), "ranges")


if __name__ == "__main__":
    main()
