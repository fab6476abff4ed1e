"""What the page shows, as JSON: the network, a run's answer, a sweep, two runs compared.

Display conventions are borderflow's (:mod:`borderflow.present`, docs/outputs.md): numbers
rounded by unit as the CLI quotes them (trucks to 0.1, tonnes and USD to 1, shares to whole
percent; never ``-0``), measures by their display names, crossings with their display name
next to the id, directions written one way everywhere: ``LA→CN`` (from country → to country).
Geometry goes to the page once, with the network (:func:`network`); a run's payload holds
values keyed by link and crossing id only, so switching runs moves a few kilobytes.

Everything read from borderflow goes through :mod:`borderflow.app.engine`.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import shapely

from borderflow.app import engine
from borderflow.present.names import capacity_value as open_day_value
from borderflow.present.names import direction_label, measure_name
from borderflow.present.numbers import fmt, round_to_unit

#: coordinate decimals sent to the page (1e-4 degree is about 11 m)
DECIMALS = 4
#: geometry simplification, degrees (links are mostly straight; borders are generalised)
SIMPLIFY_LINKS = 0.001
SIMPLIFY_COUNTRIES = 0.01
EPS = 1e-6
#: the page's units (what its script formats by) -> borderflow's display units
#: (:data:`borderflow.present.numbers.DECIMALS`); ``days`` are counts of days, ranks, months
UNITS = {"t": "t", "usd": "USD", "trucks": "trucks", "share": "share", "km": "km", "h": "h",
         "days": "count"}


def rnd(value, unit: str):
    """``value`` rounded for its unit as borderflow shows it (``None`` for missing or
    infinite, never ``-0.0``; text is passed through)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        return value
    if math.isnan(v) or math.isinf(v):
        return None
    return round_to_unit(v, UNITS[unit])


def _text(v) -> str:
    return "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)


def _coords(geom, tolerance: float) -> list:
    """Rounded coordinates of a (multi)line or (multi)polygon, simplified."""
    geom = shapely.simplify(geom, tolerance, preserve_topology=True)
    geom = shapely.set_precision(geom, 10 ** -DECIMALS)

    def ring(r):
        return [[round(x, DECIMALS), round(y, DECIMALS)] for x, y in r.coords]

    if geom.geom_type == "LineString":
        return [ring(geom)]
    if geom.geom_type == "MultiLineString":
        return [ring(g) for g in geom.geoms]
    polys = [geom] if geom.geom_type == "Polygon" else list(getattr(geom, "geoms", []))
    return [[ring(p.exterior), *[ring(i) for i in p.interiors]] for p in polys]


def network(tables) -> dict:
    """The dataset for the map and the builder: countries, links, crossings, places, products,
    each number with its source, year and quality."""
    frames = engine.network_frames(tables)
    cat = engine.catalog_frames(tables)
    link_rows = cat["links"].set_index("link_id")
    links = []
    for r in frames["links"].itertuples(index=False):
        src = link_rows.loc[r.link_id] if r.link_id in link_rows.index else None
        links.append({"id": r.link_id, "mode": r.mode, "road": _text(r.route_ref),
                      "from": r.from_node, "to": r.to_node, "km": rnd(r.length_km, "km"),
                      "h": rnd(r.travel_h, "h"),
                      "source": _text(src["source"]) if src is not None else "",
                      "year": _text(src["source_year"]) if src is not None else "",
                      "quality": _text(src["quality"]) if src is not None else "",
                      "xy": _coords(r.geometry, SIMPLIFY_LINKS)})
    crossings = []
    for r in cat["crossings"].itertuples(index=False):
        crossings.append({
            "id": r.crossing_id, "name": r.name, "mode": r.mode, "status": r.status,
            "a": r.country_a, "b": r.country_b, "lon": round(float(r.lon), DECIMALS),
            "lat": round(float(r.lat), DECIMALS),
            "cap_ab": rnd(r.capacity_a_to_b_trucks_per_day, "trucks"),
            "cap_ba": rnd(r.capacity_b_to_a_trucks_per_day, "trucks"),
            "cap_kind": _text(r.capacity_kind), "lanes_ab": rnd(r.lanes_a_to_b, "trucks"),
            "lanes_ba": rnd(r.lanes_b_to_a, "trucks"), "dwell_h": rnd(r.dwell_h, "h"),
            "fee_usd": rnd(r.fee_usd_per_truck, "usd"),
            "licensed": _text(r.licensed_products), "opens": _text(r.opens),
            "source": _text(r.source), "year": _text(r.source_year),
            "quality": _text(r.quality), "notes": _text(r.notes)})
    supply = cat["supply"].groupby("node_id")["product_id"].apply(lambda s: sorted(set(s)))
    places = []
    for r in cat["nodes"].itertuples(index=False):
        if r.kind not in ("origin", "market"):
            continue
        places.append({"id": r.node_id, "name": r.name, "kind": r.kind, "country": r.country,
                       "lon": round(float(r.lon), DECIMALS), "lat": round(float(r.lat),
                                                                        DECIMALS),
                       "products": supply.get(r.node_id, []), "source": _text(r.source),
                       "quality": _text(r.quality)})
    products = [{"id": r.product_id, "name": r.name, "perishable": bool(r.perishable),
                 "category": _text(r.category)}
                for r in cat["products"].itertuples(index=False)]
    countries = [{"iso": r.iso_a2, "name": r.name, "xy": _coords(r.geometry,
                                                                 SIMPLIFY_COUNTRIES)}
                 for r in frames["countries"].itertuples(index=False)]
    return {"countries": countries, "links": links, "crossings": crossings,
            "places": places, "products": products}


