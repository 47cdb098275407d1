"""Forward against reverse accumulation, on the seed's f: R^3 -> R^2 and on f: R^n -> R^m.

Seed 001 works f(x1, x2, x3) = (x1*(x2 - x3), x3*log(1 - x1)) by hand: forward mode needs
one sweep per input (3), reverse mode one sweep per output (2). This example prints the SSA
table s2sgrad builds, the forward-mode and reverse-mode code it generates, and the Jacobian
computed both ways with the number of sweeps each took. Then it times both modes on
`tanh(A @ x)`, a function from R^n to R^m, as n and m grow.

    python examples/forward_vs_reverse.py [--small] [--out DIR]
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

import s2sgrad
from _common import fmt_time, max_rel_error, median_times, parse_args, plt, require, save
from s2sgrad.api import flat
from seed import pair as f  # y1 = x1 (x2 - x3), y2 = x3 log(1 - x1)


def layer(x, A):
    """f: R^n -> R^m with a dense Jacobian, for A of shape (m, n)."""
    return np.tanh(A @ x)


def seed_example() -> None:
    """The seed's tables and code, and the Jacobian both ways with its sweep count."""
    print("== the SSA table (one primitive per line, named as in the seed) ==")
    s2sgrad.show(f, stage="ssa")
    print("\n== forward mode: one sweep carries the tangents dx1, dx2, dx3 ==")
    s2sgrad.show(f, stage="forward", argnums=(0, 1, 2))
    print("\n== reverse mode: one forward sweep, then pullback(gy1, gy2) per output ==")
    s2sgrad.show(f, stage="optimized", argnums=(0, 1, 2))
    args = (0.3, 1.2, 2.1)
    results = {}
    for name, build in (("forward", s2sgrad.jacfwd), ("reverse", s2sgrad.jacrev)):
        flat.sweeps.clear()
        results[name] = np.array(build(f, argnums=(0, 1, 2), fused=False)(*args))
        print(f"\n{name} mode at x = {args}: {dict(flat.sweeps)} sweeps")
        print(np.array2string(results[name] + 0.0, precision=6))  # + 0.0: no "-0."
    oracle = np.array([s2sgrad.numerical_grad(lambda *x, i=i: f(*x)[i], *args,
                                              argnums=(0, 1, 2)) for i in range(2)])
    require(max_rel_error(results["forward"], results["reverse"]) < 1e-12,
            "forward and reverse Jacobians agree")
    require(max_rel_error(results["reverse"], oracle) < 1e-7,
            "the Jacobian matches central differences")


def time_modes(n: int, m: int, small: bool, rng: np.random.Generator) -> dict[str, float]:
    """Seconds per Jacobian of `layer` at sizes (n, m), by forward and by reverse mode."""
    x, A = rng.normal(size=n), rng.normal(size=(m, n)) / math.sqrt(n)
    fwd, rev = s2sgrad.jacfwd(layer), s2sgrad.jacrev(layer)
    exact = (1.0 - np.tanh(A @ x) ** 2)[:, None] * A  # the Jacobian, derived by hand
    errors = {"error": max(max_rel_error(fwd(x, A), exact), max_rel_error(rev(x, A), exact))}
    return {**median_times({"forward": fwd, "reverse": rev}, (x, A), small=small), **errors}


def scaling(small: bool) -> dict[str, list[tuple[int, dict[str, float]]]]:
    """Time both modes with m fixed and n growing, and with n fixed and m growing."""
    rng = np.random.default_rng(0)
    fixed, sizes = (4, (2, 8, 32)) if small else (10, (2, 8, 32, 128, 512))
    grow_n = [(n, time_modes(n, fixed, small, rng)) for n in sizes]
    grow_m = [(m, time_modes(fixed, m, small, rng)) for m in sizes]
    require(max(t["error"] for _, t in grow_n + grow_m) < 1e-12,
            "at every size both modes give the exact Jacobian diag(1 - tanh(A x)^2) A")
    for label, rows in ((f"n grows, m = {fixed}", grow_n), (f"m grows, n = {fixed}", grow_m)):
        print(f"\n{label}:\n{'size':>6}  {'forward':>9}  {'reverse':>9}  {'fwd/rev':>7}")
        for size, t in rows:
            print(f"{size:>6}  {fmt_time(t['forward']):>9}  {fmt_time(t['reverse']):>9}  "
                  f"{t['forward'] / t['reverse']:>7.2f}")
    return {f"inputs n (outputs m = {fixed})": grow_n, f"outputs m (inputs n = {fixed})": grow_m}


def plot(curves: dict[str, list[tuple[int, dict[str, float]]]], out: Any) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    for ax, (label, rows) in zip(axes, curves.items()):
        sizes = [s for s, _ in rows]
        for mode, style in (("forward", "o-"), ("reverse", "s-")):
            ax.loglog(sizes, [t[mode] for _, t in rows], style,
                      label=f"{mode} mode ({'n' if mode == 'forward' else 'm'} sweeps)")
        ax.set_xlabel(label)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    axes[0].set_ylabel("seconds per full Jacobian")
    fig.suptitle("Jacobian of tanh(A x), f: R^n -> R^m: forward costs n sweeps, reverse m")
    save(fig, out, "forward_vs_reverse.png")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv, __doc__.splitlines()[0])
    seed_example()
    plot(scaling(args.small), args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
