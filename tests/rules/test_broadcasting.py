"""Broadcasting: + - * / ** and np.maximum on every pair of shapes among a Python float, a
0-d array, (n,), (1, n), (m, 1) and (m, n), in reverse and forward mode, against central
differences. Adjoints must come back with their argument's shape (summed over the axes that
broadcasting added), and tangents with the result's shape."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import s2sgrad

from .broadcast_cases import OPS, SHAPES, binary, with_constant
from .numpy_cases import weighted

PAIRS = list(itertools.product(SHAPES, SHAPES))
EPS = 1e-6


def value(shape, rng, positive=False, away_from_zero=False):
    x = rng.uniform(0.5, 2.0, size=shape or ()) if positive or away_from_zero else \
        rng.normal(size=shape or ())
    if away_from_zero:
        x = x * rng.choice([-1.0, 1.0], size=shape or ())
    return float(x) if shape is None else np.asarray(x, dtype=float)


def operands(name, sx, sy, seed):
    rng = np.random.default_rng(seed)
    x = value(sx, rng, positive=name == "pow")
    y = value(sy, rng, away_from_zero=name == "truediv")
    return x, y, rng


def like(x, rng):
    return float(rng.normal()) if isinstance(x, float) else rng.normal(size=np.shape(x))


def check(got, want, what):
    assert np.shape(got) == np.shape(want), f"{what}: shape {np.shape(got)}, " \
                                            f"expected {np.shape(want)}"
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, err_msg=what)


def _id(pair):
    return "x".join("f" if s is None else str(list(s)).replace(" ", "") for s in pair)


@pytest.mark.parametrize("name", list(OPS))
@pytest.mark.parametrize("sx,sy", PAIRS, ids=[_id(p) for p in PAIRS])
def test_reverse(name, sx, sy):
    x, y, rng = operands(name, sx, sy, len(name) * 100 + PAIRS.index((sx, sy)))
    fn = binary(OPS[name])
    w = like(np.asarray(fn(x, y), dtype=float), rng)
    loss = weighted(fn, w, 2)
    got = s2sgrad.grad(loss, argnums=(0, 1))(x, y)
    want = s2sgrad.numerical_grad(loss, x, y, argnums=(0, 1), eps=EPS)
    check(got[0], want[0], "d/dx")
    check(got[1], want[1], "d/dy")


@pytest.mark.parametrize("name", list(OPS))
@pytest.mark.parametrize("sx,sy", PAIRS, ids=[_id(p) for p in PAIRS])
def test_forward(name, sx, sy):
    x, y, rng = operands(name, sx, sy, len(name) * 100 + PAIRS.index((sx, sy)))
    fn = binary(OPS[name])
    tx, ty = like(x, rng), like(y, rng)
    out, tout = s2sgrad.jvp(fn, (x, y), (tx, ty))
    want = (np.asarray(fn(x + EPS * tx, y + EPS * ty)) -
            np.asarray(fn(x - EPS * tx, y - EPS * ty))) / (2 * EPS)
    check(out, fn(x, y), "primal")
    check(tout, want, "tangent")


@pytest.mark.parametrize("left", [True, False], ids=["x-op-c", "c-op-x"])
@pytest.mark.parametrize("name", list(OPS))
@pytest.mark.parametrize("sx,sc", PAIRS, ids=[_id(p) for p in PAIRS])
def test_one_operand_constant(name, sx, sc, left):
    """Only one operand is differentiated; the other is a constant of any shape."""
    x, c, rng = operands(name, sx, sc, 7 + PAIRS.index((sx, sc)))
    if name in ("pow", "truediv") and not left:
        x, c = c, x  # keep the base positive and the divisor away from zero
        x = value(sx, rng, away_from_zero=True) if name == "truediv" else x
    fn = with_constant(OPS[name], c, left)
    w = like(np.asarray(fn(x), dtype=float), rng)
    check(s2sgrad.grad(weighted(fn, w, 1))(x),
          s2sgrad.numerical_grad(weighted(fn, w, 1), x, eps=EPS), "d/dx")
    t = like(x, rng)
    out, tout = s2sgrad.jvp(fn, (x,), (t,))
    want = (np.asarray(fn(x + EPS * t)) - np.asarray(fn(x - EPS * t))) / (2 * EPS)
    check(tout, want, "tangent")
