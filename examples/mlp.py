"""A multilayer perceptron in plain NumPy: the model the seeds use to explain backpropagation.

The parameters are a list of `(W, b)` pairs, one per layer; hidden layers use ReLU and the
loss is softmax cross-entropy against one-hot labels, averaged over the batch. s2sgrad reads
`loss` as written and generates its gradient with the same list-of-pairs structure:

    dloss = s2sgrad.grad(loss)
    grads = dloss(params, x, y)      # [(dW1, db1), (dW2, db2), ...]

The seeds' network is `init_params([784, 256, 256, 256, 10])`.
"""

from __future__ import annotations

import numpy as np


def relu(z):
    return np.maximum(z, 0.0)


def logits(params, x):
    """The network's outputs before the softmax, one row per example."""
    h = x
    for W, b in params[:-1]:
        h = relu(h @ W + b)
    W, b = params[-1]
    return h @ W + b


def loss(params, x, y):
    """Mean softmax cross-entropy of the network on inputs `x` and one-hot labels `y`.

    Subtracting each row's largest logit leaves the softmax unchanged and keeps `exp` from
    overflowing."""
    z = logits(params, x)
    z = z - np.max(z, axis=1, keepdims=True)
    log_p = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.mean(np.sum(log_p * y, axis=1))


def init_params(sizes: list[int], rng: np.random.Generator) -> list[tuple[np.ndarray, np.ndarray]]:
    """He-initialized weights for layers of the given widths. The biases start at 0.01, not
    0: with zero biases a dead layer feeds exact zeros to the next one, which then sits on
    ReLU's kink, where central differences and any derivative convention disagree."""
    return [(rng.normal(0.0, np.sqrt(2.0 / m), size=(m, n)), np.full(n, 0.01))
            for m, n in zip(sizes[:-1], sizes[1:])]


def count_params(params: list[tuple[np.ndarray, np.ndarray]]) -> int:
    return sum(W.size + b.size for W, b in params)


def accuracy(params: list[tuple[np.ndarray, np.ndarray]], x: np.ndarray,
             labels: np.ndarray) -> float:
    """The fraction of rows of `x` whose largest logit is at the true label."""
    return float(np.mean(np.argmax(logits(params, x), axis=1) == labels))


def one_hot(labels: np.ndarray, classes: int) -> np.ndarray:
    return np.eye(classes)[labels]


def random_batch(n_in: int, classes: int, batch: int, rng: np.random.Generator
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Random inputs and one-hot labels: enough to time and check a gradient."""
    return rng.normal(size=(batch, n_in)), one_hot(rng.integers(0, classes, batch), classes)


def sampled_fd_error(params: list, x: np.ndarray, y: np.ndarray, grads: list,
                     rng: np.random.Generator, count: int, eps: float = 1e-6) -> float:
    """The largest error of `grads` against central differences on `count` randomly chosen
    parameters (the full network has too many to check them all), relative to the largest
    gradient entry: a tiny entry has an absolute error near the differences' own noise."""
    scale = max(float(np.max(np.abs(g))) for pair in grads for g in pair)
    worst = 0.0
    for _ in range(count):
        layer, which = int(rng.integers(len(params))), int(rng.integers(2))
        k = int(rng.integers(params[layer][which].size))
        moved = [[W.copy(), b.copy()] for W, b in params]
        values = []
        for sign in (1.0, -1.0):
            moved[layer][which].flat[k] = params[layer][which].flat[k] + sign * eps
            values.append(loss(moved, x, y))
        fd = (values[0] - values[1]) / (2 * eps)
        got = grads[layer][which].flat[k]
        worst = max(worst, abs(got - fd) / scale)
    return worst
