"""The workbench's web server: a FastAPI app serving one offline page and a small JSON API.

Routes (all JSON unless said otherwise; errors are ``{"error": "<one line>"}``):

- ``GET /`` the page; ``/static/*`` its script and style; ``/assets/leaflet/*`` the Leaflet
  bundled with borderflow (no CDN, nothing fetched from outside);
- ``GET /api/status``: dataset, runs folder, reference baseline, workers;
- ``GET /api/network``: the network's geometry and attributes (once per page load);
- ``POST /api/scenario/check`` ``{yaml, filename}``: validated as ``borderflow solve
  --scenario`` validates a file (same one-line error);
- ``POST /api/runs`` ``{yaml, filename, folder?}``: validate and queue; ``GET /api/jobs``;
  ``POST /api/jobs/{id}/cancel``;
- ``GET /api/runs``: run and sweep folders under the runs folder;
- ``GET /api/result?run=``, ``GET /api/compare?a=&b=``, ``GET /api/sweep?folder=``;
- ``GET /api/download?run=&what=gpkg|geoparquet|png|file&name=`` (files).

Request bodies are limited to :data:`MAX_UPLOAD_BYTES`; every folder name goes through
:func:`borderflow.app.paths.inside` (no absolute paths, ``..`` or symlinks).
"""

from __future__ import annotations

import io
import json
import logging
import shutil
import threading
import zipfile
from importlib import resources
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from borderflow.app import engine, views
from borderflow.app.jobs import RunQueue
from borderflow.app.paths import Refused, file_in, inside

log = logging.getLogger(__name__)

#: largest request body accepted (a scenario file is a few kB)
MAX_UPLOAD_BYTES = 256 * 1024
#: the reference baseline the network view colours by (solved at start if missing)
BASELINE = "baseline"
#: the app's own folder under the runs folder for downloads a run folder does not hold
#: (hidden: not listed, and the page cannot name it)
CACHE = ".borderflow-app"
BASELINE_YAML = ("# the undisrupted baseline: a representative day (annual average), solved "
                 "by the app\nname: baseline\n")


def _static_dir(*parts: str) -> str:
    return str(resources.files("borderflow").joinpath(*parts))


