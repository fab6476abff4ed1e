"""The verifier's checks of a run folder's files (``borderflow.verify.folder``) on small folders
written here, no solve: the states no oracle case has (issue 16, the mutation run's ``folder``
survivors, session 22).

By hand: a folder of one result file ``a.csv`` with its manifest and marker is as written (one
passing ``manifest`` row). A map added at its top (``map.png``) is listed as not a result and
not checked (amount 0; the first row still passes); the same map in a sub-folder is a result
file added (amount 1, and the first row fails). A manifest edited after the run, with the
marker's checksum left as it was, is named as edited. A marker saying ``complete: false``, or
not saying ``complete``, adds a failing row. A run.json or summary.json that is not a JSON
object, or cannot be read, is a failing ``tables`` row with the reader's message on one line
cut to 120 characters; an unreadable parquet file the same with the error's type; each result
table missing is named; the optional tables are read when there. The input files named in
run.json are listed, a changed one failing. A CSV differing from its parquet names the first
five columns that differ and counts them all. ``coverage``: a column the checks re-derive, one
covered by the manifest's checksum, one of a table the manifest does not list.
"""

import hashlib
import json

import pandas as pd

from borderflow.io import METADATA, SUMMARY
from borderflow.manifest import MANIFEST, write_manifest
from borderflow.model.results import ResultTables
from borderflow.runfolder import MARKER, write_marker
from borderflow.verify.absent import ABSENT
from borderflow.verify.folder import (coverage, csv_checks, input_checks, manifest_checks,
                                       read_metadata_row, read_tables, verify_plan_files)


def _folder(tmp_path, complete=True):
    run = tmp_path / "run"
    run.mkdir()
    (run / "a.csv").write_text("x\n1\n", encoding="utf-8")
    sha = write_manifest(run, exclude=(MARKER,))
    write_marker(run, "run", complete=complete, manifest_sha256=sha)
    return run


def _rows(run):
    (report,) = manifest_checks(run)
    assert set(report["check"]) == {"manifest"} and set(report["unit"]) == {"files"}
    return list(zip(report["entity"], report["amount"], report["ok"]))


def test_a_folder_as_written_is_one_passing_row(tmp_path):
    assert _rows(_folder(tmp_path)) == [(f"{MANIFEST}: every file as written", 0.0, True)]


def test_a_map_added_at_the_top_is_listed_not_failed_but_in_a_sub_folder_it_fails(tmp_path):
    run = _folder(tmp_path)
    (run / "map.png").write_bytes(b"png")
    assert _rows(run) == [
        (f"{MANIFEST}: every file as written", 0.0, True),
        ("map.png: not in the manifest: added after the folder was written (not a result; "
         "not checked)", 0.0, True)]
    (run / "maps").mkdir()
    (run / "maps" / "map.png").write_bytes(b"png")
    assert _rows(run) == [
        (f"{MANIFEST}: files differ from what borderflow wrote", 1.0, False),
        ("map.png: not in the manifest: added after the folder was written (not a result; "
         "not checked)", 0.0, True),
        ("maps/map.png: not in the manifest: added after the folder was written", 1.0, False)]


def test_a_manifest_edited_behind_its_marker_is_named(tmp_path):
    run = _folder(tmp_path)
    doc = json.loads((run / MANIFEST).read_text(encoding="utf-8"))
    (run / MANIFEST).write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    assert _rows(run) == [
        (f"{MANIFEST}: files differ from what borderflow wrote", 1.0, False),
        (f"{MANIFEST}: edited since it was written (its SHA-256 is not the one in the folder's "
         "marker)", 1.0, False)]


def test_an_incomplete_marker_adds_a_failing_row(tmp_path):
    assert _rows(_folder(tmp_path, complete=False)) == [
        (f"{MANIFEST}: every file as written", 0.0, True),
        (f"{MARKER}: marked incomplete (a writer was stopped)", 1.0, False)]
    run = tmp_path / "run"  # a marker that does not say it is complete is not complete
    doc = json.loads((run / MARKER).read_text(encoding="utf-8"))
    del doc["complete"]
    (run / MARKER).write_text(json.dumps(doc), encoding="utf-8")
    assert _rows(run)[-1] == (f"{MARKER}: marked incomplete (a writer was stopped)", 1.0, False)


def _report(parts):
    (report,) = parts
    return list(zip(report["check"], report["entity"], report["amount"], report["unit"]))


