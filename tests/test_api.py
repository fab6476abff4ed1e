"""The public Python API (``import borderflow as bf``) on the tiny network of tests/tiny.py.

Hand-computed optima: via X1 11 USD/t, via X2 16 USD/t, price 1,000 USD/t, 200 t/day. With X1
closed the optimum moves everything to X2 (+1,000 USD/day), and the baseline solved alongside
(a warm re-solve of the same model) must not change the scenario's result: a Result holds
tables, never the model.
"""

from __future__ import annotations

import dataclasses
import json
import textwrap

import pandas as pd
import pytest
import tiny
from helpers import dated, day, only_x1

import borderflow as bf
from borderflow.data.scenario import CloseEvent, Window
from borderflow.pipeline import run_scenario
from borderflow.present.numbers import clean_summary

TOL = 1e-6


@pytest.fixture
def ds(tmp_path):
    """The tiny dataset, loaded and checked through the public API."""
    return bf.load_dataset(tiny.write(tmp_path / "data"), check_borders=False)


def _flow_t(res, crossing: str) -> float:
    c = res.tables["crossings"]
    return float(c.loc[c["crossing_id"] == crossing, "flow_t"].sum())


def test_solve_the_tiny_network_through_the_public_api(ds):
    res = bf.solve(ds)
    assert isinstance(res, bf.Result)
    assert res.summary["status"] == "optimal"
    assert res.summary["objective_usd"] == pytest.approx(200 * (11 - 1000), abs=TOL)
    assert _flow_t(res, "x1") == pytest.approx(200, abs=TOL)
    assert res.baseline is None and res.comparison is None  # nothing disrupted
    assert res.summary["verified"] is True and res.verification["ok"].all()
    assert set(res.tables) == {"route_flows", "flows", "crossings", "unserved", "products",
                               "queues", "backlog", "spoilage", "route_arcs", "stream_queues",
                               "initial_queues", "market_duals", "share_duals"}
    assert res.metadata["scenario"]["name"] == "baseline"


def test_a_closure_is_compared_with_its_baseline_and_keeps_its_own_values(ds):
    sc = bf.Scenario.closing(["x1"])
    res = bf.solve(ds, sc)
    assert res.scenario == sc and res.summary["scenario"] == "close-x1"
    assert res.summary["objective_usd"] == pytest.approx(200 * (16 - 1000), abs=TOL)
    assert _flow_t(res, "x1") == pytest.approx(0, abs=TOL)
    assert _flow_t(res, "x2") == pytest.approx(200, abs=TOL)
    # the baseline, solved after the scenario on the same model
    assert res.baseline.summary["scenario"] == "close-x1-baseline"
    assert res.baseline.summary["objective_usd"] == pytest.approx(200 * (11 - 1000), abs=TOL)
    assert _flow_t(res.baseline, "x1") == pytest.approx(200, abs=TOL)
    cost = res.comparison["cost_changes"].set_index("measure")
    assert cost.loc["objective_usd", "delta"] == pytest.approx(200 * 5, abs=TOL)
    assert any("net value falls by USD 1,000 per day" in line for line in res.story)
    # the scenario's tables are those of a solve without any baseline: untouched by it
    alone = run_scenario(ds, sc)
    for name, table in alone.results.tables().items():
        pd.testing.assert_frame_equal(res.tables[name], table, obj=name)
    # the summary as quoted: solver noise removed, ten significant digits (docs/outputs.md)
    assert res.summary["objective_usd"] == clean_summary(alone.results.summary)["objective_usd"]


def test_a_result_cannot_be_changed_in_place(ds):
    res = bf.solve(ds, bf.Scenario.closing(["x1"]))
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.summary = {}
    with pytest.raises(TypeError):
        res.tables["crossings"] = pd.DataFrame()
    with pytest.raises(TypeError):
        res.comparison["cost_changes"] = pd.DataFrame()
    marked = res.with_metadata(note="checked")
    assert marked.metadata["note"] == "checked" and "note" not in res.metadata
    assert marked.tables is res.tables


