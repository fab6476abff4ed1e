"""The class-FIFO replays of a kept model, replayed again only for the classes that changed
(:mod:`borderflow.model.replay_memo`): the same arrays, bit for bit, as replaying every class."""

from __future__ import annotations

import numpy as np

from borderflow.model.class_fifo import class_replay
from borderflow.model.replay_memo import replay_classes


class _Streams:
    """Stands for a built model's stream table (the memo is kept per such object)."""


def _full(inflow, back, tpt, w, dep, cls, n_classes):
    """Both replays of every class, as class_fifo made them before the memo."""
    own = class_replay(inflow, back, tpt, w, np.arange(len(cls)), dep * tpt[:, None], cls)
    budget = np.zeros((n_classes, dep.shape[1]))
    np.add.at(budget, cls, dep * tpt[:, None])
    fifo = class_replay(inflow, back, tpt, w, cls, budget, cls)
    return own.out_of_order, fifo.departures, fifo.expired, fifo.queue, fifo.unfilled_trucks


def _case(seed, n_s=60, n_p=40, back=3, n_classes=9):
    rng = np.random.default_rng(seed)
    inflow = np.where(rng.random((n_s, back + n_p)) < 0.4,
                      rng.random((n_s, back + n_p)) * 97.3, 0.0)
    dep = np.where(rng.random((n_s, n_p)) < 0.5, rng.random((n_s, n_p)) * 41.7, 0.0)
    tpt = 1.0 / rng.choice([10.0, 17.5, 20.0, 26.0], n_s)
    w = rng.integers(0, 9, n_s)
    cls = rng.integers(0, n_classes, n_s)
    cls[:n_classes] = np.arange(n_classes)  # every class has a stream
    return inflow, back, tpt, w, dep, cls, n_classes


def _same(a, b):
    return a.shape == b.shape and a.tobytes() == b.tobytes()


def test_changed_classes_replayed_alone_give_the_full_replay_bit_for_bit():
    """A first replay fills the memo; a second with three classes' inflow and departures
    changed (one of them the class holding the longest wait) replays those three only and
    returns exactly the arrays a full replay of the changed data gives."""
    inflow, back, tpt, w, dep, cls, n = _case(1)
    keep = _Streams()
    first = replay_classes(inflow, back, tpt, w, dep, cls, n, keep=keep)
    assert first.replayed == n
    for a, b in zip((first.out_of_order, first.departures, first.expired, first.queue,
                     first.unfilled_trucks), _full(inflow, back, tpt, w, dep, cls, n)):
        assert _same(a, b)
    rng = np.random.default_rng(7)
    inflow2, dep2 = inflow.copy(), dep.copy()
    longest = cls[int(np.argmax(w))]
    changed = sorted({2, 5, int(longest)})
    for c in changed:
        rows = np.flatnonzero(cls == c)
        dep2[rows, 10:20] *= rng.random((len(rows), 10)) * 1.3
        inflow2[rows, back + 4] += 13.0
    second = replay_classes(inflow2, back, tpt, w, dep2, cls, n, keep=keep)
    assert second.replayed == len(changed)
    for a, b in zip((second.out_of_order, second.departures, second.expired, second.queue,
                     second.unfilled_trucks), _full(inflow2, back, tpt, w, dep2, cls, n)):
        assert _same(a, b)
    # and the unchanged model again: nothing replayed, the first arrays (copies)
    third = replay_classes(inflow, back, tpt, w, dep, cls, n, keep=keep)
    assert third.replayed == 0 and _same(third.departures, first.departures)
    assert third.departures is not first.departures


def test_a_changed_class_without_the_longest_wait_uses_the_models_span():
    """The streams replayed apart are summed over the whole model's span of days (the
    longest wait of every stream), not their own: a class of short waits replayed alone gives
    the full replay's bits."""
    for seed in range(2, 6):
        inflow, back, tpt, w, dep, cls, n = _case(seed)
        w = np.where(cls == 0, 8, np.minimum(w, 2))  # class 0 holds the longest waits
        keep = _Streams()
        replay_classes(inflow, back, tpt, w, dep, cls, n, keep=keep)
        dep2 = dep.copy()
        dep2[cls == 3] *= 0.5
        got = replay_classes(inflow, back, tpt, w, dep2, cls, n, keep=keep)
        assert got.replayed == 1
        for a, b in zip((got.out_of_order, got.departures, got.expired, got.queue,
                         got.unfilled_trucks), _full(inflow, back, tpt, w, dep2, cls, n)):
            assert _same(a, b)


def test_without_a_kept_model_every_class_is_replayed():
    inflow, back, tpt, w, dep, cls, n = _case(9)
    got = replay_classes(inflow, back, tpt, w, dep, cls, n)
    assert got.replayed == n
    assert _same(got.queue, _full(inflow, back, tpt, w, dep, cls, n)[3])
