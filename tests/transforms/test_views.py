"""Copying a slice rather than the whole array (transforms/views.py): the adjoint of a slice
read-modify-write copies the slice it reads, updates the adjoint in place, and gives the
same bits as copying the whole adjoint does; it still matches central differences."""

from __future__ import annotations

import re

import numpy as np
import pytest

import s2sgrad
from s2sgrad import pipeline

from .helpers import compiled_gradient


def scaled_rows(x):
    y = np.sin(x)
    y[1:3] *= 3.0
    return np.sum(y * y)


def shifted_masked(x):
    y = x * 1.0
    y[1:3] += 0.5  # with a mask in the function the code is generic: unbroadcast stays
    return np.sum(y * y) + np.sum(x[x > 0.0])


def rescaled_in_loop(x):
    y = np.cos(x)
    for i in range(3):
        y[1:3] = 0.5 * y[1:3]
    return np.sum(y ** 3)


CASES = [scaled_rows, shifted_masked, rescaled_in_loop]
SHAPES = [(5,), (4, 3)]


def whole_copies(text: str) -> list[str]:
    return re.findall(r"\b(\w+) = \1\.copy\(\)", text)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("fn", CASES, ids=lambda f: f.__name__)
def test_the_slice_is_copied_not_the_array(fn, shape):
    x = np.random.default_rng(0).normal(size=shape)
    grad, text = compiled_gradient(fn, (x,))
    assert whole_copies(text) == [], text
    assert "[1:3].copy()" in text, text
    np.testing.assert_allclose(grad(x), s2sgrad.numerical_grad(fn, x), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("fn", CASES, ids=lambda f: f.__name__)
def test_same_bits_as_copying_the_array(fn, shape, monkeypatch):
    x = np.random.default_rng(1).normal(size=shape)
    detached, _ = compiled_gradient(fn, (x,))
    monkeypatch.setattr(pipeline, "detach_views", lambda f: f)
    copied, text = compiled_gradient(fn, (x,))
    assert whole_copies(text), text  # without the pass, the whole adjoint is copied
    got, want = detached(x), copied(x)
    assert got.tobytes() == want.tobytes()
