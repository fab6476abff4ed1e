"""The independent verifier: it passes real solutions and names every corruption of a run folder.

Solutions of the tiny network (tests/tiny.py), static and day by day, and of the embedded
dataset must pass every check. Run folders written by ``borderflow solve`` are then corrupted one
fact at a time (a flow above capacity, a flow through a closed gate, the objective, conservation,
a perishable on a route longer than its shelf life or left too long in a queue, a queue's stock,
a licence, an input file): ``borderflow verify`` must exit 8 and name the check, the entity and
the amount.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pandas as pd
import pytest
import tiny
from typer.testing import CliRunner

from borderflow.cli import app
from borderflow.data.scenario import CloseEvent, InitialQueue, Window
from borderflow.verify import EXIT_VIOLATIONS, verify_results, verify_run, violations

from helpers import START, border_data, dated, day, only_x1
from verify_cases import DATED, STATIC  # the solutions that must pass (also the oracle's)
from verify_cases import rice as _rice
from verify_cases import spoil as _spoil

#: checks every solution is put through (more for dated runs)
CORE_CHECKS = {"route_path", "supply_balance", "arc_flow", "node_balance", "crossing_capacity",
               "licence", "shelf_life", "objective", "summary"}
QUEUE_CHECKS = {"queue_balance", "queue_arrivals", "queue_table", "queue_wait", "queue_expiry"}


def _passes(run) -> pd.DataFrame:
    report = verify_results(run.results, run.tables, run.net.scenario, net=run.net)
    assert violations(report).empty, violations(report).to_string()
    return report


def _checked(solve_tiny, tables, case: tuple):
    """Solve an edited tiny dataset under a scenario; the run and its (passing) report."""
    edit, scenario = case
    edit(tables)
    run = solve_tiny(tables, scenario)
    return run, _passes(run)


@pytest.mark.parametrize("case", sorted(STATIC))
def test_verifier_passes_static_tiny_solutions(solve_tiny, tiny_tables, case):
    run, report = _checked(solve_tiny, tiny_tables, STATIC[case])
    if run.results.summary["shipped_t"] > 0:
        assert CORE_CHECKS <= set(report["check"])
    else:  # nothing moves: what is checked is that nothing does
        assert {"supply_balance", "node_balance", "closed_crossing", "objective"} <= set(
            report["check"])


@pytest.mark.parametrize("case", sorted(DATED))
def test_verifier_passes_dated_tiny_solutions(solve_tiny, tiny_tables, case):
    run, report = _checked(solve_tiny, tiny_tables, DATED[case])
    expected = CORE_CHECKS | QUEUE_CHECKS
    if run.results.flows.empty:  # all cargo expired in the queue: no arc carries anything
        expected -= {"arc_flow"}
    if run.results.route_flows.empty:  # only an initial queue: nothing arrives at the gate
        expected -= {"queue_arrivals"}
    assert expected <= set(report["check"])


def test_a_check_that_cannot_run_is_a_named_failure_not_a_pass(solve_tiny, tiny_tables):
    """Route flows without their tonnes: the checks that need them cannot run, and each is a
    failed ``verifier`` row naming the check and the error (amount inf), never a pass."""
    run = solve_tiny(tiny_tables, None)
    res = run.results
    broken = type(res)(**{**res.tables(), "summary": res.summary,
                          "route_flows": res.route_flows.drop(columns="flow_t")})
    bad = violations(verify_results(broken, run.tables, run.net.scenario, net=run.net))
    crashed = bad[bad["check"] == "verifier"]
    assert set(crashed["entity"].str.split(" could not").str[0]) >= {
        "cargo", "flows", "money", "route tables"}
    assert crashed["entity"].str.contains(r"could not be checked \(KeyError: ").all()
    assert (crashed["amount"] == float("inf")).all() and set(crashed["unit"]) == {"checks"}


def test_cargo_past_its_allowed_wait_is_not_delivered(solve_tiny, tiny_tables):
    # shelf life 72 h, route 12 h: 2 days of waiting allowed; the gate reopens on day 3
    _spoil(tiny_tables)
    run = solve_tiny(tiny_tables, dated("late", 6, CloseEvent(
        crossing="x1", close=Window(**{"to": day(2)})), queues=(
        InitialQueue(crossing="x1", product="durian", trucks=10, age_days=0),)))
    _passes(run)
    # the 10 trucks (200 t) wait at the closed gate on days 0-2 and expire before it reopens:
    # none departs, none reaches the market, all 200 t are lost in the queue
    sq = run.results.stream_queues
    assert sq["initial_t"].sum() == pytest.approx(200, abs=1e-6)
    assert sq["departures_t"].sum() == pytest.approx(0, abs=1e-6)
    assert sq["expired_t"].sum() == pytest.approx(200, abs=1e-6)
    assert run.results.summary["expired_in_queue_t"] == pytest.approx(200, abs=1e-6)
    assert run.results.route_flows["flow_t"].sum() == pytest.approx(0, abs=1e-6)
    assert run.results.flows.empty or run.results.flows["flow_t"].abs().max() < 1e-6
    # and the verifier would catch a run that claimed otherwise: a departure on day 3 (past
    # the two days the cargo may wait) breaks the queue balance and the allowed wait
    late = run.results.stream_queues.copy()
    third = late["period"] == 3
    assert third.any()
    late.loc[third, "departures_t"] = 200.0
    run.results.stream_queues = late
    checks = set(violations(verify_results(run.results, run.tables, run.net.scenario,
                                           net=run.net))["check"])
    assert checks & {"queue_balance", "queue_wait", "queue_expiry"}, checks


# ---------------------------------------------------------------------------- run folders
def _solve_cli(tmp_path, name: str, tables=None, *args) -> Path:
    """``borderflow solve`` on the tiny data into ``tmp_path/name`` (must exit 0)."""
    data = border_data(tmp_path, f"data-{name}", tables)
    out = tmp_path / name
    result = CliRunner().invoke(app, ["solve", "--data", str(data), "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    return out


def _scenario_file(tmp_path, text: str):
    path = tmp_path / "scenario.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


CLOSURE_YAML = """\
    name: closure
    horizon: {start: 2024-01-01, days: 5}
    events:
      - {crossing: x1, close: {from: 2024-01-02, to: 2024-01-03}}
