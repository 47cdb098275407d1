"""The forward transform (transforms/forward.py): a tangent has exactly its primal's shape
and structure, also where nothing flows into it (a constant output, constant items of a
list that becomes an array)."""

from __future__ import annotations

import numpy as np
import pytest

import s2sgrad

_TABLE = np.arange(6.0).reshape(3, 2)


def constant_array(x):
    return _TABLE


def constant_pair(x):
    return (_TABLE[0], 2.0), x * 3.0


def constant_rows(x):
    return np.min(np.array([[x, x, x], [x, 0.5, 0.5], [0.5, 0.5, 0.5], [x, x, 0.5]]), axis=0)


def constant_row_sum(x):
    return np.sum(np.array([[x * x, x], [1.0, 2.0]]) * np.array([[1.0, -1.0], [0.5, 0.25]]))


@pytest.mark.parametrize("x", [1.5, np.array([1.0, -2.0, 0.5]), np.ones((2, 2))],
                         ids=["float", "vector", "matrix"])
def test_an_output_that_does_not_depend_on_the_input_has_zero_tangents_of_its_shape(x):
    out, tangent = s2sgrad.jvp(constant_array, (x,), (np.ones_like(x) if np.ndim(x) else 1.0,))
    assert np.shape(tangent) == (3, 2) and not np.any(tangent)  # was the number 0.0
    out, tangent = s2sgrad.jvp(constant_pair, (x,), (np.ones_like(x) if np.ndim(x) else 1.0,))
    (row, number), scaled = tangent
    assert np.shape(row) == (2,) and not np.any(row) and number == 0.0
    np.testing.assert_allclose(scaled, 3.0 * np.ones_like(x))


@pytest.mark.parametrize("x", [1.0, -1.0, 0.5, 0.25])
def test_a_list_of_constant_and_varying_rows_differentiates_like_central_differences(x):
    # at -1.0 three items of the first column tie for the minimum; at 0.5, x ties with 0.5
    eps = 1e-6
    for fn in (constant_rows, constant_row_sum):
        out, tangent = s2sgrad.jvp(fn, (x,), (1.0,))  # was a ValueError (ragged rows)
        fd = (np.asarray(fn(x + eps)) - np.asarray(fn(x - eps))) / (2 * eps)
        assert np.shape(tangent) == np.shape(out)
        if x != 0.5:  # at a tie with a constant the one-sided slopes differ
            np.testing.assert_allclose(tangent, fd, atol=1e-6)
        weights = np.linspace(1.0, 2.0, np.size(out)).reshape(np.shape(out))
        _, pullback = s2sgrad.vjp(fn, x)
        assert pullback(weights)[0] == pytest.approx(np.sum(weights * tangent))
