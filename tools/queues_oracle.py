"""Output oracle for mutants of model/queues.py (the stream-table helpers): no solve.

Each function's output on a fixed set of inputs, with a mutant switched on, is compared with
its output with none: exactly (values, dtypes, index, column order), an exception by type and
message. A mutant whose outputs are all the same cannot be seen by any test on these inputs
(a candidate for "equivalent", to be judged by hand); one that differs names the first input
and table where it does. Session 29 used it to sort the 318 mutants before the slower pytest
run (docs/notes/testing-log.md, "Session 29").

The inputs: the tiny network (tests/tiny.py) dated 5 days with X1 closed and an initial queue
(the fixture of tests/test_indices.py), with two initial queues (one naming its origin), with
two origins, static, three initial queues that match no stream (the error messages), and the
embedded dataset's boten-2021-closure scenario (routes through two borders, gate offsets of
days, two initial queues). For each: ``index_tables`` (plain and aggregated; the dataset's
plain only), the size estimate and ``stream_table``; ``allowed_wait_days`` on its own once.

Run from the staged copy after ``bash tools/mutation.sh generate``::

    cd .mutation/mutants && nice -n 19 python ../../tools/queues_oracle.py NAMES

``NAMES``: a file of full mutant names, one a line. Prints one line a mutant:
``ORACLE <name> same|differs <case>/<table> cpu=<s>``; each mutant runs in a forked child
limited to 30 CPU s and 6 GB (a mutant that joins every flow with every stream is stopped).
"""

from __future__ import annotations

import os
import resource
import sys
import warnings
from pathlib import Path

sys.path.insert(0, os.getcwd())
sys.path.insert(0, os.path.join(os.getcwd(), "tests"))

import numpy as np  # noqa: E402  (after the staged package is put first on the path)
import pandas as pd  # noqa: E402
import tiny  # noqa: E402
from helpers import dated, day, two_origins  # noqa: E402

import borderflow as bf  # noqa: E402
from borderflow.data.dataset import load_dataset  # noqa: E402
from borderflow.data.scenario import CloseEvent, InitialQueue, Window  # noqa: E402
from borderflow.data.scenario_files import load_scenarios  # noqa: E402
from borderflow.model import queues  # noqa: E402
from borderflow.model.indices import index_tables  # noqa: E402
from borderflow.model.network import build_network  # noqa: E402
from borderflow.model.routes import RouteOptions, enumerate_routes  # noqa: E402
from borderflow.model.size import estimate_model_size  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
#: the index tables compared
TABLES = ("flows", "streams", "queues", "initial", "pairs", "arrivals", "n_periods")


def _short_shelf(t) -> None:
    t["products"].loc[0, "shelf_life_reefer_days"] = 3


def cases(folder: Path) -> list[tuple[str, object, object]]:
    """(name, network, route set) of every input (tiny datasets written under ``folder``)."""
    out = []

    def tiny_case(name, scenario, edit=None):
        t = tiny.base_tables()
        if edit:
            edit(t)
        net = build_network(load_dataset(tiny.write(folder / name, t), check_borders=False),
                            scenario)
        out.append((name, net, enumerate_routes(net, RouteOptions())))

    def q(crossing, trucks, age, **kw):
        return InitialQueue(crossing=crossing, product="durian", trucks=trucks, age_days=age,
                            **kw)

    tiny_case("ix", dated("ix", 5, CloseEvent(crossing="x1", close=Window(**{"to": day(1)})),
                          queues=(q("x1", 3, 0),)))
    tiny_case("two_q_origin", dated("q2", 4, queues=(q("x1", 3, 1, origin="vn-o"),
                                                     q("x2", 2, 0))), _short_shelf)
    tiny_case("static", None)
    tiny_case("two_origins", dated("o2", 4, queues=(q("x1", 3, 1, origin="vn-o2"),
                                                    q("x1", 2, 0))), two_origins)
    tiny_case("noroute", dated("noroute", 3, queues=(q("x1", 3, 0, direction="b_to_a"),)))
    tiny_case("noorigin", dated("noorigin", 3, queues=(q("x2", 3, 0, origin="vn-o2"),)),
              two_origins)
    tiny_case("second_bad", dated("second_bad", 3, queues=(
        q("x1", 3, 0), q("x1", 3, 0, direction="b_to_a"))))
    scenario = load_scenarios(ROOT / "data/scenarios/boten-2021-closure.yaml")[0]
    net = build_network(bf.load_dataset(check_borders=False), scenario)
    out.append(("boten-2021-closure", net, enumerate_routes(net, RouteOptions())))
    return out