"""


def _edit(run_dir, table: str, fn) -> None:
    """Rewrite one result table of a run folder (parquet, which the verifier reads, and CSV)."""
    df = fn(pd.read_parquet(run_dir / f"{table}.parquet"))
    df.to_parquet(run_dir / f"{table}.parquet", index=False)
    df.to_csv(run_dir / f"{table}.csv", index=False)


def _named(run_dir, check: str, entity: str) -> pd.DataFrame:
    """The violations of ``check`` whose entity contains ``entity`` (at least one expected)."""
    bad = violations(verify_run(run_dir))
    hit = bad[(bad["check"] == check) & bad["entity"].str.contains(entity, regex=False)]
    assert len(hit), f"no {check} violation naming {entity!r}:\n{bad.to_string()}"
    assert (hit["amount"] > hit["tolerance"]).all()
    return hit


def test_solve_verifies_and_verify_command_passes(tmp_path):
    out = _solve_cli(tmp_path, "base", None, "--close", "x1")
    summary = json.loads((out / "summary.json").read_text())
    assert summary["verified"] is True
    assert summary["verification_checks"] > 20
    assert summary["verification_violations"] == 0
    report = pd.read_csv(out / "verification.csv")
    assert len(report) == summary["verification_checks"] and report["ok"].all()
    result = CliRunner().invoke(app, ["verify", str(out)])
    assert result.exit_code == 0, result.output
    assert "verified" in result.stdout and "crossing_capacity" in result.stdout
    payload = json.loads(CliRunner().invoke(app, ["verify", str(out), "--json"]).stdout)
    assert payload["summary"]["verified"] is True and payload["summary"]["violations"] == 0
    assert payload["verification"]["checks"] == summary["verification_checks"]


def test_flow_above_capacity_is_named(tmp_path):
    t = tiny.base_tables()
    t["crossings"].loc[0, "capacity_a_to_b_trucks_per_day"] = 4  # X1 full at 80 t
    out = _solve_cli(tmp_path, "cap", t)
    _edit(out, "flows", lambda f: f.assign(flow_t=f["flow_t"].where(
        f["arc_id"] != "x1:a_to_b", 200.0)))
    hit = _named(out, "crossing_capacity", "crossing x1 a_to_b")
    assert hit["amount"].iloc[0] == pytest.approx(200 / 20 - 4)
    result = CliRunner().invoke(app, ["verify", str(out)])
    assert result.exit_code == EXIT_VIOLATIONS
    assert "crossing_capacity" in result.stdout and "x1 a_to_b" in result.stdout


def test_flow_on_a_closed_crossing_is_named(tmp_path):
    out = _solve_cli(tmp_path, "closed", None, "--close", "x1")
    _edit(out, "flows", lambda f: pd.concat([f, f[f["arc_id"] == "x2:a_to_b"].assign(
        arc_id="x1:a_to_b", element_id="x1", flow_t=50.0)], ignore_index=True))
    hit = _named(out, "closed_crossing", "crossing x1 a_to_b")
    assert hit["amount"].iloc[0] == pytest.approx(50 / 20)


def test_altered_objective_is_named(tmp_path):
    out = _solve_cli(tmp_path, "obj")
    path = out / "summary.json"
    summary = json.loads(path.read_text())
    summary["objective_usd"] += 1000.0
    path.write_text(json.dumps(summary))
    hit = _named(out, "objective", "summary.objective_usd")
    assert hit["amount"].iloc[0] == pytest.approx(1000.0)
    payload = json.loads(CliRunner().invoke(app, ["verify", str(out), "--json"]).stdout)
    assert payload["summary"]["verified"] is False and payload["exit_code"] == 8
    # the edit is re-derived (objective), seen by the checksums (manifest) and by the
    # certificate (the objective no longer equals the dual objective), nothing else
    assert {v["check"] for v in payload["tables"]["violations"]["rows"]} == {
        "manifest", "objective", "duality_gap"}


def test_broken_conservation_is_named(tmp_path):
    out = _solve_cli(tmp_path, "cons")
    # 50 t vanish between the gate X1 and the market: they enter cn-b1 and never leave it
    _edit(out, "flows", lambda f: f.assign(flow_t=f["flow_t"] - 50.0 * (f["arc_id"] == "l2")))
    hit = _named(out, "node_balance", "node cn-b1 / durian")
    assert hit["amount"].iloc[0] == pytest.approx(50.0)
    _named(out, "arc_flow", "arc l2 / durian")


def test_route_with_a_gap_is_named(tmp_path):
    out = _solve_cli(tmp_path, "gap")
    _edit(out, "route_arcs", lambda a: a[a["seq"] != 1])  # drop the gate X1 from the path
    hit = _named(out, "route_path", "route vn-o>cn-m|x1:a_to_b|cheapest")
    assert hit["amount"].iloc[0] >= 1


def test_perishable_on_a_route_longer_than_its_shelf_life_is_named(tmp_path):
    # shelf life 10 h: the solution ships via X2 (8 h); move it onto the X1 route (12 h)
    t = tiny.base_tables()
    t["products"].loc[0, "shelf_life_reefer_days"] = 10 / 24
    out = _solve_cli(tmp_path, "slow", t)
    x1 = "vn-o>cn-m|x1:a_to_b|cheapest"
    _edit(out, "route_flows", lambda f: f.assign(route_id=x1, crossings="x1:a_to_b",
                                                 duration_h=12.0))
    _edit(out, "route_arcs", lambda a: pd.DataFrame({
        "route_id": x1, "seq": [0, 1, 2], "arc_id": ["l1", "x1:a_to_b", "l2"],
        "kind": ["link", "crossing", "link"], "element_id": ["l1", "x1", "l2"],
        "direction": ["forward", "a_to_b", "forward"],
        "from_node": ["vn-o", "vn-a1", "cn-b1"], "to_node": ["vn-a1", "cn-b1", "cn-m"],
        "travel_h": [5.0, 2.0, 5.0], "offset_h": [0.0, 5.0, 7.0]}))
    _edit(out, "flows", lambda f: f.assign(arc_id=f["arc_id"].map(
        {"l3": "l1", "x2:a_to_b": "x1:a_to_b", "l4": "l2"})))
    hit = _named(out, "shelf_life", x1)
    assert hit["amount"].iloc[0] == pytest.approx(200.0)
    assert "12.0 h, shelf life 10.0 h" in hit["entity"].iloc[0]


def test_cargo_released_after_its_shelf_life_in_a_queue_is_named(tmp_path):
    # 10 trucks waiting at a closed X1 from day 0 may wait 2 days; the solution writes them
    # off on day 3. Pretend they crossed that day instead.
    t = tiny.base_tables()
    _spoil(t)
    scen = _scenario_file(tmp_path, """\
        name: spoil
        horizon: {start: 2024-01-01, days: 6}
        events:
          - {crossing: x1, close: {to: 2024-01-06}}
        initial_queues:
          - {crossing: x1, product: durian, trucks: 10, age_days: 0}
    """)
    out = _solve_cli(tmp_path, "queue-late", t, "--scenario", str(scen))
    _edit(out, "stream_queues", lambda s: s.assign(
        departures_t=s["departures_t"] + s["expired_t"], expired_t=0.0))
    hit = _named(out, "shelf_life", "stream vn-o>cn-m|x1:a_to_b")
    assert hit["amount"].iloc[0] == pytest.approx(200.0)


def test_broken_queue_stock_balance_is_named(tmp_path):
    t = tiny.base_tables()
    only_x1(t, 20)
    out = _solve_cli(tmp_path, "queue", t, "--scenario", str(_scenario_file(tmp_path,
                                                                             CLOSURE_YAML)),
                     "--dispatch", "foresight")  # the optimum's tables, tampered
    third = (START + pd.Timedelta(days=2)).isoformat()
    # stream stock on the third day (20 trucks = 400 t) raised by 100 t
    _edit(out, "stream_queues", lambda s: s.assign(queue_t=s["queue_t"] + 100.0 * (
        s["period"] == 2)))
    hit = _named(out, "queue_balance", f"stream vn-o>cn-m|x1:a_to_b|cheapest / durian @{third}")
    assert hit["amount"].iloc[0] == pytest.approx(100.0)
    # and the gate's own table: 3 trucks more waiting on that day (the stream says 5)
    _edit(out, "queues", lambda q: q.assign(queue_trucks=q["queue_trucks"] + 3.0 * (
        q["period"] == 2)))
    assert _named(out, "queue_balance", f"gate x1 a_to_b @{third}")["amount"].iloc[0] == \
        pytest.approx(3.0)
    assert _named(out, "queue_table", f"gate x1 a_to_b @{third}")["amount"].iloc[0] == \
        pytest.approx(2.0)


def test_unlicensed_product_at_a_gate_is_named(tmp_path):
    t = tiny.base_tables()
    _rice(t)
    t["crossings"].loc[0, "licensed_products"] = "rice"  # durian must use X2
    out = _solve_cli(tmp_path, "licence", t)
    _edit(out, "flows", lambda f: f.assign(arc_id=f["arc_id"].where(
        ~((f["arc_id"] == "x2:a_to_b") & (f["product_id"] == "durian")), "x1:a_to_b")))
    hit = _named(out, "licence", "flows durian at x1")
    assert hit["amount"].iloc[0] == pytest.approx(200.0)


def test_changed_input_file_is_named(tmp_path):
    out = _solve_cli(tmp_path, "inputs")
    params = tmp_path / "data-inputs" / "parameters.csv"
    params.write_text(params.read_text().replace("40.0", "41.0"))
    _named(out, "input_checksum", "parameters.csv (changed since the run)")


def test_solve_exits_8_and_says_so_when_verification_fails(tmp_path, monkeypatch):
    import borderflow.verify as verify

    real = verify.verify_results

    def broken(*args, **kwargs):
        report = real(*args, **kwargs)
        report.loc[report["check"] == "objective", ["amount", "ok"]] = [5.0, False]
        return report

    monkeypatch.setattr(verify, "verify_results", broken)
    result = CliRunner().invoke(app, ["solve", "--data", str(border_data(tmp_path, "data")),
                                      "--out", str(tmp_path / "run")])
    assert result.exit_code == EXIT_VIOLATIONS
    assert "verification failed" in result.output and "objective" in result.output
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["verified"] is False and summary["verification_violations"] == 1


@pytest.mark.slow
def test_embedded_baseline_verifies(tmp_path):
    out = tmp_path / "base"
    result = CliRunner().invoke(app, ["solve", "--out", str(out)])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["verified"] is True and summary["verification_checks"] > 1000
    report = verify_run(out)
    assert report["ok"].all(), violations(report).to_string()
    assert CORE_CHECKS | {"closed_crossing", "input_checksum"} <= set(report["check"])


@pytest.mark.parametrize("kind", [k for k in __import__("borderflow.runfolder").runfolder.KINDS
                                  if k not in ("run", "sweep", "robust", "reopening")])
def test_a_folder_of_another_kind_is_refused_in_one_line_not_reported_as_violations(tmp_path,
                                                                                    kind):
    """`verify` of a respond, uncertainty or calibration folder: exit 2 and one line
    saying what the folder is and what to verify instead (it used to list every run table as
    missing and exit 8, as if the solution had been tampered with)."""
    from borderflow.runfolder import write_marker
    from borderflow.verify import NOT_A_RUN

    folder = tmp_path / f"a-{kind}"
    folder.mkdir()
    (folder / "summary.json").write_text("{}")
    write_marker(folder, kind)
    assert kind in NOT_A_RUN
    result = CliRunner().invoke(app, ["verify", str(folder)])
    assert result.exit_code == 2, result.output
    lines = [x for x in result.output.splitlines() if x.strip()]
    assert len(lines) == 1 and f"{kind} folder, not a run folder" in lines[0], lines
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [".borderflow-run.json", "summary.json"])


def test_a_sweep_marked_folder_without_its_plan_is_refused_in_one_line(tmp_path):
    """`verify` takes a sweep folder (each scenario verified, tests/test_sweep.py); one whose
    plan.json and scenarios/ are gone is not a sweep: exit 2, one line, nothing written."""
    from borderflow.runfolder import write_marker

    folder = tmp_path / "a-sweep"
    folder.mkdir()
    (folder / "summary.json").write_text("{}")
    write_marker(folder, "sweep")
    result = CliRunner().invoke(app, ["verify", str(folder)])
    assert result.exit_code == 2, result.output
    lines = [x for x in result.output.splitlines() if x.strip()]
    assert len(lines) == 1 and "not a sweep folder" in lines[0], lines
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [".borderflow-run.json", "summary.json"])


@pytest.mark.slow
def test_embedded_robust_example_verifies(tmp_path):
    """README's robust example on the embedded dataset (two closures at 5 % each): the plan is
    certified, verified when written, and `borderflow verify` re-checks its folder: every
    scenario's flows, the expected cost and the certificate (a spot column per scenario, a
    booking column per subset of the three scenarios, for every origin and product)."""
    out = tmp_path / "robust"
    result = CliRunner().invoke(app, ["robust", "--close", "boten-mohan", "--close",
                                      "huu-nghi-youyiguan", "--probability", "0.05",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads((out / "summary.json").read_text())["routing"] == "certified"
    report = verify_run(out)
    assert report["ok"].all(), violations(report).to_string()
    n = report["check"].value_counts()
    pairs = n["spot_route_dual"] // 3
    assert pairs > 50 and n["booking_route_dual"] == 7 * pairs
    assert len(pd.read_csv(out / "verification.csv")) == len(
        report[~report["check"].isin(["manifest", "csv_parquet", "input_checksum", "tables"])])


def test_entities_name_a_day_outside_the_calendar_by_its_number():
    """A dated run's entities end in their date; a period outside the run's calendar (a
    tampered table) is named ``@day N``, not dropped or mistaken for another day."""
    from types import SimpleNamespace

    from borderflow.verify.facts import Facts

    f = SimpleNamespace(dated=True, labels=["2024-01-01", "2024-01-02"])
    assert list(Facts.day(f, [1, 0, 7, -1])) == [" @2024-01-02", " @2024-01-01", " @day 7",
                                                 " @day -1"]
    assert list(Facts.day(SimpleNamespace(dated=False, labels=["x"]), [0, 3])) == ["", ""]


def test_a_csv_missing_beside_its_parquet_is_counted_once(tmp_path):
    """A result table's CSV deleted (its parquet kept): one ``csv_parquet`` failure naming it,
    amount 1 (one file; other checks may name the missing file too)."""
    out = _solve_cli(tmp_path, "csv")
    (out / "crossings.csv").unlink()
    bad = violations(verify_run(out))
    missing = bad[bad["check"] == "csv_parquet"]
    assert list(missing["entity"]) == ["crossings.csv missing (its parquet is there)"]
    assert list(missing["amount"]) == [1.0]


def test_a_report_of_no_rows_is_an_empty_report_with_its_columns():
    from borderflow.verify.report import REPORT_COLUMNS, assemble

    empty = assemble([pd.DataFrame(columns=REPORT_COLUMNS)])
    assert empty.empty and list(empty.columns) == REPORT_COLUMNS
    assert assemble([]).empty


def test_a_result_file_changed_after_the_run_is_named_by_the_manifest(tmp_path):
    out = _solve_cli(tmp_path, "manifest")
    table = out / "crossings.csv"
    table.write_text(table.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    bad = violations(verify_run(out))
    assert "crossings.csv: changed since the run was written: its SHA-256 differs from the " \
        "manifest's" in set(bad.loc[bad["check"] == "manifest", "entity"])
