"""Every command's output as a person and a script see it (issue 22).

On the tiny network with its gates on the border (tests/helpers.py ``border_data``), run as a
user runs the commands:

- ``--json`` of every command (solve, reroute, robust, sweep, verify, data check, data list,
  export, map, data map, report) is one object valid against
  ``docs/schema/borderflow-output.schema.json``, also when the command fails (bad input, an
  infeasible requirement, a failed verification), and its ``exit_code`` is the process's;
- ``solve`` and a later ``verify`` of its folder count the same checks of the solution;
- the terminal output of a few commands is exactly the golden text in ``tests/golden/``
  (``BORDERFLOW_UPDATE_EXPECTED=1`` rewrites it; read the diff before committing);
- ``-q`` prints nothing but errors, ``-v`` logs every stage with its time;
- a dated run exported as a GeoPackage has the ``crossings_daily`` layer, read by Debian's
  ``ogrinfo`` with its DATE and DATETIME fields, aliases and styles and no version warning.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pandas as pd
import pytest
import tiny
from helpers import border_data
from typer.testing import CliRunner

from borderflow.cli import app
from borderflow.present import envelope as E

GOLDEN = Path(__file__).parent / "golden"
OGRINFO = shutil.which("ogrinfo")
SCHEMA = json.loads(E.SCHEMA_PATH.read_text(encoding="utf-8"))
#: a fixed terminal width, so tables wrap the same everywhere
ENV = {"COLUMNS": "110", "NO_COLOR": "1"}


def _run(*args: str, code: int = 0):
    res = CliRunner().invoke(app, [str(a) for a in args], env=ENV)
    assert res.exit_code == code, res.output
    return res


def _json(*args: str, code: int = 0) -> dict:
    """Run a command with ``--json``: one schema-valid object on stdout, its exit code the
    process's."""
    res = _run(*args, "--json", code=code)
    env = json.loads(res.stdout)
    jsonschema.Draft202012Validator(SCHEMA).validate(env)
    assert env["exit_code"] == res.exit_code
    assert env["command"] == (" ".join(args[:2]) if args[0] == "data" else args[0])
    return env


@pytest.fixture(scope="module")
def cli(tmp_path_factory):
    """The tiny data on the border, a baseline run and a closure of X1 (with its baseline)."""
    root = tmp_path_factory.mktemp("cli-out")
    data = border_data(root, "data")
    base = _json("solve", "--data", data, "--out", root / "base")
    closed = _json("solve", "--data", data, "--close", "x1", "--out", root / "no-x1")
    return {"root": root, "data": data, "base": base, "closed": closed}


def _table(env: dict, name: str) -> pd.DataFrame:
    t = env["tables"][name]
    return pd.DataFrame(t["rows"], columns=t["columns"])


def test_solve_json_says_what_a_script_needs(cli):
    base, closed = cli["base"], cli["closed"]
    assert (base["status"], base["exit_code"]) == ("ok", 0)
    assert base["summary"]["net_value_usd"] == pytest.approx(197_800)  # 200,000 - 2,200
    assert base["summary"]["cost_usd"] == pytest.approx(2_200)
    assert base["horizon"]["scope"].startswith("per day")
    assert base["summary"]["units"].startswith("t, trucks and USD per day")
    assert {o["kind"] for o in base["outputs"]} == {"run_folder"}
    busiest = _table(base, "busiest_crossings")
    assert busiest.loc[0, ["crossing", "crossing_id", "dir"]].tolist() == ["X1", "x1", "VN→CN"]
    assert base["tables"]["busiest_crossings"]["units"]["trucks_per_day"] == "trucks/day"
    changes = _table(closed, "crossing_changes").set_index("crossing_id")
    assert changes.loc["x1", "state"] == "closed"
    assert changes.loc["x2", "delta_trucks"] == pytest.approx(10)
    cost = _table(closed, "cost_changes").set_index("measure_id")
    assert cost.loc["net_value_usd", "change"] == pytest.approx(-1_000)
    assert cost.loc["cost_usd", "change"] == pytest.approx(1_000)
    assert any("net value falls by USD 1,000 per day" in s for s in closed["narrative"])
    assert not any("over the horizon" in s for s in closed["narrative"])


