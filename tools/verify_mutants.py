"""Mutants of ``borderflow/verify/`` against the verifier's oracle, in one process, no solve.

A mutant of the verifier cannot change a solve, only what the verifier reports on the solved
tables. So the oracle's cases (``tests/verify_cases.py``: tiny runs, correct and tampered,
the cases of ``tests/test_verify_oracle.py``) are solved once, at the start, and each mutant
re-runs only the verifier on them. A mutant is **killed** when the outcome of a case
(:func:`verify_cases.outcome`: per check its rows, failures, a digest of its entities and the
failures' amounts) differs from the committed ``tests/golden/verify_oracle.json`` -- exactly
what ``test_verify_oracle.py`` asserts, so a mutant killed here fails that test of the suite
(the runner refuses to start when the unmutated outcomes differ from the golden file). A
verifier that raises is killed too (the test errors).

Two levers make a survivor cheap (a killed mutant is cheap anyway: it stops at its first
differing case):

1. **Coverage**: a first pass with no mutant records, per mutated function (mutmut's
   trampolines), the cases that call it. A mutant runs only against those; a function no case
   calls gives ``not-reached`` (the oracle says nothing: run it with the module's own tests,
   ``tools/mutants_in_process.py``).
2. **Replay of the mutated function** (weak mutation as a filter, not as a verdict): the first
   pass also keeps every call of every mutated function (arguments before and after, result or
   exception, deep copies). The mutant is first called on those recorded inputs alone. A case
   in which every call gives the same result, the same exception and leaves the arguments the
   same cannot run differently (the code is deterministic and the mutant's function is the only
   code that differs; by induction over its calls the case's execution is the same), so only
   the cases with a differing call are run in full. No differing call in any case: the mutant
   survives without a full run (``survived:no-effect``); differing calls that no case's outcome
   shows: ``survived:masked``. Equality is strict (pickled bytes, else a structural
   comparison): a false difference only costs a full run.

Run from anywhere, after ``bash tools/mutation.sh generate`` (the staged copy must be of the
current code)::

    nice -n 19 python tools/verify_mutants.py --module terms --out /tmp/terms.tsv
    nice -n 19 python tools/verify_mutants.py --names /tmp/sample.txt --out /tmp/sample.tsv

Writes one line a mutant to ``--out`` (appending; mutants already in it are skipped, so a
stopped run resumes): ``name, verdict, case or detail, CPU s``. ``--cpu-budget`` stops after
so many CPU seconds of mutants. ``--export`` writes the per-module CSVs of docs/mutation and
prints the count table of docs/testing.md.

Session 10: :func:`judge_fast` (the default; ``--legacy`` is the judge above) takes the covering
cases cheapest first and replays each recorded call once for all cases; ``--compare N`` judges
the first N mutants both ways, ``--workers N`` forks after the start, ``--cases`` keeps only
the named oracle cases.

Session 11: ``--judge memo`` (the default; ``--judge fast`` is session 10's): in a full case
run, the calls of the functions the mutant cannot reach are answered from the case's recorded
ones (``tools/mutant_memo.py``); ``--compare N`` sets ``--judge`` beside ``--against``.

(Over 500 lines: one tool -- the runner with its coverage selection and replay, its two judges,
and the export of its results, which reads the same staged copy and mutant names.)
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import dataclasses
import difflib
import hashlib
import importlib
import json
import os
import pickle
import signal
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from mutant_memo import Memo, content_key, module_state, shares, walked

#: the judges (--judge, --against): session 9's, session 10's, session 11's
JUDGES = ("legacy", "fast", "memo")

ROOT = Path(__file__).resolve().parents[1]
STAGE = ROOT / ".mutation" / "mutants"
MODULES = ["__init__", "absent", "class_fifo", "congestion", "crossings", "dispatch", "facts",
           "flows", "folder", "levers", "money", "optimality", "origin_stock", "queues",
           "reopening", "report", "robust", "routes", "terms"]
#: CPU seconds a mutant's replay or case may take before it counts as a timeout
TIMEOUT_S = 60


class Timeout(Exception):
    """A mutant ran longer than :data:`TIMEOUT_S` CPU seconds (an endless loop, say)."""


def _alarm(signum, frame):
    raise Timeout


@contextlib.contextmanager
def cpu_limit(seconds: float):
    """Raise :class:`Timeout` after ``seconds`` of this process's CPU time."""
    signal.signal(signal.SIGPROF, _alarm)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)


