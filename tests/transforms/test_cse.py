"""Common-subexpression elimination (transforms/cse.py) on indexing: equal constant
indices, slices included, are one key; different ones stay apart."""

from __future__ import annotations

import operator

import numpy as np
import pytest

import s2sgrad
from s2sgrad import pipeline
from s2sgrad.analysis.kinds import kind_of_value
from s2sgrad.ir.core import Assign, walk


def neighbours(x):
    return np.sum(x[:-1] * x[1:]) + np.sum(x[:-1] ** 2) + np.sum(x[:-2] ** 3) + x[0] * x[0]


def columns(m):
    return np.sum(m[:, 0] * m[:, 1]) + np.sum(m[:, 0] ** 2) + np.sum(m[::2, 0] ** 3)


def _getitems(fn, x) -> list[Assign]:
    opts = pipeline.Options("grad", (0,), False, False)
    program = pipeline.gradient_program(fn, opts, [kind_of_value(x)])
    return [s for s in walk(program.body)
            if isinstance(s, Assign) and s.prim is operator.getitem and s.args[0].name == "x"
            or isinstance(s, Assign) and s.prim is operator.getitem and s.args[0].name == "m"]


def test_equal_slices_are_computed_once():
    x = np.linspace(-1.0, 2.0, 7)
    indices = [s.args[1].value for s in _getitems(neighbours, x)]
    assert indices.count(slice(None, -1, None)) == 1, indices
    assert slice(1, None, None) in indices and slice(None, -2, None) in indices
    assert indices.count(0) == 1
    np.testing.assert_allclose(s2sgrad.grad(neighbours)(x),
                               s2sgrad.numerical_grad(neighbours, x), rtol=1e-7)


def test_tuples_of_slices_are_keys_too():
    m = np.random.default_rng(0).normal(size=(4, 3))
    indices = [s.args[1].value for s in _getitems(columns, m)]
    assert len(indices) == 3 and len(set(map(repr, indices))) == 3, indices
    np.testing.assert_allclose(s2sgrad.grad(columns)(m), s2sgrad.numerical_grad(columns, m),
                               rtol=1e-7)


def two_buffers(x):
    y = np.zeros(2)
    z = np.zeros(2)
    y[0] = x
    return np.sum(z) * x + np.sum(y) * x


def two_unwritten_buffers(x):
    y = np.zeros(2)
    z = np.zeros(2)
    return np.sum(z) * x + np.sum(y) * x


def _zeros_calls(fn) -> int:
    return sum(1 for s in walk(pipeline.lower(fn).body)
               if isinstance(s, Assign) and s.prim is np.zeros)


def test_two_new_arrays_stay_apart_when_one_is_written_into():
    assert _zeros_calls(two_buffers) == 2
    assert s2sgrad.grad(two_buffers)(3.0) == pytest.approx(6.0)
    assert s2sgrad.numerical_grad(two_buffers, 3.0) == pytest.approx(6.0)


def test_two_new_arrays_nobody_writes_into_are_still_one():
    assert _zeros_calls(two_unwritten_buffers) == 1


def alias_then_update(x):
    y = x * 1.5
    seen = y
    y += np.sin(y)  # Python updates the array `seen` names too
    return np.sum(np.sin(seen))


def alias_read_before_update(x):
    y = x * 1.5
    before = np.sum(np.sin(y))
    y += np.sin(y)
    return before + np.sum(y)


def test_a_read_after_an_update_through_another_name_is_not_merged_with_one_before():
    """`np.sin(seen)` after `y += ...` reads the SSA value `np.sin(y)` read before it: merged,
    it gave the old contents (value and gradient wrong); kept apart, the aliasing check sees
    the later read and refuses at the update."""
    x = np.array([0.3, -0.8, 1.1])
    with pytest.raises(s2sgrad.UnsupportedSyntaxError) as info:
        s2sgrad.grad(alias_then_update)(x)
    assert info.value.loc.source_line().strip() == "y += np.sin(y)  # Python updates the " \
        "array `seen` names too"
    for shape in [(3,), (2, 3)]:
        x = np.linspace(-1.0, 1.0, int(np.prod(shape))).reshape(shape)
        np.testing.assert_allclose(s2sgrad.grad(alias_read_before_update)(x),
                                   s2sgrad.numerical_grad(alias_read_before_update, x),
                                   rtol=1e-6, atol=1e-8)
