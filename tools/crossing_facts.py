"""Capacity, lanes, dwell and fees of each crossing for tools/build_network.py.

Published numbers come from ``shared/reference/crossings.csv`` (its ``capacity_source`` and
``source`` columns); the rest are estimates by gate class, stated in each row's notes:

| class | trucks/day per direction | dwell h | fee USD/truck |
|---|---|---|---|
| international road gate | 300 | 4 | 40 |
| main (bilateral) road gate | 120 | 3 | 30 |
| auxiliary / local crossing | 40 | 2 | 20 |
| rail gate (truck-equivalent containers) | see RAIL | 8 | 60 |
"""

from __future__ import annotations

import re

CLASS_DEFAULTS = {"international": (300, 4.0, 40.0), "main": (120, 3.0, 30.0),
                  "auxiliary": (40, 2.0, 20.0), "rail": (60, 8.0, 60.0)}

CLASS = {
    "boten-mohan": "international", "kim-thanh-hekou": "international",
    "ba-sai-ban-vuoc": "international", "dakta-ok-nam-giang": "international",
    "phou-keua-bo-y": "international", "vangtao-chong-mek": "international",
    "huu-nghi-youyiguan": "international", "tan-thanh-puzhai": "main",
    "coc-nam-nonghuai": "main", "binh-nghi-pingerguan": "main", "hoanh-mo-dongzhong": "main",
    "muong-khuong-qiaotou": "main", "mong-cai-dongxing": "international",
    "ta-lung-shuikou": "international", "thanh-thuy-tianbao": "international",
    "chi-ma-aidian": "main", "dansavanh-lao-bao": "international",
    "nam-phao-cau-treo": "international", "na-meo-nam-xoi": "international",
    "nong-het-nam-can": "international", "pang-hok-tay-trang": "international",
    "na-phao-cha-lo": "international", "vientiane-nong-khai": "international",
    "savannakhet-mukdahan": "international", "thakhek-nakhon-phanom": "international",
    "houayxay-chiang-khong": "international", "paksan-bueng-kan": "international",
    "mong-cai-km3-4-hai-yen": "auxiliary", "la-lay-lalay": "international",
    "tay-giang-ka-lum": "auxiliary", "pa-hang-long-sap": "international",
    "pangmone-thailand": "auxiliary", "huoi-puoc-na-son": "main",
    "si-pa-phin-huoi-la": "auxiliary", "nam-dich-huoi-hia": "auxiliary",
    "xin-man-dulong": "main", "bac-phong-sinh-lihuo": "main",
    "ma-lu-thang-jinshuihe": "international", "si-choang-den-suoi-thang": "auxiliary",
    "tra-linh-longbang": "international", "soc-giang-pingmeng": "main",
    "ly-van-thac-long": "main", "lao-cai-hekou-ho-kieu": "auxiliary",
    "nam-lanh-muong-po": "auxiliary", "huay-kon-muang-ngeun": "international",
    "chieng-khuong-ban-dan": "main", "hong-van-co-tai": "main", "dak-long-vang-tat": "auxiliary",
    "thong-thu-nam-tay": "auxiliary", "a-pa-chai-long-phu": "main",
    "lo-co-chin-lao-kha": "auxiliary", "hua-chu-phung-seo-pa-chu": "auxiliary",
}

