"""The checks every rule case goes through, against central finite differences: reverse
mode (`grad` of `sum(f(*args) * w)`, w random, so every output is weighed), forward mode
(`jvp` along random tangents against the central difference of f along them), and forward
over reverse (the JVP of the gradient program against central differences of the
gradient). Each also checks that the caller's arrays are left alone where it can."""

from __future__ import annotations

import zlib

import numpy as np

import s2sgrad

from .numpy_cases import weighted

EPS = 1e-6


def draw(case, k):
    """The arguments of variant k, and an independent generator for weights and tangents."""
    rng = np.random.default_rng(zlib.crc32(f"{case.name}-{k}".encode()))
    return [a.draw(rng) for a in case.variants[k]], rng


def like(x, rng):
    return float(rng.normal()) if isinstance(x, float) else rng.normal(size=np.shape(x))


def assert_close(got, want, what):
    assert np.shape(got) == np.shape(want), f"{what}: shape {np.shape(got)}, " \
                                            f"expected {np.shape(want)}"
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, err_msg=what)


def assert_unchanged(before, after):
    """The caller's arrays (arguments, weights, tangents) are as they were."""
    for i, (b, a) in enumerate(zip(before, after)):
        assert np.array_equal(b, a), f"argument {i} was changed by the call"


def check_reverse(case, k):
    args, rng = draw(case, k)
    w = like(np.asarray(case.fn(*args), dtype=float), rng)
    loss = weighted(case.fn, w, len(args))
    argnums = tuple(range(len(args)))
    before = [np.copy(a) for a in (*args, w)]
    got = s2sgrad.grad(loss, argnums=argnums)(*args)
    assert_unchanged(before, (*args, w))
    want = s2sgrad.numerical_grad(loss, *args, argnums=argnums, eps=EPS)
    for i, (g, x) in enumerate(zip(got, want)):
        assert_close(g, x, f"d/d argument {i}")


def check_forward(case, k):
    args, rng = draw(case, k)
    tangents = [like(a, rng) for a in args]
    before = [np.copy(a) for a in (*args, *tangents)]
    out, tout = s2sgrad.jvp(case.fn, args, tangents)
    assert_unchanged(before, (*args, *tangents))
    up = case.fn(*[a + EPS * t for a, t in zip(args, tangents)])
    down = case.fn(*[a - EPS * t for a, t in zip(args, tangents)])
    assert_close(out, case.fn(*args), "primal output")
    assert_close(tout, (np.asarray(up) - np.asarray(down)) / (2 * EPS), "tangent")


def check_hessian_vector_product(case, k):
    args, rng = draw(case, k)
    w = like(np.asarray(case.fn(*args), dtype=float), rng)
    argnums = tuple(range(len(args)))
    grad = s2sgrad.grad(weighted(case.fn, w, len(args)), argnums=argnums)
    v = [like(a, rng) for a in args]
    _, hv = s2sgrad.jvp(grad, args, v)
    eps = 1e-5
    up = grad(*[a + eps * t for a, t in zip(args, v)])
    down = grad(*[a - eps * t for a, t in zip(args, v)])
    for i, (h, u, d) in enumerate(zip(hv, up, down)):
        want = (np.asarray(u) - np.asarray(d)) / (2 * eps)
        assert np.shape(h) == np.shape(want), f"argument {i}"
        np.testing.assert_allclose(h, want, rtol=1e-4, atol=1e-5, err_msg=f"argument {i}")
