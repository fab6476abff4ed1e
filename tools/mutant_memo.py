"""Reuse, in a mutant's full case run, the recorded results of the functions it leaves alone.

``tools/verify_mutants.py`` kills a mutant of ``borderflow/verify/`` only by running a whole
oracle case with the mutant switched on. Most of that run is code the mutant does not change:
every verifier function whose calls never reach the mutated function ``F``. Such a call, given
inputs equal to ones it had in the same case's unmutated pass, returns what it returned then:
its code and everything it calls are the unmutated code, and the verifier is deterministic
(the same assumption the replay of ``F`` rests on). So :class:`Memo` answers it from the
recorded result (a fresh copy) instead of running it.

When a recorded call is **not** reused (it runs as usual):

* ``F`` ran beneath it in the unmutated pass (``below``: every mutated function called, at any
  depth, while it ran), so with the mutant on it may run differently;
* it changed its arguments (their state after differs from before: reusing the result would
  not repeat the change), raised, or had an argument or result that cannot be pickled;
* its result shares an object with its arguments or with a module's top level (:func:`shares`,
  :func:`module_state`: the same Python object, or overlapping numpy memory unless both are
  read-only or both pandas'), so a later change through one would show through the other in
  the live run but not in a copy;
* it was recorded in another case (each case's folder and tables are its own; keys are per
  case), or with other inputs. The key is a digest of the arguments' content
  (:func:`content_key`: their pickle without pickle's memo, so equal bytes mean equal values
  whichever parts are the same object; unequal bytes only cost a live call). A function that
  leaves its arguments unchanged gives equal results for equal values unless it tests which
  objects are the same (``is``); the verifier does not.

A reused call skips its whole subtree, so a kill costs about the chain of calls from the case
down to ``F``, ``F``'s own calls, and the digests of the arguments of the calls on that chain's
sides. The verdict is the same by the argument above; ``--compare`` checks it on samples.
"""

from __future__ import annotations

import hashlib
import io
import pickle
import types
import weakref

import numpy as np
import pandas as pd
from pandas._libs.internals import BlockPlacement

#: objects no code can change in place (their sharing between arguments and result is harmless;
#: tuples and frozensets are looked into: they may hold changeable objects). A pandas Index is
#: immutable: its values cannot be set, and pandas (3, copy on write) hands out its arrays
#: read-only; so is a block's placement (the column positions its block holds). Functions are
#: pickled by name (module-level ones: the same object everywhere). A weak reference cannot be
#: changed (nor pickled): what it refers to is an object of its own, shared only if reached
#: directly (e.g. borderflow/verify/inputs.py's record of the tables it handed out).
_ATOMS = (str, bytes, int, float, complex, bool, type(None), range, type, np.dtype, np.generic,
          pd.api.extensions.ExtensionDtype, pd.Timestamp, pd.Timedelta, pd.Index, slice,
          types.FunctionType, types.BuiltinFunctionType, BlockPlacement, weakref.ReferenceType)
#: compiled functions (cython's): pickled by name too
_FUNCTION_TYPES = {"cython_function_or_method", "method_descriptor", "wrapper_descriptor"}
_LOOK_INTO = (tuple, frozenset)


def content_key(obj) -> bytes:
    """A digest of ``obj``'s content: its pickle without pickle's memo, so that which of its
    parts are the same object does not change the key (a reused result is a fresh copy: it
    shares nothing with the live objects beside it, where the original result may have).
    Raises on a cyclic object (such a call is not reused)."""
    buf = io.BytesIO()
    p = pickle.Pickler(buf, 5)
    p.fast = True
    p.dump(obj)
    return hashlib.blake2b(buf.getbuffer(), digest_size=16).digest()


def _bounds(a: np.ndarray) -> tuple[int, int]:
    lo = hi = a.__array_interface__["data"][0]
    for n, step in zip(a.shape, a.strides):
        if n == 0:
            return lo, lo
        if step > 0:
            hi += (n - 1) * step
        else:
            lo += (n - 1) * step
    return lo, hi + a.itemsize