# ---- a run -----------------------------------------------------------------------------------
def _direction(df: pd.DataFrame) -> pd.Series:
    """``VN→CN`` labels of rows with ``from_country`` and ``to_country``."""
    return pd.Series([direction_label(f, t) for f, t in zip(df["from_country"],
                                                            df["to_country"])],
                     index=df.index, dtype=object)


def _records(df: pd.DataFrame, spec: dict[str, str | None]) -> list[dict]:
    """Rows of ``df`` with the columns of ``spec`` (column -> unit, or None for text)."""
    out = []
    for row in df[list(spec)].itertuples(index=False):
        out.append({c: (rnd(v, u) if u else _text(v)) for (c, u), v in zip(spec.items(), row)})
    return out


def _horizon(summary: dict) -> tuple[int, str]:
    periods = int(summary.get("periods", 1) or 1)
    return periods, ("per day" if periods <= 1 else f"over the {periods} modelled days")


def reroute_by_product(scen_flows: pd.DataFrame, base_flows: pd.DataFrame,
                       crossings: pd.DataFrame) -> pd.DataFrame:
    """Tonnes per crossing, direction and product, before and after, summed over periods.

    Parameters
    ----------
    scen_flows, base_flows : DataFrame
        The ``flows`` tables of the scenario and its baseline.
    crossings : DataFrame
        A ``crossings`` result table (names and countries per crossing and direction).

    Returns
    -------
    DataFrame
        ``crossing_id, name, direction, from_country, to_country, product_id, before_t,
        after_t, delta_t``, rows that changed, largest change first.
    """
    keys = ["element_id", "direction", "product_id"]

    def total(flows):
        f = flows[flows["kind"] == "crossing"]
        return f.groupby(keys, as_index=False, observed=True)["flow_t"].sum()

    out = total(base_flows).merge(total(scen_flows), on=keys, how="outer",
                                  suffixes=("_before", "_after")).fillna(0.0)
    out = out.rename(columns={"element_id": "crossing_id", "flow_t_before": "before_t",
                              "flow_t_after": "after_t"})
    out["delta_t"] = out["after_t"] - out["before_t"]
    out = out[out["delta_t"].abs() > 0.5]
    names = crossings.drop_duplicates(["crossing_id", "direction"])[
        ["crossing_id", "direction", "name", "from_country", "to_country"]]
    out = out.merge(names, on=["crossing_id", "direction"], how="left")
    out = out.assign(order=-out["delta_t"].abs()).sort_values(
        ["order", "crossing_id", "product_id"], kind="stable")
    return out[["crossing_id", "name", "direction", "from_country", "to_country", "product_id",
                "before_t", "after_t", "delta_t"]].reset_index(drop=True)


