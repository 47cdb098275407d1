"""Every NumPy and numpy.linalg rule against central finite differences, in both modes.

Reverse mode: `s2sgrad.grad` of `sum(f(*args) * w)`, w random, so every output is weighed.
Forward mode: `s2sgrad.jvp` of f itself along random tangents, against the central
difference of f along them. Each case runs on at least two argument shapes.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import s2sgrad
from s2sgrad.ir.printer import prim_name
from s2sgrad.rules.registry import registered

from . import numpy_cases, numpy_join_cases
from .linalg_cases import LINALG_CASES
from .checks import assert_close, check_forward, check_reverse
from .numpy_cases import CASES

PARAMS = [pytest.param(c, k, id=f"{c.name}-{k}")
          for c in CASES for k in range(len(c.variants))]
@pytest.mark.parametrize("case,k", PARAMS)
def test_reverse_mode(case, k):
    check_reverse(case, k)


@pytest.mark.parametrize("case,k", PARAMS)
def test_forward_mode(case, k):
    check_forward(case, k)


def _numpy_prims():
    """The differentiable NumPy primitives that have rules (array methods included)."""
    names = ("np.", "the method", "the attribute")
    return {p for p, r in registered().items()
            if not r.nondiff and prim_name(p).startswith(names)}


def test_every_numpy_rule_is_tested():
    tested = {p for c in CASES + LINALG_CASES for p in c.prims}
    untested = sorted(prim_name(p) for p in _numpy_prims() - tested
                      if prim_name(p) != "the attribute .real")
    assert not untested, f"rules without a finite-difference test: {untested}"


def test_every_case_has_two_shapes():
    few = [c.name for c in CASES
           if len({tuple(a.shape for a in v) for v in c.variants}) < 2]
    assert not few, few


@pytest.mark.parametrize("fn,what,hint", [
    (numpy_cases.max_with_where, "where= argument", "np.where(mask, x, -np.inf)"),
    (numpy_cases.pad_mean_mode, "np.pad(mode='mean')", "np.concatenate"),
    (numpy_cases.svd_full_non_square, "full_matrices=True", "full_matrices=False"),
    (numpy_join_cases.r_with_directive, "string directive in np.r_", "np.concatenate"),
], ids=lambda v: getattr(v, "__name__", ""))
def test_unsupported_arguments_raise(fn, what, hint):
    """A case a rule cannot differentiate is a MissingRuleError at the user's line, raised
    when the derivative is compiled, in each mode that meets it."""
    x = np.random.default_rng(0).normal(size=(3, 2))
    line = fn.__code__.co_firstlineno + 1
    for call in (lambda: s2sgrad.grad(fn)(x), lambda: s2sgrad.jvp(fn, (x,), (x,))):
        with pytest.raises(s2sgrad.MissingRuleError, match=re.escape(what)) as info:
            call()
        assert info.value.loc.filename == fn.__code__.co_filename
        assert info.value.loc.lineno == line
        if hint is not None:
            assert hint in info.value.hint


def test_a_case_only_the_run_time_decides_raises_when_the_derivative_runs():
    """The mode of np.pad is an argument here: the derivative is compiled with both paths,
    works in a mode it supports, and raises MissingRuleError at the user's line otherwise."""
    fn = numpy_cases.pad_mode_argument
    x = np.random.default_rng(0).normal(size=(2, 3))
    grad = s2sgrad.grad(fn)
    np.testing.assert_allclose(grad(x, "edge"), s2sgrad.numerical_grad(fn, x, "edge"),
                               rtol=1e-6, atol=1e-8)
    with pytest.raises(s2sgrad.MissingRuleError, match=re.escape("np.pad(mode='mean')")) as info:
        grad(x, "mean")
    assert info.value.loc.filename == numpy_cases.__file__
    assert info.value.loc.lineno == fn.__code__.co_firstlineno + 1


@pytest.mark.parametrize("join", [np.vstack, np.row_stack, np.hstack, np.column_stack,
                                  np.dstack, np.concatenate, np.stack],
                         ids=lambda f: f.__name__)
@pytest.mark.parametrize("shape", [(2,), (2, 3), (3, 2, 2)], ids=str)
def test_a_join_gives_the_gradient_the_structure_of_its_argument(join, shape):
    x = np.random.default_rng(len(shape)).normal(size=shape)
    if join is np.concatenate and x.ndim == 1:
        return  # concatenating numbers is an error in NumPy
    w = np.random.default_rng(7).normal(size=np.shape(join(x)))
    array_grad = s2sgrad.grad(lambda a: np.sum(join(a) * w))(x)
    assert type(array_grad) is np.ndarray and array_grad.shape == shape  # was a list of rows
    assert_close(array_grad, s2sgrad.numerical_grad(lambda a: np.sum(join(a) * w), x), "grad")
    rows = list(x)
    list_grad = s2sgrad.grad(lambda r: np.sum(join(r) * w))(rows)
    assert type(list_grad) is list and len(list_grad) == len(rows)
    assert_close(np.array(list_grad), array_grad, "the gradient of a list of the rows")
