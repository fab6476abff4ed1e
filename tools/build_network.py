"""Generate the network tables of the embedded dataset (nodes, crossings, links).

Run from the repo root: ``python tools/build_network.py``. It writes ``data/default/nodes.csv``,
``crossings.csv`` and ``links.csv`` from

- ``shared/reference/crossings.csv`` (the 56 gate pairs, statuses, capacities, sources), read if
  present beside the repo, else the crossings already in ``data/default/crossings.csv``;
- the town list and trunk corridors below (town coordinates: estimates from gazetteers, about
  ±2 km; published corridor distances and times are marked ``published`` with their source);
- the Natural Earth border (``borderflow.data.basemap``): each crossing's estimated coordinate
  is snapped to the nearest point of the border it claims, and its two gate nodes are placed
  ~2 km either side, inside their countries.

The CSV files are the source of truth; this script records how the first version was derived
and regenerates it. Edit the tables directly for single corrections.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
from pyproj import Geod
from shapely.geometry import Point
from shapely.ops import nearest_points

from borderflow.data.basemap import METRIC_CRS, _border_m, country_at

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "default"
REF = ROOT.parent / "shared" / "reference" / "crossings.csv"
GEOD = Geod(ellps="WGS84")
TOWN_SRC = "town coordinates: gazetteer estimate (GeoNames/OSM town centres, rounded)"

# node_id: (name, kind, admin1, lon, lat)
TOWNS = {
    # --- Vietnam
    "vn-hanoi": ("Hanoi", "market", "Hanoi", 105.854, 21.028),
    "vn-hai-phong": ("Hai Phong port", "port", "Hai Phong", 106.682, 20.845),
    "vn-da-nang": ("Da Nang port", "port", "Da Nang", 108.221, 16.068),
    "vn-ho-chi-minh": ("Ho Chi Minh City", "market", "Ho Chi Minh City", 106.700, 10.776),
    "vn-lang-son": ("Lang Son", "town", "Lang Son", 106.761, 21.853),
    "vn-dong-dang": ("Dong Dang", "town", "Lang Son", 106.698, 21.943),
    "vn-loc-binh": ("Loc Binh", "town", "Lang Son", 106.920, 21.770),
    "vn-that-khe": ("That Khe", "town", "Lang Son", 106.470, 22.250),
    "vn-cao-bang": ("Cao Bang", "town", "Cao Bang", 106.257, 22.666),
    "vn-trung-khanh": ("Trung Khanh", "town", "Cao Bang", 106.560, 22.830),
    "vn-lao-cai": ("Lao Cai", "origin", "Lao Cai", 103.975, 22.485),
    "vn-muong-khuong": ("Muong Khuong", "town", "Lao Cai", 104.120, 22.770),
    "vn-bat-xat": ("Bat Xat", "town", "Lao Cai", 103.890, 22.540),
    "vn-yen-bai": ("Yen Bai", "town", "Yen Bai", 104.875, 21.705),
    "vn-viet-tri": ("Viet Tri", "town", "Phu Tho", 105.401, 21.322),
    "vn-tuyen-quang": ("Tuyen Quang", "town", "Tuyen Quang", 105.218, 21.823),
    "vn-ha-giang": ("Ha Giang", "town", "Ha Giang", 104.984, 22.823),
    "vn-hoang-su-phi": ("Hoang Su Phi", "town", "Ha Giang", 104.680, 22.750),
    "vn-bac-giang": ("Luc Ngan (Bac Giang)", "origin", "Bac Giang", 106.550, 21.370),
    "vn-hai-duong": ("Thanh Ha (Hai Duong)", "origin", "Hai Duong", 106.430, 20.900),
    "vn-hung-yen": ("Hung Yen", "origin", "Hung Yen", 106.050, 20.650),
    "vn-ha-long": ("Ha Long", "town", "Quang Ninh", 107.080, 20.950),
    "vn-tien-yen": ("Tien Yen", "town", "Quang Ninh", 107.400, 21.330),
    "vn-mong-cai": ("Mong Cai", "town", "Quang Ninh", 107.950, 21.505),
    "vn-hai-ha": ("Hai Ha", "town", "Quang Ninh", 107.750, 21.450),
    "vn-son-la": ("Son La", "origin", "Son La", 103.910, 21.330),
    "vn-moc-chau": ("Moc Chau", "town", "Son La", 104.630, 20.850),
    "vn-dien-bien": ("Dien Bien Phu", "town", "Dien Bien", 103.020, 21.390),
    "vn-lai-chau": ("Lai Chau", "town", "Lai Chau", 103.460, 22.400),
    "vn-thanh-hoa": ("Thanh Hoa", "town", "Thanh Hoa", 105.780, 19.810),
    "vn-vinh": ("Vinh", "town", "Nghe An", 105.680, 18.670),
    "vn-ha-tinh": ("Ha Tinh", "town", "Ha Tinh", 105.900, 18.340),
    "vn-dong-hoi": ("Dong Hoi", "town", "Quang Binh", 106.620, 17.470),
    "vn-dong-ha": ("Dong Ha", "town", "Quang Tri", 107.100, 16.820),
    "vn-khe-sanh": ("Khe Sanh", "town", "Quang Tri", 106.730, 16.630),
    "vn-hue": ("Hue", "town", "Thua Thien Hue", 107.590, 16.460),
    "vn-a-luoi": ("A Luoi", "town", "Thua Thien Hue", 107.230, 16.200),
    "vn-thanh-my": ("Thanh My (Nam Giang)", "town", "Quang Nam", 107.830, 15.760),
    "vn-quang-ngai": ("Quang Ngai", "origin", "Quang Ngai", 108.800, 15.120),
    "vn-kon-tum": ("Kon Tum", "town", "Kon Tum", 108.000, 14.350),
    "vn-ngoc-hoi": ("Ngoc Hoi", "town", "Kon Tum", 107.690, 14.720),
    "vn-gia-lai": ("Pleiku (Gia Lai)", "origin", "Gia Lai", 108.000, 13.980),
    "vn-binh-dinh": ("Quy Nhon (Binh Dinh)", "origin", "Binh Dinh", 109.220, 13.780),
    "vn-dak-lak": ("Buon Ma Thuot (Dak Lak)", "origin", "Dak Lak", 108.040, 12.670),
    "vn-khanh-hoa": ("Nha Trang (Khanh Hoa)", "origin", "Khanh Hoa", 109.190, 12.240),
    "vn-lam-dong": ("Bao Loc (Lam Dong)", "origin", "Lam Dong", 107.810, 11.550),
    "vn-binh-thuan": ("Phan Thiet (Binh Thuan)", "origin", "Binh Thuan", 108.100, 10.930),
    "vn-binh-phuoc": ("Dong Xoai (Binh Phuoc)", "origin", "Binh Phuoc", 106.900, 11.530),
    "vn-tay-ninh": ("Tay Ninh", "origin", "Tay Ninh", 106.100, 11.310),
    "vn-dong-nai": ("Bien Hoa (Dong Nai)", "origin", "Dong Nai", 106.820, 10.950),
    "vn-long-an": ("Tan An (Long An)", "origin", "Long An", 106.410, 10.540),
    "vn-tien-giang": ("Cai Lay (Tien Giang)", "origin", "Tien Giang", 106.110, 10.400),
    "vn-ben-tre": ("Ben Tre", "origin", "Ben Tre", 106.380, 10.240),
    "vn-dong-thap": ("Cao Lanh (Dong Thap)", "origin", "Dong Thap", 105.630, 10.460),
    "vn-an-giang": ("Long Xuyen (An Giang)", "origin", "An Giang", 105.430, 10.380),
    "vn-hanoi-rail": ("Yen Vien rail yard (Hanoi)", "rail_terminal", "Hanoi", 105.920, 21.080),
    "vn-ho-chi-minh-rail": ("Song Than rail yard", "rail_terminal", "Binh Duong", 106.760,
                            10.890),
    # --- Laos
    "la-vientiane": ("Vientiane", "market", "Vientiane Capital", 102.630, 17.970),
    "la-vientiane-south-rail": ("Vientiane South station", "rail_terminal", "Vientiane Capital",
                                102.700, 17.880),
    "la-vang-vieng": ("Vang Vieng", "town", "Vientiane", 102.450, 18.920),
    "la-luang-prabang": ("Luang Prabang", "town", "Luang Prabang", 102.140, 19.890),
    "la-oudomxay": ("Oudomxay (Muang Xay)", "origin", "Oudomxay", 101.980, 20.690),
    "la-nateuy": ("Nateuy", "town", "Luang Namtha", 101.780, 21.020),
    "la-luang-namtha": ("Luang Namtha", "origin", "Luang Namtha", 101.400, 20.950),
    "la-bokeo": ("Houayxay (Bokeo)", "origin", "Bokeo", 100.410, 20.280),
    "la-pakbeng": ("Pakbeng", "town", "Oudomxay", 101.120, 19.900),
    "la-xayaboury": ("Xayaboury", "town", "Xayaboury", 101.750, 19.250),
    "la-muang-khoua": ("Muang Khoua", "town", "Phongsaly", 102.510, 21.080),
    "la-phongsaly": ("Phongsaly", "town", "Phongsaly", 102.100, 21.680),
    "la-phonsavan": ("Phonsavan", "town", "Xiengkhouang", 103.210, 19.450),
    "la-sam-neua": ("Xam Neua", "town", "Houaphan", 104.050, 20.410),
    "la-bolikhamxay": ("Paksan (Bolikhamxay)", "origin", "Bolikhamxay", 103.660, 18.380),
    "la-lak-sao": ("Lak Sao", "town", "Bolikhamxay", 105.220, 18.190),
    "la-thakhek": ("Thakhek", "town", "Khammouane", 104.840, 17.410),
    "la-savannakhet": ("Savannakhet", "origin", "Savannakhet", 104.750, 16.560),
    "la-seno": ("Seno", "town", "Savannakhet", 105.050, 16.670),
    "la-xepon": ("Xepon", "town", "Savannakhet", 106.220, 16.680),
    "la-salavan": ("Salavan", "town", "Salavan", 106.420, 15.720),
    "la-champasak": ("Pakse (Champasak)", "origin", "Champasak", 105.800, 15.120),
    "la-xekong": ("Xekong", "origin", "Xekong", 106.720, 15.350),
    "la-dakcheung": ("Dakcheung", "town", "Xekong", 107.370, 15.400),
    "la-attapeu": ("Attapeu", "origin", "Attapeu", 106.830, 14.810),
    "la-muang-ngeun": ("Muang Ngeun", "town", "Xayaboury", 100.950, 19.700),
    # --- Thailand
    "th-bangkok": ("Bangkok (Talad Thai)", "market", "Pathum Thani", 100.620, 14.080),
    "th-bangkok-rail": ("Lat Krabang ICD", "rail_terminal", "Bangkok", 100.780, 13.720),
    "th-laem-chabang": ("Laem Chabang port", "port", "Chonburi", 100.880, 13.080),
    "th-chanthaburi": ("Chanthaburi", "origin", "Chanthaburi", 102.100, 12.610),
    "th-rayong": ("Rayong", "origin", "Rayong", 101.280, 12.680),
    "th-chumphon": ("Chumphon", "origin", "Chumphon", 99.180, 10.490),
    "th-prachuap": ("Prachuap Khiri Khan", "town", "Prachuap Khiri Khan", 99.800, 11.810),
    "th-surat-thani": ("Surat Thani", "origin", "Surat Thani", 99.330, 9.140),
    "th-nakhon-ratchasima": ("Nakhon Ratchasima", "origin", "Nakhon Ratchasima", 102.100, 14.970),
    "th-khon-kaen": ("Khon Kaen", "town", "Khon Kaen", 102.830, 16.430),
    "th-udon-thani": ("Udon Thani", "town", "Udon Thani", 102.790, 17.410),
    "th-nong-khai": ("Nong Khai", "town", "Nong Khai", 102.740, 17.880),
    "th-bueng-kan": ("Bueng Kan", "town", "Bueng Kan", 103.650, 18.360),
    "th-sakon-nakhon": ("Sakon Nakhon", "town", "Sakon Nakhon", 104.150, 17.160),
    "th-nakhon-phanom": ("Nakhon Phanom", "town", "Nakhon Phanom", 104.780, 17.410),
    "th-mukdahan": ("Mukdahan", "town", "Mukdahan", 104.720, 16.540),
    "th-ubon-ratchathani": ("Ubon Ratchathani", "origin", "Ubon Ratchathani", 104.850, 15.240),
    "th-nakhon-sawan": ("Nakhon Sawan", "town", "Nakhon Sawan", 100.120, 15.700),
    "th-phitsanulok": ("Phitsanulok", "town", "Phitsanulok", 100.260, 16.820),
    "th-uttaradit": ("Uttaradit", "town", "Uttaradit", 100.100, 17.620),
    "th-phrae": ("Phrae", "town", "Phrae", 100.140, 18.140),
    "th-nan": ("Nan", "town", "Nan", 100.770, 18.780),
    "th-phayao": ("Phayao", "town", "Phayao", 99.900, 19.170),
    "th-chiang-rai": ("Chiang Rai", "origin", "Chiang Rai", 99.830, 19.910),
    "th-chiang-khong": ("Chiang Khong", "town", "Chiang Rai", 100.400, 20.260),
    "th-chiang-mai": ("Chiang Mai", "origin", "Chiang Mai", 98.980, 18.790),
    # --- China
    "cn-kunming": ("Kunming", "market", "Yunnan", 102.830, 24.880),
    "cn-kunming-rail": ("Kunming (Wangjiaying) freight yard", "rail_terminal", "Yunnan", 102.760,
                        25.000),
    "cn-yuxi": ("Yuxi", "town", "Yunnan", 102.540, 24.350),
    "cn-puer": ("Pu'er", "town", "Yunnan", 100.970, 22.780),
    "cn-jinghong": ("Jinghong", "town", "Yunnan", 100.800, 22.010),
    "cn-mengla": ("Mengla", "town", "Yunnan", 101.560, 21.460),
    "cn-jiangcheng": ("Jiangcheng", "town", "Yunnan", 101.860, 22.580),
    "cn-mengzi": ("Mengzi", "town", "Yunnan", 103.380, 23.370),
    "cn-hekou": ("Hekou", "town", "Yunnan", 103.960, 22.540),
    "cn-jinping": ("Jinping", "town", "Yunnan", 103.230, 22.780),
    "cn-wenshan": ("Wenshan", "town", "Yunnan", 104.240, 23.370),
    "cn-maguan": ("Maguan", "town", "Yunnan", 104.390, 23.010),
    "cn-malipo": ("Malipo", "town", "Yunnan", 104.700, 23.130),
    "cn-qujing": ("Qujing", "town", "Yunnan", 103.800, 25.490),
    "cn-guiyang": ("Guiyang", "town", "Guizhou", 106.630, 26.650),
    "cn-chongqing": ("Chongqing", "market", "Chongqing", 106.550, 29.560),
    "cn-nanning": ("Nanning", "market", "Guangxi", 108.370, 22.820),
    "cn-nanning-rail": ("Nanning South freight yard", "rail_terminal", "Guangxi", 108.300,
                        22.760),
    "cn-chongzuo": ("Chongzuo", "town", "Guangxi", 107.360, 22.380),
    "cn-pingxiang": ("Pingxiang", "town", "Guangxi", 106.750, 22.100),
    "cn-longzhou": ("Longzhou", "town", "Guangxi", 106.850, 22.340),
    "cn-daxin": ("Daxin", "town", "Guangxi", 107.200, 22.830),
    "cn-jingxi": ("Jingxi", "town", "Guangxi", 106.420, 23.130),
    "cn-napo": ("Napo", "town", "Guangxi", 105.830, 23.420),
    "cn-baise": ("Baise", "town", "Guangxi", 106.620, 23.900),
    "cn-ningming": ("Ningming", "town", "Guangxi", 107.070, 22.140),
    "cn-fangchenggang": ("Fangchenggang", "town", "Guangxi", 108.350, 21.690),
    "cn-dongxing": ("Dongxing", "town", "Guangxi", 107.970, 21.550),
    "cn-wuzhou": ("Wuzhou", "town", "Guangxi", 111.280, 23.480),
    "cn-guangzhou": ("Guangzhou (Jiangnan market)", "market", "Guangdong", 113.260, 23.130),
}

SPEED = {"expressway": (65.0, 1.15), "national": (45.0, 1.25), "mountain": (30.0, 1.45),
         "rail": (35.0, 1.20)}

# (route_ref, class, towns...) consecutive towns become links
CORRIDORS = [
    # Vietnam
    ("QL1A/CT.01", "expressway", "vn-an-giang", "vn-dong-thap", "vn-tien-giang", "vn-long-an",
     "vn-ho-chi-minh"),
    ("QL60", "national", "vn-ben-tre", "vn-tien-giang"),
    ("QL1A", "national", "vn-ho-chi-minh", "vn-dong-nai", "vn-binh-thuan", "vn-khanh-hoa",
     "vn-binh-dinh", "vn-quang-ngai", "vn-da-nang", "vn-hue", "vn-dong-ha", "vn-dong-hoi",
     "vn-ha-tinh", "vn-vinh", "vn-thanh-hoa", "vn-hanoi"),
    ("QL22", "national", "vn-ho-chi-minh", "vn-tay-ninh"),
    ("QL13/QL14", "national", "vn-ho-chi-minh", "vn-binh-phuoc", "vn-dak-lak"),
    ("QL20", "national", "vn-dong-nai", "vn-lam-dong"),
    ("QL27", "mountain", "vn-lam-dong", "vn-dak-lak"),
    ("QL14", "national", "vn-dak-lak", "vn-gia-lai", "vn-kon-tum", "vn-ngoc-hoi"),
    ("QL19", "national", "vn-gia-lai", "vn-binh-dinh"),
    ("QL26", "national", "vn-dak-lak", "vn-khanh-hoa"),
    ("QL24", "mountain", "vn-kon-tum", "vn-quang-ngai"),
    ("QL14B/QL14D", "mountain", "vn-da-nang", "vn-thanh-my"),
    ("QL49", "mountain", "vn-hue", "vn-a-luoi"),
    ("QL9", "national", "vn-dong-ha", "vn-khe-sanh"),
    ("CT.04/QL5", "expressway", "vn-hanoi", "vn-hai-duong", "vn-hai-phong"),
    ("QL39", "national", "vn-hai-duong", "vn-hung-yen", "vn-hanoi"),
    ("CT.07/QL1A", "expressway", "vn-hanoi", "vn-bac-giang", "vn-lang-son", "vn-dong-dang"),
    ("QL31", "national", "vn-bac-giang", "vn-loc-binh", "vn-lang-son"),
    ("QL4B", "national", "vn-lang-son", "vn-loc-binh"),
    ("QL4A/QL3", "mountain", "vn-lang-son", "vn-that-khe", "vn-cao-bang", "vn-trung-khanh"),
    ("CT.06/QL18", "expressway", "vn-hai-phong", "vn-ha-long", "vn-tien-yen", "vn-hai-ha",
     "vn-mong-cai"),
    ("QL4B", "mountain", "vn-tien-yen", "vn-loc-binh"),
    ("CT.05", "expressway", "vn-hanoi", "vn-viet-tri", "vn-yen-bai", "vn-lao-cai"),
    ("QL4D", "mountain", "vn-lao-cai", "vn-bat-xat"),
    ("QL4D/DT154", "mountain", "vn-lao-cai", "vn-muong-khuong"),
    ("QL2", "national", "vn-viet-tri", "vn-tuyen-quang", "vn-ha-giang"),
    ("QL4", "mountain", "vn-ha-giang", "vn-hoang-su-phi", "vn-lao-cai"),
    ("QL4D", "mountain", "vn-lao-cai", "vn-lai-chau"),
    ("QL6", "national", "vn-hanoi", "vn-moc-chau", "vn-son-la", "vn-dien-bien"),
    ("QL12", "mountain", "vn-dien-bien", "vn-lai-chau"),
    ("QL8", "national", "vn-vinh", "vn-ha-tinh"),
    ("QL7", "mountain", "vn-vinh", "vn-thanh-hoa"),
    # Laos
    ("R13N", "mountain", "la-vientiane", "la-vang-vieng", "la-luang-prabang", "la-oudomxay",
     "la-nateuy"),
    ("R3A", "national", "la-bokeo", "la-luang-namtha", "la-nateuy"),
    ("R2W", "mountain", "la-oudomxay", "la-pakbeng"),
    ("R4", "mountain", "la-luang-prabang", "la-xayaboury", "la-muang-ngeun"),
    ("R2E", "mountain", "la-oudomxay", "la-muang-khoua"),
    ("R1", "mountain", "la-muang-khoua", "la-phongsaly"),
    ("R7", "mountain", "la-vang-vieng", "la-phonsavan"),
    ("R6", "mountain", "la-phonsavan", "la-sam-neua"),
    ("R13S", "national", "la-vientiane", "la-bolikhamxay", "la-thakhek", "la-savannakhet",
     "la-champasak"),
    ("R8", "mountain", "la-bolikhamxay", "la-lak-sao"),
    ("R9", "national", "la-savannakhet", "la-seno", "la-xepon"),
    ("R13S/R20", "national", "la-champasak", "la-salavan"),
    ("R16", "national", "la-champasak", "la-xekong", "la-attapeu"),
    ("R16B", "mountain", "la-xekong", "la-dakcheung"),
    ("R15", "mountain", "la-salavan", "la-xekong"),
    # Thailand
    ("Hwy 3/36", "national", "th-bangkok", "th-laem-chabang", "th-rayong", "th-chanthaburi"),
    ("Hwy 4/41", "national", "th-surat-thani", "th-chumphon", "th-prachuap", "th-bangkok"),
    ("Hwy 2", "national", "th-bangkok", "th-nakhon-ratchasima", "th-khon-kaen", "th-udon-thani",
     "th-nong-khai"),
    ("Hwy 212", "national", "th-nong-khai", "th-bueng-kan", "th-nakhon-phanom", "th-mukdahan",
     "th-ubon-ratchathani"),
    ("Hwy 22", "national", "th-udon-thani", "th-sakon-nakhon", "th-nakhon-phanom"),
    ("Hwy 24", "national", "th-nakhon-ratchasima", "th-ubon-ratchathani"),
    ("Hwy 1/11", "national", "th-bangkok", "th-nakhon-sawan", "th-phitsanulok", "th-uttaradit",
     "th-phrae", "th-phayao", "th-chiang-rai", "th-chiang-khong"),
    ("Hwy 11", "national", "th-phrae", "th-chiang-mai"),
    ("Hwy 118", "mountain", "th-chiang-mai", "th-chiang-rai"),
    ("Hwy 101", "mountain", "th-phrae", "th-nan"),
    # China
    ("G8511/G213", "expressway", "cn-mengla", "cn-jinghong", "cn-puer", "cn-yuxi", "cn-kunming"),
    ("G8011", "expressway", "cn-hekou", "cn-mengzi", "cn-kunming"),
    ("S214", "mountain", "cn-jinping", "cn-mengzi"),
    ("G219", "mountain", "cn-jiangcheng", "cn-puer"),
    ("G80/G323", "national", "cn-wenshan", "cn-mengzi"),
    ("G219/S", "mountain", "cn-maguan", "cn-wenshan"),
    ("S210", "mountain", "cn-malipo", "cn-wenshan"),
    ("G80", "expressway", "cn-wenshan", "cn-baise", "cn-nanning"),
    ("G7211", "expressway", "cn-pingxiang", "cn-chongzuo", "cn-nanning"),
    ("S", "national", "cn-longzhou", "cn-chongzuo"),
    ("S", "national", "cn-ningming", "cn-chongzuo"),
    ("S", "national", "cn-daxin", "cn-chongzuo"),
    ("G69", "national", "cn-jingxi", "cn-baise"),
    ("S", "mountain", "cn-napo", "cn-jingxi"),
    ("G75/G7511", "expressway", "cn-dongxing", "cn-fangchenggang", "cn-nanning"),
    ("G80", "expressway", "cn-nanning", "cn-wuzhou", "cn-guangzhou"),
    ("G60/G75", "expressway", "cn-kunming", "cn-qujing", "cn-guiyang", "cn-chongqing"),
]

# published distances/times (length_km, travel_h or None, source, year); keys are town pairs
PUBLISHED = {
    ("vn-hanoi", "vn-viet-tri"): None,
    ("la-bokeo", "la-luang-namtha"): (197.0, None, "Wikipedia mirror (Louang Namtha)", 2016),
    ("la-luang-namtha", "la-nateuy"): (45.0, None, "Wikipedia 2014 mirror, Kunming–Bangkok "
                                       "Expressway", 2014),
    ("la-xekong", "la-dakcheung"): (120.0, None, "Vientiane Times via jclao.com (Xekong to "
                                    "open first intl border crossing)", 2021),
    ("la-champasak", "la-xekong"): None,
    ("th-chiang-rai", "th-chiang-khong"): (113.0, None, "Wikipedia 2014 mirror, Kunming–Bangkok "
                                           "Expressway", 2014),
    ("vn-vinh", "vn-ha-tinh"): None,
}
# published totals over several consecutive links: apportioned by geodesic length
PUBLISHED_PATHS = [
    (("vn-hanoi", "vn-viet-tri", "vn-yen-bai", "vn-lao-cai"), 265.0, 3.5,
     "aaroads wiki; laodong.vn 2025 (Hanoi–Lao Cai expressway CT.05, 3.5 h)", 2025),
    (("cn-mengla", "cn-jinghong", "cn-puer", "cn-yuxi", "cn-kunming"), 710.0, None,
     "Wikipedia 2014 mirror, Kunming–Bangkok Expressway (sections 86+112+147+71+97+217 km to "
     "Mohan; Mengla–Mohan ~20 km deducted)", 2014),
    (("la-savannakhet", "la-seno", "la-xepon"), 195.0, None,
     "Rough Guide SE Asia on a Budget (Savannakhet–Lao Bao ~240 km via Route 9; Xepon–border "
     "~45 km deducted)", 2012),
    (("th-bangkok", "th-nakhon-ratchasima", "th-khon-kaen", "th-udon-thani", "th-nong-khai"),
     615.0, 9.0, "FACTS compilation: Bangkok–Nong Khai ~615 km, 8–9 h (estimate in source)",
     2024),
]

# rail lines (route_ref, hours override per link or None, nodes...)
RAILS = [
    ("China–Laos Railway", "la-vientiane-south-rail", "la-boten-rail",
     ["la-vang-vieng", "la-luang-prabang", "la-oudomxay", "la-nateuy"], 422.0, 8.0,
     "FACTS: Laos section ~422 km (Xinhua 2024, estimate for freight hours)", 2024),
    ("China–Laos Railway", "cn-mohan-rail", "cn-kunming-rail",
     ["cn-mengla", "cn-jinghong", "cn-puer", "cn-yuxi"], 613.0, 12.0,
     "Kunming–Vientiane 1,035 km (Xinhua/People's Daily 2023) minus the 422 km Laos section; "
     "freight hours estimate", 2023),
    ("Hanoi–Lao Cai metre gauge", "vn-hanoi-rail", "vn-lao-cai-rail",
     ["vn-viet-tri", "vn-yen-bai"], 296.0, 12.0, "Hai Phong–Kaiyuan 610 km, 29 h (Nhan Dan); "
     "Hanoi–Lao Cai section length and hours estimate", 2021),
    ("Kunming–Hekou metre gauge", "cn-hekou-rail", "cn-kunming-rail",
     ["cn-mengzi", "cn-yuxi"], 468.0, 20.0, "Kunming–Hekou metre-gauge line; hours estimate", 2021),
    ("Hanoi–Dong Dang railway", "vn-hanoi-rail", "vn-dong-dang-rail",
     ["vn-bac-giang", "vn-lang-son"], 163.0, 6.0, "estimate from line length", 2021),
    ("Hunan–Guangxi railway (Pingxiang–Nanning)", "cn-pingxiang-rail", "cn-nanning-rail",
     ["cn-chongzuo"], 220.0, 6.0, "estimate from line length", 2021),
    ("North–South railway", "vn-ho-chi-minh-rail", "vn-hanoi-rail",
     ["vn-khanh-hoa", "vn-binh-dinh", "vn-quang-ngai", "vn-da-nang", "vn-hue", "vn-dong-hoi",
      "vn-vinh", "vn-thanh-hoa"], 1726.0, 62.0, "VNR via VNA 2020: reefer rail South VN → Dong "
     "Dang ~70 h (Hanoi–Dong Dang ~8 h deducted)", 2020),
    ("Thanaleng–Vientiane South", "la-thanaleng-rail", "la-vientiane-south-rail", [], 20.0, 2.0,
     "Railway Gazette 2022 (Vientiane South transshipment yard)", 2022),
    ("Northeastern line", "th-bangkok-rail", "th-nong-khai-rail",
     ["th-nakhon-ratchasima", "th-khon-kaen", "th-udon-thani"], 624.0, 20.0,
     "estimate (metre gauge, freight hours)", 2022),
]
TRANSFERS = [("vn-hanoi", "vn-hanoi-rail"), ("vn-ho-chi-minh", "vn-ho-chi-minh-rail"),
             ("la-vientiane", "la-vientiane-south-rail"), ("cn-kunming", "cn-kunming-rail"),
             ("cn-nanning", "cn-nanning-rail"), ("th-bangkok", "th-bangkok-rail")]

RAIL_GATES = {"boten-mohan-rail": ("la-boten-rail", "cn-mohan-rail"),
              "lao-cai-hekou-rail": ("vn-lao-cai-rail", "cn-hekou-rail"),
              "dong-dang-pingxiang-rail": ("vn-dong-dang-rail", "cn-pingxiang-rail"),
              "nong-khai-thanaleng-rail": ("la-thanaleng-rail", "th-nong-khai-rail")}


def slug(text: str) -> str:
    text = re.sub(r"\(.*?\)", "", text).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def geo_km(coords) -> float:
    lons, lats = zip(*coords)
    return float(GEOD.line_length(lons, lats)) / 1000.0


def to_metric(lon, lat):
    return gpd.GeoSeries([Point(lon, lat)], crs="EPSG:4326").to_crs(METRIC_CRS).iloc[0]


def to_deg(pt):
    p = gpd.GeoSeries([pt], crs=METRIC_CRS).to_crs("EPSG:4326").iloc[0]
    return round(p.x, 5), round(p.y, 5)


def gate_points(lon, lat, ca, cb):
    """Snap an estimated crossing to the border; gate nodes ~2 km inside each country."""
    border = _border_m(*sorted((ca, cb)))
    p = to_metric(lon, lat)
    on = nearest_points(border, p)[0]
    sides = {}
    for radius in (1500, 2500, 4000, 6000):
        for k in range(16):
            ang = 2 * math.pi * k / 16
            cand = Point(on.x + radius * math.cos(ang), on.y + radius * math.sin(ang))
            x, y = to_deg(cand)
            c = country_at(x, y)
            if c in (ca, cb) and c not in sides:
                sides[c] = (x, y)
        if len(sides) == 2:
            break
    return to_deg(on), sides


def main() -> None:
    ref = pd.read_csv(REF, dtype=str).fillna("")
    nodes = {k: dict(node_id=k, name=v[0], kind=v[1], country=k[:2].upper(), admin1=v[2],
                     lon=v[3], lat=v[4], source=TOWN_SRC, source_year=2024, quality="estimate",
                     notes="") for k, v in TOWNS.items()}
    crossings, links = [], []
    for r in ref.itertuples(index=False):
        ca, cb = r.country_a, r.country_b
        (x, y), sides = gate_points(float(r.lon), float(r.lat), ca, cb)
        if r.id in RAIL_GATES:
            na, nb = RAIL_GATES[r.id]
            kind = "rail_terminal"
        else:
            na = f"{ca.lower()}-{slug(r.name_a)}-gate"
            nb = f"{cb.lower()}-{slug(r.name_b)}-gate"
            kind = "gate"
        for nid, c, nm in ((na, ca, r.name_a), (nb, cb, r.name_b)):
            if nid in nodes:
                continue
            gx, gy = sides.get(c, (x, y))
            nodes[nid] = dict(node_id=nid, name=f"{nm} gate", kind=kind, country=c, admin1="",
                              lon=gx, lat=gy, source="derived: crossing point moved ~2 km into "
                              "the country on the Natural Earth 1:10m basemap",
                              source_year=2024, quality="estimate", notes="")
        crossings.append(crossing_row(r, na, nb, x, y))
    for nid in [n for n in nodes if n.endswith("-gate")]:
        links.append(access_link(nodes, nid))
    for ref_name, cls, *towns in CORRIDORS:
        for a, b in zip(towns[:-1], towns[1:]):
            links.append(road_link(nodes, a, b, ref_name, cls))
    apply_published(links)
    for ref_name, a, b, via, km, hours, src, year in RAILS:
        links.append(rail_link(nodes, a, b, via, ref_name, km, hours, src, year))
    for a, b in TRANSFERS:
        links.append(transfer_link(nodes, a, b))
    seen, unique = set(), []
    for link in links:
        pair = frozenset((link["from_node"], link["to_node"]))
        if pair not in seen:
            seen.add(pair)
            unique.append(link)
    links = unique
    pd.DataFrame(list(nodes.values())).sort_values("node_id").to_csv(OUT / "nodes.csv",
                                                                      index=False)
    pd.DataFrame(crossings).to_csv(OUT / "crossings.csv", index=False)
    pd.DataFrame(links).sort_values("link_id").to_csv(OUT / "links.csv", index=False)
    print(len(nodes), "nodes", len(crossings), "crossings", len(links), "links")


from crossing_facts import crossing_row  # noqa: E402  (capacity rules live beside this file)


def _link(nodes, a, b, mode, ref_name, km, hours, cost, src, year, quality, notes, via=()):
    pts = [(nodes[a]["lon"], nodes[a]["lat"]), *[(nodes[v]["lon"], nodes[v]["lat"]) for v in via],
           (nodes[b]["lon"], nodes[b]["lat"])]
    wkt = "LINESTRING (" + ", ".join(f"{x:.5f} {y:.5f}" for x, y in pts) + ")"
    return dict(link_id=f"{a}_{b}", from_node=a, to_node=b, mode=mode, route_ref=ref_name,
                length_km=round(km, 1), travel_h=round(hours, 2), cost_usd_per_truck=cost,
                bidirectional="true", geometry_wkt=wkt, source=src, source_year=year,
                quality=quality, notes=notes)


def road_link(nodes, a, b, ref_name, cls):
    speed, wind = SPEED[cls]
    g = geo_km([(nodes[a]["lon"], nodes[a]["lat"]), (nodes[b]["lon"], nodes[b]["lat"])])
    km = g * wind
    return _link(nodes, a, b, "road", ref_name, km, km / speed, "",
                 "derived from town coordinates", 2024, "estimate",
                 f"length = great-circle {g:.0f} km x winding {wind} ({cls}); hours at "
                 f"{speed:.0f} km/h for a loaded truck")


def access_link(nodes, gate):
    country = nodes[gate]["country"]
    gx, gy = nodes[gate]["lon"], nodes[gate]["lat"]
    best = min((n for n in nodes.values() if n["country"] == country and
                not n["node_id"].endswith("-gate") and n["kind"] != "rail_terminal"),
               key=lambda n: geo_km([(gx, gy), (n["lon"], n["lat"])]))
    link = road_link(nodes, best["node_id"], gate, "gate access road", "mountain")
    link["notes"] += "; access from the nearest listed town (estimate)"
    return link


def rail_link(nodes, a, b, via, ref_name, km, hours, src, year):
    return _link(nodes, a, b, "rail", ref_name, km, hours, "", src, year, "estimate",
                 "length from the source; freight hours estimate", via)


def transfer_link(nodes, a, b):
    g = max(geo_km([(nodes[a]["lon"], nodes[a]["lat"]), (nodes[b]["lon"], nodes[b]["lat"])]),
            1.0)
    return _link(nodes, a, b, "transfer", "road-rail transfer", g * 1.3, 6.0, 90,
                 "estimate", 2024, "estimate", "truck-to-rail handling: 6 h and USD 90 per "
                 "container incl. lifts and drayage (estimate)")


def apply_published(links):
    by_pair = {(link["from_node"], link["to_node"]): link for link in links}
    for pair, val in PUBLISHED.items():
        if val and pair in by_pair:
            km, hours, src, year = val
            link = by_pair[pair]
            ratio = km / link["length_km"]
            link.update(length_km=km, travel_h=round(hours or link["travel_h"] * ratio, 2),
                        source=src, source_year=year, quality="published",
                        notes="length published" + ("" if hours else "; hours at class speed"))
    for towns, km, hours, src, year in PUBLISHED_PATHS:
        parts = [by_pair[(a, b)] for a, b in zip(towns[:-1], towns[1:])]
        total = sum(p["length_km"] for p in parts)
        for p in parts:
            share = p["length_km"] / total
            p.update(length_km=round(km * share, 1),
                     travel_h=round((hours * share) if hours else p["travel_h"] * km / total, 2),
                     source=src, source_year=year, quality="published",
                     notes=f"published total {km:g} km" + (f", {hours:g} h" if hours else "")
                     + " over the corridor, apportioned by great-circle length")


if __name__ == "__main__":
    main()
