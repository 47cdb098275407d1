"""Derivatives come back in their value's dtype, as in JAX and PyTorch: the gradient of a
float32 (float16) argument is float32 (float16), for arrays and NumPy scalars, through
every entry point. Values are checked against central differences computed in float64.
float64 code gets no cast at all."""

import numpy as np
import pytest

import s2sgrad

TOL = {np.float32: 2e-4, np.float16: 2e-2}


def poly(x):
    return np.sum(x * x * 0.5 + np.tanh(x) * 3.0)


def poly_dx(x):
    return x + 3.0 * (1.0 - np.tanh(x) ** 2)


def mixed(x, y):
    return np.sum(np.sin(x) * y) + np.mean(y * y)


def casts(x):  # the shape of autograd's test_astype
    return np.sum(np.sin(x.astype(np.float64)) * 2.0)


def casts_down(x):
    return np.sum(np.sin(x.astype(np.float32)) * x)


def point(shape, dtype):
    return np.linspace(-1.2, 0.9, int(np.prod(shape))).reshape(shape).astype(dtype)


def central(f, *args, argnums=0, eps=1e-6):
    """Central differences in float64, whatever the arguments' dtypes."""
    wide = [np.asarray(a, np.float64) for a in args]
    return s2sgrad.numerical_grad(lambda *a: float(f(*a)), *wide, argnums=argnums, eps=eps)


