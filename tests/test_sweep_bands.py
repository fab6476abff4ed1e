"""``sweep --samples``: bands of a sweep known by hand, reproducible, resumable, refused cleanly.

Tiny network (tests/tiny.py), both gates open, 10 trucks/day of durian. Per truck, via X1:
200 km x 1 USD + the X1 fee f; via X2: 300 km x 1 USD + 20 USD. One ranged number, the X1 fee
f ~ U[0, 400] USD/truck (point 20), so per sample:

- closing X1 costs 10 max(0, 120 - f): P10/P50/P90 at f = 40/200/360 -> 800 / 0 / 0 (sorted:
  P10 0, P50 0, P90 800); closing X2 costs 10 max(0, f - 120): 0 / 800 / 2,400;
- X2's closure is the costlier (rank 1) when f > 120: P(top 1) = 280/400 = 0.7, X1's 0.3.

With X2 proposed instead, building it is worth 10 max(0, f - 120) under the baseline:
P(benefit > 0) = 0.7 and the same band. A Latin hypercube of n samples puts exactly one sample
in each stratum of width 400/n, so the probabilities are exact and the quantiles within one
stratum (x 10 trucks).
"""

from __future__ import annotations

import hashlib

import pytest
import tiny
from helpers import border_data
from typer.testing import CliRunner

from borderflow.cli import app
from borderflow.data.dataset import load_dataset
from borderflow.sweeps import plan_n_minus_1, run_sweep
from borderflow.sweeps.runner import dask_client
from borderflow.uncertainty import sweep_bands as sb
from borderflow.uncertainty.sweep_bands import BandRequest

FEE = "table,key,field,low,high\ncrossings,x1,fee_usd_per_truck,0,400\n"
N = 40
STRATUM = 10 * 400 / N


@pytest.fixture(scope="module")
def client():
    with dask_client(None, 1, None, processes=False) as c:
        yield c


def _data(tmp_path, proposed: bool = False):
    t = tiny.base_tables()
    if proposed:
        t["crossings"].loc[1, "status"] = "proposed"
    folder = border_data(tmp_path, "ds", t)
    (folder / "ranges.csv").write_text(FEE, encoding="utf-8")
    return folder


def _files(folder):
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()
            and (p.parent.name == sb.SAMPLES_DIR or p.stem in (*sb.BAND_TABLES, "bands"))}


def test_closure_bands_and_top_k_probability_by_hand(tmp_path, client):
    data = _data(tmp_path)
    plan = plan_n_minus_1(data=data, tables=load_dataset(data, check_borders=False))
    res = run_sweep(plan, tmp_path / "n1", client=client,
                    bands=BandRequest(samples=N, seed=2, top_k=1))
    crit = res["criticality_bands"].set_index("crossing_id")
    assert crit.loc["x2", "p_top_k"] == pytest.approx(0.7, abs=1e-12)
    assert crit.loc["x1", "p_top_k"] == pytest.approx(0.3, abs=1e-12)
    bands = res["sweep_bands"].set_index("scenario")
    assert bands.loc["close-x2", ["cost_increase_usd_p10", "cost_increase_usd_p50",
                                  "cost_increase_usd_p90"]].tolist() == pytest.approx(
        [0, 800, 2400], abs=STRATUM)
    assert bands.loc["close-x1", ["cost_increase_usd_p10", "cost_increase_usd_p50",
                                  "cost_increase_usd_p90"]].tolist() == pytest.approx(
        [0, 0, 800], abs=STRATUM)
    assert bands.loc["close-x1", "p_increase"] == pytest.approx(0.3, abs=1e-12)
    # the point is the sweep's own answer (f = 20: closing X1 costs 1,000 USD/day)
    comp = res["comparison"].set_index("scenario")
    assert bands.loc["close-x1", "cost_increase_usd_point"] == pytest.approx(
        comp.loc["close-x1", "cost_increase_usd"], abs=1e-6)
    assert (tmp_path / "n1" / "criticality_bands.csv").exists()
    assert not (tmp_path / "n1" / "investment_bands.csv").exists()  # no investments: no rows
    from borderflow.sweeps import read_sweep

    back = read_sweep(tmp_path / "n1")["criticality_bands"].set_index("crossing_id")
    assert back.loc["x2", "p_top_k"] == pytest.approx(0.7, abs=1e-12)
    assert "in the top 1 in 70% of samples" in "\n".join(res.bands.text())


