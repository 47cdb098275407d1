"""The output grad differentiates (transforms/outputs.py): a function that returns None or a
str only on some paths compiles, and differentiates on the others, as Python runs it; a call
that takes such a path is a NonScalarOutputError naming the `return` that gives it, or the
`def` line. Only a function that never returns a number is rejected when it is compiled."""

import inspect
import os

import numpy as np
import pytest

import s2sgrad
from s2sgrad import errors


def at(fn, text):
    lines, start = inspect.getsourcelines(fn)
    line = start + next(i for i, t in enumerate(lines) if text in t)
    return f"{os.path.basename(__file__)}:{line}:"


def positive_square(x):
    if x > 0:
        return x * x


def word_when_negative(x):
    if x > 0:
        return x * x
    return "negative"


def first_above(x):
    for i in range(3):
        if x > i:
            return x * 2.0


def last_product(x, n):
    y = None
    for i in range(n):
        y = x * i
    return y


def constant_when_positive(x):
    if x > 0:
        return 1.0


def positive_energy(x):
    if np.sum(x) > 0.0:
        return np.sum(np.sin(x) * x)


def only_none(x):
    y = x * x  # noqa: F841
    if x > 0:
        return


def test_a_path_that_returns_a_number_differentiates():
    assert s2sgrad.grad(positive_square)(2.0) == pytest.approx(4.0)
    assert s2sgrad.value_and_grad(positive_square)(3.0) == pytest.approx((9.0, 6.0))
    assert s2sgrad.grad(first_above)(2.0) == pytest.approx(2.0)
    assert s2sgrad.grad(last_product)(2.0, 3) == pytest.approx(2.0)
    assert s2sgrad.grad(constant_when_positive)(2.0) == 0.0
    assert s2sgrad.hessian(positive_square)(2.0) == pytest.approx(2.0)


@pytest.mark.parametrize("shape", [(3,), (2, 3)])
def test_arrays_on_the_path_that_returns_match_central_differences(shape):
    x = np.linspace(0.2, 1.1, int(np.prod(shape))).reshape(shape)
    got = s2sgrad.grad(positive_energy)(x)
    assert np.allclose(got, s2sgrad.numerical_grad(positive_energy, x), atol=1e-7)
    with pytest.raises(errors.NonScalarOutputError) as info:
        s2sgrad.grad(positive_energy)(-x)
    assert at(positive_energy, "def positive_energy") in str(info.value)


@pytest.mark.parametrize("fn, args, where, shown", [
    (positive_square, (-1.0,), "def positive_square", "returns None on this call"),
    (first_above, (-1.0,), "def first_above", "returns None on this call"),
    (last_product, (2.0, 0), "def last_product", "returns None on this call"),
    (constant_when_positive, (-1.0,), "def constant_when_positive", "returns None"),
    (word_when_negative, (-1.0,), 'return "negative"', "returns str 'negative'"),
])
def test_a_call_that_takes_a_path_without_a_number_names_where(fn, args, where, shown):
    grad = s2sgrad.grad(fn)
    for call in (args, args):  # the second call runs the armed fast path
        with pytest.raises(errors.NonScalarOutputError) as info:
            grad(*call)
        assert at(fn, where) in str(info.value) and shown in str(info.value)


def test_the_fast_path_raises_after_a_call_that_returned_a_number():
    grad = s2sgrad.grad(positive_square)
    assert grad(2.0) == pytest.approx(4.0)
    with pytest.raises(errors.NonScalarOutputError) as info:
        grad(-2.0)
    assert at(positive_square, "def positive_square") in str(info.value)
    assert grad(3.0) == pytest.approx(6.0)


def test_a_function_that_never_returns_a_number_is_rejected_when_compiled():
    for x in (1.0, -1.0):  # compiling raises, whichever path the call would take
        with pytest.raises(errors.NonScalarOutputError) as info:
            s2sgrad.grad(only_none)(x)
        message = str(info.value)
        assert "returns None" in message and "no return statement" not in message
        assert "on this call" not in message and at(only_none, "def only_none") in message
