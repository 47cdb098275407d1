"""Why backpropagation is fast: s2sgrad's gradient against central finite differences.

The seeds' network is an MLP of widths 784-256-256-256-10: 335,114 parameters. Central
differences need two forward passes per parameter; backpropagation (the reverse sweep
s2sgrad generates) needs about one forward and one backward pass in all. This example times
both on networks of growing width (784-w-w-w-10, batch 64). Finite differences are measured
where they finish in seconds and extrapolated to the full network from the primal's time.

    python examples/backprop_vs_numerical.py [--small] [--out DIR]
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

import mlp
import s2sgrad
from _common import fmt_time, max_rel_error, median_times, parse_args, plt, require, save

EPS = 1e-6


def fd_gradient(params: list, x: np.ndarray, y: np.ndarray) -> list:
    """Central differences over every parameter: two forward passes each, as in the seed.

    Works on private copies, so the caller's arrays are never touched."""
    work = [(W.copy(), b.copy()) for W, b in params]
    grads = []
    for layer in work:
        pair = []
        for a in layer:
            g = np.empty_like(a)
            flat = a.reshape(-1)  # a view: writing to it moves the parameter
            for k in range(flat.size):
                old = flat[k]
                flat[k] = old + EPS
                up = mlp.loss(work, x, y)
                flat[k] = old - EPS
                down = mlp.loss(work, x, y)
                flat[k] = old
                g.flat[k] = (up - down) / (2 * EPS)
            pair.append(g)
        grads.append(tuple(pair))
    return grads


def flat(grads: list) -> np.ndarray:
    return np.concatenate([np.ravel(a) for pair in grads for a in pair])


def measure_width(n_in: int, width: int, batch: int, with_fd: bool, small: bool,
                  rng: np.random.Generator) -> dict[str, Any]:
    """Times (and checks) the primal, s2sgrad's gradient and, if asked, finite differences."""
    params = mlp.init_params([n_in, width, width, width, 10], rng)
    x, y = mlp.random_batch(n_in, 10, batch, rng)
    dloss = s2sgrad.grad(mlp.loss)
    grads = dloss(params, x, y)
    row = {"name": f"{n_in}-{width}-{width}-{width}-10", "params": mlp.count_params(params)}
    fns = {"primal": mlp.loss, "s2sgrad": dloss}
    if with_fd:
        fns["fd"] = fd_gradient
        row["error"] = max_rel_error(flat(grads), flat(fd_gradient(params, x, y)))
    else:
        row["error"] = mlp.sampled_fd_error(params, x, y, grads, rng, 5 if small else 20)
    row.update(median_times(fns, (params, x, y), small=small))
    return row


def run(small: bool) -> list[dict[str, Any]]:
    n_in, batch = (64, 16) if small else (784, 64)
    fd_widths = (1, 2, 4) if small else (1, 2, 4, 8, 16)
    grad_widths = (8, 32) if small else (32, 64, 128, 256)
    rng = np.random.default_rng(0)
    rows = [measure_width(n_in, w, batch, True, small, rng) for w in fd_widths]
    rows += [measure_width(n_in, w, batch, False, small, rng) for w in grad_widths]
    # the cost model of central differences: 2 forward passes per parameter
    overhead = float(np.median([r["fd"] / (2 * r["params"] * r["primal"])
                                for r in rows if "fd" in r]))
    for r in rows:
        r["fd_model"] = overhead * 2 * r["params"] * r["primal"]
    return rows


def report(rows: list[dict[str, Any]]) -> None:
    print(f"{'network':>22}  {'params':>8}  {'primal':>9}  {'s2sgrad':>9}  "
          f"{'central diff.':>15}  {'ratio':>9}  {'grad err':>8}")
    for r in rows:
        fd = r.get("fd")
        shown = fmt_time(fd) if fd is not None else f"~{fmt_time(r['fd_model'])}"
        ratio = (fd if fd is not None else r["fd_model"]) / r["s2sgrad"]
        print(f"{r['name']:>22}  {r['params']:>8,}  {fmt_time(r['primal']):>9}  "
              f"{fmt_time(r['s2sgrad']):>9}  {shown:>15}  {ratio:>8,.0f}x  {r['error']:8.1e}")
    print("~ : extrapolated as (measured time / (2 x params x primal time), median over the "
          "measured rows) x 2 x params x primal time")


def plot(rows: list[dict[str, Any]], out: Any) -> None:
    fig, ax = plt.subplots(figsize=(7, 4.5))
    p = [r["params"] for r in rows]
    measured = [r for r in rows if "fd" in r]
    ax.loglog([r["params"] for r in measured], [r["fd"] for r in measured], "o",
              color="tab:red", label="central differences (measured)")
    ax.loglog(p, [r["fd_model"] for r in rows], "--", color="tab:red",
              label="central differences (extrapolated: 2 passes per parameter)")
    ax.loglog(p, [r["s2sgrad"] for r in rows], "s-", color="tab:blue",
              label="s2sgrad gradient (measured)")
    ax.loglog(p, [r["primal"] for r in rows], ".:", color="gray",
              label="one forward pass (measured)")
    last = rows[-1]
    ax.annotate("", xy=(last["params"], last["fd_model"]),
                xytext=(last["params"], last["s2sgrad"]),
                arrowprops={"arrowstyle": "<->", "color": "black"})
    ax.text(last["params"] * 0.8, (last["fd_model"] * last["s2sgrad"]) ** 0.5,
            f"{last['fd_model'] / last['s2sgrad']:,.0f}x\nslower", ha="right", va="center")
    ax.set_xlabel(f"number of parameters (MLPs {rows[0]['name']} ... {rows[-1]['name']})")
    ax.set_ylabel("seconds per gradient")
    ax.set_title("Gradient time: backpropagation vs finite differences")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    save(fig, out, "backprop_vs_numerical.png")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv, __doc__.splitlines()[0])
    rows = run(args.small)
    report(rows)
    full = rows[-1]
    print(f"\nfull network ({full['params']:,} parameters): s2sgrad {fmt_time(full['s2sgrad'])}"
          f", central differences ~{fmt_time(full['fd_model'])}: "
          f"{full['fd_model'] / full['s2sgrad']:,.0f} times slower")
    require(max(r["error"] for r in rows) < 1e-5,
            "s2sgrad's gradients match central differences (relative error < 1e-5)")
    plot(rows, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
