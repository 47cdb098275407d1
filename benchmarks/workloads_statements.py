"""Hand-written reverse sweeps for benchmarks/bench_statements.py, in the generated style.

The statement benchmark compares the size of s2sgrad's reverse sweep with a reverse sweep a
careful person writes for the same function. Statement counts only mean something when
both sides follow the same conventions, so every function here is written by these rules,
which are the conventions of s2sgrad's generated code:

1. A forward sweep first, computing and keeping what the reverse sweep needs (a list of
   tuples per loop), then a line `# reverse sweep`, then the reverse sweep.
2. The reverse sweep binds, in its own statement, the adjoint of every variable the
   function's author named (its arguments and locals: `dh1`, `dout`), and of any
   intermediate whose adjoint is read more than once (`dz1`, used for both w1 and b1).
3. The adjoint of an unnamed subexpression that is read once is folded into the
   expression that reads it, as a person would write it (`dx1 = u1 - x3 / u2`).
4. Per-step accumulation into a gradient is one statement (`da = da + du * x`); the return
   lists names, or an argument itself when that is the gradient (`return dx1, x1, dx3`).
5. Calculus a person knows is fair (sigmoid' = h * (1 - h); the softmax gradient in one
   line), but not facts about the data: `y` is not assumed one-hot, so the gradient of the
   max subtracted for stability is zero only in exact arithmetic and is left out, which a
   careful person does and a compiler cannot.

The workloads are (a), (b) and (c) of benchmarks/workloads_scalar.py (the seed function,
the seed-003 network, the 1000-step Euler loop), (d) a two-layer NumPy MLP with ReLU and
softmax cross-entropy, a small version of the seeds' 784-256-256-256-10 network, and (e)
the same MLP written with `s2sgrad.stop_gradient` around the max, which tells s2sgrad what
rule 5 lets the hand-written sweep assume.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

import s2sgrad
from workloads_scalar import WORKLOADS as SCALAR


# -- (a) the seed function ----------------------------------------------------------------

def seed_hand(x1, x2, x3):
    u1 = x2 - x3
    u2 = 1.0 - x1
    u3 = math.log(u2)
    # reverse sweep
    dx1 = u1 - x3 / u2
    dx3 = u3 - x1
    return dx1, x1, dx3


# -- (b) the seed-003 network ---------------------------------------------------------------

def net_hand(w1, w2, w3, w4, b1, b2, b3, x, y):
    h1 = 1.0 / (1.0 + math.exp(-(w1 * x + b1)))
    h2 = 1.0 / (1.0 + math.exp(-(w2 * x + b2)))
    out = w3 * h1 + w4 * h2 + b3
    # reverse sweep
    dout = 2.0 * (out - y)
    dw3 = dout * h1
    dh1 = dout * w3
    dw4 = dout * h2
    dh2 = dout * w4
    dz1 = dh1 * h1 * (1.0 - h1)
    dz2 = dh2 * h2 * (1.0 - h2)
    dw1 = dz1 * x
    dw2 = dz2 * x
    return dw1, dw2, dw3, dw4, dz1, dz2, dout


# -- (c) the Euler loop ---------------------------------------------------------------------

def integrate_hand(a, b, x0, dt, n):
    saved = []
    x = x0
    for _ in range(n):
        u = a * x
        s = dt * math.sin(u)
        saved.append((u, s, x))
        x = x + s * b
    # reverse sweep
    dx, da, db = 1.0, 0.0, 0.0
    for u, s, x in reversed(saved):
        db = db + dx * s
        du = dx * b * dt * math.cos(u)
        da = da + du * x
        dx = dx + du * a
    return da, db, dx


# -- (d) a two-layer MLP --------------------------------------------------------------------

def mlp(W1, b1, W2, b2, x, y):
    h = np.maximum(x @ W1 + b1, 0.0)
    z = h @ W2 + b2
    z = z - np.max(z, axis=1, keepdims=True)
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.sum(y * logp) / x.shape[0]


def mlp_stopped(W1, b1, W2, b2, x, y):
    h = np.maximum(x @ W1 + b1, 0.0)
    z = h @ W2 + b2
    z = z - s2sgrad.stop_gradient(np.max(z, axis=1, keepdims=True))
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.sum(y * logp) / x.shape[0]


def mlp_hand(W1, b1, W2, b2, x, y):
    a = x @ W1 + b1
    h = np.maximum(a, 0.0)
    z = h @ W2 + b2
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    p = e / np.sum(e, axis=1, keepdims=True)
    # reverse sweep
    dlogp = -y / x.shape[0]
    dz = dlogp - p * np.sum(dlogp, axis=1, keepdims=True)
    dW2 = h.T @ dz
    db2 = np.sum(dz, axis=0)
    dh = dz @ W2.T
    da = dh * (a > 0.0)
    dW1 = x.T @ da
    db1 = np.sum(da, axis=0)
    return dW1, db1, dW2, db2


def mlp_args(batch: int = 16, sizes: tuple[int, int, int] = (12, 8, 4)) -> tuple:
    """Random parameters, a batch of inputs and one-hot targets (fixed seed)."""
    rng = np.random.default_rng(0)
    n_in, n_hidden, n_out = sizes
    W1 = rng.normal(size=(n_in, n_hidden)) / math.sqrt(n_in)
    W2 = rng.normal(size=(n_hidden, n_out)) / math.sqrt(n_hidden)
    b1, b2 = 0.1 * rng.normal(size=n_hidden), 0.1 * rng.normal(size=n_out)
    x = rng.normal(size=(batch, n_in))
    return W1, b1, W2, b2, x, np.eye(n_out)[rng.integers(0, n_out, size=batch)]


# -- the table ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    """One function, where its gradient is compiled, and its hand-written reverse sweep."""

    key: str
    title: str
    primal: Callable[..., Any]
    hand: Callable[..., tuple]
    args: tuple[Any, ...]
    argnums: tuple[int, ...]


def _scalar(key: str, hand: Callable[..., tuple]) -> Case:
    w = next(w for w in SCALAR if w.key == key)
    return Case(w.key, w.title, w.primal, hand, w.args, w.argnums)


CASES = (
    _scalar("a", seed_hand),
    _scalar("b", net_hand),
    _scalar("c", integrate_hand),
    Case("d", "2-layer MLP (NumPy)", mlp, mlp_hand, mlp_args(), (0, 1, 2, 3)),
    Case("e", "(d), max in stop_gradient", mlp_stopped, mlp_hand, mlp_args(), (0, 1, 2, 3)),
)
