"""The cases of `linalg_cases.py` against central finite differences: reverse mode, forward
mode and forward over reverse, as `test_numpy_rules.py` and `test_second_order.py` check
`numpy_cases.CASES`."""

from __future__ import annotations

import numpy as np
import pytest

import s2sgrad

from . import linalg_cases
from .linalg_cases import LINALG_CASES
from .numpy_cases import weighted
from .test_numpy_rules import EPS, assert_close, draw, like

PARAMS = [pytest.param(c, k, id=f"{c.name}-{k}")
          for c in LINALG_CASES for k in range(len(c.variants))]


@pytest.mark.parametrize("case,k", PARAMS)
def test_reverse_mode(case, k):
    args, rng = draw(case, k)
    w = like(np.asarray(case.fn(*args), dtype=float), rng)
    loss = weighted(case.fn, w, len(args))
    argnums = tuple(range(len(args)))
    got = s2sgrad.grad(loss, argnums=argnums)(*args)
    want = s2sgrad.numerical_grad(loss, *args, argnums=argnums, eps=EPS)
    for i, (g, x) in enumerate(zip(got, want)):
        assert_close(g, x, f"d/d argument {i}")


@pytest.mark.parametrize("case,k", PARAMS)
def test_forward_mode(case, k):
    args, rng = draw(case, k)
    tangents = [like(a, rng) for a in args]
    out, tout = s2sgrad.jvp(case.fn, args, tangents)
    up = case.fn(*[a + EPS * t for a, t in zip(args, tangents)])
    down = case.fn(*[a - EPS * t for a, t in zip(args, tangents)])
    assert_close(out, case.fn(*args), "primal output")
    assert_close(tout, (np.asarray(up) - np.asarray(down)) / (2 * EPS), "tangent")


@pytest.mark.parametrize("case,k", PARAMS)
def test_hessian_vector_product(case, k):
    args, rng = draw(case, k)
    w = like(np.asarray(case.fn(*args), dtype=float), rng)
    argnums = tuple(range(len(args)))
    grad = s2sgrad.grad(weighted(case.fn, w, len(args)), argnums=argnums)
    v = [like(a, rng) for a in args]
    _, hv = s2sgrad.jvp(grad, args, v)
    eps = 1e-5
    up = grad(*[a + eps * t for a, t in zip(args, v)])
    down = grad(*[a - eps * t for a, t in zip(args, v)])
    for i, (h, u, d) in enumerate(zip(hv, up, down)):
        want = (np.asarray(u) - np.asarray(d)) / (2 * eps)
        assert np.shape(h) == np.shape(want), f"argument {i}"
        np.testing.assert_allclose(h, want, rtol=1e-4, atol=1e-5, err_msg=f"argument {i}")


def test_every_case_has_two_shapes():
    few = [c.name for c in LINALG_CASES
           if len({tuple(a.shape for a in v) for v in c.variants}) < 2]
    assert not few, few


@pytest.mark.parametrize("fn,shapes", [
    (linalg_cases.einsum_sublists, [(2, 3), (3, 4)]),
    (linalg_cases.einsum_sublists_ellipsis, [(2, 2, 3), (3, 4)]),
    (linalg_cases.einsum_sublists_three, [(2, 3, 3), (3, 3, 2), (3, 3, 2)]),
], ids=lambda v: getattr(v, "__name__", ""))
def test_interleaved_einsum_in_vector_mode(fn, shapes):
    """jacfwd runs all columns in one sweep where it can; the interleaved form falls back to
    one sweep per column, and every operand's columns must be there."""
    rng = np.random.default_rng(len(shapes))
    args = [rng.normal(size=s) for s in shapes]
    argnums = tuple(range(len(args)))
    forward = s2sgrad.jacfwd(fn, argnums=argnums)(*args)
    backward = s2sgrad.jacrev(fn, argnums=argnums)(*args)
    for f, b in zip(forward, backward):
        np.testing.assert_allclose(f, b, rtol=1e-12, atol=1e-12)


def test_slogdet_of_a_singular_matrix_raises_at_the_users_line():
    """log |det| is -inf there: no derivative. The compiled derivative works elsewhere and
    raises MissingRuleError when it meets one, in both modes."""
    fn = linalg_cases.slogdet_logabsdet
    x = np.random.default_rng(0).normal(size=(2, 3, 3))
    singular = x.copy()
    singular[1, -1] = 0.0
    grad = s2sgrad.grad(lambda a: np.sum(fn(a)))
    np.testing.assert_allclose(grad(x), np.linalg.inv(np.swapaxes(x, -1, -2)), rtol=1e-10)
    for call in (lambda: grad(singular), lambda: s2sgrad.jvp(fn, (singular,), (x,))):
        with pytest.raises(s2sgrad.MissingRuleError, match="slogdet of a singular") as info:
            call()
        assert info.value.loc.filename == linalg_cases.__file__
        assert info.value.loc.lineno == fn.__code__.co_firstlineno + 1