def test_write_and_read_back_give_the_same_result(ds, tmp_path):
    res = bf.solve(ds, bf.Scenario.closing(["x1"]))
    folder = res.write(tmp_path / "run")
    again = bf.read_result(folder)
    assert again.folder == folder and again.scenario == res.scenario
    assert set(again.tables) == set(res.tables)
    for name, table in res.tables.items():
        pd.testing.assert_frame_equal(again.tables[name], table, check_dtype=False, obj=name)
    assert again.summary == json.loads(json.dumps(res.summary, default=str))
    # the folder's run.json adds each input's path from the folder (borderflow/io.py)
    meta = dict(again.metadata)
    assert meta.pop("input_paths_from_folder") == {
        f: f"../data/{f.rpartition('/')[2]}" for f in res.metadata["input_sha256"]}
    assert meta == json.loads(json.dumps(res.metadata, default=str))
    assert set(again.comparison) == set(res.comparison)
    pd.testing.assert_frame_equal(again.comparison["cost_changes"],
                                  res.comparison["cost_changes"])
    pd.testing.assert_frame_equal(again.verification, res.verification, check_dtype=False)
    assert again.story == res.story
    assert again.baseline is None  # a run folder holds the comparison, not the baseline
    # verified again from the folder, against the inputs its run.json names
    report = again.verify()
    assert report["ok"].all() and "input_checksum" in set(report["check"])
    assert bf.verify_run(folder)["ok"].all()
    assert again.network.scenario == res.scenario  # rebuilt from the inputs for maps


def test_a_given_baseline_is_compared_instead_of_solved(ds, tmp_path):
    base = bf.solve(ds)
    base.write(tmp_path / "base")
    res = bf.solve(ds, bf.Scenario.closing(["x1"]), baseline=bf.read_result(tmp_path / "base"))
    assert res.baseline.folder == tmp_path / "base"
    cost = res.comparison["cost_changes"].set_index("measure")
    assert cost.loc["objective_usd", "delta"] == pytest.approx(200 * 5, abs=TOL)


def test_progress_is_reported_at_every_stage_in_order(tmp_path):
    seen = []

    def progress(stage, done, total, message):
        seen.append((stage, done, total))

    ds = bf.load_dataset(tiny.write(tmp_path / "data"), check_borders=False,
                         on_progress=progress)
    res = bf.solve(ds, bf.Scenario.closing(["x1"]), on_progress=progress)
    res.write(tmp_path / "run", on_progress=progress)
    stages = [s for s, _, _ in seen]
    # one pricing round on the tiny network: nothing outside its enumerated routes prices out
    assert stages == ["load", "routes", "model", "solve", "pricing", "results", "baseline",
                      "compare", "verify", "write"]
    assert set(stages) == set(bf.STAGES)


@pytest.mark.parametrize("exact", [False, True])
def test_rolling_windows_are_reported_k_of_n(tmp_path, exact):
    t = tiny.base_tables()
    only_x1(t, 20)
    ds = bf.load_dataset(tiny.write(tmp_path / "data", t), check_borders=False)
    close = CloseEvent(crossing="x1", close=Window(**{"from": day(1), "to": day(2)}))
    seen = []
    res = bf.solve(ds, dated("closure", 5, close),
                   bf.RunOptions(rolling=bf.RollingHorizon(window_days=2, overlap_days=1,
                                                           exact=exact), dispatch="foresight"),
                   on_progress=lambda s, k, n, m: seen.append((s, k, n, m)) if n else None)
    windows = [(k, n) for s, k, n, _ in seen if s == "solve"]
    n = windows[0][1]
    assert n >= 3 and windows[:n] == [(k, n) for k in range(n)]
    assert res.summary["exact"] is exact and res.summary["verified"] is True
    baseline = [(k, m) for s, k, m, _ in seen if s == "baseline"]
    # the baseline's re-solve goes window by window too, reported as its own stage
    if exact:  # then the whole LP
        assert windows[n:] == [(n, n)] and seen[n][3].startswith("the whole LP")
        assert baseline == [(k, n) for k in range(n + 1)]
    else:
        assert windows[n:] == [] and baseline == [(k, n) for k in range(n)]


