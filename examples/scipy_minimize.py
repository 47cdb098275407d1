"""`scipy.optimize.minimize(f, x0, jac=s2sgrad.grad(f))`: fitting a logistic regression.

The data is scikit-learn's bundled breast-cancer set (569 tumours, 30 features, no
download). The objective is the mean logistic loss plus an L2 penalty on the weights,
written in NumPy. `s2sgrad.grad(f)` has f's own signature, so scipy passes it the same
`args` it passes f. The fit is done twice, with the exact gradient and with scipy's default
finite-difference gradient, and checked against scikit-learn's own solver.

    python examples/scipy_minimize.py [--small] [--out DIR]
"""

from __future__ import annotations

import time
from typing import Any, Sequence

import numpy as np
import scipy.optimize
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

import s2sgrad
from _common import max_rel_error, parse_args, plt, require, save

PENALTY = 1e-2


def objective(theta, X, y, lam):
    """Mean logistic loss of weights theta[:-1] and intercept theta[-1], plus an L2 penalty
    on the weights. log(1 + e^z) is written as logaddexp(0, z), which cannot overflow."""
    w = theta[:-1]
    z = X @ w + theta[-1]
    return np.mean(np.logaddexp(0.0, z) - y * z) + 0.5 * lam * (w @ w)


def load() -> tuple[np.ndarray, ...]:
    """Standardized features; a stratified 75/25 split."""
    data = load_breast_cancer()
    X_train, X_test, y_train, y_test = train_test_split(
        data.data, data.target.astype(float), test_size=0.25, random_state=0,
        stratify=data.target)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def fit(jac: Any, X: np.ndarray, y: np.ndarray) -> tuple[Any, list[tuple[float, float]]]:
    """BFGS from zero; returns scipy's result and (seconds so far, objective) after each
    iteration."""
    trace: list[tuple[float, float]] = []
    start = time.perf_counter()
    res = scipy.optimize.minimize(objective, np.zeros(X.shape[1] + 1), args=(X, y, PENALTY),
                                  jac=jac, method="BFGS", options={"gtol": 1e-8},
                                  callback=lambda t: trace.append((time.perf_counter() - start,
                                                                    objective(t, X, y, PENALTY))))
    return res, trace


def plot(traces: dict[str, list[tuple[float, float]]], best: float, out: Any) -> None:
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    for name, trace in traces.items():
        seconds, values = np.array(trace).T
        gaps = np.maximum(values - best, 1e-16)
        left.semilogy(range(1, len(gaps) + 1), gaps, "o-", ms=3, label=name)
        right.semilogy(1e3 * seconds, gaps, "o-", ms=3, label=name)
    left.set_xlabel("BFGS iteration (the same iterates either way)")
    right.set_xlabel("elapsed milliseconds (one run)")
    left.set_ylabel("objective - best objective found (log scale)")
    for ax in (left, right):
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.suptitle("Logistic regression on the breast-cancer data with scipy.optimize.minimize")
    save(fig, out, "scipy_minimize.png")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv, __doc__.splitlines()[0])
    X, X_test, y, y_test = load()
    if args.small:
        X, y = X[:120], y[:120]
    grad = s2sgrad.grad(objective)
    theta = np.random.default_rng(0).normal(size=X.shape[1] + 1)
    require(max_rel_error(grad(theta, X, y, PENALTY),
                          s2sgrad.numerical_grad(objective, theta, X, y, PENALTY)) < 1e-7,
            "s2sgrad's gradient matches central differences at a random point")
    runs = {"jac=s2sgrad.grad(objective)": fit(grad, X, y),
            "jac=None (scipy's finite differences)": fit(None, X, y)}
    for name, (res, _) in runs.items():
        print(f"{name:>38}: objective {res.fun:.10f} after {res.nit} iterations, "
              f"{res.nfev} calls of the objective")
    exact = runs["jac=s2sgrad.grad(objective)"][0].x
    # scikit-learn minimizes C * sum(loss) + |w|^2 / 2: the same problem when C = 1 / (n lam)
    reference = LogisticRegression(C=1.0 / (len(y) * PENALTY), tol=1e-10, max_iter=10000)
    reference.fit(X, y)
    require(max_rel_error(exact, np.r_[reference.coef_.ravel(), reference.intercept_]) < 1e-4,
            "the fit agrees with scikit-learn's LogisticRegression")
    accuracy = np.mean(((X_test @ exact[:-1] + exact[-1]) > 0) == y_test)
    print(f"test accuracy: {100 * accuracy:.1f}% on {len(y_test)} held-out tumours")
    best = min(value for _, trace in runs.values() for _, value in trace)
    plot({name: trace for name, (_, trace) in runs.items()}, best, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
