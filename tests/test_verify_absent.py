"""A table a folder lacks: the checks that stop on it name it ("missing table route_flows:
scenario normal not re-checked"), not the exception they raised on it (``borderflow/verify/
absent.py``). Before session 16 the lines read "could not be re-checked (KeyError:
'route_flows')", a correct failure that looked like a crash."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import border_data
from typer.testing import CliRunner

from borderflow.cli import app
from borderflow.verify import verify_run, violations
from borderflow.verify.absent import MissingTable, Tables, not_checked, stand_in


def _said(row: pd.DataFrame) -> str:
    assert list(row["check"]) == ["verifier"] and list(row["amount"]) == [np.inf]
    assert not row["ok"].iloc[0]
    return row["entity"].iloc[0]


def test_the_line_names_the_table_a_check_stopped_on():
    err = MissingTable("scenario-0/route_flows")
    assert _said(not_checked("scenario normal", err, "re-checked")) == \
        "missing table scenario-0/route_flows: scenario normal not re-checked"
    unreadable = MissingTable("plan_routes", "unreadable")
    assert _said(not_checked("objective", unreadable, "re-checked")) == \
        "unreadable table plan_routes: objective not re-checked"
    # a run's checks: a KeyError while the folder lacks tables names them, sorted
    absent = {"unserved": "missing", "flows": "unreadable"}
    assert _said(not_checked("money", KeyError("product_id"), "checked", absent)) == \
        "unreadable table flows, missing table unserved: money not checked"


def test_any_other_failure_keeps_the_error_it_raised():
    assert _said(not_checked("cargo", KeyError("flow_t"), "checked")) == \
        "cargo could not be checked (KeyError: 'flow_t')"
    # not a KeyError: not blamed on the lacking table
    assert _said(not_checked("flows", TypeError("text"), "checked", {"unserved": "missing"})) \
        == "flows could not be checked (TypeError: text)"


def test_tables_raise_on_what_the_folder_lacks_and_get_as_a_dict():
    here = pd.DataFrame({"a": [1]})
    t = Tables({"here": here, "stand": stand_in("unreadable")}, "scenario-1/",
               {"dropped": "missing"})
    assert t["here"] is here
    with pytest.raises(MissingTable) as err:
        t["stand"]
    assert (err.value.table, err.value.reason) == ("scenario-1/stand", "unreadable")
    for name in ("dropped", "never"):
        with pytest.raises(MissingTable) as err:
            t[name]
        assert (err.value.table, err.value.reason) == (f"scenario-1/{name}", "missing")
    assert t.get("never") is None and "dropped" not in t and len(t.get("stand").columns) == 0


def _verifier_lines(folder) -> list[str]:
    bad = violations(verify_run(folder))
    return sorted(bad.loc[bad["check"] == "verifier", "entity"])


def test_a_run_folder_without_its_unserved_table(tmp_path):
    data = border_data(tmp_path, "data")
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["solve", "--data", str(data), "--out", str(out)])
    assert result.exit_code == 0, result.output
    (out / "unserved.parquet").unlink()
    lines = _verifier_lines(out)
    named = [s for s in lines if s.startswith("missing table unserved: ")]
    assert {s.split(": ")[1] for s in named} >= {"flows not checked", "money not checked"}
    assert not any("KeyError" in s for s in lines), lines


def test_a_robust_folder_without_a_scenario_route_flows_table(tmp_path):
    data = border_data(tmp_path, "data")
    out = tmp_path / "plan"
    result = CliRunner().invoke(app, ["robust", "--data", str(data), "--close", "x1",
                                      "--probability", "0.1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    (out / "scenario-0" / "route_flows.parquet").unlink()
    lines = _verifier_lines(out)
    assert "missing table scenario-0/route_flows: scenario normal not re-checked" in lines
    assert "missing table scenario-0/route_flows: objective not re-checked" in lines
    assert not any("KeyError" in s for s in lines), lines


def test_a_long_error_message_is_cut_to_160_characters_on_one_line():
    """Session 21 (mutant ``not_checked`` 12, ``[:161]``): the message is put on one line
    (whitespace runs become one space) and cut to 160 characters, so a check that raised with
    a table's repr in its message does not flood the report."""
    message = "word\n " * 40  # 40 words: 199 characters once joined by single spaces
    said = _said(not_checked("cargo", ValueError(message), "checked"))
    what = said[len("cargo could not be checked (ValueError: "):-1]
    assert what == ("word " * 32)[:160] and len(what) == 160


def test_a_missing_table_is_the_key_error_of_its_name():
    """Session 21 (mutant ``MissingTable.__init__`` 3, ``super().__init__(None)``): code that
    catches a ``KeyError`` and prints it names the table, as a dict's own ``KeyError`` would."""
    err = MissingTable("scenario-0/route_flows")
    assert isinstance(err, KeyError) and err.args == ("scenario-0/route_flows",)
    assert str(err) == "'scenario-0/route_flows'" and err.reason == "missing"