class Workbench:
    """State of one app: dataset, runs folder, run queue and caches.

    Parameters
    ----------
    runs : Path
        Runs folder (created if missing).
    data, overlays
        Dataset (default: embedded).
    workers : int
        Worker processes solving runs.
    baseline : bool
        Queue the reference baseline at start if the runs folder has none for this dataset.
    queue_options : dict, optional
        More arguments of :class:`RunQueue` (tests give a worker that does not solve).
    """

    def __init__(self, runs: Path, data=None, overlays=(), workers: int = 1,
                 baseline: bool = True, queue_options: dict | None = None):
        self.tables = engine.load(data, overlays)  # InputError: the CLI prints it, exit 2
        runs.mkdir(parents=True, exist_ok=True)
        self.root = runs.resolve()
        self.data = data
        self.network = json.dumps(views.network(self.tables), separators=(",", ":"))
        self.queue = RunQueue(self.root, data, overlays, workers, **(queue_options or {}))
        self._cache: dict[tuple, dict] = {}
        self._cache_lock = threading.Lock()
        self.baseline = self._find_baseline()
        if self.baseline is None and baseline:
            job = self.queue.submit(BASELINE, BASELINE_YAML, "baseline.yaml", folder=BASELINE)
            self.baseline = job.name

    def _find_baseline(self) -> str | None:
        for folder in sorted(self.root.glob(f"{BASELINE}*")):
            if folder.is_symlink() or engine.folder_kind(folder) != "run":
                continue
            try:
                meta = engine.read_result(folder).metadata
            except (OSError, ValueError):  # InputError too: not a readable run folder
                continue
            if (meta.get("scenario", {}).get("name") == BASELINE
                    and engine.same_inputs(meta, self.tables)):
                return folder.name
        return None

    # ---- runs folder ---------------------------------------------------------------------------
    def folder(self, rel: str) -> Path:
        """A folder under the runs folder (raises :class:`Refused`)."""
        return inside(self.root, rel)

    def folder_of(self, rel: str, kind: str) -> Path:
        """A run (``kind="run"``) or sweep folder under the runs folder; HTTP 404 if the folder
        is not one (raises :class:`Refused` for an unsafe name)."""
        folder = self.folder(rel)
        if engine.folder_kind(folder) != kind:
            raise HTTPException(404, f"'{rel}' is not a {kind} folder")
        return folder

    def cache_for(self, folder: Path) -> Path:
        """The app's own folder for what it derives from ``folder`` (a GeoPackage, GeoParquet
        or PNG the run folder does not hold): ``<runs>/.borderflow-app/<folder>/<state>/``,
        created by the app; those of earlier states of ``folder`` are removed. The app never
        writes into a run or sweep folder after it was written.

        Raises
        ------
        Refused
            If the cache folder is a symbolic link.
        """
        top = self.root / CACHE
        if top.is_symlink():
            raise Refused(f"'{CACHE}' in the runs folder is a symbolic link; remove it")
        key = top / folder.relative_to(self.root).as_posix().replace("/", "~")
        out = key / str(self._stamp(folder))
        if not out.is_dir():
            if key.is_dir():
                for old in key.iterdir():
                    shutil.rmtree(old, ignore_errors=True)
            out.mkdir(parents=True, exist_ok=True)
        return out

    def runs(self) -> list[dict]:
        """Run and sweep folders directly under the runs folder, newest first."""
        out = []
        for folder in self.root.iterdir():
            if folder.name.startswith(".") or folder.is_symlink() or not folder.is_dir():
                continue
            kind = engine.folder_kind(folder)
            if kind == "run":
                s = engine.run_summary(folder)
                out.append({"name": folder.name, "kind": "run",
                            "scenario": s.get("scenario", folder.name),
                            "status": s.get("status"), "period_label": s.get("period_label"),
                            "objective_usd": views.rnd(s.get("objective_usd"), "usd"),
                            "has_baseline": engine.folder_kind(
                                folder / engine.BASELINE_FOLDER) == "run",
                            "mtime": folder.stat().st_mtime})
            elif kind == "sweep":
                out.append({"name": folder.name, "kind": "sweep", "scenario": "",
                            "status": "sweep", "period_label": "", "objective_usd": None,
                            "has_baseline": False, "mtime": folder.stat().st_mtime})
        return sorted(out, key=lambda r: (-r["mtime"], r["name"]))

    @staticmethod
    def _stamp(folder: Path) -> int:
        """A folder's state: the time its ``summary.json`` or ``plan.json`` was written."""
        return max((p.stat().st_mtime_ns for p in (folder / "summary.json",
                                                     folder / "plan.json") if p.exists()),
                   default=0)

    def cached(self, key: str, folder: Path, build) -> dict:
        """``build()`` once per folder state (its ``summary.json`` or ``plan.json`` time)."""
        k = (key, str(folder), self._stamp(folder))
        with self._cache_lock:
            if k in self._cache:
                return self._cache[k]
        value = build()
        with self._cache_lock:
            self._cache[k] = value
        return value

    def check(self, yaml_text: str, filename: str):
        """Validate scenario text as the CLI does (raises ``engine.InputError``)."""
        return engine.check_scenario(yaml_text, filename, self.tables)


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _json_body(request: Request) -> dict:
    """The request's JSON body, refused above :data:`MAX_UPLOAD_BYTES`."""
    declared = request.headers.get("content-length")
    if declared is not None and int(declared) > MAX_UPLOAD_BYTES:
        raise HTTPException(413, f"request larger than {MAX_UPLOAD_BYTES // 1024} kB")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_UPLOAD_BYTES:
            raise HTTPException(413, f"request larger than {MAX_UPLOAD_BYTES // 1024} kB")
    try:
        doc = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise HTTPException(400, "the request is not JSON") from None
    if not isinstance(doc, dict):
        raise HTTPException(400, "the request must be a JSON object")
    return doc


def _scenario_fields(doc: dict) -> tuple[str, str]:
    text, filename = doc.get("yaml"), doc.get("filename") or "scenario.yaml"
    if not isinstance(text, str) or not isinstance(filename, str):
        raise HTTPException(400, "'yaml' and 'filename' must be text")
    name = Path(filename.replace("\\", "/")).name  # a browser may send C:\fakepath\x.yaml
    if not name or name.startswith(".") or not name.lower().endswith((".yaml", ".yml")):
        raise HTTPException(400, f"'{filename}': a scenario file must be a .yaml or .yml file")
    return text, name


