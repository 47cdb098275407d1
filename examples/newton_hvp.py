"""Newton-CG with Hessian-vector products against gradient descent, on Rosenbrock.

Newton's method needs the Hessian H, but conjugate gradients only ever need products H v.
`s2sgrad.hvp(f, (x,), (v,))` computes one by running the forward transform over the
gradient program (forward-over-reverse): about the cost of two gradients, with no n x n
matrix ever formed. This example minimizes the n-dimensional Rosenbrock function both ways
from the classic start (-1.2, 1, -1.2, 1, ...) and plots f(x) per iteration and per second.

    python examples/newton_hvp.py [--small] [--out DIR]
"""

from __future__ import annotations

import time
from typing import Any, Callable, Sequence

import numpy as np
import scipy.optimize

import s2sgrad
from s2sgrad.api import flat
from _common import max_rel_error, parse_args, plt, require, save

Vector = np.ndarray


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


gradient = s2sgrad.grad(rosenbrock)


def hessian_times(x: Vector, v: Vector) -> Vector:
    """H(x) v by forward-over-reverse."""
    return s2sgrad.hvp(rosenbrock, (x,), (v,))


def backtrack(x: Vector, fx: float, g: Vector, p: Vector, t: float = 1.0) -> float:
    """A step length t that decreases f enough along p (Armijo's condition)."""
    while rosenbrock(x + t * p) > fx + 1e-4 * t * (g @ p) and t > 1e-12:
        t *= 0.5
    return t


def cg_direction(x: Vector, g: Vector) -> Vector:
    """Approximately solve H p = -g by conjugate gradients, using only products H v.
    Stops early at negative curvature (the Newton model has no minimum that way)."""
    p, r = np.zeros_like(g), -g
    d = r.copy()
    tol = min(0.5, np.sqrt(np.linalg.norm(g))) * np.linalg.norm(g)
    for _ in range(len(g)):
        hd = hessian_times(x, d)
        curvature = d @ hd
        if curvature <= 0:
            return p if p.any() else -g
        alpha = (r @ r) / curvature
        p, r_new = p + alpha * d, r - alpha * hd
        if np.linalg.norm(r_new) < tol:
            return p
        d, r = r_new + (r_new @ r_new) / (r @ r) * d, r_new
    return p


def minimize(direction: Callable[[Vector, Vector], Vector], x0: Vector, iters: int,
             grow: float) -> list[tuple[float, float]]:
    """(seconds so far, f(x)) after each iteration of a line-search descent method."""
    x, t, start = x0.copy(), 1.0, time.perf_counter()
    trace = [(0.0, rosenbrock(x))]
    for _ in range(iters):
        g = gradient(x)
        if np.linalg.norm(g) < 1e-10:
            break
        p = direction(x, g)
        t = backtrack(x, trace[-1][1], g, p, min(1.0, t * grow))
        x = x + t * p
        trace.append((time.perf_counter() - start, rosenbrock(x)))
    return trace


def check_hvp(n: int) -> None:
    """H v against central differences of the gradient and against the full Hessian."""
    rng = np.random.default_rng(0)
    x, v = rng.normal(size=n), rng.normal(size=n)
    eps = 1e-6
    fd = (gradient(x + eps * v) - gradient(x - eps * v)) / (2 * eps)
    require(max_rel_error(hessian_times(x, v), fd) < 1e-7,
            "hvp matches central differences of the gradient")
    require(max_rel_error(hessian_times(x, v), s2sgrad.hessian(rosenbrock)(x) @ v) < 1e-12,
            "hvp matches hessian(f)(x) @ v")


def plot(traces: dict[str, list[tuple[float, float]]], n: int, out: Any) -> None:
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    for name, trace in traces.items():
        seconds, values = zip(*trace)
        left.loglog(range(1, len(values) + 1), values, label=name)
        right.semilogy(seconds, values, label=name)
    left.set_xlabel("iteration (log scale; the start is iteration 1)")
    right.set_xlabel("elapsed seconds")
    left.set_ylabel("f(x)  (minimum: 0, log scale)")
    for ax in (left, right):
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.suptitle(f"Rosenbrock, n = {n}: Newton-CG with s2sgrad.hvp vs gradient descent")
    save(fig, out, "newton_hvp.png")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv, __doc__.splitlines()[0])
    n, gd_iters = (10, 1000) if args.small else (100, 20000)
    check_hvp(n)
    x0 = np.where(np.arange(n) % 2 == 0, -1.2, 1.0)
    flat.sweeps.clear()  # each hvp is one forward sweep over the gradient program
    traces = {"Newton-CG (hvp)": minimize(cg_direction, x0, 1000, 2.0)}
    products = flat.sweeps["forward"]
    traces["gradient descent"] = minimize(lambda x, g: -g, x0, gd_iters, 2.0)
    for name, trace in traces.items():
        print(f"{name:>17}: f = {trace[-1][1]:.3e} after {len(trace) - 1} iterations, "
              f"{trace[-1][0]:.2f} s")
    print(f"Newton-CG used {products} Hessian-vector products")
    require(traces["Newton-CG (hvp)"][-1][1] < 1e-12, "Newton-CG reaches the minimum")
    res = scipy.optimize.minimize(rosenbrock, x0, method="Newton-CG", jac=gradient,
                                  hessp=hessian_times)
    print(f"scipy's Newton-CG with jac=grad and hessp=hvp: f = {res.fun:.3e} after "
          f"{res.nit} iterations ({res.nhev} Hessian-vector products)")
    plot(traces, n, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
