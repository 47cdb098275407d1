"""What the transforms are given (s2sgrad/arguments.py): complex tangents and cotangents are
rejected, a cotangent of the wrong structure is a ShapeError whose hint runs, too many
arguments are an ArgumentError at the calling line naming the function's own signature
(a functools.wraps wrapper's, not the wrapped function's)."""

import functools

import numpy as np
import pytest

import s2sgrad
from s2sgrad import errors

X = np.array([0.3, -0.7, 1.2])


def waves(x):
    return np.sum(np.sin(x) * x)


def here() -> str:
    return __file__


def central(f, x, v, eps=1e-6):
    """The directional derivative of f at x along v, by central differences in float64."""
    x, v = np.asarray(x, float), np.asarray(v, float)
    return (f(x + eps * v) - f(x - eps * v)) / (2 * eps)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_complex_tangent_is_rejected_and_the_hint_runs(dtype):
    x, v = X.astype(dtype), (1.0 + 1.0j) * np.ones(3)
    with pytest.raises(errors.InputTypeError) as info:
        s2sgrad.jvp(waves, (x,), (v,))
    assert info.value.loc.filename == here()
    assert "s2sgrad.jvp(f, (x,), (v.real,))" in info.value.hint
    f = waves
    _, t = eval("s2sgrad.jvp(f, (x,), (v.real,))")
    assert np.isclose(t, central(waves, X, v.real), rtol=1e-4 if dtype == np.float32 else 1e-7)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_complex_cotangent_is_rejected_and_the_hint_runs(dtype):
    x = X.astype(dtype)
    out, pullback = s2sgrad.vjp(lambda x: np.sin(x), x)
    with pytest.raises(errors.InputTypeError) as info:
        pullback(1j * np.ones(3))
    assert info.value.loc.filename == here()
    call = info.value.hint.split("e.g. ")[1].split(", and")[0]
    (g,) = eval(call)
    assert np.allclose(g, np.cos(X), rtol=1e-6)


def test_a_complex_tangent_to_hvp_is_rejected():
    with pytest.raises(errors.InputTypeError):
        s2sgrad.hvp(waves, (X,), (1j * np.ones(3),))
    with pytest.raises(errors.InputTypeError):  # a derivative of a derivative too
        s2sgrad.hvp(s2sgrad.grad(lambda x: x ** 3), (2.0,), (1j,))


def test_numerical_grad_of_a_complex_argument_is_an_input_type_error():
    with pytest.raises(errors.InputTypeError) as info:
        s2sgrad.numerical_grad(waves, X + 1j)
    assert isinstance(info.value, TypeError) and info.value.loc.filename == here()


def test_one_tuple_cotangent_for_a_tuple_output_is_a_shape_error_whose_hint_runs():
    out, pullback = s2sgrad.vjp(lambda x: (x, np.sum(x)), X)
    with pytest.raises(errors.ShapeError) as info:
        pullback((X, 1.0))  # JAX's form: one cotangent of the output's structure
    assert info.value.loc.filename == here()
    call = info.value.hint.split(": ", 1)[1]
    assert call == "pullback(np.ones((3,)), 1.0)"
    (g,) = eval(call)
    assert np.allclose(g, np.ones(3) + 1.0)


def _inner(x, *, y=1.0):
    return x * y


@functools.wraps(_inner)
def scaled(x, y):
    return _inner(x, y=y) * 2.0


def _one(x):
    return x * x


@functools.wraps(_one)
def widened(x, y):
    return _one(x) * y


def test_argnums_of_a_wraps_wrapper_reads_the_wrappers_own_signature():
    g = s2sgrad.grad(scaled, argnums=1)(1.5, 0.5)
    assert np.isclose(g, s2sgrad.numerical_grad(scaled, 1.5, 0.5, argnums=1))


def test_too_many_arguments_to_a_wraps_wrapper_show_the_wrappers_signature():
    with pytest.raises(errors.ArgumentError) as info:
        s2sgrad.grad(widened)(1.0, 2.0, 3.0)
    assert "(x, y)" in info.value.message and "takes 2 positional" in info.value.message


@pytest.mark.parametrize("call", [
    lambda: s2sgrad.jvp(_one, (1.0, 2.0), (1.0, 1.0)),
    lambda: s2sgrad.vjp(_one, 1.0, 2.0),
    lambda: s2sgrad.jacobian(_one)(1.0, 2.0),
    lambda: s2sgrad.jacfwd(_one, fused=False)(1.0, 2.0),
    lambda: s2sgrad.jacrev(_one, fused=False)(np.ones(2), 2.0),
    lambda: s2sgrad.hvp(_one, (1.0, 2.0), (1.0, 1.0)),
    lambda: s2sgrad.hessian(_one)(1.0, 2.0),
], ids=["jvp", "vjp", "jacobian", "jacfwd", "jacrev", "hvp", "hessian"])
def test_too_many_arguments_are_an_argument_error_at_the_calling_line(call):
    with pytest.raises(errors.ArgumentError) as info:
        call()
    assert info.value.loc.filename == here()
    assert "_one(x)" in info.value.message and "2 were given" in info.value.message


def test_after_a_successful_call_too_many_arguments_are_pythons_own_type_error():
    g = s2sgrad.grad(_one)
    with pytest.raises(errors.ArgumentError):  # before: s2sgrad's error, naming _one(x)
        g(1.0, 2.0)
    assert g(1.5) == 3.0
    with pytest.raises(TypeError, match="takes 1 positional argument"):  # the armed code
        g(1.0, 2.0)


def test_the_checks_of_plain_floats_and_arrays_flatten_nothing(monkeypatch):
    """jvp, vjp and pullbacks run once per column in jacfwd's fallback and jacrev: the
    common case (floats and float arrays of the right shapes) takes the cheap checks."""
    from s2sgrad import pytree

    f = lambda x, s: np.sin(x) * s  # noqa: E731
    s2sgrad.jvp(f, (X, 2.0), (X, 1.0))  # compiled before flatten is taken away
    _, pullback = s2sgrad.vjp(f, X, 2.0)

    def no_flatten(value):
        raise AssertionError("flattened on the common path")

    monkeypatch.setattr(pytree, "flatten", no_flatten)
    _, t = s2sgrad.jvp(f, (X, 2.0), (X, 1.0))
    assert np.allclose(t, central(lambda v: np.sin(v[:3]) * v[3], np.r_[X, 2.0], np.r_[X, 1.0]))
    gx, gs = pullback(np.ones(3))
    assert np.allclose(gx, 2.0 * np.cos(X)) and np.isclose(gs, np.sum(np.sin(X)))
    out, pullback = s2sgrad.vjp(f, X, 2.0)
    assert np.allclose(pullback(np.ones(3))[0], 2.0 * np.cos(X))
