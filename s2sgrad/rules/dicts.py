"""Dicts in reverse mode: the adjoint of a dict, and the helpers the adjoint code calls.

The adjoint of a dict is a dict of the adjoints of its items, keyed the same way; a missing
key is a zero adjoint, and so is the scalar `0.0` that `zeros_like` gives for a whole dict.
Reading `d[k]` contributes `dict_onehot(k, g)` to the adjoint of `d`; building
`{k: v, ...}` gives `v` the item `dict_item(g, k, v)`; `d[k] = v` gives `d` the adjoint
`dict_without(g, k)` (the old item was overwritten) and `v` the item at `k`.

Like the runtime helpers they are small and import nothing from s2sgrad but `zeros_like`,
so they could move to `runtime.py` (which `s2sgrad transpile` copies from).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..runtime import SeqAdjoint, zeros_like
from .registry import deflinear, defnondiff, defvjp


class DictAdjoint(dict):
    """The adjoint of a dict: a dict whose `+` adds the items of equal keys."""

    def __add__(self, other: Any) -> "DictAdjoint":
        if not isinstance(other, dict):
            _check_zero(other)
            return self
        out = DictAdjoint(self)
        for key, value in other.items():
            out[key] = out[key] + value if key in out else value
        return out

    __radd__ = __add__


def _check_zero(g: Any) -> None:
    """A dict's adjoint that is not a dict must be a zero (`zeros_like` of a dict is 0.0)."""
    if not (np.ndim(g) == 0 and g == 0):
        from ..errors import InputTypeError  # here, as runtime.py does: the rest needs none

        raise InputTypeError(f"the cotangent of a dict must be a dict of cotangents, not {g!r}",
                             hint="pass a dict with the output's keys (a key left out is a "
                             "zero cotangent)")


def dict_onehot(key: Any, g: Any) -> DictAdjoint:
    """The adjoint of `d[key]` when the adjoint of the item is `g`."""
    return DictAdjoint({key: g})


def dict_item(g: Any, key: Any, like: Any) -> Any:
    """The adjoint of the item `key` of a dict whose adjoint is `g` (zero if it has none)."""
    if isinstance(g, dict):
        if key in g:
            return g[key]
    else:
        _check_zero(g)
    return zeros_like(like)


def dict_without(g: Any, key: Any) -> Any:
    """The adjoint `g` of a dict without the item `key` (which an assignment overwrote)."""
    if not isinstance(g, dict):
        _check_zero(g)
        return g
    out = DictAdjoint(g)
    out.pop(key, None)
    return out


def tree_zeros(x: Any) -> Any:
    """A zero tangent for `x` that has its dicts' keys, so that forward mode can read an item
    of it (`zeros_like` gives 0.0 for a whole dict)."""
    if isinstance(x, dict):
        return {key: tree_zeros(value) for key, value in x.items()}
    if isinstance(x, (tuple, list)):
        return SeqAdjoint(tree_zeros(value) for value in x)
    return zeros_like(x)


# Each helper is linear in the adjoint it takes, so forward mode (forward-over-reverse)
# applies it to the tangents; their transposes are each other.
deflinear(dict_onehot, 1)
deflinear(dict_item, 0)
deflinear(dict_without, 0)
defnondiff(tree_zeros)
defvjp(dict_onehot, None, lambda g, ans, key, item: dict_item(g, key, item))
defvjp(dict_item, lambda g, ans, d, key, like: dict_onehot(key, g), None, None)
defvjp(dict_without, lambda g, ans, d, key: dict_without(g, key), None)
