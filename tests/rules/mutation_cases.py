"""Functions whose derivative code could be tempted to write into the caller's arrays: views
of arguments, in-place updates of copies, adjoints that start as views of other adjoints."""

from __future__ import annotations

import numpy as np


def view_then_update(x, y):
    v = x.reshape(-1)  # a view of the caller's array
    z = v * 1.0
    z[0] = y[1]
    return np.sum(z * v) + np.sum(x.T[0] * y[:2])


def adjoint_views(x, y):
    first = x[0] * 3.0 + y[0]  # x's adjoint is updated in place after the split below
    parts = np.concatenate((x, y)) * 2.0
    return np.sum(parts) + first + np.sum(np.stack((x, x))[0]) + np.sum(np.sort(y))


def broadcast_adjoint(x, y):
    s = np.sum(x) + np.mean(y)  # adjoints that start as read-only broadcasts
    return s + x[1] * y[-1] + np.sum(np.diag(np.outer(x, x))) + np.sum(np.split(y, 2)[0])


def loop_update(x, y):
    acc = x * 0.0
    for i in range(3):
        acc[i] += x[i] * y[i]
        acc = acc + np.roll(x, i)
    return np.sum(acc * acc)


def update_view_of_argument(x, y):
    z = x.reshape(2, 2)
    z[0, 0] = y[1] * 2.0  # in plain Python this would also write into the caller's x
    return np.sum(z * z) + np.sum(y * y)


FUNCTIONS = [view_then_update, adjoint_views, broadcast_adjoint, loop_update,
             update_view_of_argument]
