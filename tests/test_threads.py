"""Threads: one derivative compiled and called from many threads at once gives exactly the
single-threaded results, and functions compiled at once keep their own dependencies."""

import importlib
import sys
import threading
from typing import Any, Callable

import numpy as np
import pytest

import s2sgrad


def stress(x: Any, y: Any) -> Any:
    return np.sum(np.sin(x) * y) + np.sum(x * x)


def pair(ps: list, scale: float) -> Any:
    return np.sum(ps[0] * ps[1]) * scale


KINDS = [(1.5, 2.0), (np.float64(1.5), 2.0), (np.array([1.0, 2.0]), 2.0),
         (np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0])),
         (np.array([[1.0, 2.0]]), np.array([3.0, 4.0])),
         (np.array([1.0, 2.0], np.float32), 2.0), (np.array(0.5), 3.0),
         (np.array([1.0, 2.0, 3.0, 4.0]), 0.5)]


def _run(threads: list[threading.Thread]) -> None:
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(old)


def _hammer(g: Callable[..., Any], cases: list[tuple], want: list[Any], calls: int
            ) -> list[str]:
    """Call `g` from two threads per case; the mismatches and errors seen."""
    bad: list[str] = []

    def worker(k: int) -> None:
        for _ in range(calls):
            try:
                got = g(*cases[k])
                for a, b in zip(pytree_leaves(got), pytree_leaves(want[k])):
                    if np.shape(a) != np.shape(b) or type(a) is not type(b) or \
                            not np.array_equal(a, b):
                        bad.append(f"case {k}: {got!r} != {want[k]!r}")
            except Exception as exc:  # noqa: BLE001
                bad.append(f"case {k}: {type(exc).__name__}: {exc}")

    _run([threading.Thread(target=worker, args=(k,)) for k in range(len(cases))
          for _ in range(2)])
    return bad


def pytree_leaves(x: Any) -> list:
    return [y for v in x for y in pytree_leaves(v)] if isinstance(x, (tuple, list)) else [x]


def test_sixteen_threads_calling_one_gradient_get_the_single_threaded_results() -> None:
    for argnums in (0, (0, 1)):
        g = s2sgrad.grad(lambda x, y: stress(x, y), argnums=argnums)
        fresh = s2sgrad.grad(lambda x, y: stress(x, y), argnums=argnums)
        want = [fresh(*k) for k in KINDS]  # one thread, one call each
        assert _hammer(g, KINDS, want, 150) == []


def test_threads_calling_a_gradient_of_pytrees_of_several_structures() -> None:
    cases = [([np.ones(n), np.arange(float(n))], 2.0) for n in (1, 2, 3, 4)] + \
        [([np.ones(2), np.ones(2, np.float32)], 0.5), ((np.ones(3), np.ones(3)), 1.0),
         ([1.0, 2.0], 3.0), ([np.ones((2, 2)), np.ones((2, 2))], 1.5)]
    g = s2sgrad.grad(lambda ps, s: pair(ps, s))
    fresh = s2sgrad.grad(lambda ps, s: pair(ps, s))
    want = [fresh(*c) for c in cases]
    assert _hammer(g, cases, want, 100) == []


@pytest.fixture
def modules(tmp_path: Any, monkeypatch: Any) -> Any:
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_functions_compiled_at_once_keep_their_own_globals(modules: Any) -> None:
    n = 8
    (modules / "thread_deps.py").write_text("".join(
        f"K{i} = 1.0\ndef h{i}(x):\n    return x * x * 2.0\ndef f{i}(x):\n"
        f"    y = h{i}(x) + K{i} * x\n    for j in range(3):\n        y = y + K{i} * x\n"
        f"    return y\n" for i in range(n)))
    mod = importlib.import_module("thread_deps")
    barrier, grads = threading.Barrier(n), {}

    def worker(i: int) -> None:
        barrier.wait()
        g = s2sgrad.grad(getattr(mod, f"f{i}"))
        grads[i] = (g, g(1.0))

    _run([threading.Thread(target=worker, args=(i,)) for i in range(n)])
    for i, (g, first) in sorted(grads.items()):
        assert first == 8.0
        setattr(mod, f"K{i}", 2.0)  # every function recorded its own K_i
        assert g(1.0) == 12.0
