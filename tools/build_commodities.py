"""Generate the commodity tables of the embedded dataset: products, supply, seasonality,
markets, parameters. Run ``python tools/build_commodities.py`` from the repo root.

Every figure carries its source; derived or assumed figures are ``estimate`` and say how they
were made. Sources are the ones gathered in ``shared/reference/FACTS.md`` (with their URLs).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

OUT = Path(__file__).resolve().parents[1] / "data" / "default"
E, P = "estimate", "published"

# product: (name, category, perishable, reefer, ambient d, reefer d, payload t, value USD/t,
#           source, year, quality, notes)
PRODUCTS = {
    "durian": ("Durian", "fruit", True, True, 5, 14, 18, 4207,
               "Vinafruit via VnExpress 2024 (export avg $4,207/t Jan-Apr 2024); Kasetsart Univ. "
               "trial (max ~2 weeks at 15 C); Cargo Handbook 2021 (ripens 4-6 days ambient); "
               "waef2023 citing VnExpress 2025 (~18 t per container)", 2024, P, ""),
    "dragon-fruit": ("Dragon fruit", "fruit", True, True, 5, 28, 20, 800,
                     "VAAS journal (20 C ~5 days; 6 C up to 4 weeks)", 2023, E,
                     "value estimate: VN dragon fruit export unit value ~USD 0.8/kg (assumed); "
                     "payload 20 t per 40 ft reefer (56ok.com guide 22-28 t, rounded down)"),
    "lychee": ("Lychee", "fruit", True, True, 4, 21, 15, 1750,
               "Paull, Chen & Chen, Univ. Hawaii CTAHR F_N-29 2014 (3-5 days at 20 C); FAO "
               "AC681E (2-3 weeks refrigerated); VnExpress c.2018 (~15 t/container)", 2014, P,
               "value derived: 71,250 t for $125 m (en.qdnd.vn 2018) = $1,750/t"),
    "longan": ("Longan", "fruit", True, True, 3, 21, 15, 1200,
               "Ketsa & Paull, CTAHR F_N-35 2014 (reefer 4-7 C)", 2014, E,
               "ambient 2-3 days (blog, low authority); reefer life 2-4 weeks by analogy with "
               "lychee; value and payload assumed like lychee"),
    "banana": ("Banana (green)", "fruit", True, False, 7, 21, 20, 475,
               "Vientiane Times via vietstock 2016 (~400,000 t, $190 m in H1 FY2015-16)", 2016,
               E, "value derived $190 m / 400,000 t; northern Lao bananas move in ventilated "
               "(non-reefer) trucks; ambient green life 5-7 days (estimate)"),
    "mango": ("Mango", "fruit", True, True, 6, 18, 20, 900,
              "agileshipping.in / freshknowledge.eu (reefer 10-14 C, 14-21 days)", 2024, E,
              "ambient 5-7 days estimate; value USD 0.9/kg assumed"),
    "jackfruit": ("Jackfruit", "fruit", True, True, 5, 14, 22, 600,
                  "Tropical fruits postharvest Table 5.4 (13 C, 14-45 days); VnExpress Dec 2021 "
                  "(22 t per truck; drivers keep it at 10 C)", 2021, E,
                  "value USD 0.6/kg assumed; ambient 5 days estimate"),
    "watermelon": ("Watermelon", "fruit", True, False, 14, 21, 30, 250,
                   "VnExpress 2021 / VietNamNet (30 t per truck)", 2021, E,
                   "shelf life 2-3 weeks ambient (estimate); value USD 0.25/kg assumed"),
    "mangosteen": ("Mangosteen", "fruit", True, True, 7, 21, 18, 2000,
                   "estimate", 2024, E, "no source looked up: shelf life and value assumed "
                   "from similar tropical fruit"),
    "cassava": ("Cassava (dried chips)", "staple", False, False, 180, 180, 30, 183,
                "Laotian Times 2025 (Lao cassava 2.4 Mt, $440 m in 2024)", 2024, E,
                "value derived $440 m / 2.4 Mt = $183/t; payload 30 t assumed"),
    "rubber": ("Natural rubber", "industrial", False, False, 365, 365, 25, 1300,
               "estimate", 2024, E, "Lao 2016 average ~$183/t (314,000 t, $57.4 m) is wet "
               "cup-lump; processed rubber trades at ~$1,300-1,700/t: $1,300 assumed"),
    "rice": ("Rice", "staple", False, False, 365, 365, 28, 500, "estimate", 2024, E,
             "white rice ~$500/t FOB (assumed); payload 28 t"),
    "sweetcorn": ("Maize / sweetcorn (dried)", "staple", False, False, 180, 180, 30, 147,
                  "vietstock 2016 (Lao sweetcorn 830,000 t for $122 m)", 2016, E,
                  "value derived $122 m / 830,000 t = $147/t; moved dried"),
    "timber": ("Timber (sawn / peeled)", "timber", False, False, 365, 365, 25, 300,
               "estimate", 2024, E, "value and payload assumed; Kim Thanh lists peeled timber "
               "among exports (VAN 2025)"),
    "iron-ore": ("Iron ore", "mineral", False, False, 365, 365, 30, 90, "estimate", 2024, E,
                 "value assumed; iron ore crosses by rail at Lao Cai (VAN 2025) and from the "
                 "Vang Tat mine toward Da Nang port (VietnamPlus 2023)"),
}

# (origin, product, t/year, source, year, quality, notes)
SUPPLY = []


def split(product, total, shares, src, year, how):
    for node, share in shares.items():
        SUPPLY.append((node, product, round(total * share), src, year, E,
                       f"{how}; province share {share:.0%} (estimate)"))


split("banana", 480_000, {"la-oudomxay": .45, "la-bokeo": .30, "la-luang-namtha": .25},
      "Xinhua 2021 (Lao banana exports $227.4 m in 2020)", 2021,
      "derived: $227.4 m / $475 per t = 480,000 t/yr, almost all to China by road via Boten")
split("cassava", 2_400_000, {"la-savannakhet": .25, "la-champasak": .15, "la-vientiane": .20,
                             "la-bolikhamxay": .15, "la-xekong": .05, "la-attapeu": .05,
                             "la-oudomxay": .10, "la-luang-namtha": .05},
      "Laotian Times 2025 (2.4 Mt, $440 m in 2024)", 2025,
      "published national total, all by land (Laos is landlocked)")
split("rubber", 314_000, {"la-luang-namtha": .5, "la-oudomxay": .2, "la-champasak": .2,
                          "la-bokeo": .1}, "vietstock 2016 (314,000 t rubber)", 2016,
      "published national total")
split("sweetcorn", 830_000, {"la-oudomxay": .4, "la-bokeo": .2, "la-luang-namtha": .2,
                             "la-vientiane": .2}, "vietstock 2016 (830,000 t sweetcorn)", 2016,
      "published national total")
split("watermelon", 200_000, {"la-luang-namtha": .5, "la-vientiane": .5},
      "VNA 2023 (Laos Q1 2023: watermelon 86,420 t)", 2023,
      "derived: Q1 86,420 t (peak quarter) -> ~200,000 t/yr")
split("timber", 100_000, {"la-attapeu": .5, "la-xekong": .5}, "estimate", 2024, "assumed")
split("iron-ore", 300_000, {"la-attapeu": 1.0}, "VietnamPlus 2023 (Vang Tat iron ore ~130 km "
      "to Da Nang port)", 2023, "volume assumed")
split("rice", 100_000, {"la-savannakhet": .6, "la-champasak": .4}, "estimate", 2024, "assumed")
split("durian", 300_000, {"vn-dak-lak": .30, "vn-tien-giang": .20, "vn-lam-dong": .15,
                          "vn-dong-nai": .10, "vn-ben-tre": .10, "vn-gia-lai": .10,
                          "vn-dong-thap": .05},
      "producereport/163.com 2024 (VN durian exports $2.1 bn in 2023)", 2024,
      "derived: $2.1 bn / $4,207 per t = 500,000 t, 60 % assumed by land")
split("dragon-fruit", 700_000, {"vn-binh-thuan": .60, "vn-long-an": .25, "vn-tien-giang": .15},
      "VAN 2025 (~300,000 t via northern land gates Jan-May 2025)", 2025,
      "derived: 300,000 t in 5 months -> ~700,000 t/yr")
split("lychee", 136_000, {"vn-bac-giang": 96 / 136, "vn-hai-duong": 40 / 136},
      "VNS 2023 (Bac Giang plans 96,000 t lychee exports in 2023)", 2023,
      "Bac Giang 96,000 t published plan; Hai Duong (Thanh Ha) 40,000 t assumed")
split("longan", 70_000, {"vn-hung-yen": 3 / 7, "vn-son-la": 2 / 7, "vn-dong-thap": 2 / 7},
      "estimate", 2024, "assumed")
split("mango", 130_000, {"vn-dong-thap": 6 / 13, "vn-khanh-hoa": 2 / 13, "vn-son-la": 2 / 13,
                         "vn-tien-giang": 3 / 13}, "estimate", 2024, "assumed")
split("jackfruit", 140_000, {"vn-tien-giang": 4 / 7, "vn-dong-nai": 2 / 7, "vn-binh-dinh": 1 / 7},
      "estimate", 2024, "assumed; drivers from Binh Dinh and Dong Thap in the 2021 queues "
      "(VnExpress)")
split("watermelon", 400_000, {"vn-quang-ngai": .375, "vn-binh-dinh": .25, "vn-long-an": .25,
                              "vn-gia-lai": .125}, "VietNamNet (Quang Ngai, Binh Dinh, Phu Yen "
      "watermelon to China)", 2022, "volume assumed")
split("banana", 280_000, {"vn-dong-nai": 10 / 28, "vn-tay-ninh": 10 / 28, "vn-lao-cai": 8 / 28},
      "estimate", 2024, "assumed")
split("cassava", 750_000, {"vn-tay-ninh": 8 / 15, "vn-gia-lai": 4 / 15, "vn-dak-lak": 3 / 15},
      "SGGP 2024 (dried cassava chips exported via Lao Cai)", 2024, "volume assumed")
split("rubber", 200_000, {"vn-binh-phuoc": .75, "vn-tay-ninh": .25}, "estimate", 2024, "assumed")
split("rice", 300_000, {"vn-an-giang": 2 / 3, "vn-dong-thap": 1 / 3}, "estimate", 2024,
      "assumed share of rice moved north by land")
split("iron-ore", 200_000, {"vn-lao-cai": 1.0}, "VAN 2025 (transit ores by rail at Lao Cai)",
      2025, "volume assumed")
split("durian", 370_000, {"th-chanthaburi": .5, "th-rayong": .2, "th-chumphon": .3},
      "GACC via Xinhua (China imported 929,000 t Thai durian in 2023)", 2023,
      "derived: 40 % of 929,000 t assumed by land via Laos/Vietnam")
split("mangosteen", 100_000, {"th-chanthaburi": 1.0}, "estimate", 2024, "assumed")
split("longan", 200_000, {"th-chiang-mai": .75, "th-chiang-rai": .25}, "estimate", 2024,
      "assumed share by land to China (R3A)")
split("cassava", 500_000, {"th-nakhon-ratchasima": 1.0}, "estimate", 2024, "assumed")
split("rubber", 300_000, {"th-surat-thani": 1.0}, "estimate", 2024, "assumed")
split("rice", 200_000, {"th-ubon-ratchathani": 1.0}, "estimate", 2024, "assumed")

FLAT = [1 / 12] * 12
SEASON = {  # (product, country): 12 monthly shares, source, year, quality, notes
    ("durian", "VN"): ([.05, .04, .05, .08, .12, .13, .12, .11, .10, .08, .06, .06],
                       "estimate", 2024, E, "several VN seasons (Mekong Apr-Jul, Highlands "
                       "Aug-Oct), assumed profile"),
    ("durian", "TH"): ([.01, .02, .06, .16, .25, .22, .13, .07, .03, .02, .015, .015],
                       "People's Daily 2023 (eastern Thai durian season Apr-Jul)", 2023, E,
                       "profile shape assumed"),
    ("lychee", "VN"): ([0, 0, 0, 0, .25, .55, .20, 0, 0, 0, 0, 0],
                       "VnExpress 2020 (Luc Ngan season mid-May to July)", 2020, P,
                       "monthly split assumed within the published season"),
    ("longan", "VN"): ([0, 0, 0, 0, 0, .05, .30, .40, .20, .05, 0, 0], "estimate", 2024, E,
                       "harvest Jul-Sep (assumed)"),
    ("longan", "TH"): ([0, 0, 0, 0, 0, .05, .25, .45, .20, .05, 0, 0], "estimate", 2024, E,
                       "harvest Jul-Sep (assumed)"),
    ("dragon-fruit", "VN"): ([.11, .07, .07, .07, .08, .09, .10, .09, .07, .07, .08, .10],
                             "estimate", 2024, E, "year-round with off-season lighting; "
                             "Tet and summer peaks assumed"),
    ("mango", "VN"): ([.04, .05, .12, .16, .16, .12, .08, .06, .05, .05, .05, .06], "estimate",
                      2024, E, "main crop Mar-Jun (assumed)"),
    ("watermelon", "VN"): ([.16, .14, .12, .10, .06, .05, .05, .05, .05, .05, .07, .10],
                           "estimate", 2024, E, "Tet peak Dec-Mar (assumed)"),
    ("watermelon", "LA"): ([.15, .15, .15, .12, .06, .05, .05, .05, .05, .05, .06, .06],
                           "VNA 2023 (86,420 t in Q1 2023)", 2023, E, "Q1 peak; rest assumed"),
    ("mangosteen", "TH"): ([0, 0, 0, .05, .30, .35, .20, .10, 0, 0, 0, 0], "estimate", 2024, E,
                           "season May-Jul (assumed)"),
}


def seasonality_rows():
    rows = []
    present = sorted({(p, n[:2].upper()) for n, p, *_ in SUPPLY})
    for product, country in present:
        shares, src, year, q, notes = SEASON.get(
            (product, country), (FLAT, "estimate", 2024, E, "no marked season: flat (assumed)"))
        shares = [round(s, 4) for s in shares]
        top = max(range(12), key=lambda k: shares[k])
        shares[top] = round(shares[top] + 1 - sum(shares), 4)
        rows += [dict(product_id=product, country=country, month=m + 1, share=shares[m],
                      source=src, source_year=year, quality=q, notes=notes) for m in range(12)]
    return rows


CHINA = {"cn-kunming": 1.45, "cn-nanning": 1.47, "cn-guangzhou": 1.50, "cn-chongqing": 1.48}
PORTS = {"vn-hai-phong": 1.12, "th-laem-chabang": 1.12, "vn-da-nang": 1.10}
DOMESTIC = {"vn-hanoi": 1.10, "vn-ho-chi-minh": 1.05, "th-bangkok": 1.10, "la-vientiane": 1.05}
BULK = {"cassava", "rubber", "rice", "sweetcorn", "timber", "iron-ore"}
DOMESTIC_DEMAND = {"vn-hanoi": 30_000, "vn-ho-chi-minh": 40_000, "th-bangkok": 40_000,
                   "la-vientiane": 5_000}


def market_rows():
    rows = []
    for pid, spec in PRODUCTS.items():
        value = spec[7]
        for node, markup in CHINA.items():
            rows.append(dict(node_id=node, product_id=pid, price_usd_per_t=round(value * markup),
                             demand_t_per_year="", source="estimate", source_year=2024,
                             quality=E, notes=f"delivered wholesale price = export value x "
                             f"{markup} (assumed markup covering duty, handling and margin; "
                             "the hubs further inside China get a small premium only, since "
                             "Chinese "
                             "traders re-distribute from the border hubs); demand unbounded"))
        if pid in BULK:
            for node, markup in PORTS.items():
                rows.append(dict(node_id=node, product_id=pid,
                                 price_usd_per_t=round(value * markup), demand_t_per_year="",
                                 source="estimate", source_year=2024, quality=E,
                                 notes=f"FOB sea-export price = value x {markup} (assumed)"))
        else:
            for node, markup in DOMESTIC.items():
                rows.append(dict(node_id=node, product_id=pid,
                                 price_usd_per_t=round(value * markup),
                                 demand_t_per_year=DOMESTIC_DEMAND[node], source="estimate",
                                 source_year=2024, quality=E,
                                 notes=f"domestic wholesale = value x {markup}; demand "
                                 f"{DOMESTIC_DEMAND[node]:,} t/yr assumed (finite, so the model "
                                 "does not dump exports at home)"))
    return rows


PARAMETERS = [
    ("road_cost_usd_per_truck_km", 1.2, "USD/truck-km", "estimate", 2024, E,
     "GMS trucking rates of ~USD 1.0-1.5 per truck-km for a 40 ft container; midpoint assumed"),
    ("rail_cost_usd_per_truck_km", 0.96, "USD/truck-km", "VNR via VNA 2020 (rail ~20 % cheaper "
     "than road); Global Times (Kunming-Laem Chabang >20 % cheaper)", 2020, E,
     "derived: road rate x 0.8"),
    ("transfer_cost_usd_per_truck_km", 20.0, "USD/truck-km", "estimate", 2024, E,
     "used only where a transfer link has no cost of its own"),
    ("reefer_cost_factor", 1.3, "-", "estimate", 2024, E, "reefer trucking ~30 % dearer (fuel "
     "for the reefer unit, VND 300,000/day per Tuoi Tre 2021, and equipment)"),
    ("waiting_cost_usd_per_truck_day", 40.0, "USD/truck-day",
     "project seed; Tuoi Tre News 19 Dec 2021 (VND 400,000 parking + VND 300,000 reefer fuel "
     "per day)", 2021, E, "~VND 1 million per truck per day at VND 25,000/USD"),
    ("unserved_penalty_factor", 1.0, "-", "model convention", 2024, E,
     "produce not shipped loses its full export value"),
    ("queue_max_wait_days", 14, "days", "VnExpress 2021 (waits up to 10-17 days at Lang Son)",
     2021, E, "longest wait modelled before a truck is abandoned"),
    ("empty_return_share", 0.5, "-", "estimate", 2024, E, "half of export trucks return empty "
     "through the same gate (assumed; Yunnan side raised empty trucks stranded at Kim Thanh, "
     "VAN 2024)"),
    ("empty_return_days", 2, "days", "estimate", 2024, E, "unloading and turnaround (assumed)"),
]


def main() -> None:
    prods = [dict(product_id=k, name=v[0], category=v[1], perishable=str(v[2]).lower(),
                  reefer=str(v[3]).lower(), shelf_life_ambient_days=v[4],
                  shelf_life_reefer_days=v[5], payload_t_per_truck=v[6], value_usd_per_t=v[7],
                  source=v[8], source_year=v[9], quality=v[10], notes=v[11])
             for k, v in PRODUCTS.items()]
    pd.DataFrame(prods).to_csv(OUT / "products.csv", index=False)
    sup = pd.DataFrame(SUPPLY, columns=["node_id", "product_id", "supply_t_per_year", "source",
                                        "source_year", "quality", "notes"])
    sup.sort_values(["node_id", "product_id"]).to_csv(OUT / "supply.csv", index=False)
    pd.DataFrame(seasonality_rows()).to_csv(OUT / "seasonality.csv", index=False)
    pd.DataFrame(market_rows()).to_csv(OUT / "markets.csv", index=False)
    pd.DataFrame(PARAMETERS, columns=["parameter", "value", "unit", "source", "source_year",
                                      "quality", "notes"]).to_csv(OUT / "parameters.csv",
                                                                  index=False)
    print(len(prods), "products", len(sup), "supply rows")


if __name__ == "__main__":
    main()
