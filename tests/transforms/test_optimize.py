"""Copy propagation (transforms/optimize.py): an `if` whose empty branches only pick `True`
or `False` becomes its condition, unless the caller could see the difference."""

from __future__ import annotations

import math

import numpy as np
import pytest

import s2sgrad


def power_sum(x, n):
    total = 0.0
    term = 1.0
    for k in range(n):
        term = term * x
        if term > 10.0:
            break
        total = total + term
    return total


def flagged(x):
    if np.float64(x) > 1.0:  # a NumPy bool
        big = True
    else:
        big = False
    return math.sin(x) * 2.0, big


def test_a_break_flag_is_its_condition():
    g = s2sgrad.grad(power_sum)
    assert math.isclose(g(1.5, 8), s2sgrad.numerical_grad(power_sum, 1.5, 8), rel_tol=1e-7)
    text = s2sgrad.source(g)
    assert "broke = term_1 > 10.0" in text and "broke = True" not in text, text


def test_a_flag_the_caller_sees_stays_a_python_bool():
    g = s2sgrad.grad(flagged, has_aux=True)
    for x in (0.5, 1.5):
        grad, big = g(x)
        assert type(big) is bool and big == (x > 1.0)
        assert math.isclose(grad, 2.0 * math.cos(x))


def _unused_draw(x):
    n = np.random.normal()
    return x * np.random.normal()


def _unused_draws_in_a_loop(x):
    for i in range(2):
        n = np.random.normal()
    return x * np.random.normal()


@pytest.mark.parametrize("fn, skipped", [(_unused_draw, 1), (_unused_draws_in_a_loop, 2)])
def test_dce_keeps_a_draw_whose_value_is_not_read(fn, skipped):
    """Dropping it would shift the numbers drawn after it: the derivative would be at
    another sample than the one the function draws."""
    np.random.seed(0)
    want = np.random.normal(size=skipped + 1)[-1]
    np.random.seed(0)
    assert s2sgrad.grad(fn)(1.0) == want
    np.random.seed(0)
    assert s2sgrad.jacfwd(fn)(np.ones(2)).diagonal().tolist() == [want, want]
