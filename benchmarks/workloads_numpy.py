"""NumPy workloads for benchmarks/bench_numpy.py, each with a hand-written gradient.

s2sgrad reads source code, so the differentiated functions live in this file. Every workload
has the primal function, the arguments it is timed at, and a gradient written by hand the way
a careful NumPy programmer would write it: one forward pass that keeps what the backward pass
needs, then the backward pass, with no framework.

(m) ``mlp_loss``: the seeds' network, 784-256-256-256-10, ReLU hidden layers, softmax
    cross-entropy against one-hot labels averaged over a batch of 64. The parameters are a
    list of (W, b) pairs; the gradient has the same structure.
(r) ``rosenbrock``: the vectorized Rosenbrock function of n = 1000 variables,
    sum(100 (x[1:] - x[:-1]**2)**2 + (1 - x[:-1])**2).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

MLP_SIZES = (784, 256, 256, 256, 10)
MLP_BATCH = 64
ROSENBROCK_N = 1000


# -- (m) the seeds' MLP ------------------------------------------------------------------------

def relu(z):
    return np.maximum(z, 0.0)


def mlp_loss(params, x, y):
    """Mean softmax cross-entropy; each row's largest logit is subtracted for stability."""
    h = x
    for W, b in params[:-1]:
        h = relu(h @ W + b)
    W, b = params[-1]
    logits = h @ W + b
    z = logits - np.max(logits, axis=1, keepdims=True)
    log_p = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.sum(log_p * y) / y.shape[0]


def mlp_grad(params, x, y):
    """Backpropagation by hand. The adjoint of the logits is (softmax - y) / batch, since
    each row of y sums to one; a ReLU passes the adjoint where its input was positive."""
    hs, zs = [x], []
    for W, b in params[:-1]:
        z = hs[-1] @ W + b
        zs.append(z)
        hs.append(np.maximum(z, 0.0))
    W, b = params[-1]
    logits = hs[-1] @ W + b
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    g = (e / e.sum(axis=1, keepdims=True) - y) / x.shape[0]
    grads = [None] * len(params)
    for i in range(len(params) - 1, -1, -1):
        grads[i] = (hs[i].T @ g, g.sum(axis=0))
        if i:
            g = (g @ params[i][0].T) * (zs[i - 1] > 0.0)
    return grads


def mlp_args(seed: int = 0) -> tuple[list[tuple[np.ndarray, np.ndarray]], np.ndarray,
                                     np.ndarray]:
    """He-initialized weights (biases 0.1, so no ReLU input sits on the kink), a random
    batch of inputs and one-hot labels."""
    rng = np.random.default_rng(seed)
    params = [(rng.normal(0.0, np.sqrt(2.0 / m), size=(m, n)), np.full(n, 0.1))
              for m, n in zip(MLP_SIZES[:-1], MLP_SIZES[1:])]
    x = rng.normal(size=(MLP_BATCH, MLP_SIZES[0]))
    y = np.eye(MLP_SIZES[-1])[rng.integers(0, MLP_SIZES[-1], size=MLP_BATCH)]
    return params, x, y


# -- (r) vectorized Rosenbrock -----------------------------------------------------------------

def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosenbrock_grad(x):
    """Each x[i] but the last appears as x[:-1] in term i; each but the first as x[1:] in
    term i - 1."""
    head = x[:-1]
    d = x[1:] - head * head
    g = np.empty_like(x)
    g[:-1] = -400.0 * d * head - 2.0 * (1.0 - head)
    g[-1] = 0.0
    g[1:] += 200.0 * d
    return g


def rosenbrock_args(seed: int = 0) -> tuple[np.ndarray]:
    return (np.random.default_rng(seed).uniform(-1.5, 1.5, size=ROSENBROCK_N),)


# -- the table of workloads --------------------------------------------------------------------

@dataclass(frozen=True)
class Workload:
    """One benchmark: what to differentiate, at which arguments, the hand-written answer and
    the targets for s2sgrad/hand-written and (if any) s2sgrad/primal."""

    key: str
    title: str
    primal: Callable[..., Any]
    hand_grad: Callable[..., Any]
    make_args: Callable[[int], tuple]
    hand_target: float
    primal_target: float | None


WORKLOADS = (
    Workload("m", f"seed MLP, batch {MLP_BATCH}", mlp_loss, mlp_grad, lambda s: mlp_args(s),
             1.1, 3.0),
    Workload("r", f"Rosenbrock, n = {ROSENBROCK_N}", rosenbrock, rosenbrock_grad,
             lambda s: rosenbrock_args(s), 1.2, None),
)
