"""The seeds' multilayer perceptron, written as a user would: plain NumPy, ReLU hidden layers,
softmax cross-entropy against one-hot labels, averaged over the batch.

s2sgrad reads source, so the models live in a module file. `loss_list` takes its parameters
as a list of `(W, b)` pairs, `loss_dict` as a dict `{"W1": ..., "b1": ..., ...}`; both compute
the same number for the same weights.
"""

from __future__ import annotations

import numpy as np

SIZES = (784, 256, 256, 256, 10)  # the seeds' network: 3 hidden layers of 256, 10 classes


def relu(z):
    return np.maximum(z, 0.0)


def cross_entropy(logits, y):
    """Mean softmax cross-entropy of `logits` against one-hot rows `y`. Subtracting each
    row's largest logit leaves the softmax unchanged and keeps `exp` from overflowing."""
    z = logits - np.max(logits, axis=1, keepdims=True)
    log_p = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.sum(log_p * y) / y.shape[0]


def loss_list(params, x, y):
    h = x
    for W, b in params[:-1]:
        h = relu(h @ W + b)
    W, b = params[-1]
    return cross_entropy(h @ W + b, y)


def loss_dict(params, x, y):
    h = relu(x @ params["W1"] + params["b1"])
    h = relu(h @ params["W2"] + params["b2"])
    h = relu(h @ params["W3"] + params["b3"])
    return cross_entropy(h @ params["W4"] + params["b4"], y)


def init_list(rng: np.random.Generator, sizes: tuple[int, ...] = SIZES
              ) -> list[tuple[np.ndarray, np.ndarray]]:
    """He-initialized weights. Biases start at 0.1, not 0, so that no ReLU input sits
    exactly on the kink, where central differences and any derivative convention differ."""
    return [(rng.normal(0.0, np.sqrt(2.0 / m), size=(m, n)), np.full(n, 0.1))
            for m, n in zip(sizes[:-1], sizes[1:])]


def as_dict(params: list[tuple[np.ndarray, np.ndarray]]) -> dict[str, np.ndarray]:
    """The same weights keyed "W1", "b1", "W2", ..."""
    out = {}
    for i, (W, b) in enumerate(params, start=1):
        out[f"W{i}"], out[f"b{i}"] = W, b
    return out


def batch(rng: np.random.Generator, n: int, sizes: tuple[int, ...] = SIZES
          ) -> tuple[np.ndarray, np.ndarray]:
    """Random inputs and one-hot labels for `n` examples."""
    x = rng.normal(size=(n, sizes[0]))
    return x, np.eye(sizes[-1])[rng.integers(0, sizes[-1], size=n)]
