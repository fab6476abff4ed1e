"""tools/mutant_memo.py, the memo judge of tools/verify_mutants.py (docs/notes/testing-log.md,
session 11): which recorded calls may stand for a live one in a mutant's full case run. A wrong
answer here would change a mutant's verdict, so each rule that keeps a call live is tried on a
hand-made call."""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import tool

sys.path.insert(0, str(Path(__file__).parents[1] / "tools"))  # verify_mutants imports mutant_memo
memo_tool = tool("mutant_memo")


def test_a_result_sharing_a_changeable_object_with_its_arguments_is_shared():
    df = pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]})
    a = np.arange(5.0)
    args = ((df,), {})
    shares = memo_tool.shares
    assert shares(args, df)                       # the argument itself
    assert shares(args, {"k": df})                # inside a container
    assert shares(((a,), {}), a[1:3])             # a view of a numpy argument
    assert shares(args, df["a"].to_numpy())       # a bare array over a frame's memory
    assert shares(((df["a"].to_numpy(),), {}), df)
    assert not shares(args, df.copy())
    assert not shares(((a,), {}), a.copy())
    assert not shares(args, df["a"])              # pandas objects copy on write
    assert not shares(args, df[df["a"] > 1])
    assert not shares((([1],), {}), 3.0)
    glob = [1, 2]                                 # a module's top-level list
    assert memo_tool.shares(((), {}), glob, (memo_tool.walked([glob]),))
    assert not memo_tool.shares(((), {}), [1, 2], (memo_tool.walked([glob]),))


def test_the_content_key_ignores_which_parts_are_the_same_object():
    s = ["durian", 1.5]
    key = memo_tool.content_key
    assert key((s, s)) == key((s, list(s)))
    assert key((s, s)) != key((s, ["durian", 2.5]))
    loop: list = []
    loop.append(loop)
    with pytest.raises(ValueError):
        key(loop)


class _Store:
    def __init__(self):
        self.blobs = {}

    def put(self, obj) -> bytes:
        k = str(len(self.blobs)).encode()
        self.blobs[k] = pickle.dumps(obj)
        return k

    def get(self, k: bytes):
        return pickle.loads(self.blobs[k])


def test_a_recorded_call_answers_only_in_its_case_for_equal_inputs_without_the_mutant_beneath():
    store, calls = _Store(), []
    memo = memo_tool.Memo(store)

    def g(x):
        calls.append(x)
        return [x * 2]

    memo.add("case", "m.g", memo_tool.content_key(((2,), {})), store.put(("ok", [4])),
             frozenset({"m.f"}))
    live = memo.wrap("m.g", g)
    assert live(2) == [4] and calls == [2]            # memo off: the function runs
    memo.case, memo.mutated = "case", "m.h"
    got = live(2)
    assert got == [4] and calls == [2]                # answered, a fresh copy
    assert live(2) is not got
    assert live(3) == [6] and calls == [2, 3]         # other inputs: runs
    memo.mutated = "m.f"
    assert live(2) == [4] and calls == [2, 3, 2]      # the mutant ran beneath it: runs
    memo.case, memo.mutated = "other case", "m.h"
    assert live(2) == [4] and calls == [2, 3, 2, 2]   # another case's calls never answer


def test_the_recorder_notes_what_ran_beneath_and_keeps_only_calls_that_may_stand_in():
    vm = tool("verify_mutants")
    dicts: dict[str, dict] = {}

    def f(x):
        return x + 1

    def g(x):
        return dicts["m.f"]["_mutmut_orig"](x) * 2   # as mutmut's trampoline calls f

    def grows(box):
        box.append(1)                                 # changes its argument
        return len(box)

    def same(df):
        return df                                     # returns its argument

    dicts.update({"m.f": {"_mutmut_orig": f}, "m.g": {"_mutmut_orig": g},
                  "m.grows": {"_mutmut_orig": grows}, "m.same": {"_mutmut_orig": same}})
    with vm.Recorder(dicts) as rec:
        rec.case = "case"
        assert dicts["m.g"]["_mutmut_orig"](1) == 4
        dicts["m.grows"]["_mutmut_orig"]([])
        dicts["m.same"]["_mutmut_orig"](pd.DataFrame({"a": [1.0]}))
    entries = rec.memo.entries
    assert [below for _, below in entries[("case", "m.g")].values()] == [frozenset({"m.f"})]
    assert [below for _, below in entries[("case", "m.f")].values()] == [frozenset()]
    assert ("case", "m.grows") not in entries and ("case", "m.same") not in entries
    assert dicts["m.g"]["_mutmut_orig"] is g          # the originals are back


