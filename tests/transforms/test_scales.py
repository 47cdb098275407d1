"""Constant scale factors (transforms/scales.py): `k1 * (k2 * a)` is folded only where it is
bit for bit exact, `1.0 * a` is dropped only for arrays the gradient made, and the
gradients are unchanged and match central differences."""

from __future__ import annotations

import numpy as np
import pytest

import s2sgrad
from s2sgrad.transforms import optimize as optimize_module
from s2sgrad.transforms.scales import _power_of_two

from .helpers import compiled_gradient


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def tenth_square(x):
    return np.sum(0.1 * x ** 2)  # 0.1 * (2.0 * x): |k1| < 1, stays


def cubed(x):
    return np.sum(100.0 * x ** 3)  # 100.0 * (3.0 * x**2): 3 is no power of two, stays


def weighted(x, y):
    return np.sum(x * y)  # x's gradient is y's values, in a new array


RNG = np.random.default_rng(11)
CASES = [(rosenbrock, (RNG.uniform(-1.5, 1.5, size=7),)),
         (rosenbrock, (RNG.uniform(-1.5, 1.5, size=(3,)),)),
         (tenth_square, (RNG.normal(size=(2, 3)),)),
         (cubed, (RNG.normal(size=5),)),
         (weighted, (RNG.normal(size=4), RNG.normal(size=4)))]
IDS = ["rosenbrock7", "rosenbrock3", "tenth_square", "cubed", "weighted"]


@pytest.mark.parametrize("fn,args", CASES, ids=IDS)
def test_same_bits_with_and_without_the_pass(fn, args, monkeypatch):
    folded, _ = compiled_gradient(fn, args)
    monkeypatch.setattr(optimize_module, "fold_scales", lambda f: f)
    plain, _ = compiled_gradient(fn, args)
    for scale in (1.0, 1e-308, 1e153, 1e300):  # subnormal, overflowing and ordinary values
        x = args[0] * scale
        with np.errstate(over="ignore", invalid="ignore"):
            a, b = folded(x, *args[1:]), plain(x, *args[1:])
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("fn,args", CASES, ids=IDS)
def test_gradient_matches_central_differences(fn, args):
    got = s2sgrad.grad(fn)(*args)
    want = s2sgrad.numerical_grad(lambda x: fn(x, *args[1:]), args[0])
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


def test_what_is_folded_and_what_is_not():
    assert "200.0 * " in compiled_gradient(*CASES[0])[1]  # 100.0 * (2.0 * u4)
    tenth = compiled_gradient(*CASES[2])[1]
    assert "0.1 * (2.0 * x)" in tenth and "0.2" not in tenth, tenth
    cube = compiled_gradient(*CASES[3])[1]
    assert "300.0" not in cube and "3.0" in cube, cube


def test_the_seed_times_an_array_made_here_is_that_array():
    text = compiled_gradient(*CASES[0])[1]
    assert "1.0 *" not in text and "* 1.0" not in text, text


def test_a_gradient_is_never_the_callers_array():
    x, y = CASES[4][1]
    g = s2sgrad.grad(weighted)(x, y)
    np.testing.assert_array_equal(g, y)
    assert g is not y and not np.shares_memory(g, y)


@pytest.mark.parametrize("k1,k2", [(1.0, 2.0), (-1.0, 4.0), (100.0, 2.0), (-3.7, -8.0),
                                   (1e300, 2.0), (1.5, 1.0), (7.0, 1024.0)])
def test_the_folding_rule_is_exact(k1, k2):
    """The condition the pass checks is enough: on subnormal, huge, infinite and random
    values, k1 * (k2 * a) and (k1 * k2) * a have the same bits."""
    assert _power_of_two(k2) and abs(k1) >= 1
    a = np.concatenate([RNG.normal(size=2000) * 10.0 ** RNG.integers(-320, 308, size=2000),
                        [5e-324, -5e-324, 1.7e308, -1.7e308, np.inf, -np.inf, 0.0, -0.0]])
    with np.errstate(over="ignore"):
        np.testing.assert_array_equal(k1 * (k2 * a), (k1 * k2) * a)


@pytest.mark.parametrize("k1,k2", [(0.3, 2.0), (100.0, 3.0), (2.0, 0.1)])
def test_without_the_condition_the_bits_differ(k1, k2):
    """Each part of the condition matters: each pair breaks it and gives other bits."""
    assert not (_power_of_two(k2) and abs(k1) >= 1)
    a = np.concatenate([RNG.normal(size=2000) * 10.0 ** RNG.integers(-320, 308, size=2000),
                        [1e308, 3e-320]])
    with np.errstate(over="ignore"):
        assert np.any((k1 * (k2 * a)) != ((k1 * k2) * a))
