"""The reverse transform (transforms/reverse.py): what it knows about the adjoint code it
emits. A derivative rule's own local names (`hit = x == ans` in the VJP of `np.max`) keep
the shapes inferred for them, so the code after the rule still knows every shape."""

from __future__ import annotations

import numpy as np

import s2sgrad
from s2sgrad import pipeline
from s2sgrad.analysis.kinds import kind_of_value


def stable_layer(x, W, b):
    z = x @ W + b
    z = z - np.max(z, axis=1, keepdims=True)
    return np.sum(z * z)


ARGS = (np.random.default_rng(5).normal(size=(4, 3)),
        np.random.default_rng(6).normal(size=(3, 2)), np.array([0.1, -0.2]))


def test_shapes_survive_a_rule_with_named_locals():
    opts = pipeline.Options("grad", (1, 2), True, False)
    program = pipeline.gradient_program(stable_layer, opts, [kind_of_value(a) for a in ARGS])
    assert [a.shape for v, a in program.avals.items() if v.name == "hit"] == [(4, 2)]
    text = pipeline.compile_program(program, "test")[1]
    assert "unbroadcast" not in text, text  # all shapes known: sums over explicit axes
    assert "np.sum(bz, axis=0)" in text


def test_the_gradient_matches_central_differences():
    x, W, b = ARGS
    gW, gb = s2sgrad.grad(stable_layer, argnums=(1, 2))(x, W, b)
    np.testing.assert_allclose(gW, s2sgrad.numerical_grad(lambda W: stable_layer(x, W, b), W),
                               rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(gb, s2sgrad.numerical_grad(lambda b: stable_layer(x, W, b), b),
                               rtol=1e-6, atol=1e-8)
