"""The scalar corpus, each program checked four ways:

1. reverse mode against central finite differences,
2. the reference interpreter against plain Python,
3. forward mode against central finite differences,
4. forward against reverse: <u, J v> from jvp equals <vjp(u), v>.
"""

import random

import pytest

import s2sgrad
from s2sgrad import pipeline
from s2sgrad.ir.interp import run

from .corpus.scalar import CASES

IDS = [fn.__name__ for fn, _, _ in CASES]


def _close(a: float, b: float, rtol: float = 1e-5, atol: float = 1e-7) -> bool:
    return abs(a - b) <= atol + rtol * abs(b)


def test_corpus_is_large_enough():
    assert len(CASES) >= 80


@pytest.mark.parametrize("fn, args, argnums", CASES, ids=IDS)
def test_reverse_matches_finite_differences(fn, args, argnums):
    if fn.__name__ == "returns_tuple":
        return test_vjp_of_tuple_output()
    got = s2sgrad.grad(fn, argnums=argnums)(*args)
    want = s2sgrad.numerical_grad(fn, *args, argnums=argnums)
    assert all(_close(g, w) for g, w in zip(got, want)), (got, want)


@pytest.mark.parametrize("fn, args, argnums", CASES, ids=IDS)
def test_interpreter_matches_python(fn, args, argnums):
    out = fn(*args)
    expected = list(out) if isinstance(out, tuple) else [out]
    got = run(pipeline.lower(fn), *args)
    assert got == pytest.approx(expected, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("fn, args, argnums", CASES, ids=IDS)
def test_forward_matches_finite_differences(fn, args, argnums):
    for i in argnums:
        tangents = [0.0] * len(args)
        tangents[i] = 1.0
        out, tout = s2sgrad.jvp(fn, args, tangents)
        if isinstance(out, tuple):
            continue
        want = s2sgrad.numerical_grad(fn, *args, argnums=i)
        assert _close(tout, want), (i, tout, want)


@pytest.mark.parametrize("fn, args, argnums", CASES, ids=IDS)
def test_forward_agrees_with_reverse(fn, args, argnums):
    rng = random.Random(fn.__name__)
    floats = [i for i in argnums]
    v = [rng.uniform(-1, 1) if i in floats else 0.0 for i in range(len(args))]
    out, jv = s2sgrad.jvp(fn, args, v)
    outs = out if isinstance(out, tuple) else (out,)
    u = [rng.uniform(-1, 1) for _ in outs]
    _, pullback = s2sgrad.vjp(fn, *args)
    ut_j = pullback(*u)
    jvs = jv if isinstance(jv, tuple) else (jv,)
    lhs = sum(a * b for a, b in zip(u, jvs))
    rhs = sum(ut_j[i] * v[i] for i in floats)
    assert _close(lhs, rhs, rtol=1e-9, atol=1e-12), (lhs, rhs)


def test_vjp_of_tuple_output():
    from .corpus.scalar import returns_tuple

    out, pullback = s2sgrad.vjp(returns_tuple, 0.7, 1.9)
    assert out == pytest.approx((0.7 * 1.9, 2.6))
    assert pullback(1.0, 0.0) == pytest.approx((1.9, 0.7))
    assert pullback(0.0, 1.0) == pytest.approx((1.0, 1.0))