def test_solve_and_verify_count_the_same_checks(cli):
    solved = cli["base"]["verification"]
    verified = _json("verify", cli["root"] / "base")
    assert verified["verification"]["checks"] == solved["checks"] > 20
    # input files, tables present, the manifest, each CSV against its parquet twin
    twins = len(list((cli["root"] / "base").glob("*.parquet")))
    assert verified["verification"]["file_checks"] == len(tiny.base_tables()) + 2 + twins
    assert verified["summary"]["verified"] is True
    text = _run("verify", cli["root"] / "base").stdout
    assert f"all {solved['checks']} checks of the solution passed" in text
    assert "input files are unchanged since the run" in text


def test_reroute_robust_and_data_commands(cli, tmp_path):
    rr = _json("reroute", "--data", cli["data"], "--close", "x1", "--out", tmp_path / "rr",
               "--baseline", cli["root"] / "base")
    assert rr["summary"]["closed"] == ["x1"]
    assert set(rr["tables"]) >= {"crossing_changes", "cost_changes", "product_changes"}
    rob = _json("robust", "--data", cli["data"], "--close", "x1", "--probability", "0.5",
                "--out", tmp_path / "robust")
    sc = _table(rob, "scenarios").set_index("scenario")
    # the extra cost of the plan that assumed nothing closes, over the robust plan
    assert sc.loc["expected", "extra_cost_of_baseline_plan_usd"] == pytest.approx(320, abs=1e-6)
    assert sc.loc["normal", "net_value_robust_plan_usd"] > 0
    # `borderflow verify` on a robust plan's folder re-checks it independently (the plan's
    # feasibility in each scenario, its expected cost and its certificate), as robust did
    # before writing it (verification.csv)
    written = pd.read_csv(tmp_path / "robust" / "verification.csv")
    assert written["ok"].all() and {"spot_route_dual", "booking_route_dual", "recourse",
                                    "duality_gap"} <= set(written["check"])
    ver = _json("verify", tmp_path / "robust")
    assert ver["summary"]["verified"] is True and ver["summary"]["violations"] == 0
    assert ver["verification"]["checks"] == len(written)
    # the same plan written again gives the same manifest: the plan's wall time
    # (summary.json's total_seconds) is volatile, as a run's solve seconds are
    _json("robust", "--data", cli["data"], "--close", "x1", "--probability", "0.5",
          "--out", tmp_path / "robust2")
    manifests = [json.loads((tmp_path / f / "manifest.json").read_text())["files"]
                 for f in ("robust", "robust2")]
    assert manifests[0] == manifests[1]
    assert "total_seconds" in manifests[0]["summary.json"]["volatile_keys"]
    check = _json("data", "check", "--data", cli["data"])
    assert check["summary"]["rows per table"]["crossings"] == 2
    for kind, n in (("crossings", 2), ("products", 1), ("places", 6)):
        listed = _json("data", "list", kind, "--data", cli["data"])
        assert listed["summary"]["count"] == len(listed["tables"][kind]["rows"]) == n
    assert _json("data", "list", "places", "--country", "cn", "--data",
                 cli["data"])["summary"]["count"] == 3
    bad = _json("data", "list", "gates", "--data", cli["data"], code=2)
    assert bad["messages"][0]["field"] == "KIND"


def test_export_map_report_and_data_map_list_what_they_wrote(cli, tmp_path):
    exp = _json("export", cli["root"] / "no-x1", "--out", tmp_path / "x.gpkg")
    assert [o["path"] for o in exp["outputs"]] == [str(tmp_path / "x.gpkg")]
    mp = _json("map", cli["root"] / "no-x1", "--out", tmp_path / "m.png", "--html",
               tmp_path / "m.html")
    assert {o["kind"] for o in mp["outputs"]} == {"png", "html"}
    rep = _json("report", cli["root"] / "no-x1", "--out", tmp_path / "r.html", "--pdf")
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert [o["kind"] for o in rep["outputs"]] == ["html", "pdf"] and "net value" in page
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
    net = _json("data", "map", "--data", cli["data"], "--out", tmp_path / "net.png")
    assert (tmp_path / "net.png").stat().st_size > 10_000 and net["outputs"]


