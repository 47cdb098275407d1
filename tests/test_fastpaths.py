"""The lean paths of `jacobian(mode="auto")` and `hvp` (s2sgrad/fastpaths.py): the right
mode and program per kind of arguments, results against central differences and against
the general paths, and recompilation when a global the code baked in is rebound."""

from __future__ import annotations

import numpy as np
import pytest

import s2sgrad
from s2sgrad.api import flat

from .cases import vector_funcs as V

EPS = 1e-6


def fd_jacobian(fn, x, *rest):
    """d fn / d x by central differences (x an array or a float)."""
    if isinstance(x, float):
        return (np.asarray(fn(x + EPS, *rest)) - np.asarray(fn(x - EPS, *rest))) / (2 * EPS)
    cols = []
    for e in np.eye(x.size):
        e = e.reshape(x.shape)
        cols.append((np.asarray(fn(x + EPS * e, *rest)) -
                     np.asarray(fn(x - EPS * e, *rest))) / (2 * EPS))
    return np.moveaxis(np.array(cols), 0, -1)


@pytest.fixture
def scale():
    yield
    V.SCALE = 2.0


def test_reverse_with_one_scalar_output_is_the_gradient():
    w = np.linspace(-1.0, 2.0, 7)
    jac = s2sgrad.jacobian(V.scaled_log_loss)
    flat.sweeps.clear()
    got = jac(w)
    assert flat.sweeps == {}  # the gradient program, not vjp and pullbacks
    np.testing.assert_allclose(got, fd_jacobian(V.scaled_log_loss, w), rtol=1e-6)
    np.testing.assert_allclose(got, s2sgrad.jacrev(V.scaled_log_loss)(w), rtol=1e-12)


def test_forward_runs_in_vector_mode():
    k = np.linspace(0.1, 1.0, 6)
    jac = s2sgrad.jacobian(V.trajectory)
    flat.sweeps.clear()
    got = jac(0.4, k)
    assert dict(flat.sweeps) == {"forward": 1} and got.shape == (6,)
    np.testing.assert_allclose(got, fd_jacobian(V.trajectory, 0.4, k), rtol=1e-6)


def test_float_code_takes_over_the_fused_dispatcher_and_still_switches_modes():
    jac = s2sgrad.jacobian(V.pair, argnums=(0, 1))
    first = jac(0.3, 1.2)
    assert jac.__code__ is s2sgrad.jacrev(V.pair, argnums=(0, 1)).__code__  # n = m: reverse
    assert jac(0.3, 1.2) == first
    want = ((1.2 * 2.0, 0.3 * 2.0), (np.cos(0.3), -1.0))
    np.testing.assert_allclose(np.array(first), want, rtol=1e-14)
    x = np.array([0.3, 0.5, 0.7])  # arrays: 3 inputs, 6 outputs, so forward mode now
    flat.sweeps.clear()
    got = jac(x, 1.2)
    assert dict(flat.sweeps) == {"forward": 1}
    np.testing.assert_allclose(got[0][0], np.diag(np.full(3, 2.4)), atol=1e-14)
    np.testing.assert_allclose(got[1][0], np.diag(np.cos(x)), atol=1e-14)
    assert jac(0.3, 1.2) == first


@pytest.mark.parametrize("args", [(0.3, 1.2), (np.array([0.3, 0.5]), 1.2),
                                  (np.linspace(0.1, 1.0, 6),)])
def test_rebinding_a_global_recompiles(scale, args):
    fn = V.pair if len(args) == 2 else V.scaled_log_loss
    jac = s2sgrad.jacobian(fn)
    before = np.asarray(jac(*args)[0] if len(args) == 2 else jac(*args))
    V.SCALE = 3.0
    after = np.asarray(jac(*args)[0] if len(args) == 2 else jac(*args))
    np.testing.assert_allclose(after, before * 1.5, rtol=1e-12)


def test_hvp_against_the_hessian_and_differences(scale):
    x, y = np.array([0.4, -0.3, 1.2]), np.array([0.5, 0.1, -0.7])
    v = np.array([1.0, -2.0, 0.5])
    H = s2sgrad.hessian(V.scaled_log_loss)(x)
    flat.sweeps.clear()
    hv = s2sgrad.hvp(V.scaled_log_loss, (x,), (v,))
    assert dict(flat.sweeps) == {"forward": 1}
    np.testing.assert_allclose(hv, H @ v, rtol=1e-12)
    g = s2sgrad.grad(V.scaled_log_loss)
    np.testing.assert_allclose(hv, (g(x + EPS * v) - g(x - EPS * v)) / (2 * EPS), rtol=1e-6)
    V.SCALE = 4.0
    np.testing.assert_allclose(s2sgrad.hvp(V.scaled_log_loss, (x,), (v,)), 2 * hv, rtol=1e-12)
    two = s2sgrad.hvp(V.quartic, (x, y), (v, y))  # several arguments: one entry each
    g2 = s2sgrad.grad(V.quartic, argnums=(0, 1))
    moved = [g2(x + s * EPS * v, y + s * EPS * y) for s in (1.0, -1.0)]
    for k in range(2):
        np.testing.assert_allclose(two[k], (moved[0][k] - moved[1][k]) / (2 * EPS), rtol=1e-6)


def test_hvp_with_tangents_unlike_their_primals_takes_the_general_path():
    x = np.array([0.4, -0.3, 1.2])
    with pytest.raises(Exception):
        s2sgrad.hvp(V.scaled_log_loss, (x,), (np.ones(2),))
