"""Scalar workloads for benchmarks/bench_scalar.py, each with a hand-written gradient.

s2sgrad reads source code, so the differentiated functions live in this file. Every
workload has three parts: the primal function, the arguments it is timed at and the
``argnums`` it is differentiated with respect to, and a gradient written by hand the way a
careful Python programmer would write it (floats and the math module, nothing else).

(a) ``seed``: the worked example of the seeds, f(x1, x2, x3) = x1*(x2 - x3) + x3*log(1 - x1).
(b) ``net``: the network of seed 003. One input x, two sigmoid hidden units, one linear
    output, squared-error loss against a target y. Four weights w1..w4 and three biases
    b1..b3, all plain float arguments; x and y are passed as arguments too but are not
    differentiated.
(c) ``integrate``: 1000 explicit Euler steps x = x + dt*sin(a*x)*b starting from x0,
    differentiated with respect to a, b and x0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable


# -- (a) the seed function -------------------------------------------------------------

def seed(x1, x2, x3):
    return x1 * (x2 - x3) + x3 * math.log(1 - x1)


def seed_grad(x1, x2, x3):
    """d/dx1 = (x2 - x3) - x3/(1 - x1), d/dx2 = x1, d/dx3 = log(1 - x1) - x1."""
    r = 1.0 - x1
    return x2 - x3 - x3 / r, x1, math.log(r) - x1


# -- (b) the two-hidden-unit network of seed 003 -------------------------------------------

def net(w1, w2, w3, w4, b1, b2, b3, x, y):
    h1 = 1.0 / (1.0 + math.exp(-(w1 * x + b1)))
    h2 = 1.0 / (1.0 + math.exp(-(w2 * x + b2)))
    out = w3 * h1 + w4 * h2 + b3
    return (out - y) ** 2


def net_grad(w1, w2, w3, w4, b1, b2, b3, x, y):
    """Backpropagation by hand: forward pass, then dL/d(each parameter)."""
    h1 = 1.0 / (1.0 + math.exp(-(w1 * x + b1)))
    h2 = 1.0 / (1.0 + math.exp(-(w2 * x + b2)))
    dout = 2.0 * (w3 * h1 + w4 * h2 + b3 - y)
    dz1 = dout * w3 * h1 * (1.0 - h1)          # sigmoid'(z) = h * (1 - h)
    dz2 = dout * w4 * h2 * (1.0 - h2)
    return dz1 * x, dz2 * x, dout * h1, dout * h2, dz1, dz2, dout


# -- (c) a 1000-step Euler loop ----------------------------------------------------------

def integrate(a, b, x0, dt, n):
    x = x0
    for i in range(n):
        x = x + dt * math.sin(a * x) * b
    return x


def integrate_grad(a, b, x0, dt, n):
    """Forward loop saving x and sin(a*x) per step; backward loop over them in reverse."""
    xs = []
    sines = []
    x = x0
    for _ in range(n):
        s = math.sin(a * x)
        xs.append(x)
        sines.append(s)
        x = x + dt * s * b
    ga = gb = 0.0
    gx = 1.0
    for x, s in zip(reversed(xs), reversed(sines)):
        gb += gx * dt * s
        t = gx * dt * b * math.cos(a * x)   # d x_next / d(a*x), times the adjoint
        ga += t * x
        gx += t * a
    return ga, gb, gx


# -- the table of workloads ----------------------------------------------------------------

@dataclass(frozen=True)
class Workload:
    """One benchmark: what to differentiate, where, and the hand-written answer."""

    key: str
    title: str
    primal: Callable[..., float]
    hand_grad: Callable[..., tuple]
    args: tuple[Any, ...]
    argnums: tuple[int, ...]
    compile_target_ms: float


WORKLOADS = (
    Workload("a", "seed f(x1,x2,x3)", seed, seed_grad, (0.3, 1.2, 2.1), (0, 1, 2), 20.0),
    Workload("b", "seed-003 network", net, net_grad,
             (0.6, -0.4, 1.1, 0.7, 0.1, -0.2, 0.05, 0.5, 1.0), tuple(range(7)), 20.0),
    Workload("c", "1000-step Euler loop", integrate, integrate_grad,
             (0.7, 1.3, 0.4, 0.01, 1000), (0, 1, 2), 100.0),
)
