"""Vector mode: `jacfwd` computes all n columns of a Jacobian in one forward sweep.

Every NumPy case of `tests/rules/numpy_cases.py` and every pair of the broadcasting matrix
is differentiated in vector mode and checked against the per-column path (`fused=False`,
one `jvp` per column) and against central differences (`uᵀ J` against
`s2sgrad.numerical_grad` of `u · f`, u random). A case whose primitives all have
vector-mode rules must run in one sweep; the others must fall back and say why.
"""

from __future__ import annotations

import itertools
import math
import zlib

import numpy as np
import pytest

import s2sgrad
from s2sgrad.api import flat, sweeps, vector_mode
from s2sgrad.ir.printer import prim_name
from s2sgrad.rules.registry import lookup, registered

from ..cases import vector_funcs as V
from ..rules.broadcast_cases import OPS, SHAPES, binary
from ..rules.numpy_cases import CASES, weighted

PARAMS = [pytest.param(c, k, id=f"{c.name}-{k}") for c in CASES for k in range(len(c.variants))]
PAIRS = list(itertools.product(SHAPES, SHAPES))
EPS = 1e-6


def batched(prim) -> bool:
    """Whether a primitive has a vector-mode rule."""
    rule = lookup(prim)
    return rule is not None and (rule.nondiff or rule.batch_safe or bool(rule.batched_jvps)
                                 or rule.batched_linear is not None)


def draw(name, variant):
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    return [a.draw(rng) for a in variant], rng


def leaves(tree):
    return s2sgrad.pytree.flatten(tree)[0]


def assert_same_jacobian(got, want, rtol=1e-10, atol=1e-12):
    """The same nesting (JAX layout), shapes and values."""
    assert s2sgrad.pytree.flatten(got)[1] == s2sgrad.pytree.flatten(want)[1]
    for g, w in zip(leaves(got), leaves(want)):
        assert np.shape(g) == np.shape(w)
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)


def check_against_differences(fn, args, jac, rng):
    """uᵀ J for a random u against central differences of u · f."""
    out = np.asarray(fn(*args), dtype=float)
    u = rng.normal(size=out.shape)
    want = s2sgrad.numerical_grad(weighted(fn, u, len(args)), *args,
                                  argnums=tuple(range(len(args))), eps=EPS)
    for i, (block, w) in enumerate(zip(jac, want)):
        block = np.asarray(block, dtype=float).reshape(out.shape + np.shape(args[i]))
        got = np.tensordot(u, block, axes=out.ndim) if out.ndim else u * block
        np.testing.assert_allclose(got, w, rtol=1e-5, atol=1e-6, err_msg=f"argument {i}")


def vector_jacobian(fn, args, nums):
    """`jacfwd` through the vector-mode path, and whether it ran in one sweep."""
    flat.sweeps.clear()
    vector_mode.fallbacks.clear()
    jac = sweeps.generic_jacfwd(fn, nums)(*args)
    return jac, dict(flat.sweeps) == {"forward": 1}


@pytest.mark.parametrize("case,k", PARAMS)
def test_numpy_cases(case, k):
    args, rng = draw(f"{case.name}-{k}", case.variants[k])
    nums = tuple(range(len(args)))
    before = [np.copy(a) for a in args]
    jac, one_sweep = vector_jacobian(case.fn, args, nums)
    assert all(np.array_equal(b, a) for b, a in zip(before, args))
    if all(batched(p) for p in case.prims):
        assert one_sweep, vector_mode.fallbacks
    else:
        assert not one_sweep and vector_mode.fallbacks
    assert_same_jacobian(jac, sweeps.generic_jacfwd(case.fn, nums, vector=False)(*args))
    check_against_differences(case.fn, args, jac, rng)


@pytest.mark.parametrize("name", list(OPS))
@pytest.mark.parametrize("sx,sy", PAIRS)
def test_broadcasting(name, sx, sy):
    rng = np.random.default_rng(len(name) * 100 + PAIRS.index((sx, sy)))
    x = rng.uniform(0.5, 2.0, size=sx or ()) if name == "pow" else rng.normal(size=sx or ())
    y = rng.uniform(0.5, 2.0, size=sy or ()) * (1.0 if name != "truediv" else -1.0)
    x, y = (float(v) if s is None else v for v, s in ((x, sx), (y, sy)))
    fn = binary(OPS[name])
    jac, one_sweep = vector_jacobian(fn, (x, y), (0, 1))
    assert one_sweep, vector_mode.fallbacks
    assert_same_jacobian(jac, sweeps.generic_jacfwd(fn, (0, 1), vector=False)(x, y))
    check_against_differences(fn, (x, y), jac, rng)


def test_one_sweep_for_all_columns_and_the_code_shows_the_batch_axis():
    x, w = np.linspace(-1.0, 1.0, 5), np.arange(15.0).reshape(3, 5) / 10.0
    flat.sweeps.clear()
    jac = s2sgrad.jacfwd(V.layer, argnums=(0, 1))(x, w)
    assert dict(flat.sweeps) == {"forward": 1}  # not 5 + 15
    assert jac[0].shape == (3, 5) and jac[1].shape == (3, 3, 5)
    assert_same_jacobian(jac, s2sgrad.jacfwd(V.layer, argnums=(0, 1), fused=False)(x, w))
    key = next(k for k in vector_mode._PROGRAMS if k[0] is V.layer)
    base, _, steps, kinds, treedefs, wrt = key
    program = vector_mode._build(base, steps, kinds, treedefs, wrt, 20)
    text = s2sgrad.pipeline.compile_program(program, "t")[1]
    assert "def jacfwd_layer(x, w, dx, dw):" in text and "dx @ w.T" in text


