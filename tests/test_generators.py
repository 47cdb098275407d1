"""One derivative call draws random numbers as one call of the function does
(`generators.Rewind`): jacfwd, jacobian and hessian run the function, or a forward sweep,
more than once only with the generators rewound between the runs."""

import random

import numpy as np
import pytest

import s2sgrad

RNG = np.random.default_rng(7)


def _scaled(x):
    return x * np.random.normal(size=3)


def _summed(x):
    return np.sum(x * x * np.random.normal(size=3))


def _kron(x):  # np.kron has no vector-mode rule: one forward sweep per column
    return np.kron(x, np.ones(1)) * np.random.normal(size=3)


def _own_rng(x):
    return x * RNG.normal(size=3)


def _stdlib(x):
    return x * random.gauss(0.0, 1.0)


def _first_draw(fn, x):
    """The sample one primal call draws after seeding, and the next draw after it."""
    np.random.seed(0)
    fn(x)
    return np.random.normal()


@pytest.mark.parametrize("jac", [s2sgrad.jacfwd, s2sgrad.jacobian, s2sgrad.jacrev,
                                 lambda f: s2sgrad.jacfwd(f, fused=False)])
@pytest.mark.parametrize("fn", [_scaled, _kron], ids=["vector", "per-column"])
def test_a_jacobian_draws_the_sample_one_call_draws(jac, fn):
    x = np.ones(3)
    after = _first_draw(fn, x)
    for _ in range(2):  # the first call makes the plan, which runs fn for its output
        np.random.seed(0)
        want = np.random.normal(size=3)
        np.random.seed(0)
        got = np.diag(jac(fn)(x))
        assert got.tolist() == want.tolist()
        assert np.random.normal() == after  # and leaves the generator as one call does


def test_hessian_draws_once():
    x = np.ones(3)
    np.random.seed(0)
    want = 2.0 * np.random.normal(size=3)
    for _ in range(2):
        np.random.seed(0)
        assert np.diag(s2sgrad.hessian(_summed)(x)).tolist() == want.tolist()


def test_a_generator_the_function_reads_and_the_stdlib_one_are_rewound():
    x = np.ones(3)
    state = RNG.bit_generator.state
    want = RNG.normal(size=3)
    RNG.bit_generator.state = state
    assert np.diag(s2sgrad.jacfwd(_own_rng)(x)).tolist() == want.tolist()
    random.seed(1)
    g = random.gauss(0.0, 1.0)
    random.seed(1)
    assert np.diag(s2sgrad.jacfwd(_stdlib)(x)).tolist() == [g] * 3
