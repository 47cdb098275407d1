"""The network of seed 003: four weights, three biases, and its gradient as code.

One input x feeds two sigmoid units, whose outputs a linear unit combines; the loss is the
squared error against a target y. The seed asks whether backpropagation is anything more
than the chain rule applied to L(w1, w2, w3, w4, b1, b2, b3). s2sgrad's answer is the code
below: one forward sweep that keeps what the reverse sweep needs, then the chain rule applied
from the loss backwards, each intermediate adjoint computed once and reused.

    python examples/tiny_network.py [--small] [--out DIR]
"""

from __future__ import annotations

import math
from typing import Sequence

import s2sgrad
from _common import max_rel_error, parse_args, require

PARAMS = ("w1", "w2", "w3", "w4", "b1", "b2", "b3")


def sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z))


def loss(w1, w2, w3, w4, b1, b2, b3, x, y):
    """Squared error of the 1-2-1 network of seed 003 on one example (x, y)."""
    h1 = sigmoid(w1 * x + b1)
    h2 = sigmoid(w2 * x + b2)
    out = w3 * h1 + w4 * h2 + b3
    return (out - y) ** 2


def main(argv: Sequence[str] | None = None) -> int:
    parse_args(argv, __doc__.splitlines()[0])  # no plot: the code is the picture here
    argnums = tuple(range(len(PARAMS)))
    dloss = s2sgrad.grad(loss, argnums=argnums)
    point = (0.6, -0.4, 1.1, 0.7, 0.1, -0.2, 0.05)
    x, y = 0.5, 1.0
    print("The gradient code s2sgrad generates for the 7 parameters:\n")
    print(s2sgrad.source(dloss))
    got = dloss(*point, x, y)
    want = s2sgrad.numerical_grad(loss, *point, x, y, argnums=argnums)
    print(f"{'':>4}  {'s2sgrad':>12}  {'central diff.':>14}")
    for name, g, w in zip(PARAMS, got, want):
        print(f"{name:>4}  {g:>12.8f}  {w:>14.8f}")
    require(max_rel_error(got, want) < 1e-8, "the gradient matches central differences")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