# published or derived per-direction capacities: id -> (a_to_b, b_to_a, kind, note)
KNOWN = {
    "boten-mohan": (350, 200, "observed", "LA->CN ~350 trucks/day entered before Covid "
                    "(Vientiane Times 2021, project seed); CN->LA 200 estimate (imports and "
                    "returning trucks, not published)"),
    "kim-thanh-hekou": (400, 600, "limit", "up to 1,000 import-export trucks/day on 2 export + 3 "
                        "import lanes (VAN 2025), split by lanes 2:3"),
    "huu-nghi-youyiguan": (300, 300, "observed", "500-600 vehicles/day (VNA 2023), 600 split "
                           "evenly (estimate of the split)"),
    "tan-thanh-puzhai": (240, 200, "observed", "~240 export + ~200 import vehicles/day cleared "
                         "(hfoods.vn ~2022-23)"),
    "mong-cai-dongxing": (64, 64, "observed", "~128 vehicles/day via Bac Luan II 2023 "
                          "(VietnamPlus), split evenly"),
    "mong-cai-km3-4-hai-yen": (67, 66, "observed", "avg 133 vehicles/day 2023 (Bao Quang Ninh), "
                               "split evenly"),
    "dansavanh-lao-bao": (206, 206, "observed", "~412 vehicles/day Jan-Feb 2022 (VietnamPlus), "
                          "split evenly"),
    "nong-het-nam-can": (138, 137, "observed", "250-300 vehicles/day in+out Oct 2023 (MOIT via "
                         "vietlaotrade.com), midpoint split evenly"),
    "savannakhet-mukdahan": (229, 229, "observed", "~458 vehicles/day 2013 all types (Savannakhet "
                             "Customs), split evenly"),
    "la-lay-lalay": (43, 43, "observed", "~86 goods vehicles/day Jan-Feb 2022 (VietnamPlus), "
                     "split evenly"),
    "boten-mohan-rail": (350, 350, "estimate", "China-Laos Railway cross-border 1.38 Mt in Q1 "
                         "2024 (Kunming Customs) ~15,000 t/day ~700 containers/day both ways "
                         "(20 t each), split evenly"),
    "lao-cai-hekou-rail": (40, 40, "estimate", "2-4 trains/day both directions (VAN 2025) x ~25 "
                           "wagons ~ 80 truck-equivalents/day, split evenly"),
    "dong-dang-pingxiang-rail": (35, 35, "estimate", ">400 kt Jan-Oct 2021 (VNR via VietnamPlus)"
                                 " ~1,330 t/day ~ 66 containers/day, split evenly"),
    "nong-khai-thanaleng-rail": (60, 60, "estimate", "Vientiane South yard ~800,000 t/yr "
                                 "capacity (Railway Gazette 2022) ~110 containers/day, split"),
    "pangmone-thailand": (5, 5, "estimate", "restricted to local border-pass traffic (Bangkok "
                          "Post 2020): token capacity"),
}
LICENSED = {"lao-cai-hekou-rail": "cassava;rubber;rice;timber;iron-ore"}
LANES = {"kim-thanh-hekou": (2, 3), "dansavanh-lao-bao": (2, 3), "vientiane-nong-khai": (1, 1)}
OPENS = {"ba-sai-ban-vuoc": "2026-06-30"}


def _year(*texts: str) -> int:
    years = [int(y) for t in texts for y in re.findall(r"\b(20[0-2][0-9])\b", t or "")]
    return max(years) if years else 2024


def crossing_row(r, node_a: str, node_b: str, lon: float, lat: float) -> dict:
    """One ``crossings.csv`` row from a reference row and the snapped border point."""
    cls = "rail" if r.mode == "rail" else CLASS.get(r.id, "main")
    cap, dwell, fee = CLASS_DEFAULTS[cls]
    if r.id in KNOWN:
        a, b, kind, note = KNOWN[r.id]
    else:
        a, b, kind = cap, cap, "estimate"
        note = f"no published figure; {cls} gate class default {cap} trucks/day per direction"
    published = kind in ("observed", "limit")
    if r.id == "kim-thanh-hekou":
        dwell = 3.0
    lanes = LANES.get(r.id, ("", ""))
    notes = (f"{note}. Class {cls}: dwell {dwell:g} h and fee USD {fee:g}/truck are estimates. "
             f"Point: reference estimate ({r.lat}, {r.lon}) snapped to the Natural Earth border."
             f" Reference notes: {r.notes}")
    return dict(crossing_id=r.id, name=f"{r.name_a}–{r.name_b}".replace("\n", " "),
                node_a=node_a, node_b=node_b, country_a=r.country_a, country_b=r.country_b,
                mode=r.mode, status=r.status, lon=lon, lat=lat,
                capacity_a_to_b_trucks_per_day=a, capacity_b_to_a_trucks_per_day=b,
                capacity_kind=kind, lanes_a_to_b=lanes[0], lanes_b_to_a=lanes[1],
                dwell_h=dwell, fee_usd_per_truck=fee, licensed_products=LICENSED.get(r.id, ""),
                opens=OPENS.get(r.id, ""),
                source=(r.capacity_source or r.source or "shared/reference/crossings.csv")
                .replace("\n", " ")[:400],
                source_year=_year(r.capacity_source, r.notes, r.source),
                quality="published" if published else "estimate", notes=notes[:1500])
