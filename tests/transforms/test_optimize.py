"""Copy propagation (transforms/optimize.py): an `if` whose empty branches only pick `True`
or `False` becomes its condition, unless the caller could see the difference."""

from __future__ import annotations

import math

import numpy as np

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
