"""The seeds' MLP (784-256-256-256-10, ReLU, softmax cross-entropy) differentiated whole.

The parameters are a list of (W, b) pairs in one test and a dict in another. Each gradient is
checked against central differences on a random sample of coordinates of every parameter
array (the full finite-difference gradient would take 330,000 pairs of forward passes), has
the parameters' structure, and leaves the caller's arrays as they were.
"""

from __future__ import annotations

import re
from typing import Any, Callable

import numpy as np
import pytest

import s2sgrad

from .cases import mlp

PER_ARRAY = 4  # coordinates sampled per parameter array


@pytest.fixture(scope="module")
def setup() -> tuple[list, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(2024)
    params = mlp.init_list(rng)
    x, y = mlp.batch(rng, 16)
    return params, x, y


def _leaves(tree: Any) -> list[tuple[Any, np.ndarray]]:
    """(path, array) for every array of a list of pairs or a dict, in a fixed order."""
    if isinstance(tree, dict):
        return [(k, tree[k]) for k in sorted(tree)]
    return [((i, j), a) for i, pair in enumerate(tree) for j, a in enumerate(pair)]


def _replace(tree: Any, path: Any, value: np.ndarray) -> Any:
    if isinstance(tree, dict):
        return {**tree, path: value}
    i, j = path
    pair = list(tree[i])
    pair[j] = value
    return [tuple(pair) if k == i else p for k, p in enumerate(tree)]


def _sampled_differences(loss: Callable, params: Any, x: np.ndarray, y: np.ndarray,
                         rng: np.random.Generator) -> list[tuple[Any, np.ndarray, np.ndarray]]:
    """For each parameter array: sampled flat indices and central differences of the loss
    along them, from `s2sgrad.numerical_grad` of the loss as a function of a small vector of
    offsets added at those indices."""
    out = []
    for path, a in _leaves(params):
        idx = rng.choice(a.size, size=PER_ARRAY, replace=False)

        def moved(d: np.ndarray, path: Any = path, a: np.ndarray = a,
                  idx: np.ndarray = idx) -> float:
            b = a.copy()
            b.flat[idx] += d
            return loss(_replace(params, path, b), x, y)

        out.append((path, idx, s2sgrad.numerical_grad(moved, np.zeros(PER_ARRAY), eps=1e-6)))
    return out


def _check(loss: Callable, params: Any, x: np.ndarray, y: np.ndarray) -> Any:
    before = [a.copy() for _, a in _leaves(params)] + [x.copy(), y.copy()]
    grads = s2sgrad.grad(loss)(params, x, y)
    after = [a for _, a in _leaves(params)] + [x, y]
    for b, a in zip(before, after):
        assert np.array_equal(a, b), "the gradient call changed the caller's arrays"
    for path, idx, want in _sampled_differences(loss, params, x, y, np.random.default_rng(7)):
        got = dict(_leaves(grads))[path].flat[idx]
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-8, err_msg=f"d/d {path}")
    return grads


def test_mlp_params_as_list_of_pairs(setup):
    params, x, y = setup
    grads = _check(mlp.loss_list, params, x, y)
    assert type(grads) is list and len(grads) == len(params)
    for (gW, gb), (W, b) in zip(grads, params):
        assert gW.shape == W.shape and gb.shape == b.shape


def test_mlp_params_as_dict(setup):
    params, x, y = setup
    params = mlp.as_dict(params)
    grads = _check(mlp.loss_dict, params, x, y)
    assert type(grads) is dict and sorted(grads) == sorted(params)
    for k in params:
        assert grads[k].shape == params[k].shape, k


def test_list_and_dict_give_the_same_gradient(setup):
    params, x, y = setup
    by_list = s2sgrad.grad(mlp.loss_list)(params, x, y)
    by_dict = s2sgrad.grad(mlp.loss_dict)(mlp.as_dict(params), x, y)
    for i, (gW, gb) in enumerate(by_list, start=1):
        np.testing.assert_allclose(gW, by_dict[f"W{i}"], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(gb, by_dict[f"b{i}"], rtol=1e-12, atol=1e-15)


def test_mlp_gradient_code_is_matmuls_with_transposes(setup):
    """The reverse sweep reads like backprop by hand: `g @ W.T` and `h.T @ g` per layer,
    `np.sum(g, axis=0)` per bias, and no generic helper call (`unbroadcast`)."""
    params, x, y = setup
    dloss = s2sgrad.grad(mlp.loss_list)
    dloss(params, x, y)
    text = s2sgrad.source(dloss)
    assert "unbroadcast" not in text and "broadcast_to" not in text, text
    assert len(re.findall(r"bparams_\d_0 = \w+\.T @ \w+\n", text)) == 4, text
    assert len(re.findall(r"bh\w* = \w+ @ params_\d_0\.T\n", text)) == 3, text
    assert len(re.findall(r"bparams_\d_1 = np\.sum\(\w+, axis=0\)\n", text)) == 4, text
