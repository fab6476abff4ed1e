"""The checked dataset a run folder was solved on, read once per content in a process.

``borderflow verify`` reads a run's inputs (the CSV tables, schema-checked by pandera, and the
cross-table rules: :func:`borderflow.io.read_inputs`), which costs a tiny run's folder about a
third of its verification. A process that verifies many folders of one dataset -- the scenarios
of a sweep, the branches of a plan, the verifier's own tests -- read and checked the same files
each time. :func:`read_inputs` keeps the last few datasets read, keyed by the working directory
(messages name files relative to it), the folders (links resolved) and the bytes of every file
in them (SHA-256): a file changed, added or removed is a new key, read and checked afresh, so
a result is always what reading the files now gives. Each caller gets its own copy
(:meth:`~borderflow.data.loaders.InputTables.copy`); a dataset that fails its checks is never
kept (the error is raised again on every call). ``borderflow verify`` of one folder in a fresh
process reads its dataset once, as before.

The facts the verifier recomputes from a dataset and a scenario
(:func:`borderflow.verify.facts.input_facts`: arcs, products, licences, and the calendar of
:func:`borderflow.model.network.build_network`) are kept the same way (:func:`kept_facts`): per
key of the dataset read here and scenario (its JSON), a copy per caller, for the tables this
module gave out while they still equal what was read (the verifier never edits them; a caller
that did gets facts computed afresh, as do tables from anywhere else).
"""

from __future__ import annotations

import copy
import hashlib
import os
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from borderflow.data.loaders import InputTables
from borderflow.data.schemas import TABLES

#: datasets kept (the embedded one holds a few MB of tables)
KEEP = 4
#: folders holding more bytes than this are read every time (not hashed and kept)
MAX_BYTES = 64_000_000

_kept: OrderedDict[tuple, InputTables] = OrderedDict()
_lock = threading.Lock()
#: the key of each copy :func:`read_inputs` gave out: id -> (weak reference to it, key)
_given: dict[int, tuple] = {}
#: facts per (dataset key, scenario JSON), at most :data:`KEEP_FACTS`
_facts: OrderedDict[tuple, object] = OrderedDict()
#: facts kept (a robust plan's scenarios, a reopening tree's branches and a few runs)
KEEP_FACTS = 16


def _folder_key(folder: Path) -> tuple | None:
    """Every entry of ``folder`` (name, kind, and a regular file's SHA-256, links followed);
    ``None`` if it cannot be listed or holds more than :data:`MAX_BYTES`."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return None
    out, total = [], 0
    for e in entries:
        try:
            if e.is_file():
                total += e.stat().st_size
                if total > MAX_BYTES:
                    return None
                with open(e.path, "rb") as fh:
                    out.append((e.name, "file", hashlib.sha256(fh.read()).hexdigest()))
            else:
                out.append((e.name, "dir" if e.is_dir() else "other", None))
        except OSError:
            out.append((e.name, "unreadable", None))
    return tuple(out)


def read_inputs(run_dir: Path | str, meta: dict, data: Path | str | None = None,
                overlays=()) -> InputTables:
    """:func:`borderflow.io.read_inputs` ``(run_dir, meta, data, overlays)``: the same tables
    (a copy of them), read and checked once per working directory and content of the dataset
    and overlay folders in this process.

    Raises
    ------
    InputError
        As :func:`borderflow.io.read_inputs` (never kept: raised again on every call).
    """
    from borderflow.io import find_inputs
    from borderflow.io import read_inputs as read

    if data is None:
        data, overlays = find_inputs(run_dir, meta)
    folders = [Path(data), *(Path(o) for o in overlays)]
    keys = [_folder_key(f) for f in folders]
    if any(k is None for k in keys):
        return read(run_dir, meta, data, overlays)
    key = (str(Path.cwd().resolve()), tuple(str(f.resolve()) for f in folders), tuple(keys))
    with _lock:
        found = _kept.get(key)
        if found is not None:
            _kept.move_to_end(key)
            return _give(found.copy(), key)
    tables = read(run_dir, meta, data, overlays)
    with _lock:
        _kept[key] = tables.copy()
        while len(_kept) > KEEP:
            _kept.popitem(last=False)
        return _give(tables, key)


def _give(tables: InputTables, key: tuple) -> InputTables:
    """Note ``key`` as the content of ``tables`` while they live (under the lock)."""
    i = id(tables)
    _given[i] = (weakref.ref(tables, lambda _, i=i: _given.pop(i, None)), key)
    return tables


def _unedited(tables: InputTables, read: InputTables) -> bool:
    """Every table of ``tables`` equals the one read (values, dtypes and labels): a caller
    may have edited the copy it was given."""
    return all(getattr(tables, spec.name).equals(getattr(read, spec.name)) for spec in TABLES)


def kept_facts(tables: InputTables, scenario, make: Callable[[], object]):
    """The facts of ``tables`` under ``scenario``: ``make()`` once per dataset content and
    scenario in this process for tables :func:`read_inputs` gave out and nobody edited since
    (each table compared with the one read; a deep copy per call), ``make()`` every time for
    any other tables."""
    with _lock:
        given = _given.get(id(tables))
        read = _kept.get(given[1]) if given is not None and given[0]() is tables else None
    if read is None or not _unedited(tables, read):
        return make()
    key = (given[1], scenario.model_dump_json())
    with _lock:
        found = _facts.get(key)
        if found is not None:
            _facts.move_to_end(key)
            return copy.deepcopy(found)
    facts = make()
    with _lock:
        _facts[key] = copy.deepcopy(facts)
        while len(_facts) > KEEP_FACTS:
            _facts.popitem(last=False)
    return facts
