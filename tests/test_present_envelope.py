"""The --json envelope (borderflow.present.envelope) against its JSON Schema
(docs/schema/borderflow-output.schema.json, draft 2020-12), on real outcomes: a solved tiny run,
a bad input folder, a solver failure, a failed verification."""

from __future__ import annotations

import json
import math

import jsonschema
import pandas as pd
import pytest
import tiny
from borderflow.data.errors import InputError
from borderflow.solvers.highs import InfeasibleError, SolveSummary

from borderflow.data.dataset import load_dataset
from borderflow.pipeline import run_scenario
from borderflow.present import envelope as E
from borderflow.present.numbers import Horizon
from borderflow.verify import verify_solved


@pytest.fixture(scope="module")
def schema():
    s = json.loads(E.SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(s)
    return s


def _valid(env: dict, schema: dict) -> dict:
    jsonschema.Draft202012Validator(schema).validate(env)
    # what a script reads back is the same document (no NaN, plain types)
    assert json.loads(E.dumps(env)) == env
    return env


@pytest.fixture(scope="module")
def solved(tmp_path_factory):
    tables = load_dataset(tiny.write(tmp_path_factory.mktemp("env") / "data"),
                          check_borders=False)
    run = run_scenario(tables)
    return run, verify_solved(run)


def test_solve_output_follows_the_schema(solved, schema):
    run, report = solved
    r = run.results
    env = E.envelope(
        "solve", summary=r.summary, horizon=Horizon.from_summary(r.summary),
        narrative=["10 trucks/day cross at X1"],
        tables={"crossings": E.table(r.crossings, {"flow_trucks": "trucks/day",
                                                   "utilisation": "share"},
                                     "busiest crossings, trucks per day")},
        outputs=[("run_folder", "runs/base")],
        verification=E.verification_info(report, "runs/base/verification.csv"))
    _valid(env, schema)
    assert (env["status"], env["exit_code"]) == ("ok", 0)
    assert env["horizon"]["scope"].startswith("per day")
    assert env["verification"]["passed"] and env["verification"]["checks"] == len(report)
    rows = env["tables"]["crossings"]["rows"]
    assert {row["crossing_id"] for row in rows} == {"x1", "x2"}
    assert env["tables"]["crossings"]["columns"][0] == "crossing_id"


def test_an_input_error_is_an_envelope_with_file_row_and_field(tmp_path, schema):
    t = tiny.base_tables()
    t["crossings"].loc[1, "capacity_a_to_b_trucks_per_day"] = -5
    with pytest.raises(InputError) as info:
        load_dataset(tiny.write(tmp_path / "bad", t), check_borders=False)
    env = _valid(E.error_envelope("solve", info.value), schema)
    assert (env["status"], env["exit_code"]) == ("input_error", 2)
    m = env["messages"][0]
    assert m["level"] == "error" and m["file"].endswith("crossings.csv")
    assert m["row"] == 2 and m["field"] == "capacity_a_to_b_trucks_per_day"
    assert env["narrative"] == [str(info.value)]


def test_a_solver_error_keeps_its_exit_code(schema):
    summary = SolveSummary(status="infeasible", termination="infeasible", objective_usd=None,
                           solver="HiGHS", solve_seconds=0.1, translate_seconds=0.0,
                           iterations=3, variables=10, constraints=5, nonzeros=20)
    env = _valid(E.error_envelope("reroute", InfeasibleError("durian cannot be delivered",
                                                             summary)), schema)
    assert (env["status"], env["exit_code"]) == ("infeasible", 4)
    assert env["summary"]["termination"] == "infeasible"
    with pytest.raises(TypeError):
        E.error_envelope("solve", KeyError("a bug"))


def test_status_and_exit_code_must_agree(schema):
    env = E.envelope("verify", exit_code=0)
    _valid(env, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**env, "exit_code": 8}, schema)
    # a failed verification must say so in its verification entry
    bad = E.envelope("verify", exit_code=8, verification={"checks": 10, "violations": 2,
                                                          "passed": False, "report": None})
    _valid(bad, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**bad, "verification": {**bad["verification"], "passed": True}},
                            schema)
    with pytest.raises(jsonschema.ValidationError):  # input errors carry their messages
        jsonschema.validate(E.envelope("solve", exit_code=2), schema)
    with pytest.raises(ValueError):
        E.envelope("solve", exit_code=1)


def test_numbers_in_the_envelope_are_clean(schema):
    df = pd.DataFrame({"crossing_id": ["a", "b"], "dir": ["VN→CN", "LA→CN"],
                       "delta_usd": [-2.27e-13, 1366.13], "t": [119.99999999999999, None]})
    env = _valid(E.envelope("reroute", summary={"net_cost_change_usd": -0.0,
                                                "value": float("nan")},
                            tables={"c": E.table(df, {"delta_usd": "USD", "t": "t"})}),
                 schema)
    rows = env["tables"]["c"]["rows"]
    assert rows[0]["delta_usd"] == 0.0 and math.copysign(1, rows[0]["delta_usd"]) == 1
    assert rows[0]["t"] == 120.0 and rows[1]["t"] is None
    assert env["summary"] == {"net_cost_change_usd": 0.0, "value": None}
    text = E.dumps(env)
    assert "VN→CN" in text and "NaN" not in text and "-0.0" not in text
    assert env["tables"]["c"]["units"] == {"delta_usd": "USD", "t": "t"}