def test_investment_probability_of_benefit_by_hand(tmp_path, client):
    data = _data(tmp_path, proposed=True)
    plan = plan_n_minus_1(data=data, tables=load_dataset(data, check_borders=False),
                          invest=True)
    res = run_sweep(plan, tmp_path / "inv", client=client,
                    bands=BandRequest(samples=N, seed=5))
    inv = res["investment_bands"].set_index(["project", "context"])
    row = inv.loc[("x2", "baseline")]
    assert row["p_positive"] == pytest.approx(0.7, abs=1e-12)
    assert [row["p10"], row["p50"], row["p90"]] == pytest.approx([0, 800, 2400], abs=STRATUM)
    assert row["benefit_point"] == pytest.approx(0.0, abs=1e-6)  # f = 20: X1 is cheaper


def test_same_seed_byte_identical_and_resume_gives_the_same_tables(tmp_path, client):
    data = _data(tmp_path)
    tables = load_dataset(data, check_borders=False)
    digests = []
    for name in ("a", "b"):
        run_sweep(plan_n_minus_1(data=data, tables=tables), tmp_path / name, client=client,
                  bands=BandRequest(samples=2 * sb.CHUNK + 3, seed=7))
        digests.append(_files(tmp_path / name))
    assert digests[0] == digests[1] and "criticality_bands.parquet" in digests[0]
    # interrupted after the first chunk: the others and the tables are gone
    folder = tmp_path / "a"
    for p in (folder / sb.SAMPLES_DIR).glob("chunk-0000[12].*"):
        p.unlink()
    for name in sb.BAND_TABLES:
        (folder / f"{name}.csv").unlink(missing_ok=True)
    res = run_sweep(plan_n_minus_1(data=data, tables=tables), folder, client=client,
                    resume=True, bands=BandRequest(samples=2 * sb.CHUNK + 3, seed=7))
    assert res.bands.chunks_kept == 1
    assert _files(folder) == digests[1]
    # another seed: the kept chunks are not reused
    res = run_sweep(plan_n_minus_1(data=data, tables=tables), folder, client=client,
                    resume=True, bands=BandRequest(samples=2 * sb.CHUNK + 3, seed=8))
    assert res.bands.chunks_kept == 0


@pytest.mark.parametrize("args, option", [
    (["--samples", "-1"], "--samples"), (["--samples", "5", "--sample-method", "halton"],
                                         "--method"),
    (["--samples", "5", "--top-k", "0"], "--top-k"), (["--seed", "3"], "--samples"),
    (["--samples", "5", "--only", "close-x1"], "--only")])
def test_bad_band_options_one_line_exit_2_nothing_written(tmp_path, args, option):
    data = _data(tmp_path)
    out = tmp_path / "out"
    cli = CliRunner().invoke(app, ["sweep", "--n-1", "--data", str(data), "--out", str(out),
                                   "--no-progress", *args])
    assert cli.exit_code == 2, cli.output
    assert len(cli.output.strip().splitlines()) == 1 and option in cli.output
    assert not out.exists()


def test_bad_range_refused_before_the_sweep_folder(tmp_path):
    data = _data(tmp_path)
    (data / "ranges.csv").write_text("table,key,field,low,high\ncrossings,x1,"
                                     "fee_usd_per_truck,30,400\n", encoding="utf-8")
    out = tmp_path / "out"
    cli = CliRunner().invoke(app, ["sweep", "--n-1", "--data", str(data), "--out", str(out),
                                   "--samples", "4", "--no-progress"])
    assert cli.exit_code == 2 and "ranges.csv" in cli.output and "row" in cli.output
    assert not out.exists()


def test_cli_json_has_the_bands(tmp_path):
    import json

    data = _data(tmp_path)
    out = tmp_path / "out"
    cli = CliRunner().invoke(app, ["sweep", "--n-1", "--data", str(data), "--out", str(out),
                                   "--samples", "8", "--top-k", "1", "--workers", "1",
                                   "--json"])
    assert cli.exit_code == 0, cli.output
    env = json.loads(cli.stdout)
    import jsonschema

    from borderflow.present import envelope as E

    jsonschema.Draft202012Validator(json.loads(E.SCHEMA_PATH.read_text(encoding="utf-8"))
                                    ).validate(env)
    assert env["summary"]["bands"]["samples"] == 8
    assert "criticality_bands" in env["tables"]
    assert any("P10\u2013P90" in n for n in env["narrative"])


def test_dated_scenarios_are_refused_naming_the_option():
    import datetime as dt
    from types import SimpleNamespace

    from borderflow.data.errors import InputError
    from borderflow.data.scenario import Horizon, Scenario
    from borderflow.uncertainty.sweep_models import check_static

    dated = Scenario(name="d", horizon=Horizon(start=dt.date(2024, 1, 1), days=4))
    plan = SimpleNamespace(entries=[SimpleNamespace(name="d", scenario=dated)])
    with pytest.raises(InputError, match="--samples"):
        check_static(plan)
    check_static(SimpleNamespace(entries=[SimpleNamespace(name="s", scenario=Scenario())]))
