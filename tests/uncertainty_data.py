"""Tiny datasets with ranges for the uncertainty tests (CSV files, so the readers run too).

The tiny network of :mod:`tiny` with gate capacities that bind (x1 8, x2 6 trucks/day towards
the market against 10 trucks/day of supply), a reefer shelf life of 0.55 days (13.2 h: the
12 h route via x1 and the 8 h route via x2 fit, but not always once hours and shelf life are
sampled) and returning empties (share 0.5).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import tiny

RANGES = """table,key,field,low,high,distribution,group
crossings,x1,capacity_a_to_b_trucks_per_day,5,12,uniform,
crossings,x2,capacity_a_to_b_trucks_per_day,4,12,triangular,
crossings,x1,fee_usd_per_truck,10,40,pert,
crossings,x2,dwell_h,1,3,uniform,
links,l1,length_km,90,110,uniform,len
links,l2,length_km,90,110,uniform,len
products,durian,payload_t_per_truck,15,25,uniform,
products,durian,shelf_life_reefer_days,0.4,0.7,uniform,
products,durian,value_usd_per_t,300,800,uniform,
supply,vn-o|durian,supply_t_per_year,50000,90000,uniform,
seasonality,durian|VN|3,share,0.05,0.12,uniform,
markets,cn-m|durian,price_usd_per_t,800,1200,loguniform,
parameters,road_cost_usd_per_truck_km,value,0.9,1.5,uniform,
parameters,reefer_cost_factor,value,1.0,1.4,uniform,
parameters,empty_return_share,value,0.2,0.8,uniform,
crossings,x1,lanes_a_to_b,1,2,uniform,
"""


def binding_tables() -> dict[str, pd.DataFrame]:
    """The tiny tables with binding capacities, a short shelf life and returning empties."""
    t = tiny.base_tables()
    t["products"].loc[0, "shelf_life_reefer_days"] = 0.55
    t["crossings"].loc[0, "capacity_a_to_b_trucks_per_day"] = 8
    t["crossings"].loc[1, "capacity_a_to_b_trucks_per_day"] = 6
    t["parameters"] = pd.concat([t["parameters"], pd.DataFrame([{
        "parameter": "empty_return_share", "value": 0.5, "unit": "-", **tiny.PROV}])],
        ignore_index=True)
    return t


def write(folder: Path, tables: dict[str, pd.DataFrame] | None = None,
          ranges: str | None = RANGES) -> Path:
    """Write a dataset (and its ranges.csv unless ``ranges`` is None) into ``folder``."""
    tiny.write(folder, tables if tables is not None else binding_tables())
    if ranges is not None:
        (folder / "ranges.csv").write_text(ranges, encoding="utf-8")
    return folder