def same(a, b) -> bool:
    """Whether two outputs are exactly equal (frames: values, dtypes, index, column order)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, pd.DataFrame):
        return a.equals(b) and list(a.columns) == list(b.columns) and a.index.equals(b.index) \
            and list(a.dtypes) == list(b.dtypes) and type(a.index) is type(b.index)
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    try:
        return bool(a == b)
    except Exception:
        return repr(a) == repr(b)


def _calls(name, net, routes):
    yield "ix", lambda: index_tables(net, routes)
    if not name.startswith("boten"):
        yield "ixagg", lambda: index_tables(net, routes, aggregate=True)
    yield "size", lambda: estimate_model_size(net, routes)
    yield "st", lambda: queues.stream_table(net, routes)
    if name == "ix":
        yield "wait", lambda: (
            queues.allowed_wait_days([100.0, 30, 50, 1000, 48, 24], [1.0, 40, 2, 10, 0, 0], 5),
            queues.allowed_wait_days(np.array([72, 30]), np.array([12, 8]), 9))


def outputs(inputs, base=None) -> tuple[dict, str | None]:
    """Every output on ``inputs`` (``("ok", value)`` or ``("err", "Type: message")``); with
    ``base``, stop at the first that differs from it and name it."""
    out = {}
    for name, net, routes in inputs:
        for what, call in _calls(name, net, routes):
            try:
                r = call()
                if what in ("ix", "ixagg"):
                    r = {a: getattr(r, a) for a in TABLES}
                out[name, what] = ("ok", r)
            except Exception as e:
                out[name, what] = ("err", f"{type(e).__name__}: {e}")
            if base is not None and (base[name, what][0] != out[name, what][0]
                                     or not same(base[name, what][1], out[name, what][1])):
                err = out[name, what][1][:80] if out[name, what][0] == "err" else None
                return out, f"{name}/{what}" + (f"(err: {err})" if err else "")
    return out, None


def _one(inputs, base, name: str) -> str:
    """The first difference of mutant ``name`` (``""``: none), run in a limited child."""
    os.environ["MUTANT_UNDER_TEST"] = name
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        resource.setrlimit(resource.RLIMIT_CPU, (30, 35))
        resource.setrlimit(resource.RLIMIT_AS, (6 << 30, 6 << 30))
        try:
            _, diff = outputs(inputs, base)
        except BaseException as e:
            diff = f"crash {type(e).__name__}"
        os.write(w, (diff or "").encode())
        os._exit(0)
    os.close(w)
    _, status, usage = os.wait4(pid, 0)
    diff = os.read(r, 10000).decode()
    os.close(r)
    if os.WIFSIGNALED(status):
        diff = f"timeout/killed (signal {os.WTERMSIG(status)})"
    return f"{'same' if not diff else 'differs'} {diff} cpu={usage.ru_utime + usage.ru_stime:.1f}"


def main(names_file: str) -> None:
    """Print an ORACLE line for each mutant named in ``names_file``."""
    warnings.filterwarnings("ignore")
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        inputs = cases(Path(folder))
        os.environ["MUTANT_UNDER_TEST"] = "none"
        base, _ = outputs(inputs)
        errors = {k: v[1] for k, v in base.items() if v[0] == "err"}
        print(f"none: {len(base)} outputs, the expected errors {errors}", flush=True)
        for name in [line.strip() for line in open(names_file) if line.strip()]:
            print(f"ORACLE {name} {_one(inputs, base, name)}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
