"""Indexing (`x[i]` and in-place `y[i] = v`, `y[i] += v`) in both modes, against central
differences; each case on two shapes. The primal output must also match plain Python."""

from __future__ import annotations

import numpy as np
import pytest

import s2sgrad

from .indexing_cases import CASES
from .numpy_cases import weighted
from .checks import EPS, assert_close, draw, like

PARAMS = [pytest.param(c, k, id=f"{c.name}-{k}") for c in CASES
          for k in range(len(c.variants))]
@pytest.mark.parametrize("case,k", PARAMS)
def test_reverse_mode(case, k):
    args, rng = draw(case, k)
    out = case.fn(*args)
    w = like(np.asarray(out, dtype=float), rng)
    loss = weighted(case.fn, w, 1)
    value, got = s2sgrad.value_and_grad(loss)(*args)
    assert value == pytest.approx(loss(*args))
    assert_close(got, s2sgrad.numerical_grad(loss, *args, eps=EPS), "gradient")


@pytest.mark.parametrize("case,k", PARAMS)
def test_forward_mode(case, k):
    args, rng = draw(case, k)
    (x,), (t,) = args, [like(a, rng) for a in args]
    out, tout = s2sgrad.jvp(case.fn, (x,), (t,))
    assert_close(out, case.fn(x), "primal output")
    want = (np.asarray(case.fn(x + EPS * t)) - np.asarray(case.fn(x - EPS * t))) / (2 * EPS)
    assert_close(tout, want, "tangent")


def test_repeated_indices_accumulate():
    """The adjoint of x[[0, 0, 2]] counts item 0 twice."""
    x = np.array([1.0, 2.0, 3.0])
    g = s2sgrad.grad(weighted(lambda_free_take, 1.0, 1))(x)
    assert g.tolist() == [2.0, 0.0, 1.0]


def lambda_free_take(x):
    return x[[0, 0, 2]]