def capacity_value(crossings: pd.DataFrame) -> pd.DataFrame:
    """Value of one more truck per day at each gate and direction: the mean dual over the
    days the gate is open (:func:`borderflow.present.names.capacity_value`: duals of closed
    days are no price), with the mean utilisation over those days and the days the capacity
    binds; gates worth more than half a cent, most valuable first."""
    cols = ["crossing_id", "name", "direction", "from_country", "to_country", "usd_per_truck",
            "utilisation", "binding_days"]
    open_ = crossings[crossings["available"] & (crossings["capacity_trucks_per_day"] > 0)]
    if open_.empty:
        return pd.DataFrame(columns=cols)
    keys = ["crossing_id", "direction"]
    g = open_.assign(binding=open_["dual_usd_per_truck"] > EPS).groupby(
        [*keys, "name", "from_country", "to_country"], as_index=False, observed=True).agg(
        utilisation=("utilisation", "mean"), binding_days=("binding", "sum"))
    value = open_day_value(crossings)[[*keys, "value_usd_per_truck"]]
    g = g.merge(value, on=keys, how="left").rename(
        columns={"value_usd_per_truck": "usd_per_truck"})
    g = g[g["usd_per_truck"] > 0.005]
    return g.sort_values(["usd_per_truck", "crossing_id"], ascending=[False, True],
                         kind="stable")[cols].reset_index(drop=True)


def _layer_values(run_dir: Path) -> tuple[dict, dict]:
    layers = engine.result_layers(run_dir)
    links, cr = layers["links"], layers["crossings"]
    has_delta = "flow_delta_trucks" in links.columns
    lv = {}
    for r in links.itertuples(index=False):
        delta = getattr(r, "flow_delta_trucks", 0.0) if has_delta else 0.0
        if abs(r.trucks) > 0.05 or abs(delta) > 0.05:
            lv[r.link_id] = [rnd(r.trucks, "trucks"), rnd(delta, "trucks") if has_delta
                             else None]
    cv = {}
    for r in cr.itertuples(index=False):
        cv[r.crossing_id] = {
            "trucks": rnd(r.trucks, "trucks"), "util": rnd(r.util, "share"), "state": r.state,
            "trk_ab": rnd(r.trk_ab, "trucks"), "trk_ba": rnd(r.trk_ba, "trucks"),
            "cap_ab": rnd(r.cap_ab, "trucks"), "cap_ba": rnd(r.cap_ba, "trucks"),
            "queue_pk": rnd(r.queue_pk, "trucks"),
            "delta": rnd(getattr(r, "flow_delta_trucks", None), "trucks") if has_delta
            else None,
            "base_state": _text(getattr(r, "base_state", ""))}
    return lv, cv


def run(run_dir: Path, name: str) -> dict:
    """A run's answer: summary, costs with deltas, narrative, reroutes, map values, charts."""
    res = engine.read_result(run_dir)
    s, tables = res.summary, res.tables
    periods, per = _horizon(s)
    diff = res.comparison if res.comparison and "cost_changes" in res.comparison else None
    payload = {"name": name, "scenario": s.get("scenario", name), "status": s.get("status"),
               "period_label": s.get("period_label", ""), "periods": periods, "per": per,
               "verified": s.get("verified"), "checks": s.get("verification_checks"),
               "has_baseline": diff is not None, "dated": bool(len(tables["queues"]))
               or periods > 1}
    base_summary = res.baseline.summary if res.baseline is not None else None
    if base_summary is None and diff is not None:
        base_summary = dict(zip(diff["cost_changes"]["measure"], diff["cost_changes"]["before"]))
    rows = cost_rows(s, base_summary)
    payload["headline"] = headline(s, base_summary, per)
    payload["costs"] = rows
    payload["story"] = list(res.story)
    if diff is not None:
        cc = diff["crossing_changes"].assign(dir=lambda d: _direction(d))
        payload["crossing_changes"] = _records(cc, {
            "crossing_id": None, "name": None, "dir": None, "before_trucks": "trucks",
            "after_trucks": "trucks", "delta_trucks": "trucks", "open_after": None})
        pc = diff["product_changes"]
        payload["product_changes"] = _records(
            pc[pc.filter(like="_delta").abs().max(axis=1) > 0.5],
            {"product_id": None, "shipped_t_delta": "t", "unserved_t_delta": "t",
             "spoiled_t_delta": "t", "lost_value_usd_delta": "usd"})
        if res.baseline is not None:
            rp = reroute_by_product(tables["flows"], res.baseline.tables["flows"],
                                    tables["crossings"])
            rp = rp.assign(dir=_direction(rp))
            payload["reroute_by_product"] = _records(rp, {
                "crossing_id": None, "name": None, "dir": None, "product_id": None,
                "before_t": "t", "after_t": "t", "delta_t": "t"})
    cv = capacity_value(tables["crossings"]).assign(dir=lambda d: _direction(d))
    payload["capacity_value"] = _records(cv.head(20), {
        "crossing_id": None, "name": None, "dir": None, "usd_per_truck": "usd",
        "utilisation": "share", "binding_days": "days"})
    payload["links"], payload["crossings"] = _layer_values(run_dir)
    payload["queues"] = _queues(tables)
    payload["backlog"] = _backlog(tables)
    return payload


