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


# -- loops that may run zero times, and the right operand of and/or ------------------------

def doubled_while_positive(x, n):
    for i in range(n):
        if x > 0.0:
            x = x * 2.0
    return np.sum(x * x)


def doubled_while_counting(x, n):
    while n > 0 and x > 0.0:
        x = x * 2.0
        n = n - 1
    return np.sum(x * x)


def twice_doubled(x):
    for i in range(2):
        if x > 0.0:
            x = x * 2.0
    return np.sum(x)


def checked_first(x, n):
    while x > 0.0 and n > 0:
        n = n - 1
    return np.sum(x)


@pytest.mark.parametrize("fn", [doubled_while_positive, doubled_while_counting])
@pytest.mark.parametrize("shape", [(3,), (2, 2)])
def test_a_loop_that_runs_zero_times_is_not_checked(fn, shape):
    x = np.linspace(0.5, 1.5, int(np.prod(shape))).reshape(shape)
    assert fn(x, 0) == pytest.approx(np.sum(x * x))  # Python runs it
    got = s2sgrad.grad(fn)(x, 0)
    np.testing.assert_allclose(got, s2sgrad.numerical_grad(fn, x, 0), rtol=1e-7)


def test_a_loop_over_a_constant_range_is_checked():
    with pytest.raises(errors.ShapeError) as info:
        s2sgrad.grad(twice_doubled)(np.ones(3))
    assert at(twice_doubled, "if x > 0.0:") in str(info.value)


def test_the_left_operand_of_and_is_checked_and_its_hint_runs():
    with pytest.raises(errors.ShapeError) as info:
        s2sgrad.grad(checked_first)(np.ones(3), 0)
    assert at(checked_first, "while x > 0.0 and n > 0") in str(info.value)
    assert "np.all(x > 0.0) or np.any(x > 0.0)" in info.value.hint
    x = np.ones(3)
    assert bool(np.all(x > 0.0)) or bool(np.any(x > 0.0))


def test_every_replacement_a_math_hint_suggests_exists():
    import importlib
    import re
    from s2sgrad.analysis.uses import elementwise_hint

    for name in dir(math):
        if name.startswith("_") or not callable(getattr(math, name)):
            continue
        hint = elementwise_hint(name)
        for path in re.findall(r"\b(np|scipy\.special)\.(\w+)", hint):
            module = np if path[0] == "np" else importlib.import_module("scipy.special")
            assert hasattr(module, path[1]), (name, hint)
        assert "np.erf" not in hint and "np.gamma" not in hint and "np.lgamma" not in hint


def test_the_hint_for_erf_names_scipy():
    def error_function(x):
        return math.erf(x)

    with pytest.raises(errors.ArgumentError) as info:
        s2sgrad.grad(error_function)(np.ones(2))
    assert "scipy.special.erf" in info.value.hint
