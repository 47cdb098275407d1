"""Dropping broadcasts (transforms/broadcasts.py): the gradient is unchanged (values, shape,
dtype), matches central differences, and `np.broadcast_to` goes only where an operator
broadcasts anyway."""

from __future__ import annotations

import numpy as np
import pytest

import s2sgrad
from s2sgrad import pipeline
from s2sgrad.analysis.kinds import kind_of_value
from s2sgrad.transforms import optimize as optimize_module

from .helpers import compiled_gradient


def softmax_ce(z, y):
    z = z - np.max(z, axis=1, keepdims=True)
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.sum(y * logp) / z.shape[0]


def centered(x, w):
    return np.sum((x - np.mean(x, axis=0)) ** 2 * w)


def row_sums_squared(x):
    return np.sum(np.sum(x, axis=1) ** 2)  # a broadcast is x's gradient itself: it becomes
    # np.full, since the caller gets a writable array (transforms/results.py)


def scaled_rows(x, y):
    return np.sum(np.sum(x, axis=1, keepdims=True) * y)  # y is (3,): the broadcast stays


def mixed(a, c):
    return np.sum(a * (c + a[0]))  # the product's broadcast adjoint is read twice, once by
    # `* (c + a[0])`, shape (3,), which does not broadcast it to (4, 3): it stays for both


def two_sums(x):
    return np.sum(x, 0) + np.sum(x)  # the adjoint adds two broadcasts: one must stay


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)  # the seed
    # broadcast is read by `* 100.0`, which folds into it, and by `* (2.0 * u8)`


RNG = np.random.default_rng(3)
CASES = [
    (softmax_ce, (RNG.normal(size=(5, 4)), np.eye(4)[[0, 3, 1, 1, 2]])),
    (centered, (RNG.normal(size=(6, 3)), RNG.normal(size=(6, 3)))),
    (centered, (RNG.normal(size=(6, 3)).astype(np.float32),
                RNG.normal(size=(6, 3)).astype(np.float32))),
    (row_sums_squared, (RNG.normal(size=(4, 3)),)),
    (scaled_rows, (RNG.normal(size=(4, 3)), RNG.normal(size=3))),
    (mixed, (RNG.normal(size=(4, 3)), RNG.normal(size=3))),
    (two_sums, (RNG.normal(size=5),)),
    (rosenbrock, (RNG.normal(size=6),)),
]
IDS = ["softmax_ce", "centered", "centered_float32", "row_sums_squared", "scaled_rows",
       "mixed", "two_sums", "rosenbrock"]


@pytest.mark.parametrize("fn,args", CASES, ids=IDS)
def test_same_gradient_with_and_without_the_pass(fn, args, monkeypatch):
    dropped, _ = compiled_gradient(fn, args)
    monkeypatch.setattr(optimize_module, "drop_broadcasts", lambda f: f)
    kept, text = compiled_gradient(fn, args)
    a, b = dropped(*args), kept(*args)
    assert a.shape == b.shape == args[0].shape and a.dtype == b.dtype
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("fn,args", CASES[:2] + CASES[3:], ids=IDS[:2] + IDS[3:])
def test_gradient_matches_central_differences(fn, args):
    got = s2sgrad.grad(fn)(*args)
    want = s2sgrad.numerical_grad(lambda x: fn(x, *args[1:]), args[0])
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("fn,args,all_go", [
    (*CASES[0], True), (*CASES[1], True), (*CASES[3], True), (*CASES[4], False),
    (*CASES[5], False), (*CASES[6], False), (*CASES[7], True)],
    ids=["softmax_ce", "centered", "row_sums_squared", "scaled_rows", "mixed", "two_sums",
         "rosenbrock"])
def test_broadcasts_go_only_where_an_operator_broadcasts(fn, args, all_go, monkeypatch):
    _, text = compiled_gradient(fn, args)
    assert ("np.broadcast_to(" not in text) == all_go, text
    assert fn is not row_sums_squared or "np.full(" in text, text
    monkeypatch.setattr(optimize_module, "drop_broadcasts", lambda f: f)
    _, before = compiled_gradient(fn, args)
    assert "np.broadcast_to(" in before  # there was one to drop or keep


def test_constant_arithmetic_on_a_broadcast_is_done_on_the_constant():
    from s2sgrad.ir.core import Assign, walk

    opts = pipeline.Options("grad", (0,), False, False)
    program = pipeline.gradient_program(rosenbrock, opts, [kind_of_value(CASES[7][1][0])])
    scales = [s for s in walk(program.body) if isinstance(s, Assign) and s.args and
              getattr(s.args[0], "value", None) == 200.0]
    assert scales, "100.0 * np.broadcast_to(1.0, ...) * (2.0 * u) is 200.0 * u"