#: (summary key, label, unit, sign): the net value (minus the objective) is shown positive;
#: labels are borderflow's measure names (:data:`borderflow.present.names.MEASURES`)
MEASURES = [("objective_usd", measure_name("net_value_usd"), "usd", -1),
            *[(key, measure_name(key), unit, 1) for key, unit in (
                ("revenue_usd", "usd"), ("transport_cost_usd", "usd"),
                ("lost_value_usd", "usd"), ("waiting_cost_usd", "usd"), ("shipped_t", "t"),
                ("unserved_t", "t"), ("spoiled_t", "t"), ("trucks", "trucks"))]]


def cost_rows(summary: dict, base: dict | None) -> list[dict]:
    """The key measures of a run, with the baseline's and the change when there is one."""
    rows = []
    for key, label, unit, sign in MEASURES:
        if key not in summary:
            continue
        after = sign * summary[key]
        before = sign * base[key] if base is not None and key in base else None
        rows.append({"measure": key, "label": label, "unit": "USD" if unit == "usd" else unit,
                     "before": rnd(before, unit), "after": rnd(after, unit),
                     "delta": rnd(after - before, unit) if before is not None else None})
    return rows


def headline(summary: dict, base: dict | None, per: str) -> str:
    """One sentence: what the scenario costs against its baseline."""
    if base is None or "objective_usd" not in base:
        return ""
    cost = summary["objective_usd"] - base["objective_usd"]
    word = "costs" if cost > 0.5 else "saves" if cost < -0.5 else "costs nothing"
    amount = f" USD {fmt(abs(cost), 'USD', with_unit=False)} {per}" if abs(cost) > 0.5 else ""
    return (f"Against the undisrupted baseline the scenario {word}{amount} (net value "
            f"{fmt(-base['objective_usd'], 'USD', with_unit=False)} → "
            f"{fmt(-summary['objective_usd'], 'USD', with_unit=False)} USD).")


def _queues(tables) -> list[dict]:
    """Per gate and direction with a queue: the daily queue (trucks) as a series."""
    q, crossings = tables["queues"], tables["crossings"]
    if q is None or q.empty:
        return []
    names = dict(zip(crossings["crossing_id"], crossings["name"]))
    dirs = crossings.drop_duplicates(["crossing_id", "direction"]).set_index(
        ["crossing_id", "direction"])
    out = []
    for (cid, direction), g in q.groupby(["crossing_id", "direction"], sort=True):
        if g["queue_trucks"].max() < 0.5:
            continue
        d = dirs.loc[(cid, direction)] if (cid, direction) in dirs.index else None
        label = direction_label(d["from_country"], d["to_country"]) if d is not None \
            else direction
        g = g.sort_values("period")
        out.append({"crossing_id": cid, "name": names.get(cid, cid), "dir": label,
                    "dates": [str(x) for x in g["date"]],
                    "queue": [rnd(x, "trucks") for x in g["queue_trucks"]],
                    "peak": rnd(g["queue_trucks"].max(), "trucks")})
    return sorted(out, key=lambda x: -x["peak"])


def _backlog(tables) -> list[dict]:
    b, crossings = tables["backlog"], tables["crossings"]
    if b is None or b.empty:
        return []
    names = dict(zip(crossings["crossing_id"], crossings["name"]))
    b = b.assign(name=b["crossing_id"].map(names))
    return _records(b.sort_values("peak_queue_trucks", ascending=False), {
        "crossing_id": None, "name": None, "direction": None, "start_date": None,
        "peak_queue_trucks": "trucks", "peak_date": None, "clear_date": None,
        "truck_days_waited": "days", "waiting_cost_usd": "usd"})


