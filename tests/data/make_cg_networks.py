"""Write the tiny column-generation networks of tests/data/cg-* (run once; the CSVs are committed).

Nodes are real places of the embedded dataset (their ids and coordinates), so the datasets pass
every check of ``borderflow solve --data`` (crossings on the border, nodes inside their country);
links are straight lines with round lengths at least the straight-line distance. The hand
computation of each optimum is in the README.md beside its CSVs.

    python tests/data/make_cg_networks.py
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

HERE = Path(__file__).parent
DEFAULT = HERE.parents[1] / "data" / "default"
PROV = {"source": "test fixture (hand-made, see README.md)", "source_year": 2024,
        "quality": "estimate", "notes": "hand-made"}


def _nodes(ids: list[str], admin1: bool = False) -> pd.DataFrame:
    real = pd.read_csv(DEFAULT / "nodes.csv").set_index("node_id")
    rows = []
    for n in ids:
        country, lon, lat = real.at[n, "country"], real.at[n, "lon"], real.at[n, "lat"]
        province = real.at[n, "admin1"] if admin1 and isinstance(real.at[n, "admin1"], str) \
            else ""
        rows.append({"node_id": n, "name": n, "kind": "town", "country": country,
                     "admin1": province, "lon": lon, "lat": lat, **PROV})
    return pd.DataFrame(rows)


def _crossings(rows: list[tuple]) -> pd.DataFrame:
    real = pd.read_csv(DEFAULT / "crossings.csv").set_index("crossing_id")
    out = []
    for cid, cap_ab, cap_ba, fee, dwell in rows:
        r = real.loc[cid]
        out.append({"crossing_id": cid, "name": r["name"], "node_a": r["node_a"],
                    "node_b": r["node_b"], "country_a": r["country_a"],
                    "country_b": r["country_b"], "mode": "road", "status": "open",
                    "lon": r["lon"], "lat": r["lat"],
                    "capacity_a_to_b_trucks_per_day": cap_ab,
                    "capacity_b_to_a_trucks_per_day": cap_ba, "capacity_kind": "limit",
                    "lanes_a_to_b": "", "lanes_b_to_a": "", "dwell_h": dwell,
                    "fee_usd_per_truck": fee, "licensed_products": "", "opens": "", **PROV})
    return pd.DataFrame(out)


def _links(nodes: pd.DataFrame, rows: list[tuple]) -> pd.DataFrame:
    xy = dict(zip(nodes["node_id"], zip(nodes["lon"], nodes["lat"])))
    return pd.DataFrame([{
        "link_id": f"{f}_{t}", "from_node": f, "to_node": t, "mode": "road",
        "route_ref": "test", "length_km": km, "travel_h": h, "cost_usd_per_truck": "",
        "bidirectional": "true",
        "geometry_wkt": f"LINESTRING ({xy[f][0]} {xy[f][1]}, {xy[t][0]} {xy[t][1]})", **PROV}
        for f, t, km, h in rows])


def _common(product: dict, origin: str, country: str, supply_t_per_day: float,
            market: str, price: float, empty_return_share: float = 0.0) -> dict:
    products = pd.DataFrame([{**product, **PROV}])
    pid = product["product_id"]
    supply = pd.DataFrame([{"node_id": origin, "product_id": pid,
                            "supply_t_per_year": supply_t_per_day * 365, **PROV}])
    seasonality = pd.DataFrame([{"product_id": pid, "country": country, "month": k,
                                 "share": 1 / 12, **PROV} for k in range(1, 13)])
    markets = pd.DataFrame([{"node_id": market, "product_id": pid, "price_usd_per_t": price,
                             "demand_t_per_year": "", **PROV}])
    params = [("road_cost_usd_per_truck_km", 1.0, "USD/truck-km"),
              ("rail_cost_usd_per_truck_km", 0.8, "USD/truck-km"),
              ("transfer_cost_usd_per_truck_km", 5.0, "USD/truck-km"),
              ("reefer_cost_factor", 1.0, "-"),
              ("waiting_cost_usd_per_truck_day", 40.0, "USD/truck-day"),
              ("unserved_penalty_factor", 1.0, "-"),
              ("empty_return_share", empty_return_share, "-")]
    parameters = pd.DataFrame([{"parameter": p, "value": v, "unit": u, **PROV}
                               for p, v, u in params])
    return {"products": products, "supply": supply, "seasonality": seasonality,
            "markets": markets, "parameters": parameters}


def shelf_life() -> dict:
    """(a) one crossing, three domestic paths: cheapest too slow, fastest dearer than the
    middle one."""
    nodes = _nodes(["vn-bac-giang", "vn-loc-binh", "vn-lang-son", "vn-that-khe",
                    "vn-huu-nghi-gate", "cn-youyiguan-gate", "cn-pingxiang"])
    links = _links(nodes, [("vn-bac-giang", "vn-loc-binh", 100, 12.0),
                           ("vn-loc-binh", "vn-huu-nghi-gate", 100, 10.0),
                           ("vn-bac-giang", "vn-lang-son", 120, 5.0),
                           ("vn-lang-son", "vn-huu-nghi-gate", 130, 4.0),
                           ("vn-bac-giang", "vn-that-khe", 150, 2.5),
                           ("vn-that-khe", "vn-huu-nghi-gate", 150, 2.5),
                           ("cn-youyiguan-gate", "cn-pingxiang", 50, 3.0)])
    crossings = _crossings([("huu-nghi-youyiguan", 100, 100, 20.0, 2.0)])
    product = {"product_id": "lychee", "name": "Lychee", "category": "fruit",
               "perishable": "true", "reefer": "false", "shelf_life_ambient_days": 1,
               "shelf_life_reefer_days": 1, "payload_t_per_truck": 20, "value_usd_per_t": 500}
    return {"nodes": nodes, "links": links, "crossings": crossings,
            **_common(product, "vn-bac-giang", "VN", 200, "cn-pingxiang", 1000)}


def three_borders(gate_capacity: int = 300, supply: float = 200,
                  empty_return_share: float = 0.0) -> dict:
    """(b) Thailand -> Laos -> Vietnam -> China beats Thailand -> Laos -> China."""
    nodes = _nodes(["th-udon-thani", "th-nong-khai-gate", "la-vientiane-gate",
                    "la-pa-hang-gate", "la-boten-gate", "vn-long-sap-gate", "vn-huu-nghi-gate",
                    "cn-youyiguan-gate", "cn-mohan-gate", "cn-nanning"])
    links = _links(nodes, [("th-udon-thani", "th-nong-khai-gate", 60, 1.0),
                           ("la-vientiane-gate", "la-pa-hang-gate", 500, 12.0),
                           ("la-vientiane-gate", "la-boten-gate", 600, 14.0),
                           ("vn-long-sap-gate", "vn-huu-nghi-gate", 350, 7.0),
                           ("cn-youyiguan-gate", "cn-nanning", 200, 3.0),
                           ("cn-mohan-gate", "cn-nanning", 1100, 16.0)])
    crossings = _crossings([("vientiane-nong-khai", 300, 300, 40.0, 4.0),
                            ("pa-hang-long-sap", gate_capacity, 300, 40.0, 4.0),
                            ("huu-nghi-youyiguan", 300, 300, 40.0, 4.0),
                            ("boten-mohan", 300, 300, 40.0, 4.0)])
    product = {"product_id": "rubber", "name": "Rubber", "category": "industrial",
               "perishable": "false", "reefer": "false", "shelf_life_ambient_days": 365,
               "shelf_life_reefer_days": 365, "payload_t_per_truck": 20,
               "value_usd_per_t": 1500}
    return {"nodes": nodes, "links": links, "crossings": crossings,
            **_common(product, "th-udon-thani", "TH", supply, "cn-nanning", 2000,
                      empty_return_share)}


def toll_vot_share() -> dict:
    """(d) a toll, a value of time and a destination-share row: the shortest road (and the
    cheapest by running cost) to Nanning is not the best one, and a share rule sends 40 % of the
    fruit to Kunming. Reefer product (factor 1.5: tolls and fees are not scaled), value of
    time 5 USD/t-h, VN expressway toll 0.4 USD/truck-km, transit fee into China 30 USD/truck."""
    nodes = _nodes(["vn-bac-giang", "vn-loc-binh", "vn-lang-son", "vn-huu-nghi-gate",
                    "cn-youyiguan-gate", "cn-nanning", "vn-lao-cai-gate", "cn-hekou-gate",
                    "cn-kunming"], admin1=True)
    links = _links(nodes, [("vn-bac-giang", "vn-loc-binh", 100, 4.0),       # 25 km/h: mountain
                           ("vn-loc-binh", "vn-huu-nghi-gate", 100, 4.0),
                           ("vn-bac-giang", "vn-lang-son", 120, 1.6),       # 75 km/h: expressway
                           ("vn-lang-son", "vn-huu-nghi-gate", 130, 2.0),   # 65 km/h: expressway
                           ("cn-youyiguan-gate", "cn-nanning", 200, 4.0),   # 50 km/h: national
                           ("vn-bac-giang", "vn-lao-cai-gate", 300, 6.0),
                           ("cn-hekou-gate", "cn-kunming", 400, 8.0)])
    crossings = _crossings([("huu-nghi-youyiguan", 300, 300, 40.0, 1.0),
                            ("lao-cai-hekou-ho-kieu", 300, 300, 50.0, 1.0)])
    product = {"product_id": "dragon-fruit", "name": "Dragon fruit", "category": "fruit",
               "perishable": "true", "reefer": "true", "shelf_life_ambient_days": 5,
               "shelf_life_reefer_days": 28, "payload_t_per_truck": 20,
               "value_usd_per_t": 1500}
    tables = _common(product, "vn-bac-giang", "VN", 200, "cn-nanning", 3000)
    tables["markets"] = pd.concat([tables["markets"], tables["markets"].assign(
        node_id="cn-kunming", price_usd_per_t=2800)], ignore_index=True)
    par = tables["parameters"]
    par.loc[par["parameter"] == "reefer_cost_factor", "value"] = 1.5
    tables["cost_terms"] = pd.DataFrame([
        {"term": t, "applies_to": a, "value": v, "unit": u, "low": v, "high": v, **PROV}
        for t, a, v, u in (("value_of_time", "dragon-fruit", 5.0, "USD/t-h"),
                           ("expressway_toll", "VN", 0.4, "USD/truck-km"),
                           ("transit_fee_entry", "CN", 30.0, "USD/truck"))])
    tables["destination_shares"] = pd.DataFrame([{
        "origin": "VN", "product_id": "fruit", "dimension": "china-final-market",
        "destination": "yunnan", "share": 0.4, "low": 0.4, "high": 1.0,
        "measure": "share of volume", "period": "2024", **PROV}])
    return {"nodes": nodes, "links": links, "crossings": crossings, **tables}


def write(folder: Path, tables: dict) -> None:
    """Write ``tables`` as CSV files into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        df.to_csv(folder / f"{name}.csv", index=False)


if __name__ == "__main__":
    write(HERE / "cg-shelf-life", shelf_life())
    write(HERE / "cg-three-borders", three_borders())
    write(HERE / "cg-gate-dual", three_borders(gate_capacity=8, supply=400,
                                               empty_return_share=0.5))
    write(HERE / "cg-toll-vot-share", toll_vot_share())
