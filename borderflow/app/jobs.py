"""The run queue: scenarios solved one after another in worker processes, with progress and
cancel.

Each worker is a long-lived process (``spawn``: nothing of the server's threads is copied) that
imports borderflow and loads the dataset once, then solves the scenarios it is handed through
:func:`borderflow.app.engine.solve_to_folder`, reporting each stage over its own pipe. The
server's request threads never solve: they queue a job and return. A monitor thread reads the
workers' pipes, updates the jobs and hands the next queued job to an idle worker.

Cancel: a queued job is dropped; a running one is stopped by terminating its worker process
(HiGHS runs in C and cannot be interrupted politely), whose half-written temporary folders and
run folder are removed (the run folder was reserved, empty, by the app when the job was
queued, so it is the job's own), and a fresh worker is started. A job that fails or is
cancelled before it ran leaves its reservation removed (only if still empty). Run folders are
written atomically, so a stopped run never leaves a half-written folder behind.
"""

from __future__ import annotations

import itertools
import json
import logging
import multiprocessing as mp
import shutil
import threading
import time
import traceback
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path

from borderflow.app.paths import release, reserve

log = logging.getLogger(__name__)

STATES = ("queued", "running", "done", "failed", "cancelled")


@dataclass
class Job:
    """One scenario to solve into ``<runs>/<name>``."""

    id: str
    name: str
    scenario: str
    yaml_text: str
    filename: str
    state: str = "queued"
    stage: str = ""
    done: int = 0
    total: int = 0
    message: str = "waiting for a worker"
    error: str | None = None
    summary: dict | None = None
    submitted: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None

    def as_dict(self) -> dict:
        """The job as the page shows it (no YAML text)."""
        elapsed = None
        if self.started is not None:
            elapsed = round((self.finished or time.time()) - self.started, 1)
        return {"id": self.id, "name": self.name, "scenario": self.scenario,
                "state": self.state, "stage": self.stage, "done": self.done,
                "total": self.total, "message": self.message, "error": self.error,
                "elapsed_s": elapsed, "summary": self.summary}


def _clean(obj) -> dict:
    """A JSON-safe copy (numpy numbers become floats)."""
    return json.loads(json.dumps(obj, default=lambda v: float(v) if hasattr(v, "__float__")
                                 else str(v)))


def received(tasks, events):
    """The worker's side of the protocol: say ``ready``, then yield each task ``(job_id,
    yaml_text, filename, out)`` until ``None`` arrives."""
    events.send(("ready",))
    while True:
        try:
            task = tasks.recv()
        except EOFError:  # the server went away
            return
        if task is None:
            return
        yield task


def work(data, overlays, tasks, events) -> None:
    """Worker process: load the dataset once, then solve each task until ``None`` arrives.

    Messages sent on ``events``: ``("ready",)``, ``("fatal", message)``,
    ``("progress", job_id, stage, done, total, message)``, ``("done", job_id, summary)``,
    ``("failed", job_id, message)``.
    """
    from borderflow.app import engine

    try:
        tables = engine.load(data, overlays)
    except engine.InputError as err:
        events.send(("fatal", f"error: {err}"))
        return
    for job_id, yaml_text, filename, out in received(tasks, events):

        def progress(stage, done, total, message, job_id=job_id):
            events.send(("progress", job_id, stage, done, total, message))

        try:
            scenario = engine.check_scenario(yaml_text, filename, tables)
            summary = engine.solve_to_folder(tables, scenario, Path(out), progress, yaml_text)
            events.send(("done", job_id, _clean(summary)))
        except engine.InputError as err:
            events.send(("failed", job_id, f"error: {err}"))
        except engine.SolverError as err:
            message = f"solver: {err} (termination: {err.summary.termination})"
            events.send(("failed", job_id, message))
        except engine.FolderChanged as err:
            events.send(("failed", job_id, f"error: {err}"))
        except Exception as err:  # noqa: BLE001 - reported to the page, traceback to the log
            traceback.print_exc()
            events.send(("failed", job_id, f"internal error: {type(err).__name__}: {err}"))


