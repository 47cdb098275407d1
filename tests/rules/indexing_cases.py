"""Indexing arrays: basic indices (ints, slices with any step, None, Ellipsis), integer
arrays with repeated indices (their adjoints accumulate, as np.add.at does), boolean masks,
and in-place updates `y[i] = v` / `y[i] += v`. Same format as `numpy_cases.CASES`."""

from __future__ import annotations

import operator

import numpy as np

from .numpy_cases import A, Case, case

CASES: list[Case] = []


def index(*variants):
    """Register an indexing case (all of them exercise operator.getitem)."""
    return case(operator.getitem, *variants, into=CASES)


@index(A(5), A(4, 3))
def int_index(x):
    return x[1] * x[-1] + x[0]


@index(A(4, 3), A(3, 4, 2))
def int_pair(x):
    return x[1, 2] * x[-1, 0]


@index(A(6), A(6, 2))
def slices(x):
    return x[1:4] * x[::-1][:3] + x[5:0:-2][0]


@index(A(7), A(7, 3))
def negative_steps(x):
    return x[::-2] * x[6::-2] + x[-1:-8:-3][0]


@index(A(4, 5), A(4, 5, 2))
def tuple_of_slices(x):
    return x[1:, ::-1] * x[:-1, 2:-1][:, :1]


@index(A(4), A(3, 2))
def new_axes(x):
    return x[None] * x[:, None] + x[np.newaxis, 1]


@index(A(3, 4), A(2, 3, 4))
def ellipsis(x):
    return x[..., 0] * x[..., None][..., -1, 0] + np.sum(x[-1, ...])


@index(A(5), A(5, 2))
def repeated_int_list(x):
    return x[[0, 2, 0, 0]] * x[[1, 1, 3, 4]]


@index(A(5), A(5, 3))
def repeated_int_array(x):
    return x[np.array([4, 4, 1])] + x[np.array([[0, 0, 1], [4, 0, 0]])][1]


@index(A(4, 3), A(4, 3, 2))
def int_array_pairs(x):
    return x[[0, 0, 2], [1, 1, 0]] + x[:, [2, 0, 2]][0]


@index(A(4, 3), A(4, 3, 2))
def mixed_slice_and_list(x):
    return x[1:, [0, 0]] * x[[3, 1, 2], 1:][:, :1]


@index(A(6), A(3, 4))
def boolean_mask_from_data(x):
    return np.sum(x[x > 0.0] ** 2) + np.sum(x[x < 0.0]) * 2.0


@index(A(4), A(4, 2))
def constant_boolean_mask(x):
    return x[np.array([True, False, True, True])] * 3.0


@index(A(5), A(3, 4))
def index_from_argsort(x):
    order = np.argsort(np.ravel(x))
    return np.ravel(x)[order[:3]] * np.ravel(x)[order[-1]]


@index(A(5), A(5, 2))
def set_item(x):
    y = x * 1.0
    y[0] = x[1] ** 2
    y[2:4] = x[:2] * 3.0
    return y * x


@index(A(5), A(5, 2))
def add_item(x):
    y = x * x
    y[1:] += x[:-1]
    y[0] += 2.0 * x[-1]
    return y


@index(A(5), A(5, 2))
def add_at_repeated_indices(x):
    y = np.zeros_like(x)
    y[[0, 0, 2]] += x[[1, 2, 3]]  # NumPy semantics: each listed item is written once
    return y + x


@index(A(5), A(5, 2))
def set_repeated_indices(x):
    y = x * 2.0
    y[[3, 1, 3, 3]] = x[[0, 1, 2, 4]] ** 2  # the last write to item 3 wins
    return y * x


@index(A(4, 3), A(4, 5))
def set_repeated_index_pairs(x):
    y = np.sin(x)
    y[np.array([0, 2, 0]), np.array([1, 1, 1])] = x[0, :3] * x[1, 0]
    return y


@index(A(5), A(5, 3))
def set_repeated_broadcast_value(x):
    y = x + 0.0
    y[[0, 0]] = x[-1] * 3.0  # one value broadcast to two writes of the same place
    return y * y


@index(A(5), A(5, 2))
def add_at_statement(x):
    y = np.zeros_like(x) + x[0]
    np.add.at(y, [0, 0, 2, 4], x[1:] * x[:-1])  # every write lands: item 0 gets two
    return y * x


@index(A(4, 3), A(4, 5))
def add_at_rows(x):
    y = x * 1.0
    np.add.at(y, np.array([1, 1, 3]), x[0] ** 2)  # a row broadcast to three writes
    return y


@index(A(5), A(5, 2))
def add_at_in_a_loop(x):
    y = x * 0.5
    for k in range(3):
        np.add.at(y, [k, k + 1, k], x[k] * y[k + 1])  # reads what the last round wrote
    return y
