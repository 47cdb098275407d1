"""In which order should a chain of Jacobians be multiplied? Seed 003's two chains.

For x_k = f_k(...f_1(x_0)), the Jacobian is the product J_k ... J_1. Multiplying from the
right is forward mode, from the left reverse mode; the best bracketing can be neither.
Seed 003 gives two chains, of dimensions 1000, 100, 10, 1 (reverse mode wins) and 1000, 1,
1000, 1, 1000 (both modes do a 1000 x 1000 product that a better bracketing avoids). This
example builds each f_k = tanh(W_k x), takes its Jacobian with s2sgrad, finds the cheapest
bracketing by dynamic programming, and times all three products for real.

    python examples/jacobian_chain_order.py [--small] [--out DIR]
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Sequence

import numpy as np

import s2sgrad
from _common import fmt_time, max_rel_error, median_times, parse_args, plt, require, save

Tree = Any  # an int k (the matrix J_k) or a pair (left, right) of trees


def layer(x, W):
    return np.tanh(W @ x)


def chain(x, Ws):
    """The whole composition f_k(...f_1(x)), for the Jacobian of the chain end to end."""
    for W in Ws:
        x = np.tanh(W @ x)
    return x


def optimal_order(dims: Sequence[int]) -> tuple[int, Tree]:
    """The fewest multiply-adds to form J_k ... J_1, where J_i is dims[i] x dims[i-1], and
    the bracketing that achieves it (the matrix-chain dynamic program, O(k^3))."""
    k = len(dims) - 1

    @lru_cache(maxsize=None)
    def best(hi: int, lo: int) -> tuple[int, Tree]:  # the product J_hi ... J_lo
        if hi == lo:
            return 0, hi
        options = []
        for split in range(lo, hi):  # (J_hi ... J_split+1) (J_split ... J_lo)
            (left, lt), (right, rt) = best(hi, split + 1), best(split, lo)
            options.append((left + right + dims[hi] * dims[split] * dims[lo - 1], (lt, rt)))
        return min(options, key=lambda o: o[0])

    return best(k, 1)


def cost(tree: Tree, dims: Sequence[int]) -> tuple[int, int, int]:
    """(multiply-adds, rows, columns) of the product a bracketing describes."""
    if isinstance(tree, int):
        return 0, dims[tree], dims[tree - 1]
    (cl, rows, inner), (cr, _, cols) = cost(tree[0], dims), cost(tree[1], dims)
    return cl + cr + rows * inner * cols, rows, cols


def forward_order(k: int) -> Tree:
    tree: Tree = 1
    for i in range(2, k + 1):
        tree = (i, tree)  # J_i (J_i-1 ... J_1): right to left
    return tree


def reverse_order(k: int) -> Tree:
    tree: Tree = k
    for i in range(k - 1, 0, -1):
        tree = (tree, i)  # (J_k ... J_i+1) J_i: left to right
    return tree


def show(tree: Tree) -> str:
    return f"J{tree}" if isinstance(tree, int) else f"({show(tree[0])} {show(tree[1])})"


def multiply(tree: Tree, jacs: dict[int, np.ndarray]) -> np.ndarray:
    if isinstance(tree, int):
        return jacs[tree]
    return multiply(tree[0], jacs) @ multiply(tree[1], jacs)


def layer_jacobians(dims: Sequence[int], rng: np.random.Generator
                    ) -> tuple[np.ndarray, list[np.ndarray], dict[int, np.ndarray]]:
    """A random point x_0, the weights, and each layer's Jacobian J_i computed by s2sgrad
    (mode="auto": forward mode for a layer with fewer inputs than outputs)."""
    x = rng.normal(size=dims[0])
    Ws = [rng.normal(size=(m, n)) / np.sqrt(n) for n, m in zip(dims[:-1], dims[1:])]
    jacs, h = {}, x
    for i, W in enumerate(Ws, start=1):
        jacs[i] = s2sgrad.jacobian(layer, mode="auto")(h, W)
        h = layer(h, W)
    return x, Ws, jacs


def study(dims: Sequence[int], small: bool, rng: np.random.Generator) -> dict[str, Any]:
    """Cost model, timed products and checks for one chain."""
    k = len(dims) - 1
    best, tree = optimal_order(dims)
    orders = {"forward": forward_order(k), "reverse": reverse_order(k), "optimal (DP)": tree}
    x, Ws, jacs = layer_jacobians(dims, rng)
    products = {name: multiply(t, jacs) for name, t in orders.items()}
    whole = s2sgrad.jacobian(chain)(x, tuple(Ws))
    v, eps = rng.normal(size=dims[0]), 1e-6
    directional = (chain(x + eps * v, Ws) - chain(x - eps * v, Ws)) / (2 * eps)
    error = max(max_rel_error(p, whole) for p in products.values())
    times = median_times({name: (lambda t=t: multiply(t, jacs)) for name, t in orders.items()},
                         small=small)
    rows = [(name, show(t), cost(t, dims)[0], times[name]) for name, t in orders.items()]
    assert cost(tree, dims)[0] == best
    return {"dims": dims, "rows": rows, "error": error,
            "fd_error": max_rel_error(whole @ v, directional)}


def report(result: dict[str, Any]) -> None:
    dims = result["dims"]
    print(f"\nchain of dimensions {', '.join(map(str, dims))}: "
          + ", ".join(f"J{i} is {dims[i]}x{dims[i - 1]}" for i in range(1, len(dims))))
    best = min(r[2] for r in result["rows"])
    fastest = min(r[3] for r in result["rows"])
    print(f"{'order':>13}  {'bracketing':<24}  {'multiply-adds':>13}  {'vs best':>7}  "
          f"{'measured':>9}  {'vs best':>7}")
    for name, text, madds, seconds in result["rows"]:
        print(f"{name:>13}  {text:<24}  {madds:>13,}  {madds / best:>6.1f}x  "
              f"{fmt_time(seconds):>9}  {seconds / fastest:>6.1f}x")


def plot(results: list[dict[str, Any]], out: Any) -> None:
    """Bars relative to the cheapest order, each labelled with its absolute value."""
    fig, axes = plt.subplots(2, len(results), figsize=(10, 6.5))
    colors = ["tab:blue", "tab:orange", "tab:green"]
    for col, result in enumerate(results):
        names = [r[0] for r in result["rows"]]
        for row, (index, label, fmt) in enumerate((
                (2, "multiply-adds (cost model)", lambda v: f"{v:,}"),
                (3, "measured time (median)", fmt_time))):
            values = [r[index] for r in result["rows"]]
            ax = axes[row][col]
            bars = ax.bar(names, [v / min(values) for v in values], color=colors)
            ax.bar_label(bars, [fmt(v) for v in values], padding=2, fontsize=8)
            ax.set_ylabel(f"{label}\nrelative to the best order")
            ax.set_ylim(0, 1.15 * max(values) / min(values))
            ax.grid(True, axis="y", alpha=0.3)
        axes[0][col].set_title("dimensions " + ", ".join(map(str, result["dims"])))
    fig.suptitle("Multiplying a chain of Jacobians: forward, reverse and the best bracketing")
    save(fig, out, "jacobian_chain_order.png")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv, __doc__.splitlines()[0])
    chains = ([200, 20, 4, 1], [200, 1, 200, 1, 200]) if args.small else \
        ([1000, 100, 10, 1], [1000, 1, 1000, 1, 1000])
    rng = np.random.default_rng(0)
    results = [study(dims, args.small, rng) for dims in chains]
    for result in results:
        report(result)
    require(max(r["error"] for r in results) < 1e-12,
            "all bracketings give s2sgrad's Jacobian of the whole chain")
    require(max(r["fd_error"] for r in results) < 1e-7,
            "that Jacobian matches central differences along a random direction")
    plot(results, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