def test_a_primitive_without_a_vector_rule_falls_back_to_one_sweep_per_column():
    x, y = np.array([0.5, -1.0]), np.array([2.0, 0.3, 1.1])
    flat.sweeps.clear()
    vector_mode.fallbacks.clear()
    jac = s2sgrad.jacfwd(V.kron_sum, argnums=(0, 1))(x, y)
    assert dict(flat.sweeps) == {"forward": 5}
    assert "np.kron" in vector_mode.fallbacks["kron_sum"]
    assert not batched(np.kron) and lookup(np.kron).multilinear
    check_against_differences(V.kron_sum, (x, y), jac, np.random.default_rng(0))


def test_loops_and_branches():
    x = np.array([0.3, -0.8, 1.4, 0.2])
    for fn in (V.looped, V.branchy, V.indexed):
        jac, one_sweep = vector_jacobian(fn, (x, 0.7), (0, 1))
        assert one_sweep, vector_mode.fallbacks
        assert_same_jacobian(jac, sweeps.generic_jacfwd(fn, (0, 1), vector=False)(x, 0.7))
        check_against_differences(fn, (x, 0.7), jac, np.random.default_rng(1))


def test_pytree_arguments_keep_jax_layout():
    p = {"w": np.arange(6.0).reshape(2, 3) / 7.0, "b": np.array([0.1, -0.2])}
    x = np.array([0.5, -1.0, 2.0])
    flat.sweeps.clear()
    jac = s2sgrad.jacfwd(V.params_net, argnums=(0, 1))(p, x)
    assert dict(flat.sweeps) == {"forward": 1}
    assert set(jac) == {"out", "norm"}  # the output's structure outermost
    assert isinstance(jac["out"], tuple) and len(jac["out"][0]) == 2  # then per argument
    assert set(jac["out"][0][0]) == {"w", "b"}  # then the argument's structure
    assert jac["out"][0][0]["w"].shape == (2, 2, 3) and jac["norm"][1].shape == (3,)
    assert_same_jacobian(jac, s2sgrad.jacfwd(V.params_net, argnums=(0, 1), fused=False)(p, x))


def test_items_of_a_dict_from_either_branch():
    """After an `if` the dict is either branch's display: an item's tangent is read from
    the dict's tangent by key, not indexed like an array's (which raised AxisError)."""
    for x in (np.array([0.5, -1.0, 2.0]), np.array([0.5, -3.0, 2.0])):
        jac, one_sweep = vector_jacobian(V.dict_branch, (x,), (0,))
        assert one_sweep, vector_mode.fallbacks
        assert_same_jacobian(jac, sweeps.generic_jacfwd(V.dict_branch, (0,), vector=False)(x))
        check_against_differences(V.dict_branch, (x,), (jac,), np.random.default_rng(2))


HESSIANS = [(V.energy, np.array([0.4, -0.3, 1.2, 0.8]), ()),
            (V.assigned, np.array([0.4, -0.3, 1.2]), ("written_batched", "put_batched")),
            (V.stacked_inverse, np.linspace(0.1, 0.8, 8), ("mT(",)),
            (V.list_loop, np.array([0.4, -0.3, 1.2]), ("onehot_batched",)),
            (V.unknown_shape, np.linspace(0.1, 0.8, 4), ("unbroadcast_batched",))]


@pytest.mark.parametrize("fn,x,shown", HESSIANS, ids=[h[0].__name__ for h in HESSIANS])
def test_hessians_of_numpy_code_run_forward_over_reverse_in_one_sweep(fn, x, shown):
    """The reverse sweep's own primitives (item updates, sequence adjoints, unbroadcast)
    have vector-mode rules too."""
    flat.sweeps.clear()
    H = s2sgrad.hessian(fn)(x)
    assert dict(flat.sweeps) == {"forward": 1}, vector_mode.fallbacks
    g = s2sgrad.grad(fn)
    want = np.array([(g(x + EPS * e) - g(x - EPS * e)) / (2 * EPS) for e in np.eye(x.size)])
    np.testing.assert_allclose(H, want, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(H, H.T, rtol=1e-10, atol=1e-12)
    base, _, steps, kinds, treedefs, wrt = next(k for k in vector_mode._PROGRAMS
                                                if k[0] is fn)
    program = vector_mode._build(base, steps, kinds, treedefs, wrt, x.size)
    text = s2sgrad.pipeline.compile_program(program, "t")[1]
    assert all(name in text for name in shown)


def test_float_arguments():
    jac, one_sweep = vector_jacobian(V.polar, (1.3, 0.4), (0, 1))
    assert one_sweep
    r, t = 1.3, 0.4
    want = ((math.cos(t), -r * math.sin(t)), (math.sin(t), r * math.cos(t)))
    np.testing.assert_allclose(np.array(jac, dtype=float), want, rtol=1e-14)


def test_every_batched_rule_is_exercised():
    """Each primitive with a vector-mode rule of its own appears in a case above."""
    covered = {p for c in CASES for p in c.prims} | set(V.EXTRA_PRIMS)
    own = [p for p, r in registered().items() if r.batched_jvps or r.batched_linear]
    assert len(own) > 60
    assert not sorted(prim_name(p) for p in own if p not in covered)
