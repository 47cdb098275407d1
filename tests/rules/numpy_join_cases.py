"""More cases for `numpy_cases.CASES`: reductions that keep every axis of a size-1 input,
exponents and repeat counts at the edges of their rules, joins given one array (which they
iterate over as a sequence), joins written as `np.r_[...]` and `np.c_[...]`, and ranges of
floats.

Imported at the end of `numpy_cases`, so every test that reads `CASES` sees them.
"""

from __future__ import annotations

import operator

import numpy as np

from s2sgrad.runtime import index_concat

from .numpy_cases import CASES, A, Arg, Case, F, case

# -- reductions of size-1 inputs, every axis kept ---------------------------------------------


for _f in (np.sum, np.mean, np.prod, np.max, np.min, np.var, np.std):
    def _kept(x, f=_f):
        return f(x, keepdims=True) * np.ones(2) + f(x, axis=0, keepdims=True)
    CASES.append(Case(f"{_f.__name__}-size-1-keepdims", _kept, [(A(1),), (A(1, 1),)], (_f,)))


@case((np.var, np.std), A(1, 3), A(2, 3))
def var_std_keepdims_ddof(x):
    return np.var(x, ddof=1, keepdims=True) * 2.0 + np.std(x, ddof=0, keepdims=True) + \
        np.var(x, axis=0, ddof=0, keepdims=True)


@case(np.std, A(1), A(2, 1))
def std_of_one_item(x):
    # the spread of one item is always 0: no derivative, not 0/0
    return np.std(x, axis=-1) * 2.0 + np.std(x * x)


@case(np.std, F, A())
def std_of_a_number(x):
    return np.std(x) * 2.0 + np.std(x * x, keepdims=True)


# -- edges: an exponent of 0, a repeat count of 0 ---------------------------------------------


@case((np.power, operator.pow), A(3, domain="z"), A(2, 4, domain="z"), Arg("z"))
def power_zero_at_zero(x):
    return np.power(x, 0.0) * x + x ** 0.0 + np.power(x * 0.0, 0.0)


@case(np.repeat, A(3), A(2, 3))
def repeat_zero_times(x):
    return np.concatenate((np.repeat(x, 0), np.ravel(x) * 2.0, np.repeat(x, 0, axis=0).ravel()))


# -- joins of one array: its rows are the sequence -------------------------------------------

for _f, _shapes in ((np.vstack, ((2,), (2, 3), (2, 3, 4))),
                    (np.row_stack, ((2,), (3, 2))),
                    (np.hstack, ((2,), (3, 2), (2, 3, 4))),
                    (np.column_stack, ((2,), (2, 2), (3, 4))),
                    (np.dstack, ((2,), (2, 3))),
                    (np.concatenate, ((2, 3), (2, 3, 4))),
                    (np.stack, ((2,), (3, 2)))):
    def _join(x, f=_f):
        return f(x) * 1.5
    CASES.append(Case(f"{_f.__name__}-of-an-array", _join, [(A(*s),) for s in _shapes],
                      (_f,)))


# -- np.r_ and np.c_ -------------------------------------------------------------------------

_ROW = np.array([[0.25, -1.5]])  # a constant row, for arrays of two columns
_COLUMN = np.array([[0.5], [-2.0], [1.25]])  # a constant column, for arrays of three rows


@case(index_concat, A(3, 2), A(1, 2))
def r_rows(x):
    return np.r_[x, _ROW, x * x] * 2.0 + np.r_[x][0, 0]


@case(index_concat, A(4), A(6))
def r_ranges_and_scalars(x):
    return np.r_[x, 2.5, 0:3, x[::-1] * x, -1.0, 1:7:2] * np.r_[x[0], x[1], 0.5][1]


@case(index_concat, (F, F), (A(), F))
def r_of_scalars(x, y):
    return np.r_[x, 3.0, x * y]


@case(index_concat, A(3), A(3, 2))
def c_columns(x):
    return np.c_[x, _COLUMN[:, 0] if np.ndim(x) == 1 else _COLUMN, x * x] * 3.0


@case(index_concat, A(3), A(5))
def c_vectors_and_ranges(x):
    return np.c_[x, 0:np.size(x), np.exp(x)] + np.c_[x][:, :1]


# -- ranges of floats: their start and step --------------------------------------------------


@case(np.arange, (F, A(domain="p")), (A(), F))
def arange_of_floats(x, s):
    return np.arange(x, x + 2.5) * np.arange(0.0, 3.0, np.abs(s) + 0.3)[0] + \
        np.sum(np.arange(x, 4.5, 0.5) ** 2) + np.arange(1.0, 2.0, np.abs(s) + 0.3)[-1]


def r_with_directive(x):
    return np.sum(np.r_["0,2", x, x * x])
