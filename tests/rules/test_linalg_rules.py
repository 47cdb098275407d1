"""The cases of `linalg_cases.py` against central finite differences: reverse mode, forward
mode and forward over reverse, as `test_numpy_rules.py` and `test_second_order.py` check
`numpy_cases.CASES`."""

from __future__ import annotations

import numpy as np
import pytest

import s2sgrad

from . import linalg_cases
from .checks import check_forward, check_hessian_vector_product, check_reverse
from .linalg_cases import LINALG_CASES

PARAMS = [pytest.param(c, k, id=f"{c.name}-{k}")
          for c in LINALG_CASES for k in range(len(c.variants))]


@pytest.mark.parametrize("case,k", PARAMS)
def test_reverse_mode(case, k):
    check_reverse(case, k)


@pytest.mark.parametrize("case,k", PARAMS)
def test_forward_mode(case, k):
    check_forward(case, k)


@pytest.mark.parametrize("case,k", PARAMS)
def test_hessian_vector_product(case, k):
    check_hessian_vector_product(case, k)


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
