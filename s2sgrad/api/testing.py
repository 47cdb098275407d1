"""Independent oracles for tests and users: central finite differences.

    numerical_grad(f, *args, argnums=0)   # same structure as s2sgrad.grad(f, argnums)
    check_grad(f, *args, argnums=0)       # compares the two, returns the largest error
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..errors import InputTypeError, caller_loc
from .grads import grad


def _scalar(value: Any) -> float:
    if np.ndim(value) != 0 and np.size(value) != 1:
        raise TypeError(f"the function must return a scalar, got shape {np.shape(value)}")
    return float(np.asarray(value).reshape(()))


def _partial(f: Callable[..., Any], args: list[Any], i: int, eps: float) -> Any:
    x = args[i]
    if np.iscomplexobj(x):  # a float copy would drop the imaginary part
        raise InputTypeError(
            f"argument {i} is complex; numerical_grad differentiates with respect to real "
            "floating-point values", caller_loc(), "write the function on the real and "
            "imaginary parts, g(x, y), and pass them as two float arguments: "
            "numerical_grad(g, z.real, z.imag, argnums=(0, 1))")
    if isinstance(x, np.ndarray):
        out = np.zeros(x.shape)
        for k in range(x.size):
            out.flat[k] = _difference(f, args, i, k, eps)
        return out
    return _difference(f, args, i, None, eps)


def _difference(f: Callable[..., Any], args: list[Any], i: int, k: int | None,
                eps: float) -> float:
    values = []
    for sign in (1.0, -1.0):
        moved = list(args)
        if k is None:
            moved[i] = float(args[i]) + sign * eps
        else:
            x = np.array(args[i], dtype=float)  # a copy: the caller's array is not touched
            x.flat[k] += sign * eps
            moved[i] = x
        values.append(_scalar(f(*moved)))
    return (values[0] - values[1]) / (2.0 * eps)


def numerical_grad(f: Callable[..., Any], *args: Any, argnums: int | tuple[int, ...] = 0,
                   eps: float = 1e-6) -> Any:
    """The gradient of scalar `f` by central differences, in float64."""
    nums = argnums if isinstance(argnums, tuple) else (argnums,)
    grads = tuple(_partial(f, list(args), i, eps) for i in nums)
    return grads if isinstance(argnums, tuple) else grads[0]


def check_grad(f: Callable[..., Any], *args: Any, argnums: int | tuple[int, ...] = 0,
               rtol: float = 1e-5, atol: float = 1e-7, eps: float = 1e-6) -> float:
    """Compare `s2sgrad.grad` with central differences; return the largest absolute error."""
    nums = argnums if isinstance(argnums, tuple) else (argnums,)
    got = grad(f, argnums=nums)(*args)
    want = numerical_grad(f, *args, argnums=nums, eps=eps)
    worst = 0.0
    for i, g, w in zip(nums, got, want):
        g, w = np.asarray(g, dtype=float), np.asarray(w, dtype=float)
        err = float(np.max(np.abs(g - w))) if g.size else 0.0
        worst = max(worst, err)
        if not np.allclose(g, w, rtol=rtol, atol=atol):
            raise AssertionError(f"gradient of argument {i} differs: s2sgrad {g}, "
                                 f"central differences {w}")
    return worst
