"""Uses Python would reject (analysis/uses.py), reported before any code runs at the line
that makes them: the truth value of an array of several elements, a `math` function of an
array. Uses that only a branch not taken would make are left to Python."""

import inspect
import math
import os

import numpy as np
import pytest

import s2sgrad
from s2sgrad import errors


def at(fn, text):
    lines, start = inspect.getsourcelines(fn)
    line = start + next(i for i, t in enumerate(lines) if text in t)
    return f"{os.path.basename(__file__)}:{line}:"


def sign_branch(x):
    y = x * 2.0
    if y > 0.0:
        return np.sum(y)
    return -np.sum(y)


def loop_condition(x):
    while x > 1.0:
        x = x / 2.0
    return np.sum(x)


def scalar_sine(x):
    return math.sin(x) * 2.0


def scalar_or_array(x):
    if np.ndim(x) == 0:
        if x > 0.0:
            return x * x
    return np.sum(x * x)


def test_if_on_an_array_names_the_line_and_its_hint_runs():
    with pytest.raises(errors.ShapeError) as info:
        s2sgrad.grad(sign_branch)(np.array([1.0, -2.0]))
    assert at(sign_branch, "if y > 0.0") in str(info.value)
    assert isinstance(info.value, ValueError)
    assert "np.all(y > 0.0) or np.any(y > 0.0)" in info.value.hint
    assert "np.where(y > 0.0, value_if_true, value_if_false)" in info.value.hint


def test_the_hints_np_all_differentiates():
    def fixed(x):
        y = x * 2.0
        if np.all(y > 0.0):
            return np.sum(y)
        return -np.sum(y)

    assert s2sgrad.grad(fixed)(np.array([1.0, 2.0])) == pytest.approx([2.0, 2.0])


def test_while_on_an_array_names_the_line():
    with pytest.raises(errors.ShapeError) as info:
        s2sgrad.grad(loop_condition)(np.array([4.0, 8.0]))
    assert at(loop_condition, "while x > 1.0") in str(info.value)


def test_an_array_of_one_element_has_a_truth_value():
    assert s2sgrad.grad(sign_branch)(np.array([1.0])) == pytest.approx([2.0])


def test_a_math_function_of_an_array_names_the_line_and_the_numpy_function():
    with pytest.raises(errors.ArgumentError) as info:
        s2sgrad.grad(scalar_sine)(np.ones(3))
    assert at(scalar_sine, "math.sin(x)") in str(info.value)
    assert isinstance(info.value, TypeError) and info.value.hint.endswith("np.sin")


def test_a_use_inside_a_branch_the_arguments_do_not_take_is_not_an_error():
    x = np.array([1.0, 2.0])
    assert s2sgrad.grad(scalar_or_array)(x) == pytest.approx(2.0 * x)
    assert s2sgrad.grad(scalar_or_array)(3.0) == pytest.approx(6.0)
