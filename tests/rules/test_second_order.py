"""Rules are written with primitives that have rules, so derivatives of derivatives work:
forward-over-reverse (the JVP of the gradient program, a Hessian-vector product) for every
NumPy case, against central differences of the gradient."""

from __future__ import annotations

import numpy as np
import pytest

import s2sgrad

from .numpy_cases import CASES, weighted
from .test_numpy_rules import draw, like


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_hessian_vector_product(case):
    args, rng = draw(case, 0)
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
