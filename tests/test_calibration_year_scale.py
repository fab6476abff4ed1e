"""How an observation is used (docs/notes/calibration-log.md, "Session 11"): a reported-only
figure is not in the fit's objective, and a figure of another year than the supply's is rescaled
by the published change of the same flow, its band widened by that change's spread.

Network (tests/tiny.py, as tests/test_calibration.py): X1 costs (200 + 20) / 20 = 11 USD/t,
X2 (300 + 20) / 20 = 16 USD/t, so at the prior all 200 t/day go through X1 and X2 carries 0
trucks/day. Observation ``x2-trucks``: 12 trucks/day at X2, band 11.4-12.6 (+-5 %): residual
(0 - 12) / 0.6 = -20 bands, Huber loss 2 x 20 - 1 = 39; the prior term is 0 at the prior.
"""

from __future__ import annotations

import pandas as pd
import pytest
import tiny
from borderflow.data.dataset import load_dataset
from borderflow.data.errors import InputError
from borderflow.data.loaders import read_tables
from helpers import border_data

from borderflow.calibration import FitOptions, calibrate
from borderflow.calibration.targets import read_targets

RANGES = """table,row_key,field,value,low,high,distribution,basis,source
supply,vn-o|durian,supply_t_per_year,73000,36500,146000,triangular,test,test
"""
OBS_COLS = ["obs_id", "element_kind", "element_id", "direction", "period_start", "period_end",
            "quantity", "unit", "counts", "products", "per_day", "per_day_unit", "low_per_day",
            "high_per_day", "uncertainty_basis"]


def _obs(obs_id: str, element: str, value: float, low: float, high: float) -> dict:
    return dict(zip(OBS_COLS, [obs_id, "crossing", element, "a_to_b", "2023-01-01",
                               "2023-12-31", value, "trucks/day", "export trucks", "", value,
                               "trucks/day", low, high, "test"])) | tiny.PROV


def _use(obs_id: str, use: str, **scale) -> dict:
    return {"obs_id": obs_id, "use": use, "modelled_share": 1.0, "modelled_share_low": 1.0,
            "modelled_share_high": 1.0, "reason": "test", **tiny.PROV, **scale}


def _folder(tmp_path, observations: list[dict], uses: list[dict]):
    t = tiny.base_tables()
    folder = border_data(tmp_path, "ds", t)
    (folder / "ranges.csv").write_text(RANGES, encoding="utf-8")
    pd.DataFrame(observations).to_csv(folder / "observations.csv", index=False)
    pd.DataFrame(uses).to_csv(folder / "calibration_targets.csv", index=False)
    return folder


def _objective_before(folder, tmp_path) -> tuple[float, pd.DataFrame]:
    res = calibrate(load_dataset(folder, check_borders=False),
                    options=FitOptions(rounds=1, cost_evaluations=5, supply_iterations=1))
    good = res.report["goodness"].set_index("when")
    return float(good.loc["before", "objective"]), res.report["observations"]


def test_a_reported_only_observation_is_not_in_the_objective(tmp_path):
    fitted = _obs("x2-trucks", "x2", 12.0, 11.4, 12.6)
    # X1 carries 10 trucks/day at the prior: a reported figure of 500 would be a residual of
    # (10 - 500) / 25 = -19.6 bands (loss 38.2) if it were fitted
    reported = _obs("x1-trucks", "x1", 500.0, 475.0, 525.0)
    alone, _ = _objective_before(_folder(tmp_path / "a", [fitted], [_use("x2-trucks", "fit")]),
                                 tmp_path)
    both, table = _objective_before(_folder(tmp_path / "b", [fitted, reported],
                                            [_use("x2-trucks", "fit"),
                                             _use("x1-trucks", "report")]), tmp_path)
    assert alone == pytest.approx(39.0, abs=1e-6)  # hand-computed, module docstring
    assert both == pytest.approx(alone, abs=1e-9)
    row = table.set_index("obs_id").loc["x1-trucks"]
    assert row["model_before"] == pytest.approx(10.0, abs=1e-6)  # shown beside the fit
    assert row["misfit_before"] == 0.0 and row["within_before"] is None
    # the same figure fitted does enter it: 39 + 38.2
    fitted_too, _ = _objective_before(_folder(tmp_path / "c", [fitted, reported],
                                              [_use("x2-trucks", "fit"),
                                               _use("x1-trucks", "fit")]), tmp_path)
    assert fitted_too == pytest.approx(39.0 + 38.2, abs=1e-6)


def test_a_year_rescaled_band_is_the_rule_hand_computed(tmp_path):
    """target = share x year_scale x per_day, band [share_low x scale_low x low, share_high x
    scale_high x high]: 400 t/day (2023) x 1.72 = 688; 380 x 1.49 = 566.2; 400 x 1.91 = 764.
    With a modelled share 0.5-0.9 (0.727): 0.727 x 1.72 x 400 = 500.176; 0.5 x 1.49 x 380 =
    283.1; 0.9 x 1.91 x 400 = 687.6. Without the columns: the band as published."""
    obs = [_obs("a", "x2", 400.0, 380.0, 400.0), _obs("b", "x2", 400.0, 380.0, 400.0),
           _obs("c", "x2", 400.0, 380.0, 400.0)]
    scale = {"year_scale": 1.72, "year_scale_low": 1.49, "year_scale_high": 1.91}
    uses = [_use("a", "fit", **scale),
            _use("b", "fit", **scale) | {"modelled_share": 0.727, "modelled_share_low": 0.5,
                                         "modelled_share_high": 0.9},
            _use("c", "fit")]
    folder = _folder(tmp_path, obs, uses)
    t = read_targets(read_tables(folder)).table.set_index("obs_id")
    assert t.loc["a", ["target", "low", "high"]].tolist() == pytest.approx([688.0, 566.2, 764.0])
    assert t.loc["b", ["target", "low", "high"]].tolist() == pytest.approx(
        [500.176, 283.1, 687.6])
    assert t.loc["c", ["target", "low", "high"]].tolist() == pytest.approx([400.0, 380.0, 400.0])
    assert t.loc["c", "year_scale"] == 1.0


def test_the_shipped_2023_durian_bands_are_rescaled_to_2024():
    """The embedded dataset's 2023 durian figures carry Vietnam's durian exports to China
    2023->2024 (x1.72, 1.49-1.91): Huu Nghi Jan-May 2023, 380-400 t/day, becomes 566.2-764
    (target 688); and the Jan-Apr 2025 Lang Son count is reported only."""
    t = read_targets(read_tables("data/default")).table.set_index("obs_id")
    hn = t.loc["huu-nghi-2023-durian-jan-may"]
    assert (hn["use"], hn["target"], hn["low"], hn["high"]) == ("fit", pytest.approx(688.0),
                                                                 pytest.approx(566.2),
                                                                 pytest.approx(764.0))
    assert t.loc["lang-son-2025-export", "use"] == "report"


@pytest.mark.parametrize("scale, field", [({"year_scale": 1.5}, "year_scale_low"),
                                          ({"year_scale": 2.0, "year_scale_low": 1.0,
                                            "year_scale_high": 1.5}, "year_scale")])
def test_bad_year_scale_names_file_row_field(tmp_path, scale, field):
    folder = _folder(tmp_path, [_obs("a", "x2", 12.0, 11.4, 12.6)], [_use("a", "fit", **scale)])
    with pytest.raises(InputError) as err:
        read_targets(read_tables(folder))
    message = str(err.value)
    for words in ("calibration_targets.csv", "row 1", field):
        assert words in message, (words, message)
