"""Tiny hand-checkable datasets written as real CSV files (so the loader is exercised too).

The base network (one product, one origin, one market, two crossings)::

      O (VN) --L1 100 km, 5 h--> A1 ==X1 fee 20, 2 h==> B1 (CN) --L2 100 km, 5 h--> M (CN)
      O (VN) --L3 150 km, 3 h--> A2 ==X2 fee 20, 2 h==> B2 (CN) --L4 150 km, 3 h--> M (CN)

Road cost 1 USD/truck-km, payload 20 t/truck, price at M 1,000 USD/t, value 500 USD/t,
supply 200 t/day (annual 73,000 t, flat seasonality). Route costs per tonne:
via X1 (100 + 100 + 20) / 20 = 11 USD/t, 12 h; via X2 (150 + 150 + 20) / 20 = 16 USD/t, 8 h.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

PROV = {"source": "test fixture", "source_year": 2024, "quality": "estimate",
        "notes": "hand-made"}


def _line(*pts) -> str:
    return "LINESTRING (" + ", ".join(f"{x} {y}" for x, y in pts) + ")"


XY = {"vn-o": (105.0, 21.0), "vn-a1": (105.5, 21.3), "vn-a2": (105.6, 21.1),
      "cn-b1": (105.52, 21.32), "cn-b2": (105.62, 21.12), "cn-m": (106.0, 21.5)}


def base_tables() -> dict[str, pd.DataFrame]:
    """DataFrames of the base tiny dataset (edit them, then :func:`write`)."""
    products = pd.DataFrame([{
        "product_id": "durian", "name": "Durian", "category": "fruit", "perishable": "true",
        "reefer": "true", "shelf_life_ambient_days": 1, "shelf_life_reefer_days": 14,
        "payload_t_per_truck": 20, "value_usd_per_t": 500, **PROV}])
    kinds = {"vn-o": "origin", "cn-m": "market"}
    nodes = pd.DataFrame([{"node_id": n, "name": n.upper(), "kind": kinds.get(n, "gate"),
                           "country": n[:2].upper(), "admin1": "", "lon": x, "lat": y, **PROV}
                          for n, (x, y) in XY.items()])
    crossings = pd.DataFrame([
        {"crossing_id": cid, "name": cid.upper(), "node_a": a, "node_b": b, "country_a": "VN",
         "country_b": "CN", "mode": "road", "status": "open", "lon": (XY[a][0] + XY[b][0]) / 2,
         "lat": (XY[a][1] + XY[b][1]) / 2, "capacity_a_to_b_trucks_per_day": 100,
         "capacity_b_to_a_trucks_per_day": 100, "capacity_kind": "limit", "lanes_a_to_b": 1,
         "lanes_b_to_a": 1, "dwell_h": 2, "fee_usd_per_truck": 20, "licensed_products": "",
         "opens": "", **PROV}
        for cid, a, b in (("x1", "vn-a1", "cn-b1"), ("x2", "vn-a2", "cn-b2"))])
    links = pd.DataFrame([
        {"link_id": lid, "from_node": f, "to_node": t, "mode": "road", "route_ref": lid.upper(),
         "length_km": km, "travel_h": h, "cost_usd_per_truck": "", "bidirectional": "true",
         "geometry_wkt": _line(XY[f], XY[t]), **PROV}
        for lid, f, t, km, h in (("l1", "vn-o", "vn-a1", 100, 5), ("l2", "cn-b1", "cn-m", 100, 5),
                                 ("l3", "vn-o", "vn-a2", 150, 3), ("l4", "cn-b2", "cn-m", 150, 3))])
    supply = pd.DataFrame([{"node_id": "vn-o", "product_id": "durian",
                            "supply_t_per_year": 200 * 365, **PROV}])
    seasonality = pd.DataFrame([{"product_id": "durian", "country": "VN", "month": k,
                                 "share": 1 / 12, **PROV} for k in range(1, 13)])
    markets = pd.DataFrame([{"node_id": "cn-m", "product_id": "durian", "price_usd_per_t": 1000,
                             "demand_t_per_year": "", **PROV}])
    parameters = pd.DataFrame([
        {"parameter": p, "value": v, "unit": u, **PROV}
        for p, v, u in (("road_cost_usd_per_truck_km", 1.0, "USD/truck-km"),
                        ("rail_cost_usd_per_truck_km", 0.8, "USD/truck-km"),
                        ("transfer_cost_usd_per_truck_km", 5.0, "USD/truck-km"),
                        ("reefer_cost_factor", 1.0, "-"),
                        ("waiting_cost_usd_per_truck_day", 40.0, "USD/truck-day"),
                        ("unserved_penalty_factor", 1.0, "-"))])
    tables = {"products": products, "nodes": nodes, "crossings": crossings, "links": links,
              "supply": supply, "seasonality": seasonality, "markets": markets,
              "parameters": parameters}
    # object columns, so tests can put numbers where the CSV had text (and back)
    return {name: df.astype(object) for name, df in tables.items()}


def licence_tables(supply_t_per_day: float = 3000) -> dict[str, pd.DataFrame]:
    """The base tables with a second product, rice (no supply), and x2 licensed only for rice:
    durian may not cross x2 (tests of the ``license`` lever)."""
    t = base_tables()
    t["supply"].loc[0, "supply_t_per_year"] = supply_t_per_day * 365
    rice = t["products"].iloc[0].copy()
    rice["product_id"], rice["name"], rice["category"], rice["perishable"] = \
        "rice", "Rice", "staple", "false"
    t["products"] = pd.concat([t["products"], rice.to_frame().T], ignore_index=True)
    t["seasonality"] = pd.concat([t["seasonality"], t["seasonality"].assign(
        product_id="rice")], ignore_index=True)
    t["crossings"].loc[1, "licensed_products"] = "rice"
    return t


def write(folder: Path, tables: dict[str, pd.DataFrame] | None = None) -> Path:
    """Write tables as CSV files into ``folder``; return it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in (tables or base_tables()).items():
        df.to_csv(folder / f"{name}.csv", index=False)
    return folder


def add_product(t: dict[str, pd.DataFrame], product_id: str, *, supply_t_per_day: float,
                shelf_life_days: float = 14, reefer: bool = True, perishable: bool = True,
                price: float = 1000, value: float = 500) -> None:
    """Add a second product supplied at the origin and bought at the market."""
    row = t["products"].iloc[0].to_dict() | {
        "product_id": product_id, "name": product_id, "reefer": str(reefer).lower(),
        "perishable": str(perishable).lower(), "shelf_life_ambient_days": shelf_life_days,
        "shelf_life_reefer_days": shelf_life_days, "value_usd_per_t": value}
    t["products"] = pd.concat([t["products"], pd.DataFrame([row])], ignore_index=True)
    t["supply"] = pd.concat([t["supply"], pd.DataFrame([t["supply"].iloc[0].to_dict() | {
        "product_id": product_id, "supply_t_per_year": supply_t_per_day * 365}])],
        ignore_index=True)
    t["seasonality"] = pd.concat([t["seasonality"], t["seasonality"].assign(
        product_id=product_id)], ignore_index=True)
    t["markets"] = pd.concat([t["markets"], pd.DataFrame([t["markets"].iloc[0].to_dict() | {
        "product_id": product_id, "price_usd_per_t": price}])], ignore_index=True)