def create_app(bench: Workbench) -> FastAPI:
    """The FastAPI application of a :class:`Workbench`."""
    app = FastAPI(title="borderflow workbench", docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.add_middleware(GZipMiddleware, minimum_size=2048)
    app.state.bench = bench
    app.mount("/static", StaticFiles(directory=_static_dir("app", "static")), name="static")
    app.mount("/assets/leaflet", StaticFiles(directory=_static_dir("assets", "leaflet")),
              name="leaflet")

    @app.exception_handler(HTTPException)
    async def http_error(_request, exc: HTTPException):
        return _error(exc.status_code, str(exc.detail))

    @app.exception_handler(Refused)
    async def refused(_request, exc: Refused):
        return _error(400, str(exc))

    @app.get("/")
    def index():
        return FileResponse(_static_dir("app", "static", "index.html"),
                            media_type="text/html; charset=utf-8")

    @app.get("/favicon.ico")
    def favicon():
        return Response(status_code=204)

    @app.get("/api/status")
    def status():
        q = bench.queue
        return {"runs_folder": str(bench.root), "baseline": bench.baseline,
                "dataset": str(bench.data) if bench.data else "embedded dataset",
                "workers_fatal": q.fatal, "max_upload_bytes": MAX_UPLOAD_BYTES}

    @app.get("/api/network")
    def network():
        return Response(bench.network, media_type="application/json")

    @app.post("/api/scenario/check")
    async def check(request: Request):
        text, filename = _scenario_fields(await _json_body(request))
        try:
            scenario = bench.check(text, filename)
        except engine.InputError as err:
            return _error(400, f"error: {err}")
        dated = scenario.horizon.start is not None
        return {"ok": True, "name": scenario.name, "events": len(scenario.events),
                "dated": dated, "days": scenario.horizon.days if dated else None,
                "month": scenario.horizon.month}

    @app.post("/api/runs")
    async def submit(request: Request):
        doc = await _json_body(request)
        text, filename = _scenario_fields(doc)
        try:
            scenario = bench.check(text, filename)
        except engine.InputError as err:
            return _error(400, f"error: {err}")
        folder = doc.get("folder") or None
        if folder is not None:
            inside(bench.root, folder, must_exist=False)  # checks the name
            if "/" in folder:
                raise Refused(f"'{folder}': a run folder is one name")
        return bench.queue.submit(scenario.name, text, filename, folder=folder).as_dict()

    @app.get("/api/jobs")
    def jobs():
        return bench.queue.jobs()

    @app.post("/api/jobs/{job_id}/cancel")
    def cancel(job_id: str):
        try:
            return bench.queue.cancel(job_id).as_dict()
        except KeyError:
            return _error(404, f"no job '{job_id}'")

    @app.get("/api/runs")
    def runs():
        return bench.runs()

    @app.get("/api/result")
    def result(run: str):
        folder = bench.folder_of(run, "run")
        return bench.cached("result", folder, lambda: views.run(folder, run))

    @app.get("/api/compare")
    def compare(a: str, b: str):
        return views.compare(bench.folder_of(a, "run"), a, bench.folder_of(b, "run"), b)

    @app.get("/api/sweep")
    def sweep(folder: str):
        f = bench.folder_of(folder, "sweep")
        return bench.cached("sweep", f, lambda: views.sweep(f, folder))

    @app.get("/api/download")
    def download(run: str, what: str, name: str = ""):
        folder = bench.folder(run)
        if engine.folder_kind(folder) is None:
            return _error(404, f"'{run}' is not a run or sweep folder")
        stem = folder.name
        if what == "gpkg":
            path = engine.export(folder, "gpkg", bench.cache_for(folder), bench.data)[0]
            return FileResponse(path, filename=f"{stem}.gpkg",
                                media_type="application/geopackage+sqlite3")
        if what == "geoparquet":
            written = engine.export(folder, "geoparquet", bench.cache_for(folder), bench.data)
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
                for p in sorted(written):
                    z.write(p, arcname=f"{stem}-geoparquet/{p.name}")
            return Response(buf.getvalue(), media_type="application/zip", headers={
                "Content-Disposition": f'attachment; filename="{stem}-geoparquet.zip"'})
        if what == "png":
            path = engine.map_png(folder, bench.cache_for(folder), bench.data)
            return FileResponse(path, filename=f"{stem}.png", media_type="image/png")
        if what == "file":
            path = file_in(folder, name)
            return FileResponse(path, filename=f"{stem}-{path.name}")
        return _error(400, f"unknown download '{what}'")

    return app
