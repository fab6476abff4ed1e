"""Robust plans priced over every route and every scenario (issue 17).

tests/data/cg-three-borders with three links re-measured (Vientiane -> Boten 400 km, Mohan ->
Nanning 720 km, Vientiane -> Pa Hang 600 km; 1 USD/truck-km, fees 40 USD/truck, 20 t/truck):

- R2 (two crossings, Boten): 60 + 40 + 400 + 40 + 720 = 1,260 USD/truck = 63 USD/t;
- R3 (three crossings, Pa Hang and Huu Nghi): 60 + 40 + 600 + 40 + 350 + 40 + 200 = 1,330 USD/truck
  = 66.5 USD/t.

200 t/day of rubber at 2,000 USD/t. The normal year ships on R2; R3 is dearer, so neither the
enumeration (two crossings at most) nor the baseline's column generation has it. With Boten-Mohan
closed (probability 1/2) only R3 reaches Nanning. Spot premium 0.3, unused booking 0.1 (the
defaults). By hand, per tonne booked (USD/t; expected over normal and closed, 1/2 each):

- book R2 (the baseline plan): normal 63; closed R3 on the spot market 66.5 x 1.3 = 86.45 plus
  the idle R2 booking 0.1 x 63 = 6.3: expected (63 + 92.75) / 2 = 77.875;
- book R2 and R3: normal 63 + idle R3 6.65, closed 66.5 + idle R2 6.3: expected 71.225;
- book R3 and use it in both: 66.5.

The robust optimum books R3 alone: 200 x (66.5 - 2,000) = -386,700 USD/day; the baseline plan
costs 200 x (77.875 - 2,000) = -384,425 (closed: -381,450), so planning for the closure is worth
2,275 USD/day. Over the enumerated routes alone (R2) the closed year has no route at all.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from helpers import robust_priced_data, with_events

from borderflow.robust import closure_scenarios, robust_plan


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    from borderflow.data.dataset import load_dataset

    return load_dataset(robust_priced_data(tmp_path_factory.mktemp("robust") / "data"),
                        check_borders=False)


def _plan(tables, **options):
    from borderflow.options import RunOptions

    scenarios, probabilities = closure_scenarios(["boten-mohan"], 0.5)
    return robust_plan(tables, scenarios, probabilities, RunOptions.of(**options))


def test_the_robust_plan_books_a_route_no_enumeration_has_and_is_certified(tables):
    r = _plan(tables)
    s = r.summary
    assert s["expected_cost_usd_robust"] == pytest.approx(-386_700.0, abs=1e-6)
    assert s["expected_cost_usd_baseline"] == pytest.approx(-384_425.0, abs=1e-6)
    assert s["value_of_robust_plan_usd"] == pytest.approx(2_275.0, abs=1e-6)
    assert s["routing"] == "certified", s["pricing"]
    assert s["optimality"] == "optimal over all routes (certified)"
    assert s["pricing"]["routes_generated"] == 1 and s["pricing"]["rounds"] == 2
    plan = r.plan.assign(n=r.plan["crossings"].str.count(r"\+") + 1).set_index("n")
    assert plan.loc[3, "booked_t_per_day_robust"] == pytest.approx(200.0, abs=1e-6)
    assert plan.loc[3, "booked_t_per_day_baseline"] == pytest.approx(0.0, abs=1e-9)
    assert plan.loc[2, "booked_t_per_day_robust"] == pytest.approx(0.0, abs=1e-9)
    assert plan.loc[2, "booked_t_per_day_baseline"] == pytest.approx(200.0, abs=1e-6)
    closed = r.scenarios.set_index("scenario").loc["close-boten-mohan"]
    assert closed["unserved_t_robust"] == pytest.approx(0.0, abs=1e-6)
    assert closed["cost_usd_robust"] == pytest.approx(-386_700.0, abs=1e-6)
    assert closed["cost_usd_baseline"] == pytest.approx(-381_450.0, abs=1e-6)


def test_without_pricing_the_robust_plan_says_restricted_with_a_bound_that_holds(tables):
    """Over the baseline's routes (R2 only) the closed year ships nothing; its duals price
    R3 at a negative reduced cost, and the reported bound covers the true gap."""
    r = _plan(tables, pricing_rounds=0)
    s = r.summary
    assert s["routing"] == "restricted"
    assert "optimal over all routes" not in s["optimality"] and "only" in s["optimality"]
    assert s["pricing"]["min_reduced_cost_usd_per_t"] < 0
    true_gap = s["expected_cost_usd_robust"] - (-386_700.0)
    assert true_gap > 1_000.0
    assert s["pricing"]["gap_bound_usd"] >= true_gap - 1e-6


# ---- the plan's folder, re-checked independently by `borderflow verify` -------------------
@pytest.fixture(scope="module")
def written(tables, tmp_path_factory):
    """The certified plan above, verified when solved and written to a folder (as the command
    does)."""
    r = _plan(tables)
    report = r.verify(tables)
    assert report["ok"].all(), report[~report["ok"]].to_string()
    return r.write(tmp_path_factory.mktemp("robust-plan") / "plan"), tables


def _copy(written, tmp_path) -> Path:
    folder = tmp_path / "plan"
    shutil.copytree(written[0], folder)
    return folder


def _edit(folder: Path, table: str, fn) -> None:
    """Rewrite one table of the folder (parquet, which the verifier reads, and CSV)."""
    df = fn(pd.read_parquet(folder / f"{table}.parquet"))
    df.to_parquet(folder / f"{table}.parquet", index=False)
    df.to_csv(folder / f"{table}.csv", index=False)


def test_the_certified_plan_verifies_from_its_folder_alone(written):
    from borderflow.runfolder import read_marker
    from borderflow.verify import verify_run

    folder = written[0]
    assert read_marker(folder)["kind"] == "robust"
    report = verify_run(folder)
    assert report["ok"].all(), report[~report["ok"]].to_string()
    n = report["check"].value_counts()
    # one (origin, product): a spot column per scenario, a booking column per subset (3)
    assert n["spot_route_dual"] == 2 and n["booking_route_dual"] == 3
    assert {"supply_balance", "crossing_capacity", "closure", "recourse", "objective",
            "duality_gap", "unserved_dual", "dual_sign", "probability", "route", "manifest",
            "input_checksum"} <= set(n.index)
    written_report = pd.read_csv(folder / "verification.csv")
    assert written_report["ok"].all() and len(written_report) > 50
    # the objective decomposition: 200 t on R3 at 66.5 USD/t in both scenarios, no spot, no idle
    obj = pd.read_parquet(folder / "objective.parquet").set_index("scenario")
    assert obj["transport_cost_usd"].tolist() == pytest.approx([13_300.0, 13_300.0])
    assert obj["weighted_cost_usd"].sum() == pytest.approx(-386_700.0, abs=1e-6)
    arcs = pd.read_parquet(folder / "plan_arcs.parquet")
    assert arcs["kind"].eq("crossing").sum() == 3  # R3: three crossings


def test_a_restricted_plan_verifies_its_gap_bound(tables, tmp_path):
    from borderflow.verify import verify_run

    r = _plan(tables, pricing_rounds=0)
    folder = r.write(tmp_path / "restricted")
    report = verify_run(folder)
    assert report["ok"].all(), report[~report["ok"]].to_string()
    assert (report["check"] == "gap_bound").sum() == 1
    assert "spot_route_dual" not in set(report["check"])  # nothing claimed over every route
    # a bound below the verifier's is caught
    summary = json.loads((folder / "summary.json").read_text())
    summary["pricing"]["gap_bound_usd"] = 1.0
    (folder / "summary.json").write_text(json.dumps(summary))
    bad = verify_run(folder)
    assert not bad.loc[bad["check"] == "gap_bound", "ok"].any()


TAMPER = {
    # a booking lowered: the scenarios ship 50 t/day above it without buying it on the spot market
    "booking": ("plan_routes", lambda d: d.assign(booked_t_per_day=d["booked_t_per_day"] - 50),
                "recourse"),
    # the normal year's supply dual raised by 100 USD/t: R3 (and others) price out
    "dual": ("scenario-0/unserved", lambda d: d.assign(dual_usd_per_t=d["dual_usd_per_t"] + 100),
             "spot_route_dual"),
    # 10 t/day more on the closed year's route than its origin supplies
    "flow": ("scenario-1/route_flows", lambda d: d.assign(flow_t=d["flow_t"] + 10),
             "supply_balance"),
    # the closed year made likelier in the scenarios table
    "probability": ("scenarios", lambda d: d.assign(probability=[0.4, 0.6]), "probability"),
}


@pytest.mark.parametrize("case", sorted(TAMPER))
def test_a_tampered_plan_folder_is_caught_by_the_named_check(written, tmp_path, case):
    from borderflow.verify import verify_run

    folder = _copy(written, tmp_path)
    table, fn, check = TAMPER[case]
    _edit(folder, table, fn)
    report = verify_run(folder)
    bad = report[~report["ok"]]
    assert check in set(bad["check"]), bad.to_string()
    assert "manifest" in set(bad["check"])  # and the checksums say the file changed


def test_the_dual_tampered_is_caught_by_the_certificate_alone(written, tmp_path):
    """A supply dual lowered (the certificate's other side): the duality gap no longer
    closes."""
    from borderflow.verify import verify_run

    folder = _copy(written, tmp_path)
    _edit(folder, "scenario-1/unserved", lambda d: d.assign(dual_usd_per_t=d["dual_usd_per_t"]
                                                            - 5))
    bad = verify_run(folder)
    assert not bad.loc[bad["check"] == "duality_gap", "ok"].any()


def test_an_old_robust_folder_is_refused_by_verify_and_replaced_by_robust(tables, tmp_path):
    """A robust plan written before robust folders had their own kind (marked ``run``):
    ``verify`` refuses it in one line (exit 2) saying to re-run; ``robust --out`` may replace
    it (it is ours), but not a run folder."""
    from typer.testing import CliRunner

    from borderflow.cli import app
    from borderflow.io import write_folder
    from borderflow.runfolder import OutputError, check_target, read_marker

    r = _plan(tables)
    old = write_folder(tmp_path / "old", r.tables(), {"summary.json": r.summary,
                                                      "run.json": r.metadata})
    assert read_marker(old)["kind"] == "run"
    result = CliRunner().invoke(app, ["verify", str(old)])
    assert result.exit_code == 2, result.output
    lines = [x for x in result.output.splitlines() if x.strip()]
    assert len(lines) == 1 and "older borderflow" in lines[0] and "re-run" in lines[0], lines
    assert check_target(old, "robust") == "ours"
    r.write(old)
    assert read_marker(old)["kind"] == "robust"
    run = write_folder(tmp_path / "run", {"route_flows": pd.DataFrame({"x": [1]})},
                       {"summary.json": {}})
    with pytest.raises(OutputError, match="holds a borderflow run folder, not a robust"):
        check_target(run, "robust")


def test_a_plan_with_a_binding_slot_quota_verifies_with_its_entry_duals(tables, tmp_path):
    """A 4 trucks/day quota at Pa Hang (R3's first crossing) in both scenarios binds: its
    duals are written per scenario, re-checked in every spot and booking column and in the
    duality gap (- dual x limit); a quota dual lowered is caught."""
    from borderflow.options import RunOptions
    from borderflow.verify import verify_run

    scenarios, probabilities = closure_scenarios(["boten-mohan"], 0.5)
    quota = {"crossing": "pa-hang-long-sap", "slot_quota": {"trucks_per_day": 4}}
    scenarios = with_events(scenarios, quota)
    r = robust_plan(tables, scenarios, probabilities, RunOptions.of())
    assert r.summary["routing"] == "certified"
    folder = r.write(tmp_path / "quota")
    duals = pd.read_parquet(folder / "scenario-1" / "entry_duals.parquet")
    assert (duals["dual_usd_per_truck"] > 0).all()
    report = verify_run(folder)
    assert report["ok"].all(), report[~report["ok"]].to_string()
    _edit(folder, "scenario-1/entry_duals",
          lambda d: d.assign(dual_usd_per_truck=d["dual_usd_per_truck"] / 2))
    bad = verify_run(folder)
    assert not bad.loc[bad["check"] == "duality_gap", "ok"].any()


def test_routes_are_checked_against_each_scenarios_licences(written, tmp_path):
    """Rubber unlicensed at Pa Hang in the closed year only (run.json edited): the plan's R3
    flow there fails ``licence_day`` for that scenario, though the normal year licenses it."""
    from borderflow.verify import verify_run

    folder = _copy(written, tmp_path)
    run = json.loads((folder / "run.json").read_text())
    assert run["scenarios"][1]["name"] != run["scenarios"][0]["name"]
    run["scenarios"][1]["events"].append({"crossing": "pa-hang-long-sap", "license": {
        "products": ["rubber"], "licensed": False}})
    (folder / "run.json").write_text(json.dumps(run))
    bad = verify_run(folder)
    hit = bad[(bad["check"] == "licence_day") & ~bad["ok"]]
    assert len(hit) == 1 and hit["entity"].iloc[0].startswith(
        f"scenario={run['scenarios'][1]['name']}: "), bad[~bad["ok"]].to_string()


# ---- above MAX_EXACT_SCENARIOS: booking subsets are not enumerated -------------------------
def _many(tables, copies: int, price: float | None = None, booking_scenarios: int = 8):
    """The plan of the tests above with its closed year split into ``copies`` identical
    scenarios (probability 1/2 in all, as before), so the plan has ``copies + 1`` scenarios;
    ``price`` (USD/t) replaces Nanning's rubber price. Returns the plan and its tables."""
    from borderflow.data.scenario import Horizon, Scenario, closing
    from borderflow.options import RunOptions

    if price is not None:
        tables = tables.copy()
        tables.markets = tables.markets.assign(price_usd_per_t=float(price))
    scenarios = [Scenario(name="normal", horizon=Horizon()),
                 *[closing(["boten-mohan"], name=f"closed-{i}") for i in range(copies)]]
    probabilities = [0.5, *[0.5 / copies] * copies]
    options = RunOptions.of(booking_scenarios=booking_scenarios)
    return robust_plan(tables, scenarios, probabilities, options), tables



@pytest.mark.parametrize("price", [None, 75.0], ids=["rubber-2000", "rubber-75"])
def test_above_eight_scenarios_the_plan_is_restricted_with_a_bound_that_holds(tables, price):
    """The closed year split into 8 identical scenarios (9 in all, more than
    MAX_EXACT_SCENARIOS): the optimum is the two-scenario plan's (every booking subset priced
    there, certified), but without the 2^9 - 1 subsets the pass cannot prove it: a scenario's
    own column of the booked route R3 prices below 0 (its booking's dual is not in it), so the
    plan says restricted, with the reason, and a gap bound that covers the true gap (here 0),
    and verifies. At 75 USD/t, R3 (66.5 USD/t) pays in a closed year only if booked, never on the
    spot market (66.5 x 1.3 = 86.45): the spot columns alone cannot find it either way."""
    from borderflow.model.robust_pricing import MAX_EXACT_SCENARIOS

    exact, _ = _many(tables, 1, price)
    assert exact.summary["routing"] == "certified", exact.summary["pricing"]
    many, priced = _many(tables, MAX_EXACT_SCENARIOS, price)
    s = many.summary
    assert len(many.scenarios) == MAX_EXACT_SCENARIOS + 1
    assert s["routing"] == "restricted", s["pricing"]
    assert s["pricing"]["reason"] == (f"{MAX_EXACT_SCENARIOS + 1} scenarios: more than "
                                      f"{MAX_EXACT_SCENARIOS}, so not every booking column "
                                      "was priced")
    assert "optimal over all routes" not in s["optimality"]
    true_gap = s["expected_cost_usd_robust"] - exact.summary["expected_cost_usd_robust"]
    assert true_gap == pytest.approx(0.0, abs=1e-6)
    assert s["pricing"]["gap_bound_usd"] >= true_gap - 1e-6
    report = many.verify(priced)
    assert report["ok"].all(), report[~report["ok"]].to_string()


def test_booking_scenarios_raised_to_nine_certifies_the_nine_scenario_plan(tables):
    """The plan of the test above with ``booking_scenarios=9`` (``--booking-scenarios 9``):
    all 2^9 - 1 booking subsets priced, so it is certified at the two-scenario optimum
    (-386,700 USD/day); run.json records the setting and the verifier enumerates the subsets
    up to it (a certified plan above its limit would fail the certificate: the booked route's
    own column prices below 0)."""
    r, priced = _many(tables, 8, booking_scenarios=9)
    s = r.summary
    assert s["routing"] == "certified", s["pricing"]
    assert s["expected_cost_usd_robust"] == pytest.approx(-386_700.0, abs=1e-6)
    assert r.metadata["options"]["pricing"]["booking_scenarios"] == 9
    report = r.verify(priced)
    assert report["ok"].all(), report[~report["ok"]].to_string()
    # the same plan with its recorded limit put back to the default: the verifier can no
    # longer re-check the certificate from the subsets, and says so by failing
    r.metadata["options"]["pricing"].pop("booking_scenarios")
    report = r.verify(priced)
    assert not report["ok"].all()


@pytest.mark.parametrize("value", ["13", "-1"])
def test_a_bad_booking_scenarios_value_exits_2_in_one_line(tmp_path, value):
    from typer.testing import CliRunner

    from borderflow.cli import app
    from borderflow.model.column_generation import Pricing
    from borderflow.model.robust_pricing import MAX_EXACT_SCENARIOS

    assert Pricing().booking_scenarios == MAX_EXACT_SCENARIOS == 8  # the CLI's default too
    res = CliRunner().invoke(app, ["robust", "--close", "boten-mohan", "--booking-scenarios",
                                   value, "--out", str(tmp_path / "bad")])
    assert res.exit_code == 2
    assert "--booking-scenarios" in res.output
    assert len(res.output.strip().splitlines()) == 1, res.output
    assert not (tmp_path / "bad").exists()