def test_failures_are_envelopes_too(cli, tmp_path):
    bad = _json("solve", "--data", cli["data"], "--close", "x3", "--out", tmp_path / "a",
                code=2)
    assert bad["status"] == "input_error" and bad["messages"][0]["field"] == "--close"
    assert not (tmp_path / "a").exists()
    stuck = _json("solve", "--data", cli["data"], "--close", "x1", "--close", "x2",
                  "--must-deliver", "durian", "--out", tmp_path / "b", code=4)
    assert stuck["status"] == "infeasible" and stuck["messages"][0]["level"] == "error"
    run = tmp_path / "c"
    shutil.copytree(cli["root"] / "base", run)
    summary = json.loads((run / "summary.json").read_text())
    summary["objective_usd"] += 1000.0
    (run / "summary.json").write_text(json.dumps(summary))
    failed = _json("verify", run, code=8)
    assert failed["status"] == "verification_failed"
    assert failed["verification"]["passed"] is False
    # the edit is re-derived (objective), seen by the checksum manifest and by the
    # certificate (objective against the dual objective)
    assert set(_table(failed, "violations")["check"]) == {"objective", "manifest",
                                                           "duality_gap"}


def test_quiet_prints_nothing_and_verbose_logs_stages(cli, tmp_path):
    quiet = _run("-q", "solve", "--data", cli["data"], "--out", tmp_path / "q")
    assert quiet.stdout == "" and quiet.stderr == ""
    loud = _run("-v", "solve", "--data", cli["data"], "--close", "x1", "--out", tmp_path / "v")
    for stage in ("load:", "routes:", "model:", "solve:", "baseline:", "verify:", "write:"):
        assert stage in loud.stderr, stage
    assert re.search(r"solve: done in \d+\.\d s", loud.stderr)
    assert "net value" in loud.stdout
    err = _run("-q", "solve", "--data", cli["data"], "--close", "x9", "--out", tmp_path / "e",
               code=2)
    assert "error:" in err.stderr and err.stdout == ""


@pytest.mark.parametrize("name, args", [
    ("reroute", ["reroute", "--close", "x1", "--out", "{tmp}/rr", "--baseline", "{base}"]),
    ("robust", ["robust", "--close", "x1", "--probability", "0.5", "--out", "{tmp}/rb"]),
    ("data-list", ["data", "list", "crossings", "--country", "VN"]),
])
def test_terminal_output_matches_the_golden_text(cli, tmp_path, name, args):
    """Exact terminal text (fixed width, no colour); paths replaced by placeholders."""
    filled = [a.format(tmp=tmp_path, base=cli["root"] / "base") for a in args]
    out = _run(*filled, "--data", cli["data"]).stdout
    _matches_golden(name, out.replace(str(tmp_path), "<tmp>").replace(str(cli["root"]), "<root>"))


def _matches_golden(name: str, out: str) -> None:
    """``out`` is exactly ``tests/golden/<name>.txt`` (written when absent or when
    ``BORDERFLOW_UPDATE_EXPECTED`` is set)."""
    golden = GOLDEN / f"{name}.txt"
    if os.environ.get("BORDERFLOW_UPDATE_EXPECTED") or not golden.exists():
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(out, encoding="utf-8")
    assert out == golden.read_text(encoding="utf-8")