def test_an_unreadable_run_json_is_one_failing_row_cut_to_120_characters(tmp_path):
    (tmp_path / METADATA).write_text('{"a": 1}', encoding="utf-8")
    assert read_metadata_row(tmp_path) == ({"a": 1}, [])
    (tmp_path / METADATA).write_text("[1, 2]", encoding="utf-8")  # JSON, not an object
    meta, found = read_metadata_row(tmp_path)
    assert meta is None
    assert _report(found) == [("tables", f"{METADATA} unreadable (not a JSON object)", 1.0,
                               "files")]
    deep = tmp_path / ("d" * 150)  # run.json a folder: the reader's message names its path
    (deep / METADATA).mkdir(parents=True)
    said = f"[Errno 21] Is a directory: '{deep / METADATA}'"
    assert len(said) > 150
    assert _report(read_metadata_row(deep)[1]) == [
        ("tables", f"{METADATA} unreadable ({said[:120]})", 1.0, "files")]


def test_result_tables_missing_unreadable_or_optional_and_the_summary(tmp_path):
    flows = pd.DataFrame({"arc_id": ["x1:a_to_b"], "flow_t": [80.0]})
    flows.to_parquet(tmp_path / "flows.parquet")
    stock = pd.DataFrame({"origin": ["o"], "stock_t": [5.0]})
    stock.to_parquet(tmp_path / "origin_stock.parquet")  # an optional table, read when there
    (tmp_path / SUMMARY).write_text('{"status": "optimal"}', encoding="utf-8")
    results, found = read_tables(tmp_path)
    assert results.summary == {"status": "optimal"}
    pd.testing.assert_frame_equal(results.flows, flows)
    pd.testing.assert_frame_equal(results.origin_stock, stock)
    assert results.congestion.empty and not results.congestion.attrs  # optional, absent
    missing = [n for n in ResultTables.TABLES if n != "flows"]
    assert {n: getattr(results, n).attrs.get(ABSENT) for n in missing} == dict.fromkeys(
        missing, "missing")
    assert [list(f["entity"]) for f in found] == [
        [f"{n}.parquet missing (deleted, or a folder written by an older borderflow)"
         for n in missing], [f"{len(ResultTables.TABLES)} result tables read"]]
    assert [list(f["amount"]) for f in found] == [[1.0] * len(missing), [0.0]]
    assert {c for f in found for c in f["check"]} == {"tables"}
    assert {u for f in found for u in f["unit"]} == {"files"}


def test_an_unreadable_parquet_and_summary_are_named_with_the_readers_message(tmp_path):
    for name in ResultTables.TABLES:
        pd.DataFrame({"x": [1.0]}).to_parquet(tmp_path / f"{name}.parquet")
    (tmp_path / "flows.parquet").write_bytes(b"not a parquet file")
    try:
        pd.read_parquet(tmp_path / "flows.parquet")
    except Exception as err:  # noqa: BLE001 - the reader's own message, whatever its type
        said = f"{type(err).__name__}: {' '.join(str(err).split())[:120]}"
        assert len(" ".join(str(err).split())) > 120
    (tmp_path / SUMMARY).write_text("[1, 2]", encoding="utf-8")
    results, found = read_tables(tmp_path)
    assert results.summary == {} and results.flows.attrs.get(ABSENT) == "unreadable"
    assert _report(found[:1]) == [
        ("tables", f"flows.parquet unreadable ({said})", 1.0, "files"),
        ("tables", f"{SUMMARY} unreadable (not a JSON object)", 1.0, "files")]
    (tmp_path / SUMMARY).unlink()
    deep = tmp_path / ("d" * 150)
    deep.mkdir()
    (deep / SUMMARY).mkdir()  # summary.json a folder: the message names its path, cut
    said = f"[Errno 21] Is a directory: '{deep / SUMMARY}'"
    assert _report(read_tables(deep)[1][:1])[-1] == (
        "tables", f"{SUMMARY} unreadable ({said[:120]})", 1.0, "files")


def test_input_files_are_named_and_a_changed_one_fails(tmp_path):
    same, edited = tmp_path / "a.csv", tmp_path / "b.csv"
    same.write_text("x\n1\n", encoding="utf-8")
    edited.write_text("x\n2\n", encoding="utf-8")
    meta = {"input_sha256": {str(same): hashlib.sha256(b"x\n1\n").hexdigest(),
                             str(edited): hashlib.sha256(b"x\n1\n").hexdigest()}}
    assert _report(input_checks(tmp_path, meta)) == [
        ("input_checksum", f"input {same}", 0.0, "files"),
        ("input_checksum", f"input {edited} (changed since the run)", 1.0, "files")]
    assert _report(input_checks(tmp_path, {})) == []


