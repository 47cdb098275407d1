"""Decorated functions: s2sgrad differentiates what a call runs. A `functools.wraps`
wrapper looks like the function it wraps (`__wrapped__`, `__name__`, the signature), but
its own code is what runs, so that code is parsed and the wrapped function inlined into
it. A wrapper taking `*args, **kwargs` is reported at the wrapper's line."""

import functools

import numpy as np
import pytest

import s2sgrad
from s2sgrad import errors


def doubled(fn):
    @functools.wraps(fn)
    def wrapper(x):
        return 2.0 * fn(x)
    return wrapper


def plus_square(fn):
    @functools.wraps(fn)
    def wrapper(x):
        return fn(x) + np.sum(x * x)
    return wrapper


def scaled(k):  # a decorator with an argument: one more level of closures
    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(x):
            return k * fn(x)
        return wrapper
    return decorate


def tripled_no_wraps(fn):
    def inner(x):
        return fn(x) * 3.0
    return inner


def doubled_by_lambda(fn):  # functools.wraps gives the lambda the name of `fn`
    return functools.wraps(fn)(lambda x: 2.0 * fn(x))


def forwarding(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return 2.0 * fn(*args, **kwargs)
    return wrapper


def base(x):
    return np.sum(np.sin(x) * x)


def base_dx(x):
    return np.cos(x) * x + np.sin(x)


@doubled
def twice(x):
    return np.sum(np.sin(x) * x)


@plus_square
def with_square(x):
    return np.sum(np.sin(x) * x)


@scaled(5.0)
def times_five(x):
    return np.sum(np.sin(x) * x)


@tripled_no_wraps
def thrice(x):
    return np.sum(np.sin(x) * x)


@doubled
@plus_square
@scaled(0.5)
def stacked(x):
    return np.sum(np.sin(x) * x)


@doubled_by_lambda
def twice_by_lambda(x):
    return np.sum(np.sin(x) * x)


EXPECTED = {  # d/dx of what each call runs
    twice: lambda x: 2.0 * base_dx(x),
    with_square: lambda x: base_dx(x) + 2.0 * x,
    times_five: lambda x: 5.0 * base_dx(x),
    thrice: lambda x: 3.0 * base_dx(x),
    stacked: lambda x: 2.0 * (0.5 * base_dx(x) + 2.0 * x),
    twice_by_lambda: lambda x: 2.0 * base_dx(x),
}
POINTS = [np.array([0.3, -1.1]), np.linspace(-1.0, 2.0, 6).reshape(2, 3)]


@pytest.mark.parametrize("fun", list(EXPECTED), ids=lambda f: f.__name__)
@pytest.mark.parametrize("x", POINTS, ids=["vector", "matrix"])
def test_the_gradient_includes_the_decorators_arithmetic(fun, x):
    got = s2sgrad.grad(fun)(x)
    np.testing.assert_allclose(got, s2sgrad.numerical_grad(fun, x), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(got, EXPECTED[fun](x), rtol=1e-12)


@pytest.mark.parametrize("fun", [twice, stacked], ids=lambda f: f.__name__)
def test_other_entry_points_see_the_wrapper_too(fun):
    x = POINTS[0]
    value, g = s2sgrad.value_and_grad(fun)(x)
    assert value == pytest.approx(fun(x))
    np.testing.assert_allclose(g, EXPECTED[fun](x), rtol=1e-12)
    _, t = s2sgrad.jvp(fun, (x,), (np.ones_like(x),))
    assert t == pytest.approx(np.sum(EXPECTED[fun](x)))
    h = s2sgrad.hessian(fun)(x)
    eps, eye = 1e-6, np.eye(x.size)
    columns = [(EXPECTED[fun](x + eps * e) - EXPECTED[fun](x - eps * e)) / (2 * eps)
               for e in eye]
    np.testing.assert_allclose(h, np.array(columns).T, rtol=1e-6)


def test_a_decorated_float_function():
    assert s2sgrad.grad(twice)(0.7) == pytest.approx(2.0 * base_dx(0.7))


def test_a_decorated_helper_called_from_the_differentiated_function():
    def outer(x):
        return times_five(x) + twice(x)

    x = POINTS[1]
    np.testing.assert_allclose(s2sgrad.grad(outer)(x), 7.0 * base_dx(x), rtol=1e-12)


def test_a_wrapper_with_star_args_is_reported_at_its_line():
    @forwarding
    def f(x):
        return np.sum(x * x)

    with pytest.raises(errors.UnsupportedSyntaxError) as info:
        s2sgrad.grad(f)
    loc = info.value.loc
    assert loc.filename == __file__
    assert loc.source_line().strip() == "def wrapper(*args, **kwargs):"