def test_run_options_are_frozen_and_name_the_dated_defaults():
    opts = bf.RunOptions()
    with pytest.raises(dataclasses.FrozenInstanceError):
        opts.max_model_gb = 1.0
    routes, solver = opts.effective(dated=True, gates=("x1",))
    assert (routes.max_routes_per_product, routes.keep_gates) == (5, ("x1",))
    assert solver.solver == "ipm"
    assert opts.effective(dated=False) == (opts.routes, opts.solver)
    own = bf.RunOptions(dated_routes_per_product=3, dated_solver="simplex")
    routes, solver = own.effective(dated=True)
    assert (routes.max_routes_per_product, solver.solver) == (3, "simplex")
    assert set(opts.recorded()) == {"routes", "pricing", "solver", "max_model_gb", "rolling",
                                    "exact_windows_from_days", "dated_routes_per_product",
                                    "dated_solver"}


def test_a_scenario_file_is_checked_against_the_dataset_and_recorded(ds, tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text(textwrap.dedent("""\
        name: no-x1
        events:
          - {crossing: x1}
    """), encoding="utf-8")
    sc = bf.Scenario.from_yaml(good, ds)
    assert sc == bf.Scenario.closing(["x1"], name="no-x1") and sc.source_file == good
    res = bf.solve(ds, sc)
    assert res.metadata["scenario_file"].endswith("good.yaml")
    assert res.metadata["scenario_file"] in res.metadata["input_sha256"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: typo\nevents:\n  - {crossing: x9}\n", encoding="utf-8")
    with pytest.raises(bf.InputError, match=r"bad.yaml, row 3.*unknown crossing 'x9'"):
        bf.Scenario.from_yaml(bad, ds)
    several = tmp_path / "several.yaml"
    several.write_text("scenarios:\n  - {name: a}\n  - {name: b}\n", encoding="utf-8")
    with pytest.raises(bf.InputError, match="holds 2 scenarios"):
        bf.Scenario.from_yaml(several, ds)


def test_export_writes_the_layers_with_deltas_against_the_baseline(ds, tmp_path):
    import pyogrio

    res = bf.solve(ds, bf.Scenario.closing(["x1"]))
    (gpkg,) = res.export(tmp_path / "x.gpkg")
    names = [name for name, _ in pyogrio.list_layers(gpkg)]
    assert "crossings" in names and "data_dictionary" in names
    cr = pyogrio.read_dataframe(gpkg, layer="crossings").set_index("crossing_id")
    assert cr.loc["x1", "flow_delta_trucks"] == pytest.approx(-10, abs=TOL)


def test_every_public_name_resolves_and_is_documented():
    import inspect

    assert set(bf.__all__) <= set(dir(bf))
    for name in bf.__all__:
        obj = getattr(bf, name)
        if name != "STAGES":
            assert inspect.getdoc(obj), f"bf.{name} has no docstring"
    assert bf.STAGES[0] == "load" and bf.STAGES[-1] == "write"
    with pytest.raises(AttributeError):
        bf.no_such_name  # noqa: B018


def test_scenario_text_is_checked_as_its_file_would_be(ds, tmp_path, monkeypatch):
    """``from_yaml_text`` (an upload) gives the scenario and the very error line of
    ``from_yaml`` on a file of that name, and remembers no file."""
    good = "name: no-x1\nevents:\n  - {crossing: x1}\n"
    sc = bf.Scenario.from_yaml_text(good, ds, name="good.yaml")
    assert sc == bf.Scenario.closing(["x1"], name="no-x1") and sc.source_file is None
    assert "scenario_file" not in bf.solve(ds, sc).metadata
    monkeypatch.chdir(tmp_path)
    for text in ("name: typo\nevents:\n  - {crossing: x9}\n", "a: [", "[1, 2]\n", "",
                 "scenarios:\n  - {name: a}\n  - {name: b}\n"):
        (tmp_path / "up.yaml").write_text(text, encoding="utf-8")
        with pytest.raises(bf.InputError) as from_file:
            bf.Scenario.from_yaml("up.yaml", ds)
        with pytest.raises(bf.InputError) as from_text:
            bf.Scenario.from_yaml_text(text, ds, name="up.yaml")
        assert str(from_text.value) == str(from_file.value)
        assert str(from_text.value).startswith("up.yaml")
    with pytest.raises(bf.InputError, match=r"^up.yaml, row 3.*unknown crossing 'x9'"):
        bf.Scenario.from_yaml_text("name: typo\nevents:\n  - {crossing: x9}\n", ds,
                                   name="up.yaml")


def test_a_run_folder_can_hold_its_baseline_and_reads_it_back(ds, tmp_path):
    res = bf.solve(ds, bf.Scenario.closing(["x1"]))
    text = "# as the user wrote it\nname: close-x1\nevents: [{crossing: x1}]\n"
    folder = res.write(tmp_path / "run", baseline=True, files={"scenario.yaml": text})
    assert (folder / "scenario.yaml").read_text(encoding="utf-8") == text
    assert bf.folder_kind(folder / bf.api.BASELINE_FOLDER) == "run"
    assert not list(tmp_path.glob(".run*"))  # one atomic write: no temporary folder left
    again = bf.read_result(folder)
    base = again.baseline
    assert base is not None and base.folder == folder / "baseline"
    assert base.summary["scenario"] == "close-x1-baseline"
    assert base.metadata["baseline_of"] == "close-x1"
    assert base.summary["objective_usd"] == pytest.approx(200 * (11 - 1000), abs=TOL)
    for name, table in res.baseline.tables.items():
        pd.testing.assert_frame_equal(base.tables[name], table, check_dtype=False, obj=name)
    # maps and layers of the folder show what moved against it, with no baseline passed
    links = again.layers()["crossings"].set_index("crossing_id")
    assert links.loc["x1", "flow_delta_trucks"] == pytest.approx(-10, abs=TOL)
    assert bf.verify_run(folder)["ok"].all()
    # a result without a baseline cannot write one; file names stay inside the folder
    with pytest.raises(ValueError, match="no baseline"):
        bf.solve(ds).write(tmp_path / "plain", baseline=True)
    with pytest.raises(ValueError, match="plain, visible name"):
        res.write(tmp_path / "bad", files={"../x.yaml": text})
    assert not (tmp_path / "plain").exists() and not (tmp_path / "bad").exists()
    assert not (tmp_path / "x.yaml").exists()


def test_folders_are_told_apart_and_a_sweep_reads_back(ds, tmp_path):
    from distributed import Client, LocalCluster
    from borderflow.sweeps.runner import NO_DASHBOARD

    data = tiny.write(tmp_path / "sweep-data")
    plan = bf.plan_sweep(n_minus_1=True, data=data, dataset=ds)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                      **NO_DASHBOARD) as cluster, Client(cluster) as client:
        done = bf.sweep(plan, tmp_path / "n1", client=client)
    bf.solve(ds).write(tmp_path / "run")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine", encoding="utf-8")
    assert [bf.folder_kind(tmp_path / n) for n in ("run", "n1", "other", "missing")] == [
        "run", "sweep", None, None]
    back = bf.read_sweep(tmp_path / "n1")
    assert back.plan is None and (back.solved, back.failed) == (done.solved, done.failed) == (3, 0)
    assert set(back.tables) == {n for n, df in done.tables.items() if len(df)}
    pd.testing.assert_frame_equal(back["criticality"], done["criticality"], check_dtype=False)
    assert sorted(back.runs()) == ["baseline", "close-x1", "close-x2"] == sorted(done.runs())
    closed = bf.read_result(back.runs()["close-x1"])
    assert _flow_t(closed, "x1") == pytest.approx(0, abs=TOL)
    with pytest.raises(bf.InputError, match="not a sweep folder"):
        bf.read_sweep(tmp_path / "run")


def test_compare_false_solves_and_verifies_the_scenario_alone(ds):
    """``compare=False``: no baseline solved and no comparison, and the scenario's own tables,
    objective and checks those of the compared solve (close x1: 200 t over X2 at USD 16/t)."""
    sc = bf.Scenario.closing(["x1"])
    alone, compared = bf.solve(ds, sc, compare=False), bf.solve(ds, sc)
    assert alone.baseline is None and alone.comparison is None
    assert alone.summary["objective_usd"] == pytest.approx(200 * (16 - 1000), abs=TOL)
    assert alone.summary["verified"] is True and alone.verification["ok"].all()
    assert alone.summary["objective_usd"] == compared.summary["objective_usd"]
    for name, table in compared.tables.items():
        pd.testing.assert_frame_equal(alone.tables[name], table, obj=name)
    pd.testing.assert_frame_equal(alone.verification, compared.verification)
    assert bf.solve(ds, sc, baseline=compared.baseline, compare=False).comparison is None


def test_n_minus_1_scenarios_and_investment_candidates_of_a_loaded_dataset(ds):
    """The tiny network's two open gates closed in turn after the baseline; it has no
    proposed, closed or upgraded crossing, so no investment candidate until one is added."""
    names = [s.name for s in bf.n_minus_1_scenarios(ds)]
    assert names == ["baseline", "close-x1", "close-x2"]
    closed = bf.n_minus_1_scenarios(ds, months=[1, 7])
    assert [s.name for s in closed][:2] == ["baseline-m01", "close-x1-m01"]
    assert closed[-1].horizon.month == 7 and closed[-1].events[0].crossing == "x2"
    assert bf.investment_candidates(ds) == ()


def test_investment_candidates_value_a_proposed_crossing_by_building_it(tmp_path, tiny_tables):
    tables = tiny_tables
    tables["crossings"].loc[1, "status"] = "proposed"
    ds = bf.load_dataset(tiny.write(tmp_path / "data", tables), check_borders=False)
    (project,) = bf.investment_candidates(ds)
    assert (project.name, project.kind) == ("x2", "build")
    assert [s.name for s in bf.n_minus_1_scenarios(ds)] == ["baseline", "close-x1"]


def test_an_example_scenario_is_found_by_name_and_an_unknown_one_named():
    path = bf.example_scenario("boten-2021")
    assert path.name == "boten-2021.yaml" and path.is_file()
    assert bf.example_scenario("boten-2021.yaml") == path
    with pytest.raises(bf.InputError, match=r"no example scenario.*boten-2021-closure"):
        bf.example_scenario("no-such-scenario")


def test_label_directions_names_each_direction_by_its_countries(ds):
    rows = pd.DataFrame({"crossing_id": ["x1", "x1"], "direction": ["a_to_b", "b_to_a"]})
    labelled = bf.label_directions(rows, ds.crossings)
    assert list(labelled.columns) == ["crossing_id", "direction", "dir"]
    assert labelled["dir"].str.contains("→").all()
    assert labelled["dir"].iloc[0] != labelled["dir"].iloc[1]


def test_raw_summary_keeps_the_digits_the_quoted_summary_rounds(tmp_path):
    """``Result.raw_summary``: the solver's numbers at full precision. At a price of USD
    1,000.123456789/t the day's objective is 200 x (11 - 1,000.123456789) = -197,824.6913578
    USD, 13 significant digits; ``summary`` quotes ten (-197,824.6914), ``raw_summary`` keeps
    them all, and a folder read back keeps only what it wrote."""
    t = tiny.base_tables()
    t["markets"].loc[0, "price_usd_per_t"] = 1000.123456789
    ds = bf.load_dataset(tiny.write(tmp_path / "data", t), check_borders=False)
    res = bf.solve(ds, bf.Scenario.closing(["x2"]))
    exact = 200 * (11 - 1000.123456789)
    raw = res.raw_summary
    assert raw["objective_usd"] == pytest.approx(exact, rel=1e-13, abs=0)
    assert res.summary["objective_usd"] == -197824.6914 != raw["objective_usd"]
    assert clean_summary(raw)["objective_usd"] == res.summary["objective_usd"]
    assert res.baseline.raw_summary["objective_usd"] == pytest.approx(exact, rel=1e-13, abs=0)
    raw["objective_usd"] = 0.0  # a copy: the result is not changed
    assert res.raw_summary["objective_usd"] == pytest.approx(exact, rel=1e-13, abs=0)
    again = bf.read_result(res.write(tmp_path / "run"))
    assert again.raw_summary == again.summary
