"""Sign folding (transforms/signs.py): minuses cancel or turn into subtractions, the result
is bit for bit what the unfolded code computes, and gradients match central differences."""

from __future__ import annotations

import ast
import math

import numpy as np
import pytest

import s2sgrad
from s2sgrad import pipeline
from s2sgrad.analysis.kinds import FLOAT
from s2sgrad.transforms import optimize as optimize_module

from .helpers import compiled_gradient


def sigmoid_net(w1, w2, x):
    h = 1.0 / (1.0 + math.exp(-(w1 * x)))
    return (w2 * h - 0.5) ** 2


def minus_chains(a, b, c):
    d = -(-a * b) / c
    e = (-a) - c * (-b)
    f = c - (-d) + (-e) * (-a)
    return -(d * e) + f / (-(b * b + 1.0))


def minus_in_loop_and_branch(a, b):
    s = 0.0
    for k in range(3):
        if a > b:
            s = s - (-a) * math.exp(-b * k)
        else:
            s = -s + b / (-(a * a + 1.0))
    return s * (-a)


CASES = [(sigmoid_net, (0.7, -1.3, 0.4)), (minus_chains, (0.6, -1.2, 1.7)),
         (minus_in_loop_and_branch, (1.1, 0.3)), (minus_in_loop_and_branch, (0.2, 0.9))]


def _compiled(fn, nargs: int):
    opts = pipeline.Options("grad", tuple(range(nargs)), True, False)
    program = pipeline.gradient_program(fn, opts, [FLOAT] * nargs)
    return pipeline.compile_program(program, "test")


@pytest.mark.parametrize("fn,args", CASES)
def test_gradient_matches_central_differences(fn, args):
    got = s2sgrad.grad(fn, argnums=tuple(range(len(args))))(*args)
    want = s2sgrad.numerical_grad(fn, *args) if len(args) == 1 else [
        (fn(*args[:i], args[i] + 1e-6, *args[i + 1:]) -
         fn(*args[:i], args[i] - 1e-6, *args[i + 1:])) / 2e-6 for i in range(len(args))]
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("fn,args", CASES)
def test_folded_code_gives_the_same_bits_as_unfolded(fn, args, monkeypatch):
    folded, _ = _compiled(fn, len(args))
    monkeypatch.setattr(optimize_module, "fold_signs", lambda f: f)
    unfolded, text = _compiled(fn, len(args))
    assert folded(*args) == unfolded(*args)
    assert "-" in text  # the comparison means something: the unfolded code has minuses


def _unary_minuses(text: str) -> int:
    """Minuses applied to a value (not the sign of a constant, as in `x[:-1]`)."""
    return sum(isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub) and
               not isinstance(n.operand, ast.Constant) for n in ast.walk(ast.parse(text)))


def test_the_sigmoid_adjoint_has_no_minus_left():
    _, text = _compiled(sigmoid_net, 3)
    assert _unary_minuses(text) == 1, text  # the forward sweep's -(w1 * x), no other
    assert "-(w1 * x)" in text[:text.index("# adjoint of")]


def test_a_negated_adjoint_is_named_for_what_it_is():
    _, text = _compiled(minus_chains, 3)
    assert "neg_be = " in text and "be = -neg_be" in text, text


# -- float arrays ------------------------------------------------------------------------------

def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def differences(x, w):
    d = x[1:] - x[:-1]
    return np.sum(w * np.exp(-d)) - np.sum((-x) * x[::-1])


def row_scaled(a, m):
    return np.sum(np.tanh((-a) * m))  # a: (3,), m: (4, 3)


ARRAYS = [(rosenbrock, (np.linspace(-1.2, 1.4, 9),)),
          (differences, (np.linspace(-1.0, 1.0, 6), np.linspace(0.5, 1.5, 5))),
          (row_scaled, (np.array([0.3, -0.7, 1.1]),
                        np.random.default_rng(2).normal(size=(4, 3))))]


@pytest.mark.parametrize("fn,args", ARRAYS, ids=["rosenbrock", "differences", "row_scaled"])
def test_arrays_same_bits_and_central_differences(fn, args, monkeypatch):
    folded, _ = compiled_gradient(fn, args)
    got = folded(*args)
    np.testing.assert_allclose(
        got, s2sgrad.numerical_grad(lambda x: fn(x, *args[1:]), args[0]), rtol=1e-6,
        atol=1e-8)
    monkeypatch.setattr(optimize_module, "fold_signs", lambda f: f)
    unfolded, text = compiled_gradient(fn, args)
    np.testing.assert_array_equal(got, unfolded(*args))
    assert _unary_minuses(text) > 0


def test_a_negative_adjoint_is_subtracted_at_its_index():
    _, text = compiled_gradient(*ARRAYS[0])
    assert "zx[:-1] -= " in text and _unary_minuses(text) == 0, text


def test_a_minus_is_not_moved_onto_a_bigger_array():
    """(-a) * m with a of shape (3,) and m of shape (4, 3): the forward sweep keeps the minus
    on the three numbers of a rather than on the twelve of the product."""
    _, text = compiled_gradient(*ARRAYS[2])
    forward = text[:text.index("# adjoint of")]
    assert "-a" in forward and "-(a * m)" not in forward, text