def close(got, want, dtype):
    np.testing.assert_allclose(np.asarray(got, np.float64), want, rtol=TOL[dtype],
                               atol=TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
@pytest.mark.parametrize("shape", [(3,), (2, 3)])
def test_grad_and_value_and_grad_keep_the_arguments_dtype(dtype, shape):
    x = point(shape, dtype)
    g = s2sgrad.grad(poly)(x)
    value, g2 = s2sgrad.value_and_grad(poly)(x)
    assert g.dtype == g2.dtype == dtype and g.shape == shape
    close(g, central(poly, x), dtype)
    close(g2, g, dtype)
    assert value == pytest.approx(poly(x), rel=TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_a_numpy_scalar_argument_gets_a_numpy_scalar_of_its_dtype(dtype):
    x = dtype(0.7)
    g = s2sgrad.grad(lambda x: x * x * 0.5 + np.tanh(x) * 3.0)(x)
    assert type(g) is dtype
    close(g, poly_dx(0.7), dtype)


@pytest.mark.parametrize("shape", [(4,), (2, 2)])
def test_mixed_arguments_each_get_their_own_dtype(shape):
    x, y = point(shape, np.float32), point(shape, np.float64) * 2.0
    gx, gy = s2sgrad.grad(mixed, argnums=(0, 1))(x, y)
    assert gx.dtype == np.float32 and gy.dtype == np.float64
    close(gx, central(mixed, x, y, argnums=0), np.float32)
    close(gy, central(mixed, x, y, argnums=1), np.float32)


def test_a_pytree_of_float32_leaves():
    params = {"w": point((2, 2), np.float32), "b": point((2,), np.float32)}
    g = s2sgrad.grad(lambda p: poly(p["w"]) + poly(p["b"]))(params)
    assert g["w"].dtype == g["b"].dtype == np.float32
    close(g["w"], poly_dx(params["w"].astype(np.float64)), np.float32)


@pytest.mark.parametrize("shape", [(3,), (2, 2)])
def test_vjp_and_jvp_keep_float32(shape):
    x = point(shape, np.float32)
    out, pullback = s2sgrad.vjp(lambda x: np.tanh(x) * x, x)
    (g,) = pullback(np.ones(shape, np.float32))
    assert out.dtype == g.dtype == np.float32
    _, t = s2sgrad.jvp(poly, (x,), (np.ones(shape, np.float32),))
    assert np.asarray(t).dtype == np.float32
    close(t, np.sum(poly_dx(x.astype(np.float64))), np.float32)


@pytest.mark.parametrize("entry", ["jacfwd", "jacrev", "jacobian"])
@pytest.mark.parametrize("shape", [(3,), (2, 2)])
def test_jacobians_of_float32_are_float32(entry, shape):
    x = point(shape, np.float32)
    jac = getattr(s2sgrad, entry)(lambda x: np.tanh(x) * 3.0)(x)
    assert jac.dtype == np.float32 and jac.shape == shape + shape
    want = np.diag(3.0 * (1.0 - np.tanh(x.astype(np.float64)) ** 2).ravel())
    close(jac.reshape(x.size, x.size), want, np.float32)


@pytest.mark.parametrize("shape", [(3,), (2, 2)])
def test_hessian_and_hvp_of_float32_are_float32(shape):
    x = point(shape, np.float32)
    h = s2sgrad.hessian(poly)(x)
    v = np.ones(shape, np.float32)
    hv = s2sgrad.hvp(poly, (x,), (v,))
    assert h.dtype == hv.dtype == np.float32
    t = np.tanh(x.astype(np.float64))
    diag = 1.0 - 6.0 * t * (1.0 - t * t)
    close(h.reshape(x.size, x.size), np.diag(diag.ravel()), np.float32)
    close(hv, diag, np.float32)


@pytest.mark.parametrize("shape", [(3,), (2, 3)])
def test_casts_inside_the_function(shape):
    x32, x64 = point(shape, np.float32), point(shape, np.float64)
    g = s2sgrad.grad(casts)(x32)
    assert g.dtype == np.float32
    close(g, central(casts, x32), np.float32)
    g = s2sgrad.grad(casts_down)(x64)
    assert g.dtype == np.float64
    close(g, central(casts_down, x64, eps=1e-3), np.float32)  # f rounds to float32 inside


def test_float64_code_has_no_cast():
    g = s2sgrad.grad(poly)
    g(point((3,), np.float64))
    assert "asarray" not in s2sgrad.source(g)
    g(point((3,), np.float32))
    assert "asarray" in s2sgrad.source(g)


@pytest.mark.parametrize("shape", [(3,), (2, 2)])
def test_float64_cotangents_and_tangents_still_give_float32(shape):
    x = point(shape, np.float32)
    _, pullback = s2sgrad.vjp(lambda x: np.tanh(x) * x, x)
    (g,) = pullback(np.ones(shape))
    assert g.dtype == np.float32
    wide = x.astype(np.float64)
    close(g, np.tanh(wide) + wide * (1.0 - np.tanh(wide) ** 2), np.float32)
    _, t = s2sgrad.jvp(lambda x: np.tanh(x) * x, (x,), (np.ones(shape),))
    assert t.dtype == np.float32
    close(t, g, np.float32)


def ignores_y(x, y):
    return np.sum(x * x)


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
@pytest.mark.parametrize("y", [np.ones(2), np.float64(1.0)], ids=["array", "numpy-scalar"])
def test_an_argument_the_output_does_not_use_gets_zeros_of_its_dtype(dtype, y):
    x, y = point((3,), dtype), y.astype(dtype)
    gx, gy = s2sgrad.grad(ignores_y, argnums=(0, 1))(x, y)
    assert gx.dtype == gy.dtype == dtype
    close(gx, central(ignores_y, x, y), dtype)
    close(gy, central(ignores_y, x, y, argnums=1), dtype)


def scaled_on_one_branch(x, c):
    if c > 0.0:
        y = 2.0 * x
    else:
        y = x
    return np.sum(y * y)


def scaled_in_a_loop(x, n):
    y = x
    for _ in range(n):
        if np.sum(y) > 100.0:
            y = y * 0.5
        else:
            y = 1.5 * y
    return np.sum(np.sin(y))


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
@pytest.mark.parametrize("c", [1.0, -1.0])
def test_an_if_that_joins_a_scaled_and_an_unscaled_value_keeps_the_dtype(dtype, c):
    x = point((3,), dtype)
    g = s2sgrad.grad(scaled_on_one_branch)(x, c)
    assert g.dtype == dtype
    close(g, central(scaled_on_one_branch, x, c), dtype)
    _, pullback = s2sgrad.vjp(scaled_on_one_branch, x, c)
    assert pullback(dtype(1.0))[0].dtype == dtype


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_a_loop_whose_branches_scale_keeps_the_dtype(dtype):
    x = point((3,), dtype)
    g = s2sgrad.grad(scaled_in_a_loop)(x, 3)
    assert g.dtype == dtype
    close(g, central(lambda x: scaled_in_a_loop(x, 3), x), dtype)