def _dated_closure(root: Path, name: str) -> tuple[Path, Path]:
    """The tiny border data with X1 at 20 trucks/day (folder ``root/name``), and a scenario
    closing X1 on two of six days (``root/dated.yaml``)."""
    t = tiny.base_tables()
    t["crossings"].loc[0, "capacity_a_to_b_trucks_per_day"] = 20
    data = border_data(root, name, t)
    yaml = root / "dated.yaml"
    yaml.write_text("name: x1-closed-2d\nhorizon: {start: 2024-01-01, days: 6}\nevents:\n"
                    "  - {crossing: x1, close: {from: 2024-01-02, to: 2024-01-03}}\n")
    return data, yaml


def test_a_dated_run_matches_the_golden_text(tmp_path):
    """A dated closure as the terminal shows it: priced per dispatch day and certified (issue
    17), so the title says "optimal over all routes (certified)"; with ``--pricing-rounds 0``
    rolling windows alone (``--method windows``: no whole LP to price) the same closure says it
    is optimal over the routes in the model only, gap unknown, and never "optimal over all
    routes"; amounts are stated over the horizon, crossing rows as daily means with closed
    days."""
    data, yaml = _dated_closure(tmp_path, "data")
    out = _run("solve", "--data", data, "--scenario", yaml, "--out", tmp_path / "d",
               "--dispatch", "foresight").stdout  # the optimum (the closure is a surprise)
    assert "optimal over all routes (certified)" in out
    _matches_golden("solve-dated-certified", out.replace(str(tmp_path), "<tmp>"))
    capped = _run("solve", "--data", data, "--scenario", yaml, "--method", "windows",
                  "--window-days", "3", "--out", tmp_path / "r", "--dispatch", "foresight").stdout
    assert "gap unknown" in capped and "certified" not in capped
    assert "optimal over all routes" not in capped
    _matches_golden("solve-dated-restricted", capped.replace(str(tmp_path), "<tmp>"))


@pytest.fixture(scope="module")
def dated_gpkg(cli):
    """A dated closure solved by ``solve --gis``: X1 at 20 trucks/day, closed two days."""
    root = cli["root"]
    data, yaml = _dated_closure(root, "data-dated")
    env = _json("solve", "--data", data, "--scenario", yaml, "--out", root / "dated", "--gis",
                "--dispatch", "foresight")
    return env, root / "dated" / "dated.gpkg"


def test_dated_solve_states_its_horizon(dated_gpkg):
    env, _ = dated_gpkg
    assert env["horizon"]["dated"] is True
    assert env["summary"]["units"].startswith("t, trucks and USD summed over the")
    assert any(o["kind"] == "geopackage" for o in env["outputs"])
    busiest = env["tables"]["busiest_crossings"]
    assert "daily means over the" in busiest["title"] and "closed_days" in busiest["columns"]


@pytest.mark.skipif(OGRINFO is None, reason="ogrinfo not installed (Debian package gdal-bin)")
def test_ogrinfo_reads_the_dated_geopackage(dated_gpkg):
    _, gpkg = dated_gpkg
    info = subprocess.run([OGRINFO, "-ro", "-so", str(gpkg), "crossings_daily"],
                          capture_output=True, text=True, check=True, timeout=120)
    assert "Warning" not in info.stderr + info.stdout  # GeoPackage 1.2: no version warning
    assert re.search(r"^date: Date", info.stdout, re.MULTILINE)
    assert re.search(r"^time: DateTime", info.stdout, re.MULTILINE)
    assert "DESCRIPTION=border crossings per day" in info.stdout

    def sql(q: str) -> str:
        return subprocess.run([OGRINFO, "-ro", "-q", str(gpkg), "-sql", q], capture_output=True,
                              text=True, check=True, timeout=120).stdout

    assert "Trucks, side a to b (trucks/day)" in sql(
        "SELECT name FROM gpkg_data_columns WHERE table_name='crossings' AND "
        "column_name='trk_ab'")
    styled = sql("SELECT f_table_name FROM layer_styles")
    assert "crossings_daily" in styled and "links" in styled
    days = sql("SELECT COUNT(DISTINCT date) AS n FROM crossings_daily")
    # the 6 days and the run-out tail the model adds (shelf life), one row per crossing and day
    assert int(re.search(r"n \(Integer\) = (\d+)", days).group(1)) >= 6
    closed = sql("SELECT COUNT(*) AS n FROM crossings_daily WHERE crossing_id='x1' AND "
                 "open=0")
    assert re.search(r"n \(Integer\) = 2", closed)