# ---- two runs ------------------------------------------------------------------------------
def compare(a_dir: Path, a: str, b_dir: Path, b: str) -> dict:
    """Two runs side by side: their key measures and the crossings whose flow differs
    (trucks summed over periods; ``b - a``)."""
    ra, rb = engine.read_result(a_dir), engine.read_result(b_dir)
    measures = [{"label": r["label"], "unit": r["unit"], "a": r["before"], "b": r["after"],
                 "delta": r["delta"]} for r in cost_rows(rb.summary, ra.summary)]
    cols = ["crossing_id", "name", "direction", "from_country", "to_country"]

    def flows(r):
        return r.tables["crossings"].groupby(cols, as_index=False,
                                             observed=True)["flow_trucks"].sum()

    m = flows(ra).merge(flows(rb), on=cols, how="outer", suffixes=("_a", "_b")).fillna(
        {"flow_trucks_a": 0.0, "flow_trucks_b": 0.0})
    m["delta"] = m["flow_trucks_b"] - m["flow_trucks_a"]
    m = m[m["delta"].abs() > 0.05].assign(dir=lambda d: _direction(d), order=lambda d:
                                          -d["delta"].abs())
    m = m.sort_values(["order", "crossing_id"], kind="stable")
    return {"a": {"name": a, "period_label": ra.summary.get("period_label", ""),
                  "status": ra.summary.get("status")},
            "b": {"name": b, "period_label": rb.summary.get("period_label", ""),
                  "status": rb.summary.get("status")},
            "same_horizon": ra.summary.get("period_label") == rb.summary.get("period_label"),
            "measures": measures,
            "crossings": _records(m, {"crossing_id": None, "name": None, "dir": None,
                                      "flow_trucks_a": "trucks", "flow_trucks_b": "trucks",
                                      "delta": "trucks"})}


# ---- a sweep -------------------------------------------------------------------------------
SWEEP_COLUMNS = {
    "criticality": {"rank": "days", "crossing_id": None, "name": None, "month": "days",
                    "closed_days": "days", "cost_increase_usd": "usd",
                    "unserved_increase_t": "t", "baseline_flow_trucks": "trucks",
                    "top_gaining_crossings": None},
    "investment_ranking": {"rank": "days", "project": None, "kind": None, "crossing_id": None,
                           "benefit_baseline_usd": "usd", "benefit_mean_usd": "usd",
                           "benefit_max_usd": "usd", "worth_most_under": None},
    "capacity_value": {"baseline": None, "crossing_id": None, "name": None, "dir": None,
                       "utilisation": "share", "value_usd_per_extra_truck_per_day": "usd"},
    "comparison": {"scenario": None, "role": None, "status": None, "cost_increase_usd": "usd",
                   "unserved_increase_t": "t", "spoiled_increase_t": "t",
                   "top_gaining_crossings": None},
}


def sweep(folder: Path, name: str) -> dict:
    """A sweep folder: criticality and investment rankings, value of capacity, the scenarios,
    and per crossing the values the map is coloured by."""
    result = engine.read_sweep(folder)
    tables = result.tables
    out = {"name": name, "scenarios": sorted(result.runs())}
    for table, spec in SWEEP_COLUMNS.items():
        df = tables.get(table)
        if df is None or df.empty:
            out[table] = []
            continue
        if table == "comparison":
            df = df[df["role"] == "scenario"].sort_values("cost_increase_usd", ascending=False,
                                                          kind="stable")
        if table == "capacity_value":
            df = df[df["value_usd_per_extra_truck_per_day"] > 0.005]
            df = df.assign(dir=_direction(df))
        out[table] = _records(df.head(60), {c: u for c, u in spec.items() if c in df.columns})
    crit = tables.get("criticality")
    out["criticality_by_crossing"] = {} if crit is None or crit.empty else {
        cid: rnd(v, "usd") for cid, v in
        crit.groupby("crossing_id")["cost_increase_usd"].max().items()}
    inv = tables.get("investment_ranking")
    out["investment_by_crossing"] = {} if inv is None or inv.empty else {
        cid: rnd(v, "usd") for cid, v in
        inv.dropna(subset=["crossing_id"]).groupby("crossing_id")["benefit_mean_usd"].max()
        .items()}
    return out