def test_the_runner_compares_tables_a_folder_lacks_without_asking_for_them():
    """Session 19: the runner stopped at ``robust._congestion`` 8 -- comparing a recorded
    :class:`borderflow.verify.absent.Tables` key by key asked it for a table it lacks, and
    that raises ``MissingTable``. The stored values are compared, with the mapping's own
    attributes (``where``, ``absent``); a mutant returning other tables, or raising, differs."""
    from borderflow.verify.absent import MissingTable, Tables, stand_in

    vm = tool("verify_mutants")
    flows = pd.DataFrame({"route_id": ["r1"], "flow_t": [20.0]})

    def read(where="scenario-0/", flow_t=20.0, lacks="plan_routes"):
        return Tables({"flows": flows.assign(flow_t=flow_t), lacks: stand_in("missing")}, where)

    with pytest.raises(MissingTable):
        read()["plan_routes"]
    assert vm._same(read(), read())
    assert not vm._same(read(), read(flow_t=21.0))
    assert not vm._same(read(), read(where="scenario-1/"))
    assert not vm._same(read(), read(lacks="route_flows"))
    store = vm.Store()
    args = store.put(((flows,), {}))
    call = [(args, args, store.put(("ok", read())))]

    def lacking(df):
        raise MissingTable("scenario-0/flows")

    assert not vm.replay(lambda df: read(), call, store)
    assert vm.replay(lambda df: read(flow_t=21.0), call, store)   # raised before the fix
    assert vm.replay(lacking, call, store)


def test_a_snapshot_the_mutant_cannot_read_back_counts_as_a_difference():
    """Session 21: the runner stopped at ``absent.MissingTable.__init__`` 4 -- a recorded call's
    arguments held a ``MissingTable``, and unpickling them ran the mutated ``__init__``, which
    raised inside :func:`replay`. A snapshot that cannot be read back now counts as a differing
    call (a full case run decides the verdict), never as a crash or as alike."""
    vm = tool("verify_mutants")
    store = vm.Store()

    class Breaks:
        """Pickles, but raises when read back (as a mutated class would)."""

        def __reduce__(self):
            return (_raise, ("read back",))

    ok = store.put(((1,), {}))
    call = [(store.put(((Breaks(),), {})), ok, store.put(("ok", 1)))]
    assert vm.replay(lambda x: 1, call, store)
    result_breaks = [(ok, ok, store.put(("ok", Breaks())))]
    assert vm.replay(lambda x: 1, result_breaks, store)
    assert not vm.replay(lambda x: 1, [(ok, ok, store.put(("ok", 1)))], store)


def test_the_runner_reads_snapshots_back_unmutated_and_compares_marks_and_exception_args():
    """Session 21: ``absent.stand_in`` 2 (its mark's reason ``None``) and ``MissingTable.__init__``
    1-3 were judged alike on replay: frames were compared without their ``attrs`` (where
    :func:`borderflow.verify.absent.stand_in` marks a lacking table), exceptions by their
    ``__dict__`` without their ``args``, and a recorded exception was read back by the mutated
    class itself. Each now differs, and snapshots are read with no mutant in force."""
    import os

    from borderflow.verify.absent import MissingTable, stand_in

    vm = tool("verify_mutants")
    assert vm._same(stand_in("missing"), stand_in("missing"))
    assert not vm._same(stand_in("missing"), stand_in(None))
    assert not vm._same(stand_in("missing"), pd.DataFrame())
    assert vm._same(MissingTable("flows"), MissingTable("flows"))
    assert not vm._same(MissingTable("flows"), MissingTable("flows", "unreadable"))
    bare = MissingTable("flows")
    bare.args = (None,)
    assert not vm._same(MissingTable("flows"), bare)
    assert vm._err(MissingTable("flows", "unreadable")) != vm._err(MissingTable("flows"))
    os.environ["MUTANT_UNDER_TEST"] = "some.mutant__mutmut_1"
    try:
        with vm.unmutated():
            assert os.environ["MUTANT_UNDER_TEST"] == ""
        assert os.environ["MUTANT_UNDER_TEST"] == "some.mutant__mutmut_1"
    finally:
        os.environ["MUTANT_UNDER_TEST"] = ""


def _raise(message):
    raise ValueError(message)
