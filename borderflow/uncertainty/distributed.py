"""Samples solved on Dask workers, each worker keeping its own models (``--workers N``).

The client of :func:`borderflow.sweeps.runner.dask_client` (a LocalCluster of single-threaded
worker processes, or a scheduler's) is reused. The run's inputs (tables, scenario, options,
sampled space, mode) are scattered once to every worker; a task solves a chunk of sample rows
(:func:`solve_chunk`): the worker builds its kept models on its first task
(:func:`borderflow.uncertainty.kept.kept_models`) and keeps them, per run token, for the next
ones. Every sample restarts HiGHS from the point's basis, so its answer does not depend on the
worker or the order: the same seed gives the same tables with 1 or N workers.

Fixed costs kept off the critical path: every worker starts building its models as soon as the
evaluator is made (:func:`prepare_worker`, one task pinned to each worker), so they build at
the same time instead of one after the other behind the point's solve; the chunks of a run are
all submitted at once (:meth:`DaskEvaluator.submit`) and collected in order, so a worker never
waits at the end of a chunk for the other to finish its last sample.
"""

from __future__ import annotations

import math
import uuid

import numpy as np

#: the kept models of this worker process: run token -> evaluator (the latest run only)
_KEPT: dict = {}


def _evaluator(token: str, payload):
    """This worker's evaluator of run ``token``, built on first use and kept."""
    from .run import _Evaluator

    evaluator = _KEPT.get(token)
    if evaluator is None:
        _KEPT.clear()
        if hasattr(payload, "evaluator"):  # a sweep's scenarios (sweep_models.SweepPayload)
            evaluator = _KEPT[token] = payload.evaluator()
        else:
            tables, scenario, options, space, mode = payload
            evaluator = _KEPT[token] = _Evaluator(tables, scenario, options, space, mode, None)
    return evaluator


def prepare_worker(token: str, payload) -> None:
    """Task pinned to one worker: build its models for run ``token`` ahead of its samples."""
    _evaluator(token, payload)


def solve_chunk(token: str, payload, rows: np.ndarray) -> list[dict]:
    """Task run on a worker: the measures of each row of factor values (see module doc)."""
    evaluator = _evaluator(token, payload)
    return [evaluator(v) for v in rows]


class Submitted:
    """Rows submitted to the workers (:meth:`DaskEvaluator.submit`), collected on demand."""

    def __init__(self, futures: dict, n: int):
        self.futures, self.n = futures, n

    def result(self, on_each=None) -> list[dict]:
        """Each row's measures, in row order; ``on_each(done)`` after every task."""
        from distributed import as_completed

        out: list = [None] * self.n
        done = 0
        for f in as_completed(self.futures):
            start = self.futures[f]
            chunk = f.result()
            out[start:start + len(chunk)] = chunk
            done += len(chunk)
            if on_each is not None:
                on_each(done)
        return out


class DaskEvaluator:
    """Solves many rows of factor values on a Dask client's workers.

    Parameters
    ----------
    client : distributed.Client
    payload : tuple or SweepPayload
        ``(tables, scenario, options, space, mode)`` as :class:`~borderflow.uncertainty.run.
        _Evaluator` takes them, or a sweep's :class:`~borderflow.uncertainty.sweep_models.
        SweepPayload`.
    workers : int
        Workers (for the chunk size).
    """

    def __init__(self, client, payload: tuple, workers: int):
        self.client = client
        self.workers = max(1, workers)
        self.token = uuid.uuid4().hex
        self.payload = client.scatter(payload, broadcast=True)
        self.names = payload.names if hasattr(payload, "names") else \
            (["scenario", "baseline"] if payload[1].has_disruptions else ["scenario"])
        self.solves = 0
        # every worker builds its models now, all at once (kept referenced: a released
        # future is cancelled; a build that fails is raised again by the first sample's task)
        self._prepared = [client.submit(prepare_worker, self.token, self.payload,
                                        workers=[a], allow_other_workers=False, pure=False)
                          for a in client.scheduler_info().get("workers", {})]

    def submit(self, values: np.ndarray, size: int | None = None) -> Submitted:
        """Send ``values`` (rows of factor values) to the workers in tasks of ``size`` rows
        (default: a few tasks per worker); :meth:`Submitted.result` collects them."""
        values = np.atleast_2d(values)
        n = len(values)
        size = size or max(1, min(64, math.ceil(n / (8 * self.workers))))
        futures = {self.client.submit(solve_chunk, self.token, self.payload,
                                      values[start:start + size], pure=False): start
                   for start in range(0, n, size)}
        self.solves += n
        return Submitted(futures, n)

    def many(self, values: np.ndarray, on_each=None) -> list[dict]:
        """Each row's measures, in row order; ``on_each(done)`` after every task."""
        return self.submit(values).result(on_each)

    def __call__(self, values: np.ndarray) -> dict:
        """One row's measures (on a worker)."""
        return self.many(values)[0]
