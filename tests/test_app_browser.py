"""The workbench driven in a real browser (Playwright + Debian's /usr/bin/chromium), as an
analyst uses it, on the embedded dataset: ``borderflow app`` is started as a user starts it.

One server for the module; its reference baseline and one Boten–Mohan closure are solved once
and reused. Screenshots of the main views go to ``$BORDERFLOW_APP_SHOTS`` (default: the test's
temporary folder); docs/img/app-*.png are these files.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
playwright_api = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():
    pytest.skip("chromium is not installed (Debian package 'chromium'; .ci/run installs it)",
                allow_module_level=True)

SOLVE_TIMEOUT_MS = 240_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str):
    with urllib.request.urlopen(url, timeout=10) as res:
        return json.loads(res.read())


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``borderflow app`` on a free port, its runs folder, and its URL."""
    runs = tmp_path_factory.mktemp("app") / "runs"
    port = _free_port()
    exe = shutil.which("borderflow") or str(Path(sys.executable).with_name("borderflow"))
    proc = subprocess.Popen([exe, "app", "--runs", str(runs), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    end = time.monotonic() + 120
    while True:
        try:
            _get(url + "/api/status")
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > end:
                proc.kill()
                pytest.fail(f"borderflow app did not start: {proc.stdout.read()}")
            time.sleep(0.3)
    yield url, runs
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    folder = Path(os.environ.get("BORDERFLOW_APP_SHOTS") or tmp_path_factory.mktemp("shots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def page(server, browser):
    url, _ = server
    ctx = browser.new_context(viewport={"width": 1400, "height": 860}, accept_downloads=True)
    pg = ctx.new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("request", lambda r: errors.append(f"external request {r.url}")
          if not r.url.startswith((url, "data:", "blob:")) else None)
    pg.goto(url)
    pg.wait_for_selector("body[data-ready='1']", timeout=30_000)
    pg.errors = errors
    yield pg
    ctx.close()


def _choose_crossing(pg, crossing_id: str, name: str) -> None:
    """Click a crossing on the map as a person does (a road gate and its rail gate share a
    spot: the page then asks which one)."""
    pg.locator(f".bf-x-{crossing_id}").click(force=True)
    chooser = pg.get_by_role("button", name=name, exact=True)
    if chooser.count():
        chooser.click()
    pg.wait_for_selector("#crossing-card:not(.hidden)")
    assert name in pg.inner_text("#crossing-card h4")


def _wait_baseline(url: str) -> None:
    end = time.monotonic() + SOLVE_TIMEOUT_MS / 1000
    while time.monotonic() < end:
        jobs = {j["name"]: j for j in _get(url + "/api/jobs")}
        if jobs.get("baseline", {}).get("state") == "done":
            return
        assert jobs.get("baseline", {}).get("state") != "failed", jobs
        time.sleep(0.5)
    raise AssertionError("the baseline was not solved in time")


def test_network_map_ready_with_hover_details(page, server, shots):
    url, _ = server
    assert page.evaluate("window.bfReadyMs") > 0
    from borderflow import load_dataset

    ds = load_dataset()  # every crossing and link of the embedded dataset is drawn
    assert page.locator(".bf-crossing").count() == len(ds.crossings)
    assert page.locator(".bf-link").count() == len(ds.links)
    page.locator(".bf-x-kim-thanh-hekou").dispatch_event("mouseover")
    tip = page.inner_text(".leaflet-tooltip:not(.label-country)")
    assert "Kim Thanh" in tip and "capacity VN→CN" in tip and "source" in tip
    assert "quality" in tip or "published" in tip
    _wait_baseline(url)
    page.evaluate("loadBaseline()")
    page.select_option("#mode-select", "util")
    page.wait_for_function("document.querySelector('#legend').innerText.includes('representative')")
    page.screenshot(path=str(shots / "app-network.png"))
    assert not page.errors


def test_close_boten_mohan_reroutes_and_costs_more(page, server, shots):
    url, runs = server
    _wait_baseline(url)
    page.click("#tabs button[data-tab=whatif]")
    _choose_crossing(page, "boten-mohan", "Boten–Mohan")
    page.click("#act-close")
    assert "{crossing: boten-mohan}" in page.input_value("#yaml")
    page.wait_for_function("document.querySelector('#scenario-ok').innerText.includes('valid')")
    page.screenshot(path=str(shots / "app-whatif.png"))
    page.click("#run")
    page.wait_for_selector("#result-title", timeout=SOLVE_TIMEOUT_MS)
    assert page.inner_text("#result-title") == "close-boten-mohan"
    # the reroute table: Boten–Mohan loses its trucks, other gates gain them
    rows = page.locator("table.reroute tbody tr")
    first = rows.first.inner_text().split("\t")
    assert first[0] == "Boten–Mohan" and first[1] == "LA→CN" and first[4].startswith("-")
    gains = [r.split("\t") for r in rows.all_inner_texts() if r.split("\t")[4].startswith("+")]
    assert gains, "no crossing gained the flow"
    products = page.locator("table.reroute-products tbody tr").all_inner_texts()
    assert any(r.startswith("Boten–Mohan\tLA→CN") and r.split("\t")[-1].startswith("-")
               for r in products)
    # the cost rises: the net value falls and the headline says what it costs
    assert "costs USD" in page.inner_text("#headline")
    net = page.locator("table.costs tbody tr").first.inner_text().split("\t")
    assert net[0].startswith("net value") and net[3].startswith("-")
    # the map: Boten–Mohan drawn as losing flow, other gates and links as gaining it
    assert page.locator(".bf-x-boten-mohan.bf-loss").count() == 1
    assert page.locator(".bf-crossing.bf-gain").count() >= 2
    assert page.locator(".bf-link.bf-loss").count() >= 1
    assert page.locator(".bf-link.bf-gain").count() >= 1
    assert (runs / "close-boten-mohan" / "summary.json").is_file()
    assert (runs / "close-boten-mohan" / "baseline" / "summary.json").is_file()
    page.screenshot(path=str(shots / "app-result.png"))
    assert not page.errors


def test_malformed_upload_shows_the_one_line_error(page, tmp_path):
    page.click("#tabs button[data-tab=whatif]")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: oops\nevents:\n  - {crossing: boten-mohn, close: {from: 2023-10-01}}\n")
    page.set_input_files("#upload-yaml", str(bad))
    page.wait_for_function("document.querySelector('#scenario-error').innerText.length > 0")
    assert page.inner_text("#scenario-error") == (
        "error: bad.yaml, row 3, field 'events[0].crossing': scenario oops: unknown crossing "
        "'boten-mohn' (did you mean 'boten-mohan'?)")
    page.click("#run")
    page.wait_for_function("document.querySelector('#scenario-error').innerText.includes("
                           "'boten-mohn')")
    page.wait_for_function("!document.querySelector('#run').disabled")  # the run's answer
    big = tmp_path / "big.yaml"
    big.write_text("# " + "x" * 300_000 + "\nname: big\n")
    page.set_input_files("#upload-yaml", str(big))
    # the page reads the file asynchronously: wait for the new message, then check it (an
    # immediate read could still see the previous file's error, as CI did once under load)
    page.wait_for_function("document.querySelector('#scenario-error').innerText.includes("
                           "'larger than')")
    assert "larger than" in page.inner_text("#scenario-error")


def test_download_geopackage_opens_with_pyogrio(page, tmp_path):
    import pyogrio

    page.evaluate("openResult('close-boten-mohan')")
    page.wait_for_selector("#result-title")
    with page.expect_download() as info:
        page.click("a.dl-gpkg")
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.suffix == ".gpkg"
    layers = {name for name, _ in pyogrio.list_layers(path)}
    assert {"links", "crossings", "routes", "data_dictionary"} <= layers
    cr = pyogrio.read_dataframe(path, layer="crossings").set_index("crossing_id")
    assert cr.loc["boten-mohan", "flow_delta_trucks"] < -1
    assert cr.loc["boten-mohan", "state"] == "closed"
    with page.expect_download() as info:
        page.click("a.dl-png")
    assert info.value.suggested_filename.endswith(".png")


def test_queue_several_runs_and_cancel_one(page, server, shots):
    _, runs = server
    page.click("#tabs button[data-tab=whatif]")
    dated = ("name: boten-dated-cancel\nhorizon: {start: 2023-10-06, days: 30}\nevents:\n"
             "  - {crossing: boten-mohan, close: {from: 2023-10-10, to: 2023-10-19}}\n")
    page.fill("#yaml", dated)
    page.click("#run")
    page.fill("#yaml", "name: lychee-up\nhorizon: {month: 6}\nevents:\n"
                       "  - {supply: {product: lychee, factor: 1.5}}\n")
    page.click("#run")
    page.click("#tabs button[data-tab=runs]")
    job = page.locator(".job[data-name='boten-dated-cancel']")
    job.locator(".state", has_text="running").wait_for(timeout=60_000)
    page.screenshot(path=str(shots / "app-queue.png"))
    job.locator("button.cancel").click()
    job.locator(".state", has_text="cancelled").wait_for(timeout=30_000)
    assert not (runs / "boten-dated-cancel").exists()
    assert not list(runs.glob(".boten-dated-cancel*"))
    nxt = page.locator(".job[data-name='lychee-up'] .state")
    nxt.filter(has_text="done").wait_for(state="attached", timeout=SOLVE_TIMEOUT_MS)


def test_dated_run_shows_queue_charts(page):
    page.click("#tabs button[data-tab=whatif]")
    # announced on day 0: the default dispatch (auto) solves it with foresight, as before
    page.fill("#yaml", "name: boten-oct-3d\nhorizon: {start: 2023-10-08, days: 7}\nevents:\n"
                       "  - {crossing: boten-mohan, close: {from: 2023-10-09, to: 2023-10-11},"
                       " announced: 2023-10-08}\n")
    page.click("#run")
    page.wait_for_function("document.querySelector('#result-title')?.innerText === "
                           "'boten-oct-3d'", timeout=SOLVE_TIMEOUT_MS)
    assert page.locator("svg.chart").count() >= 1
    assert "Boten–Mohan" in page.locator("svg.chart").first.inner_html()


def test_compare_two_runs(page, shots):
    page.click("#tabs button[data-tab=runs]")
    page.locator("#runs button[data-a='baseline']").click()
    page.select_option("#cmp-b", "close-boten-mohan")
    page.click("#cmp-go")
    page.wait_for_selector("table.cmp-crossings")
    rows = page.locator("table.cmp-crossings tbody tr").all_inner_texts()
    assert any(r.startswith("Boten–Mohan\tLA→CN") and r.split("\t")[-1].startswith("-")
               for r in rows)
    assert page.locator(".bf-x-boten-mohan.bf-loss").count() == 1
    page.screenshot(path=str(shots / "app-compare.png"))


def test_sweep_folder_rankings_on_the_map(page, server, shots):
    from distributed import Client, LocalCluster
    from borderflow.sweeps.runner import NO_DASHBOARD

    import borderflow as bf

    _, runs = server
    spec = runs.parent / "sweep.yaml"
    spec.write_text("scenarios:\n  - {name: no-boten, events: [{crossing: boten-mohan}]}\n"
                    "  - {name: no-kim-thanh, events: [{crossing: kim-thanh-hekou}]}\n"
                    "investments:\n  projects: [ba-sai-ban-vuoc]\n  under: all\n")
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                      **NO_DASHBOARD) as cluster, Client(cluster) as client:
        bf.sweep(bf.plan_sweep(spec), runs / "sweep", client=client)
    page.click("#tabs button[data-tab=runs]")
    page.evaluate("loadRuns()")
    page.click("#tabs button[data-tab=sweep]")
    page.wait_for_function("document.querySelector('#sweep-select').options.length > 0")
    page.select_option("#sweep-select", "sweep")
    page.click("#sweep-go")
    page.wait_for_selector("table.criticality")
    crit = page.locator("table.criticality tbody tr").all_inner_texts()
    assert len(crit) == 2 and any("Boten–Mohan" in r for r in crit)
    assert page.locator("table.investments tbody tr").count() == 1
    assert page.input_value("#mode-select") == "criticality"
    page.screenshot(path=str(shots / "app-sweep.png"))