class _Worker:
    """A worker process and its two pipes."""

    def __init__(self, ctx, data, overlays, target=work):
        task_r, self.tasks = ctx.Pipe(duplex=False)
        self.events, events_w = ctx.Pipe(duplex=False)
        self.process = ctx.Process(target=target, args=(data, overlays, task_r, events_w),
                                   daemon=True, name="borderflow-app-worker")
        self.process.start()
        task_r.close()
        events_w.close()
        self.ready = False
        self.job: Job | None = None

    def stop(self, timeout: float = 5.0) -> None:
        """Terminate the process (SIGTERM, then SIGKILL) and close the pipes."""
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(timeout)
            if self.process.is_alive():
                self.process.kill()
                self.process.join(timeout)
        for conn in (self.tasks, self.events):
            conn.close()


class RunQueue:
    """Jobs in order of submission, solved by ``workers`` worker processes.

    Parameters
    ----------
    root : Path
        The runs folder (resolved); each job writes ``root / job.name``.
    data, overlays
        The dataset, as for :func:`borderflow.app.engine.load`.
    workers : int
        Worker processes (each solves one job at a time; the machine's cores are the limit).
    target : callable
        The worker's main function (:func:`work`; tests pass one that does not solve).
    """

    def __init__(self, root: Path, data=None, overlays=(), workers: int = 1, target=work):
        self.root = root
        self._target = target
        self._args = (str(data) if data is not None else None, [str(o) for o in overlays])
        self._ctx = mp.get_context("spawn")
        self._lock = threading.RLock()
        self._jobs: dict[str, Job] = {}
        self._ids = itertools.count(1)
        self.fatal: str | None = None
        self._workers = [self._start() for _ in range(max(1, workers))]
        self._stopping = False
        self._monitor = threading.Thread(target=self._loop, name="borderflow-app-queue",
                                         daemon=True)
        self._monitor.start()

    def _start(self) -> _Worker:
        return _Worker(self._ctx, *self._args, target=self._target)

    # ---- the page's operations ---------------------------------------------------------------
    def submit(self, scenario_name: str, yaml_text: str, filename: str,
               folder: str | None = None) -> Job:
        """Queue a scenario (already validated by the caller); its run folder gets a free name
        under the runs folder (``folder`` or the scenario's name, suffixed if taken), reserved
        at once as an empty folder the app creates (:func:`~borderflow.app.paths.reserve`):
        the run is written only there."""
        with self._lock:
            taken = {j.name for j in self._jobs.values() if j.state in ("queued", "running")}
            name = reserve(self.root, folder or scenario_name, taken)
            job = Job(id=f"j{next(self._ids)}", name=name, scenario=scenario_name,
                      yaml_text=yaml_text, filename=filename)
            self._jobs[job.id] = job
        self._dispatch()
        return job

    def cancel(self, job_id: str) -> Job:
        """Cancel a queued job, or stop a running one (its worker is replaced).

        Raises
        ------
        KeyError
            If there is no such job.
        """
        with self._lock:
            job = self._jobs[job_id]
            if job.state == "queued":
                self._finish(job, "cancelled", "cancelled before it started")
                release(self.root, job.name)
                return job
            if job.state != "running":
                return job
            worker = next(w for w in self._workers if w.job is job)
            self._workers.remove(worker)
            worker.job = None
        worker.stop()
        self._remove_partial(job.name)
        with self._lock:
            self._finish(job, "cancelled", "cancelled: the worker process was stopped")
            self._workers.append(self._start())
        return job

    def jobs(self) -> list[dict]:
        """Every job, newest first."""
        with self._lock:
            return [j.as_dict() for j in sorted(self._jobs.values(), key=lambda j: j.submitted,
                                                reverse=True)]

    def get(self, job_id: str) -> Job:
        """A job by id (``KeyError`` if unknown)."""
        with self._lock:
            return self._jobs[job_id]

    def pending_names(self) -> set[str]:
        """Run folder names of queued and running jobs."""
        with self._lock:
            return {j.name for j in self._jobs.values() if j.state in ("queued", "running")}

    def close(self) -> None:
        """Stop the monitor and every worker process."""
        self._stopping = True
        self._monitor.join(2.0)
        with self._lock:
            workers, self._workers = self._workers, []
            for job in self._jobs.values():
                if job.state == "queued":
                    release(self.root, job.name)
        for w in workers:
            if w.job is not None:
                self._remove_partial(w.job.name)
            if w.process.is_alive() and w.ready and w.job is None:
                try:
                    w.tasks.send(None)
                    w.process.join(2.0)
                except (OSError, ValueError):
                    pass
            w.stop()

    # ---- internals -----------------------------------------------------------------------------
    def _finish(self, job: Job, state: str, message: str, error: str | None = None) -> None:
        job.state, job.message, job.error = state, message, error
        job.finished = time.time()

    def _remove_partial(self, name: str) -> None:
        """What a stopped job may have left: temporary folders of the atomic writers and its
        own run folder (its name was free when it was queued)."""
        for tmp in self.root.glob(f".{name}.*"):
            shutil.rmtree(tmp, ignore_errors=True) if tmp.is_dir() else tmp.unlink(True)
        target = self.root / name
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target, ignore_errors=True)

    def _dispatch(self) -> None:
        with self._lock:
            for worker in self._workers:
                if not worker.ready or worker.job is not None:
                    continue
                job = next((j for j in sorted(self._jobs.values(), key=lambda j: j.submitted)
                            if j.state == "queued"), None)
                if job is None:
                    return
                job.state, job.started, job.message = "running", time.time(), "starting"
                worker.job = job
                worker.tasks.send((job.id, job.yaml_text, job.filename,
                                   str(self.root / job.name)))

    def _handle(self, worker: _Worker, msg: tuple) -> None:
        kind = msg[0]
        with self._lock:
            if kind == "ready":
                worker.ready = True
            elif kind == "fatal":
                self.fatal = msg[1]
                for job in self._jobs.values():
                    if job.state == "queued":
                        self._finish(job, "failed", "the dataset could not be loaded", msg[1])
                        release(self.root, job.name)
            elif worker.job is not None and worker.job.id == msg[1]:
                job = worker.job
                if kind == "progress":
                    job.stage, job.done, job.total, job.message = msg[2:6]
                elif kind == "done":
                    job.summary = msg[2]
                    job.done = job.total
                    self._finish(job, "done", f"done: {job.name}")
                    worker.job = None
                elif kind == "failed":
                    self._finish(job, "failed", msg[2], msg[2])
                    release(self.root, job.name)
                    worker.job = None

    def _died(self, worker: _Worker) -> None:
        with self._lock:
            if worker not in self._workers:
                return
            self._workers.remove(worker)
            job = worker.job
            worker.process.join(2.0)
            code = worker.process.exitcode
            if job is not None:
                msg = f"the worker process stopped (exit code {code})"
                self._finish(job, "failed", msg, msg)
        worker.stop(0.5)
        if job is not None:
            self._remove_partial(job.name)
        with self._lock:
            if not self._stopping and self.fatal is None:
                self._workers.append(self._start())

    def _loop(self) -> None:
        while not self._stopping:
            with self._lock:
                by_conn = {w.events: w for w in self._workers}
                sentinels = {w.process.sentinel: w for w in self._workers}
            try:
                ready = wait([*by_conn, *sentinels], timeout=0.2)
            except (OSError, ValueError):  # a pipe closed by cancel while waiting
                continue
            for item in ready:
                worker = by_conn.get(item)
                if worker is not None:
                    try:
                        while worker.events.poll():
                            self._handle(worker, worker.events.recv())
                    except (EOFError, OSError, ValueError):
                        pass
                    continue
                worker = sentinels.get(item)
                if worker is not None and not self._stopping:
                    self._died(worker)
            self._dispatch()