class _Walk(pickle.Pickler):
    """A pickler that notes every changeable object it passes (ids, numpy memory). It keeps
    them (and the objects pickling makes on the way, e.g. a ``__reduce__``'s state) alive, so
    an id stays theirs while the result is walked.

    A DataFrame or Series counts as itself (its id) and its blocks' memory, marked as pandas':
    two pandas objects sharing memory never see each other's changes (pandas 3 copies on
    write), so only pandas memory overlapping a bare numpy array's counts. What it cannot look
    into (an object column holding changeable objects, ``attrs``, an unknown extension array)
    makes it ``opaque``: treated as shared."""

    def __init__(self, seen: tuple[_Walk, ...] = ()):
        super().__init__(io.BytesIO(), 5)
        self.ids, self.arrays, self.seen, self.kept = set(), [], seen, []
        self.shared = False

    def persistent_id(self, obj):  # called for every object pickled, before it is pickled
        if self.shared or isinstance(obj, _ATOMS) or type(obj).__name__ in _FUNCTION_TYPES:
            return 0  # not looked into (a persistent id stands for it)
        self.kept.append(obj)
        if isinstance(obj, _LOOK_INTO):
            return None
        self._note(id(obj))
        if isinstance(obj, (pd.DataFrame, pd.Series)):
            if obj.attrs:
                self.shared = True
            for block in obj._mgr.blocks:
                self._pandas(block.values)
            return 0  # its index and columns: pd.Index, immutable
        if isinstance(obj, np.ndarray):
            self._memory(obj, False)
        return None

    def _note(self, ident: int) -> None:
        if not self.seen:
            self.ids.add(ident)
        elif any(ident in w.ids for w in self.seen):
            self.shared = True

    def _pandas(self, values) -> None:
        if isinstance(values, np.ndarray):
            if values.dtype == object and not all(isinstance(x, _ATOMS) for x in values.flat):
                self.shared = True  # changeable objects in cells: not looked into
            self._memory(values, True)
        elif hasattr(values, "_pa_array"):
            pass  # pyarrow: immutable
        elif hasattr(values, "_ndarray"):  # numpy-backed strings, datetimes
            self._pandas(values._ndarray)
        elif hasattr(values, "_codes"):  # categorical: codes (categories: an Index)
            self._pandas(values._codes)
        elif hasattr(values, "_mask"):  # nullable integers, floats, booleans
            self._pandas(values._data)
            self._pandas(values._mask)
        else:
            self.shared = True  # an extension array not looked into

    def _memory(self, a: np.ndarray, pandas: bool) -> None:
        if not a.size:
            return
        lo, hi = _bounds(a)
        if not self.seen:
            self.arrays.append((lo, hi, a.flags.writeable, pandas))
            return
        self.shared = self.shared or any(
            lo < end and start < hi and (w or a.flags.writeable) and not (p and pandas)
            for seen in self.seen for start, end, w, p in seen.arrays)


def walked(objects) -> _Walk:
    """What ``objects`` reach (for :func:`shares`; e.g. the modules' globals, walked once)."""
    seen = _Walk()
    seen.dump(objects)
    return seen


def shares(inputs, result, also: tuple[_Walk, ...] = ()) -> bool:
    """Whether ``result`` reaches an object ``inputs`` (or a walk in ``also``) reaches that can
    be changed in place (the same object, or numpy memory that overlaps and is writeable
    through either)."""
    seen = walked(inputs)
    if seen.shared or any(w.shared for w in also):
        return True  # the inputs hold something not looked into
    probe = _Walk((seen, *also))
    probe.dump(result)
    return probe.shared


def module_state(prefix: str = "borderflow") -> list:
    """The changeable objects the loaded modules named ``prefix...`` hold at their top level
    (tables, lists, dicts, sets, arrays): a result reaching one is not reused (a change to it
    would outlive the call in the live run)."""
    import sys

    kinds = (list, dict, set, bytearray, pd.DataFrame, pd.Series, np.ndarray)
    return [v for name, mod in list(sys.modules.items())
            if name == prefix or name.startswith(prefix + ".")
            for attr, v in vars(mod).items()
            if isinstance(v, kinds) and not attr.startswith(("mutants_", "__"))]


class Memo:
    """Recorded calls that may stand for a live one: ``(case, function key) -> {digest of the
    arguments: (key of the result's snapshot, functions called beneath)}``, and the wrappers
    that answer from them while :attr:`case` and :attr:`mutated` are set."""

    def __init__(self, store):
        self.store, self.entries, self.blocked = store, {}, {}
        self.case, self.mutated, self.hits, self.misses = None, None, 0, 0

    def add(self, case, key, before: bytes, result: bytes, below: frozenset) -> None:
        """Keep one reusable recorded call (the caller checked it changed no argument, returned
        and shares nothing with its arguments)."""
        self.entries.setdefault((case, key), {}).setdefault(before, (result, below))
        # the functions beneath every reusable call: a mutant of one of them reuses none
        prev = self.blocked.get((case, key))
        self.blocked[(case, key)] = below if prev is None else prev & below

    def wrap(self, key, orig):
        """``orig`` answered from the recorded calls when the memo is on (else called)."""
        def memoized(*args, **kwargs):
            found = self.entries.get((self.case, key)) if self.case is not None else None
            if not found or self.mutated in self.blocked[(self.case, key)]:
                return orig(*args, **kwargs)
            try:
                hit = found.get(content_key((args, kwargs)))
            except Exception:  # noqa: BLE001 - an argument that cannot be pickled: run it
                hit = None
            if hit is None or self.mutated in hit[1]:
                self.misses += 1
                return orig(*args, **kwargs)
            self.hits += 1
            return self.store.get(hit[0])[1]
        memoized.__name__ = orig.__name__
        return memoized

    def install(self, dicts: dict[str, dict], origs: dict[str, object]) -> None:
        """Put the wrappers in mutmut's dicts (the trampolines call ``_mutmut_orig`` for every
        function but the mutated one, which they send to its mutant)."""
        for key, d in dicts.items():
            d["_mutmut_orig"] = self.wrap(key, origs[key])