@pytest.fixture(scope="module")
def scheduler():
    """One in-process Dask worker."""
    from distributed import Client, LocalCluster
    from borderflow.sweeps.runner import NO_DASHBOARD

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                      **NO_DASHBOARD) as cluster, Client(cluster) as c:
        yield c.scheduler.address


def test_sweep_json_and_tables_explain_themselves(cli, scheduler, tmp_path):
    env = _json("sweep", "--n-1", "--data", cli["data"], "--out", tmp_path / "n1",
                "--scheduler", scheduler, "--no-progress")
    assert env["summary"]["solved"] == 3 and env["summary"]["failed"] == 0
    scen = _table(env, "scenarios").set_index("scenario")
    # X2 carried nothing: closing it costs 0, and the table says why
    assert scen.loc["close-x2", "cost_increase_usd"] == pytest.approx(0, abs=1e-6)
    assert any("close-x2: x2 carried no freight in the baseline" in s
               for s in env["narrative"])
    assert scen.loc["close-x1", "flow_went_to"] == "X2 +10.0"
    assert scen.loc["close-x1", "usd_unit"] == "USD/day"
    crit = _table(env, "criticality").set_index("crossing_id")
    assert crit.loc["x1", "rank_shown"] == "1" and crit.loc["x1", "closure"] == "all days"
    assert crit.loc["x1", "horizon"] == "representative day (year)"
    text = _run("sweep", "--n-1", "--data", cli["data"], "--out", tmp_path / "n1",
                "--scheduler", scheduler, "--no-progress", "--resume").stdout
    assert "close-x2: x2 carried no freight in the baseline" in text
    assert "days 365" not in text and "365" not in text


def test_zero_costs_ties_and_closures_are_said_in_words():
    from borderflow.present.sweep_views import closure_words, tie_ranks
    from borderflow.sweeps.analysis import explain_zero_cost

    row = {"cost_increase_usd": 0.2, "closed": "boten-mohan", "closed_days": 10,
           "dated": False, "days": 31, "rerouted_trucks": 0.0}
    assert explain_zero_cost(row, 120.0).startswith(
        "a static run averages the closure: 10 closed days of 31 leave 68%")
    assert "carried no freight" in explain_zero_cost(row, 0.0)
    assert explain_zero_cost({**row, "cost_increase_usd": 900.0}, 120.0) == ""
    assert explain_zero_cost({**row, "closed": None, "rerouted_trucks": 4.0}, None) \
        .startswith("the flow moved to other gates at no extra cost")
    # a scenario that builds a gate: no closure (NaN in a table row), nothing moved
    built = explain_zero_cost({**row, "closed": float("nan"), "rerouted_trucks": 0.0}, None)
    assert built.startswith("no flow moved") and "nan" not in built
    assert tie_ranks(pd.Series([1, 1, 3, None])) == ["=1", "=1", "3", ""]
    assert closure_words(365, False, 365) == "all days"
    assert closure_words(10, False, 31) == "10 of 31 days, averaged"
    assert closure_words(10, True, 45) == "10 of 45 days"


def test_a_local_cluster_does_not_warn_when_port_8787_is_taken():
    """A sweep's own cluster prints nothing of Dask's in the middle of the output: with 8787
    held (by another cluster on the machine, or here), no "Port 8787 is already in use"."""
    import socket
    import warnings

    from borderflow.sweeps.runner import dask_client

    holder = socket.socket()
    try:
        holder.bind(("127.0.0.1", 8787))
        holder.listen()
    except OSError:  # already held by someone else: the case under test
        pass
    try:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            with dask_client(workers=1, processes=False) as client:
                assert client.submit(sum, [1, 2]).result() == 3
    finally:
        holder.close()
    assert not [w for w in seen if "already in use" in str(w.message)]