def _same(a, b) -> bool:
    """``a`` and ``b`` are equal (type, then value; NaN equals NaN). A comparison that raises
    counts as a difference (a false difference only costs a full case run); the runner's
    :class:`Timeout` is raised again."""
    try:
        return _equal(a, b)
    except Timeout:
        raise
    except Exception:  # noqa: BLE001 - an uncomparable pair counts as different
        return False


def _equal(a, b) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, (pd.DataFrame, pd.Series)):
        try:
            if isinstance(a, pd.DataFrame):
                pd.testing.assert_frame_equal(a, b, check_exact=True)
            else:
                pd.testing.assert_series_equal(a, b, check_exact=True)
            return _same(a.attrs, b.attrs)  # e.g. verify.absent's stand-in mark
        except (AssertionError, TypeError, ValueError):
            return False
    if isinstance(a, BaseException):
        return _same(a.args, b.args) and _same(vars(a), vars(b))
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and bool(
            np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if isinstance(a, float):
        return a == b or (a != a and b != b)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        # the stored values, not ``a[k]``: a mapping may refuse some of its own keys (session
        # 19: ``verify.absent.Tables`` raises MissingTable for a stand-in table), and a dict
        # subclass's own attributes (``Tables.where``, ``.absent``) are compared too
        return list(a) == list(b) and all(
            _same(dict.__getitem__(a, k), dict.__getitem__(b, k)) for k in a) and (
            not hasattr(a, "__dict__") or _same(vars(a), vars(b)))
    if dataclasses.is_dataclass(a) or hasattr(a, "__dict__") and not callable(a):
        return _same(vars(a), vars(b))
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - an uncomparable pair counts as different
        return False


def _mutant_dicts() -> dict[str, dict]:
    """Mangled function key (``borderflow.verify.terms.x__terms``) -> mutmut's dict of its
    original and mutants."""
    out = {}
    for m in MODULES:
        mod = importlib.import_module("borderflow.verify" + ("" if m == "__init__" else f".{m}"))
        for attr, value in vars(mod).items():
            if attr.startswith("mutants_") and attr.endswith("__mutmut") and isinstance(value,
                                                                                         dict):
                out[f"{mod.__name__}.{attr[len('mutants_'):-len('__mutmut')]}"] = value
    return out


class Store:
    """Pickled objects, each kept once (by its bytes' digest): the recorded calls of a case
    share the tables and facts they pass around."""

    def __init__(self):
        self.blobs: dict[bytes, bytes] = {}

    def put(self, obj) -> bytes:
        """Keep a snapshot of ``obj`` and return its key (a deep copy, by pickling)."""
        data = pickle.dumps(obj, 5)
        key = hashlib.blake2b(data, digest_size=16).digest()
        self.blobs.setdefault(key, data)
        return key

    def get(self, key: bytes):
        """A fresh copy of the snapshot."""
        return pickle.loads(self.blobs[key])

    def same(self, key: bytes, obj) -> bool:
        """``obj`` equals the snapshot (its pickled bytes, else its structure)."""
        with contextlib.suppress(Exception):
            if hashlib.blake2b(pickle.dumps(obj, 5), digest_size=16).digest() == key:
                return True
        return _same(self.get(key), obj)


class Recorder:
    """Every call of every mutated function during the cases: key -> [(case, args before,
    args after, result or exception)] (keys of :class:`Store` snapshots)."""

    def __init__(self, dicts: dict[str, dict]):
        self.dicts, self.calls, self.case, self.store = dicts, {}, None, Store()
        self.origs = {k: d["_mutmut_orig"] for k, d in dicts.items()}
        self.stack: list[set] = []  # per call in progress: the functions called beneath it
        self.memo = Memo(self.store)
        self.state = walked(module_state())  # the modules' globals a result must not reach

    def __enter__(self):
        for key, d in self.dicts.items():
            d["_mutmut_orig"] = self._wrap(key, self.origs[key])
        return self

    def __exit__(self, *exc):
        for key, d in self.dicts.items():
            d["_mutmut_orig"] = self.origs[key]

    def _wrap(self, key, orig):
        stack = self.stack

        def recording(*args, **kwargs):
            stack.append(set())
            try:
                return self._call(key, orig, args, kwargs)
            finally:
                below = stack.pop()
                if stack:
                    stack[-1].update(below, (key,))
        recording.__name__ = orig.__name__
        return recording

    def _call(self, key, orig, args, kwargs):
        put = self.store.put
        try:
            before = put((args, kwargs))
        except Exception:  # noqa: BLE001 - an argument that cannot be pickled
            self.calls.setdefault(key, []).append((self.case, None, None, None))
            return orig(*args, **kwargs)
        try:
            content = content_key((args, kwargs))
        except Exception:  # noqa: BLE001 - a cyclic argument: the call is not reused
            content = None
        try:
            result = ("ok", orig(*args, **kwargs))
        except Exception as err:  # noqa: BLE001 - recorded, then raised again
            self.calls.setdefault(key, []).append(
                (self.case, before, put((args, kwargs)), put(_err(err))))
            raise
        try:
            done = put(result)
        except Exception:  # noqa: BLE001 - a result that cannot be pickled
            done = None
        after = put((args, kwargs))
        self.calls.setdefault(key, []).append((self.case, before, after, done))
        if done is not None and after == before and content is not None and not shares(
                (args, kwargs), result, (self.state,)):
            self.memo.add(self.case, key, content, done, frozenset(self.stack[-1]))
        return result[1]


def _err(err: Exception) -> tuple:
    """A raised exception as compared: its type, message, arguments and attributes (session
    21: ``absent.MissingTable`` carries the lacking table's ``reason`` beside its message)."""
    try:
        more = repr((err.args, sorted(vars(err).items())))
    except Exception:  # noqa: BLE001 - an attribute without a repr: the message alone
        more = ""
    return ("raise", type(err).__name__, str(err), more)


@contextlib.contextmanager
def unmutated():
    """No mutant in force while inside (mutmut's trampolines read ``MUTANT_UNDER_TEST`` at each
    call): a snapshot is read back, and compared, by the original code."""
    was = os.environ.get("MUTANT_UNDER_TEST", "")
    os.environ["MUTANT_UNDER_TEST"] = ""
    try:
        yield
    finally:
        os.environ["MUTANT_UNDER_TEST"] = was


def replay(fn, calls: list, store: Store) -> bool:
    """Whether the mutant's function ``fn``, called on the recorded inputs of one case, gives
    another result, exception or argument state than the original for any of them (a call
    that could not be recorded, or whose snapshots cannot be read back while the mutant is in
    force, counts as differing: a full case run then decides)."""
    for before, after, result in calls:
        if before is None or result is None:
            return True
        try:  # read back by the original code (unpickling may call a mutated __init__)
            with unmutated():
                args, kwargs = store.get(before)
        except Timeout:
            raise
        except Exception:  # noqa: BLE001 - the inputs cannot be had: a full run decides
            return True
        try:
            got = ("ok", fn(*args, **kwargs))
        except Timeout:
            raise
        except Exception as err:  # noqa: BLE001 - compared with the original's outcome
            got = _err(err)
        try:
            with unmutated():
                alike = store.same(result, got) and store.same(after, (args, kwargs))
        except Timeout:
            raise
        except Exception:  # noqa: BLE001 - a snapshot that cannot be read back differs
            alike = False
        if not alike:
            return True
    return False


def _parsed(module_file: Path) -> tuple[list[str], dict[str, ast.FunctionDef], str]:
    """A mutated module of the staged copy: its lines, its functions by name (originals
    ``..__mutmut_orig`` and mutants ``..__mutmut_N``) and its module name."""
    text = module_file.read_text(encoding="utf-8")
    defs = {n.name: n for n in ast.walk(ast.parse(text)) if isinstance(n, ast.FunctionDef)}
    return text.splitlines(), defs, "borderflow.verify" + (
        "" if module_file.stem == "__init__" else f".{module_file.stem}")


def mutated_statements(module_file: Path) -> dict[str, list[tuple[int, int]]]:
    """Mutant name -> the line ranges, in the staged file, of the original function's
    statements its change touches (``[]``: the signature, run at every call). A statement is
    the innermost one holding a changed line; for a compound one (``if``, ``for``...) only its
    header, up to its body."""
    lines, defs, prefix = _parsed(module_file)
    out = {}
    for name, node in defs.items():
        head, sep, _ = name.rpartition("__mutmut_")
        orig = defs.get(f"{head}__mutmut_orig")
        if not sep or name.endswith("__mutmut_orig") or orig is None:
            continue
        o0, n0 = orig.body[0].lineno, node.body[0].lineno
        old, new = lines[o0 - 1:orig.end_lineno], lines[n0 - 1:node.end_lineno]
        changed = set()
        for tag, i1, i2, _, _ in difflib.SequenceMatcher(None, old, new,
                                                         autojunk=False).get_opcodes():
            if tag != "equal":
                changed.update(range(o0 + i1, o0 + max(i2, i1 + 1)))
        if any(x < o0 for x in changed) or lines[orig.lineno - 1:o0 - 1] != [
                x.replace(name, f"{head}__mutmut_orig") for x in lines[node.lineno - 1:n0 - 1]]:
            out[f"{prefix}.{name}"] = []  # the signature (defaults): every call
            continue
        out[f"{prefix}.{name}"] = sorted({_statement(orig, x) for x in changed})
    return out


def _statement(func: ast.FunctionDef, line: int) -> tuple[int, int]:
    """The lines of the innermost statement of ``func`` holding ``line`` (a compound
    statement's header only)."""
    best = (func.body[0].lineno, func.end_lineno)
    for node in ast.walk(func):
        if isinstance(node, ast.stmt) and node is not func and \
                node.lineno <= line <= node.end_lineno:
            body = getattr(node, "body", None)
            end = body[0].lineno - 1 if isinstance(body, list) and body and \
                line < body[0].lineno else node.end_lineno
            if isinstance(body, list) and body and line >= body[0].lineno:
                continue  # inside the body: a statement of the body holds it
            if end - node.lineno <= best[1] - best[0]:
                best = (node.lineno, max(node.lineno, end))
    return best


def names_of(modules: list[str]) -> list[str]:
    """Every generated mutant of the named modules (``terms``, ``__init__``...), sorted."""
    out = []
    for m in modules:
        meta = STAGE / "borderflow" / "verify" / f"{m}.py.meta"
        out += sorted(json.loads(meta.read_text())["exit_code_by_key"])
    return out


def main() -> None:
    """Command line: see the module's docstring."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--module", action="append", default=[], help="module of borderflow/verify "
                   "(e.g. terms, __init__); repeatable")
    p.add_argument("--names", help="file of mutant names, one a line")
    p.add_argument("--out", required=True, help="TSV to append the verdicts to")
    p.add_argument("--cpu-budget", type=float, default=float("inf"),
                   help="stop after so many CPU seconds of mutants")
    p.add_argument("--no-replay", action="store_true", help="run every covering case in full "
                   "(with --legacy)")
    p.add_argument("--judge", choices=JUDGES, default="memo", help="memo (the default): fast, "
                   "and in a full case run the calls the mutant cannot reach answered from "
                   "the recorded ones (tools/mutant_memo.py); fast: session 10's; legacy: "
                   "session 9's")
    p.add_argument("--against", choices=JUDGES, default="fast", help="the judge --compare "
                   "sets beside --judge")
    p.add_argument("--legacy", action="store_true", help="session 9's judge: replay and run "
                   "the covering cases in the oracle's order, no call replayed once for all")
    p.add_argument("--compare", type=int, default=0, metavar="N", help="judge the first N "
                   "mutants to run both ways (--against, --judge) and write name, the two "
                   "verdicts, their CPU s and details to --compare-out")
    p.add_argument("--compare-out", default="/dev/null", help="TSV of --compare")
    p.add_argument("--workers", type=int, default=1, help="processes, forked after the start "
                   "(each takes every n-th mutant)")
    p.add_argument("--cases", action="append", default=[], help="only the oracle cases whose "
                   "name starts so (repeatable; e.g. to run survivors against new cases)")
    p.add_argument("--export", metavar="FOLDER", help="write --out's verdicts as FOLDER/"
                   "verify-<module>.csv (with FOLDER/verdicts.csv: mutant, verdict of the "
                   "survivors), print the count table of docs/testing.md and run nothing")
    a = p.parse_args()
    if a.legacy:
        a.judge = "legacy"
    if a.export:
        given = Path(a.export) / "verdicts.csv"
        verdicts = dict(pd.read_csv(given).itertuples(index=False)) if given.exists() else {}
        export(Path(a.out), Path(a.export), verdicts)
        print(counts(Path(a.out), verdicts))
        return
    names = ([x.strip() for x in open(a.names) if x.strip()] if a.names else []) + names_of(
        a.module)
    names = list(dict.fromkeys(names))  # the file first, then the modules, each once
    out = Path(a.out).resolve()  # the runner works in the staged copy (os.chdir below)
    compare_out = Path(a.compare_out).resolve()
    done = {line.split("\t")[0] for line in out.read_text().splitlines()} if out.exists() \
        else set()

    os.chdir(STAGE)
    sys.path[:0] = [str(STAGE), str(ROOT / "tests")]
    os.environ["MUTANT_UNDER_TEST"] = ""
    import borderflow
    assert Path(borderflow.__file__).is_relative_to(STAGE), borderflow.__file__
    import verify_cases as vc

    t0 = time.process_time()
    cases = vc.solve_cases(Path(tempfile.mkdtemp(prefix="verify-oracle-")))
    t1 = time.process_time()
    golden = vc.read_golden()
    dicts = _mutant_dicts()
    import coverage

    cov = coverage.Coverage(data_file=None, include=[str(STAGE / "borderflow" / "verify" /
                                                         "*.py")])
    if a.cases:
        cases = {n: c for n, c in cases.items() if n.startswith(tuple(a.cases))}
    with Recorder(dicts) as rec:
        base, cost = {}, {}
        cov.start()
        for name, check in cases.items():
            rec.case = name
            cov.switch_context(name)
            c0 = time.process_time()
            base[name] = vc.outcome(check())
            cost[name] = time.process_time() - c0
        cov.stop()
    if "memo" in (a.judge, a.against if a.compare else None):
        rec.memo.install(dicts, rec.origs)  # answers only while a full run sets its case
    data = cov.get_data()
    ran = {Path(f).stem: {line: set(c) for line, c in data.contexts_by_lineno(f).items()}
           for f in data.measured_files()}
    statements = {}
    for m in MODULES:
        statements.update(mutated_statements(STAGE / "borderflow" / "verify" / f"{m}.py"))
    wrong = [n for n in cases if base[n] != golden.get(n)]
    if wrong:
        sys.exit(f"the unmutated verifier differs from tests/golden/verify_oracle.json on "
                 f"{wrong[:5]}: the oracle would not be the test's; fix that first")
    calls = {}  # function key -> case -> [(before, after, result)], in case order
    for key, found in rec.calls.items():
        for case, *call in found:
            calls.setdefault(key, {}).setdefault(case, []).append(call)
    print(f"oracle: {len(cases)} cases solved in {t1 - t0:.1f} CPU s, recorded in "
          f"{time.process_time() - t1:.1f} CPU s; {sum(map(len, rec.calls.values()))} calls "
          f"of {len(rec.calls)} of {len(dicts)} mutated functions, "
          f"{sum(map(len, rec.store.blobs.values())) / 1e6:.0f} MB of snapshots, "
          f"{sum(map(len, rec.memo.entries.values()))} reusable", flush=True)

    todo = [n for n in names if n not in done]
    compared = set(todo[:a.compare])
    worker = _fork(a.workers)
    spent, spent_by = 0.0, {}
    with out.open("a", encoding="utf-8") as sink, (open(compare_out, "a", encoding="utf-8")
                                                   if a.compare else open(os.devnull, "w")) as side:
        for name in todo[worker::a.workers]:
            if spent > a.cpu_budget:
                print(f"CPU budget spent ({spent:.0f} s): stopping", flush=True)
                break
            executed = _executed(name, statements, ran)
            judged = {}
            for way in _ways(a.judge, a.against, name in compared):
                c0 = time.process_time()
                judged[way] = judge(name, dicts, calls, rec.store, cases, base, vc.outcome,
                                    not a.no_replay, executed, None if way == "legacy" else cost,
                                    rec.memo if way == "memo" else None)
                spent_by[way] = time.process_time() - c0
            if name in compared:  # both judges on the same mutant: verdicts and CPU s
                x, y = judged[a.against], judged[a.judge]
                side.write(f"{name}\t{x[0]}\t{y[0]}\t{spent_by[a.against]:.2f}\t"
                           f"{spent_by[a.judge]:.2f}\t{x[1]}\t{y[1]}\n")
                side.flush()
            verdict, detail = judged[a.judge]
            cpu = spent_by[a.judge]
            spent += sum(spent_by.values())
            spent_by.clear()
            sink.write(f"{name}\t{verdict}\t{detail}\t{cpu:.2f}\n")
            sink.flush()
    print(f"done: {spent:.0f} CPU s of mutants; calls reused {rec.memo.hits}, run "
          f"{rec.memo.misses} (after a look-up)", flush=True)
    if worker:
        os._exit(0)
    for _ in range(a.workers - 1):
        os.wait()


def _ways(judge: str, against: str, compared: bool) -> list[str]:
    """The judges to run on one mutant, in order: one, or both (alternating which goes first,
    so neither gains from the other's warm caches in the CPU comparison)."""
    if not compared or judge == against:
        return [judge]
    _ways.turn = getattr(_ways, "turn", 0) + 1
    return [against, judge] if _ways.turn % 2 else [judge, against]


def _fork(workers: int) -> int:
    """Fork ``workers - 1`` children after the oracle's start (they share its solved cases and
    recorded calls, copy on write); returns this process's index (0: the parent)."""
    for i in range(1, workers):
        if os.fork() == 0:
            return i
    return 0


def _executed(name: str, statements: dict, ran: dict) -> set[str] | None:
    """The cases that ran a statement the mutant changes (``None``: every case calling its
    function, the change being in the signature or not located)."""
    spans = statements.get(name)
    if not spans:
        return None
    head = name.rpartition("__mutmut_")[0].rpartition(".")[0]
    stem = "__init__" if head == "borderflow.verify" else head.rpartition(".")[2]
    lines = ran.get(stem, {})
    return {c for lo, hi in spans for x in range(lo, hi + 1) for c in lines.get(x, ())}


def judge(name: str, dicts, calls, store, cases, base, outcome, use_replay: bool,
          executed: set[str] | None = None, cost: dict[str, float] | None = None,
          memo: Memo | None = None):
    """(verdict, detail) of one mutant: killed / survived:no-effect / survived:masked /
    timeout / not-reached / unknown. ``calls``: function key -> case -> its recorded calls,
    in case order. With ``cost`` (CPU s of each case's unmutated run): :func:`judge_fast`; with
    ``memo`` too, a full case run reuses the recorded calls the mutant cannot reach
    (:class:`mutant_memo.Memo`)."""
    key, mutant, by_case = _covering(name, dicts, calls, executed)
    if isinstance(by_case, tuple):
        return by_case  # unknown, not reached or not executed: no case to run
    fn, answers, differed = dicts[key][mutant], {}, 0

    def differs(recorded) -> bool:
        if cost is None:
            return not use_replay or replay(fn, recorded, store)
        for call in recorded:  # each distinct call replayed once for all cases
            k = tuple(call)
            if k not in answers:
                answers[k] = replay(fn, [call], store)
            if answers[k]:
                return True
        return False

    order = list(by_case) if cost is None else sorted(by_case, key=lambda c: (
        cost.get(c, 0.0), c))
    os.environ["MUTANT_UNDER_TEST"] = name
    try:
        with cpu_limit(TIMEOUT_S):
            for case in order:
                if not differs(by_case[case]):
                    continue  # every call alike: the case runs as the original did
                differed += 1
                killed = _full_run(case, cases, base, outcome, memo, key)
                if killed:
                    return killed
        if not differed:
            return "survived:no-effect", f"{sum(map(len, by_case.values()))} calls alike"
        return "survived:masked", f"{differed} cases differ in calls, not in outcome"
    except Timeout:
        return "timeout", f"over {TIMEOUT_S} CPU s"
    finally:
        os.environ["MUTANT_UNDER_TEST"] = ""


def _covering(name: str, dicts, calls, executed: set[str] | None):
    """(function key, mutant, case -> recorded calls of the cases that run its change), or
    the verdict when there is none (``unknown`` / ``not-reached`` /
    ``survived:not-executed``) in place of the cases."""
    head, _, _ = name.rpartition("__mutmut_")
    module, _, func = head.rpartition(".")
    key, mutant = f"{module}.{func}", name.rpartition(".")[2]
    if key not in dicts or mutant not in dicts[key]:
        return key, mutant, ("unknown", "no such mutant in the staged copy")
    by_case = calls.get(key, {})
    if not by_case:
        return key, mutant, ("not-reached", "no oracle case calls the function")
    if executed is not None:
        by_case = {c: v for c, v in by_case.items() if c in executed}
        if not by_case:
            return key, mutant, ("survived:not-executed", "no case runs the changed statement")
    return key, mutant, by_case


def _full_run(case: str, cases, base, outcome, memo: Memo | None = None,
              key: str | None = None) -> tuple[str, str] | None:
    """Run one case in full with the mutant on: ``("killed", detail)`` when its outcome differs
    from the unmutated one (or it raises: the oracle's test would error), else ``None``. With
    ``memo``, the calls that cannot reach the mutated function ``key`` are answered from the
    case's recorded ones."""
    if memo is not None:
        memo.case, memo.mutated = case, key
    try:
        got = outcome(cases[case]())
    except Timeout:
        raise
    except Exception as err:  # noqa: BLE001 - the oracle's test would error
        return "killed", f"{case}: raises {type(err).__name__}"
    finally:
        if memo is not None:
            memo.case = memo.mutated = None
    if got != base[case]:
        checks = sorted(k for k in set(got) | set(base[case])
                        if got.get(k) != base[case].get(k))
        return "killed", f"{case}: {','.join(checks)[:120]}"
    return None


def judge_fast(name: str, dicts, calls, store, cases, base, outcome,
               executed: set[str] | None, cost: dict[str, float]):
    """(verdict, detail) of one mutant, the same as :func:`judge` with replay, faster:

    * the covering cases are taken cheapest first (``cost``: CPU s of each case's unmutated
      run), so a kill -- the first case whose outcome differs -- costs the least full run;
    * a recorded call is replayed once for all cases: many cases (a run folder and its
      tampers) pass the mutated function the same inputs, recorded once (:class:`Store` keys
      by content), so (inputs, state after, result) identifies the replay's answer.

    Neither changes a verdict: a kill still needs a full case whose outcome differs, and a
    survivor still has every covering case either replayed alike or run in full."""
    return judge(name, dicts, calls, store, cases, base, outcome, True, executed, cost)


def changes(module_file: Path) -> dict[str, str]:
    """Mutant name -> its change, ``old -> new`` (the lines that differ from the original
    function, from mutmut's mutated module in the staged copy)."""
    _, defs, prefix = _parsed(module_file)
    out = {}
    for name, node in defs.items():
        head, sep, _ = name.rpartition("__mutmut_")
        if not sep or name.endswith("__mutmut_orig") or f"{head}__mutmut_orig" not in defs:
            continue
        old = ast.unparse(defs[f"{head}__mutmut_orig"]).splitlines()[1:]
        new = ast.unparse(node).splitlines()[1:]
        diff = [d for d in difflib.unified_diff(old, new, lineterm="", n=0)
                if d[:1] in "+-" and not d.startswith(("+++", "---"))]
        gone = " / ".join(d[1:].strip() for d in diff if d[0] == "-")
        came = " / ".join(d[1:].strip() for d in diff if d[0] == "+")
        out[f"{prefix}.{name}"] = _around(gone, came)
    return out


def _around(old: str, new: str, width: int = 50) -> str:
    """``old -> new`` cut to the part that differs, with ``width`` characters before it."""
    p = 0
    while p < min(len(old), len(new)) and old[p] == new[p]:
        p += 1
    q = 0
    while q < min(len(old), len(new)) - p and old[-1 - q] == new[-1 - q]:
        q += 1
    start = max(0, p - width)
    cut = "..." if start else ""
    return (f"{cut}{old[start:len(old) - q + 10]} -> {cut}{new[start:len(new) - q + 10]}"
            .replace("\n", " "))


def export(tsv: Path, folder: Path, verdicts: dict[str, str]) -> None:
    """Per module, ``folder/verify-<module>.csv``: mutant, change, result (the oracle's), the
    case or detail, and for a survivor its verdict (``verdicts``: name -> text)."""
    rows = [line.split("\t") for line in tsv.read_text(encoding="utf-8").splitlines()]
    by_module: dict[str, list] = {}
    for name, result, detail, _cpu in rows:
        module = name.rpartition("__mutmut_")[0].rpartition(".")[0]
        by_module.setdefault(module, []).append((name, result, detail))
    folder.mkdir(parents=True, exist_ok=True)
    for module, found in sorted(by_module.items()):
        stem = module.rpartition(".")[2] if module != "borderflow.verify" else "__init__"
        change = changes(STAGE / "borderflow" / "verify" / f"{stem}.py")
        table = pd.DataFrame([{
            "mutant": n.rpartition(".")[2], "change": change.get(n, ""), "result": r,
            "detail": d, "verdict": verdicts.get(n, "killed" if r in ("killed", "timeout")
                                                 else "")}
            for n, r, d in sorted(found, key=lambda x: _order(x[0]))])
        table.to_csv(folder / f"verify-{stem.strip('_') or 'init'}.csv", index=False,
                     lineterminator="\n")


#: a survivor's verdict (docs/mutation/verdicts.csv) by how its text starts
VERDICT_KINDS = (("equivalent", "equivalent"), ("killed outside the oracle", "killed elsewhere"),
                 ("gap, left open", "gap open"), ("gap", "gap killed"))


def verdict_kind(verdict: str) -> str:
    """``equivalent`` / ``killed elsewhere`` / ``gap open`` / ``gap killed`` / ``unjudged``."""
    for start, kind in VERDICT_KINDS:
        if verdict.startswith(start):
            return kind
    return "unjudged"


def counts(tsv: Path, verdicts: dict[str, str]) -> str:
    """The count table of docs/testing.md (markdown), per module of ``borderflow/verify/``:
    generated (the staged copy's mutants), run (a result other than ``not-reached``, or a
    verdict for one), killed (or timed out), each survivor's verdict kind, and not run."""
    found = {}
    for line in tsv.read_text(encoding="utf-8").splitlines():
        name, result = line.split("\t")[:2]
        found[name] = result
    cols = ["killed", "equivalent", "killed elsewhere", "gap killed", "gap open", "unjudged"]
    out = ["| module (`borderflow/verify/`) | generated | run | " + " | ".join(cols)
           + " | not run |", "|---" * (len(cols) + 4) + "|"]
    total = [0] * (len(cols) + 3)
    for m in MODULES:
        names = names_of([m])
        n = dict.fromkeys(cols, 0)
        run = 0
        for name in names:
            result = found.get(name)
            if result is None or result == "not-reached" and verdict_kind(
                    verdicts.get(name, "")) == "unjudged":
                continue  # a mutant the oracle does not reach counts once judged otherwise
            run += 1
            n["killed" if result in ("killed", "timeout") else
              verdict_kind(verdicts.get(name, ""))] += 1
        row = [len(names), run, *n.values(), len(names) - run]
        total = [a + b for a, b in zip(total, row)]
        out.append(f"| `{m}.py` | " + " | ".join(f"{x:,}" for x in row) + " |")
    out.append("| **total** | " + " | ".join(f"**{x:,}**" for x in total) + " |")
    return "\n".join(out)


def _order(name: str) -> tuple:
    head, _, n = name.rpartition("__mutmut_")
    return head, int(n)


if __name__ == "__main__":
    main()