def test_each_csv_against_its_parquet_names_at_most_five_columns(tmp_path):
    six = pd.DataFrame({c: [1.0] for c in "abcdef"})
    six.to_parquet(tmp_path / "t.parquet")
    (tmp_path / "t.csv").write_text("a,b,c,d,e,f\n2,2,2,2,2,2\n", encoding="utf-8")
    two = pd.DataFrame({"a": [1.0], "b": [1.0], "c": [1.0]})
    two.to_parquet(tmp_path / "u.parquet")
    (tmp_path / "u.csv").write_text("a,b,c\n1.0,2,3\n", encoding="utf-8")
    two.to_parquet(tmp_path / "v.parquet")  # no CSV beside it
    two.to_parquet(tmp_path / "w.parquet")
    (tmp_path / "w.csv").write_text("a,b,c\n1.0,1.0,1.0\n", encoding="utf-8")  # as written
    two.to_parquet(tmp_path / "x.parquet")
    (tmp_path / "x.csv").write_bytes(b"\xff\n")  # not UTF-8
    assert _report(csv_checks(tmp_path)) == [
        ("csv_parquet", "t.csv differs from t.parquet in a, b, c, d, e", 6.0, "columns"),
        ("csv_parquet", "u.csv differs from u.parquet in b, c", 2.0, "columns"),
        ("csv_parquet", "v.csv missing (its parquet is there)", 1.0, "columns"),
        ("csv_parquet", "w.csv = w.parquet", 0.0, "columns"),
        ("csv_parquet", "x.csv differs from x.parquet in (unreadable: 'utf-8' codec can't "
         "decode byte 0xff in position 0: invalid start byte)", 1.0, "columns")]
    assert csv_checks(tmp_path / "t.csv") == []  # no parquet file: no row, no frame


def test_coverage_says_how_each_column_is_checked(tmp_path):
    pd.DataFrame({"route_id": ["r1"], "variant": ["cheapest"]}).to_parquet(
        tmp_path / "route_flows.parquet")
    (tmp_path / "route_flows.csv").write_text("route_id,variant\nr1,cheapest\n",
                                              encoding="utf-8")
    write_manifest(tmp_path)
    pd.DataFrame({"z": [1]}).to_parquet(tmp_path / "extra.parquet")  # after the manifest
    assert coverage(tmp_path) == [
        {"table": "extra", "column": "z", "coverage": "none", "files": ""},
        {"table": "route_flows", "column": "route_id", "coverage": "re-derived",
         "files": "route_flows.parquet, route_flows.csv"},
        {"table": "route_flows", "column": "variant", "coverage": "checksum",
         "files": "route_flows.parquet, route_flows.csv"}]


def test_a_plan_folder_without_run_json_or_data_is_checked_for_its_files_alone(tmp_path):
    run = _folder(tmp_path)  # no run.json, no data given: the files only, no input is read

    def read(folder):
        return {"tables": {}, "documents": {}, "folders": []}, []

    def check(contents, tables):
        raise AssertionError("checked without inputs")

    report = verify_plan_files(run, read, check)
    assert list(zip(report["check"], report["entity"], report["ok"])) == [
        ("manifest", f"{MANIFEST}: every file as written", True)]


def test_a_plan_folder_checked_against_data_and_an_overlay_given(tmp_path):
    import tiny  # a dataset given (``verify --data --overlay``): its tables, the overlay's on top

    from borderflow.verify.report import rows

    run = _folder(tmp_path)
    data = tiny.write(tmp_path / "data")
    t = tiny.base_tables()
    t["crossings"].loc[0, "name"] = "X1 NEW"
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    t["crossings"].to_csv(overlay / "crossings.csv", index=False)

    def read(folder):
        return {"tables": {}, "documents": {}, "folders": []}, []

    def check(contents, tables):
        return rows("seen", ", ".join(tables.crossings["name"]), 0.0, "-")

    report = verify_plan_files(run, read, check, data, [overlay])
    assert list(report.loc[report["check"] == "seen", "entity"]) == ["X1 NEW, X2"]
    report = verify_plan_files(run, read, check, data)
    assert list(report.loc[report["check"] == "seen", "entity"]) == ["X1, X2"]
