"""What a Lang Son vehicle count adds up (docs/notes/calibration-log.md, "Session 14").

The Dong Dang - Lang Son Border Gate Economic Zone Management Board counts vehicles at the
four road gates (its daily total is their sum) and the Dong Dang railway station's wagons
apart, so the embedded vehicle counts of the Lang Son gates are on ``lang-son-road-gates``;
tonnes through the Pingxiang ports stay on ``lang-son-gates``, rail included. Hand-computed on
three route flows of the embedded dataset's products (payloads: durian 18 t, cassava 30 t per
truck): 180 t/day of durian through Huu Nghi = 10 trucks, 60 t/day of cassava through Tan
Thanh = 2 trucks, 300 t/day of cassava by rail through Dong Dang = 10 truck-equivalents.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from borderflow.data.dataset import load_dataset

from borderflow.calibration.targets import CORRIDORS, operator, read_targets

FLOWS = pd.DataFrame({"route_id": ["r-hn", "r-tt", "r-rail"],
                      "product_id": ["durian", "cassava", "cassava"],
                      "origin": ["vn-tien-giang", "vn-tay-ninh", "vn-tay-ninh"]})
CROSSINGS = pd.DataFrame({"route_id": ["r-hn", "r-tt", "r-rail"],
                          "element_id": ["huu-nghi-youyiguan", "tan-thanh-puzhai",
                                         "dong-dang-pingxiang-rail"],
                          "direction": ["a_to_b"] * 3})
TONNES = np.array([180.0, 60.0, 300.0])


@pytest.fixture(scope="module")
def values():
    ds = load_dataset()
    t = read_targets(ds)
    v = operator(t, FLOWS, CROSSINGS, ds) @ TONNES
    return dict(zip(t.table["obs_id"], v)), t.table.set_index("obs_id")


def test_the_road_gates_are_the_four_road_gates_of_lang_son():
    assert [c for c, _ in CORRIDORS["lang-son-road-gates"]] == [
        c for c, _ in CORRIDORS["lang-son-gates"] if c != "dong-dang-pingxiang-rail"]


def test_a_lang_son_vehicle_count_leaves_the_rail_wagons_out(values):
    v, t = values
    assert t.loc["lang-son-2023-may-jul-export", "element_id"] == "lang-son-road-gates"
    # 10 durian trucks + 2 cassava trucks; the 10 rail truck-equivalents are not vehicles
    assert v["lang-son-2023-may-jul-export"] == pytest.approx(12.0)
    assert v["lang-son-2025-export"] == pytest.approx(12.0)


def test_the_other_goods_bound_counts_the_non_fruit_trucks_on_the_road(values):
    v, t = values
    assert t.loc["lang-son-2024-aug-export-other", "use"] == "upper"
    assert v["lang-son-2024-aug-export-other"] == pytest.approx(2.0)


def test_tonnes_through_the_pingxiang_ports_keep_the_rail(values):
    v, _ = values
    # fruit imported through the Pingxiang ports, all products, rail port included: t/day
    assert v["pingxiang-2019-fruit-imports"] == pytest.approx(540.0)
