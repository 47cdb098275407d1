"""Pytrees: nested tuples, lists and dicts of leaves (floats, arrays, anything else).

Compiled code never sees a container argument. The API flattens each argument into its
leaves, the compiled function takes the leaves as separate parameters, and gradients are
put back into the argument's structure. The structure (`Treedef`) is part of the
specialization key, so `params["W1"]` in the user's code resolves at compile time to a leaf.
"""

from __future__ import annotations

from typing import Any, Union

import numpy as np

from .ir.core import Tag


class Node(Tag):
    """What a treedef describes: a leaf (`LEAF`), or a tuple whose first item says which
    container (`(TUPLE, children)`, `(LIST, children)`, `(DICT, keys, children)`) or a
    value known when compiling (`(STATIC, value)`: a function passed as an argument)."""

    LEAF = "*"
    TUPLE = "tuple"
    LIST = "list"
    DICT = "dict"
    STATIC = "static"


LEAF = Node.LEAF
_SEQUENCES = {tuple: Node.TUPLE, list: Node.LIST}
Treedef = Union[str, tuple]


def flatten(value: Any) -> tuple[list[Any], Treedef]:
    leaves: list[Any] = []
    return leaves, _flatten(value, leaves)


def _flatten(value: Any, leaves: list[Any]) -> Treedef:
    if isinstance(value, (tuple, list)) and type(value) in (tuple, list):
        return (_SEQUENCES[type(value)], tuple(_flatten(v, leaves) for v in value))
    if type(value) is dict:
        keys = tuple(value)
        return (Node.DICT, keys, tuple(_flatten(value[k], leaves) for k in keys))
    if callable(value) and not hasattr(value, "shape"):
        return (Node.STATIC, value)  # a function argument is known when the code is compiled
    leaves.append(value)
    return LEAF


def unflatten(treedef: Treedef, leaves: list[Any]) -> Any:
    it = iter(leaves)
    return _build(treedef, it)


def _build(treedef: Treedef, it: Any) -> Any:
    if treedef == LEAF:
        return next(it)
    if treedef[0] == Node.STATIC:
        return treedef[1]
    if treedef[0] == Node.DICT:
        return {k: _build(d, it) for k, d in zip(treedef[1], treedef[2])}
    items = [_build(d, it) for d in treedef[1]]
    return tuple(items) if treedef[0] == Node.TUPLE else items


def num_leaves(treedef: Treedef) -> int:
    if treedef == LEAF:
        return 1
    if treedef[0] == Node.STATIC:
        return 0
    children = treedef[2] if treedef[0] == Node.DICT else treedef[1]
    return sum(num_leaves(c) for c in children)


def leaf_starts(treedefs: tuple) -> list[int]:
    """Where each argument's leaves start among all the arguments' leaves, and their total:
    argument `i` has leaves `starts[i]` to `starts[i + 1]` (the one helper for offsets)."""
    starts = [0]
    for td in treedefs:
        starts.append(starts[-1] + num_leaves(td))
    return starts


def leaves_of(treedefs: tuple, argnums: tuple[int, ...]) -> tuple[int, ...]:
    """The positions, among all leaves, of the leaves of the arguments `argnums`."""
    starts = leaf_starts(treedefs)
    return tuple(k for i in argnums for k in range(starts[i], starts[i + 1]))


def regroup(treedefs: tuple, argnums: tuple[int, ...], flat: Any) -> list[Any]:
    """Flat leaves of the arguments `argnums`, in order, put back into their structures."""
    out, k = [], 0
    for i in argnums:
        n = num_leaves(treedefs[i])
        out.append(unflatten(treedefs[i], list(flat[k:k + n])))
        k += n
    return out


def leaf_paths(treedef: Treedef, prefix: str) -> list[str]:
    """Readable names for the leaves: `params_0_1`, `params_W1`."""
    if treedef == LEAF:
        return [prefix]
    if treedef[0] == Node.STATIC:
        return []
    if treedef[0] == Node.DICT:
        pairs = zip([_key_name(k) for k in treedef[1]], treedef[2])
    else:
        pairs = zip([str(i) for i in range(len(treedef[1]))], treedef[1])
    out: list[str] = []
    for key, child in pairs:
        out += leaf_paths(child, f"{prefix}_{key}")
    return out


def _key_name(key: Any) -> str:
    text = "".join(c if c.isalnum() else "_" for c in str(key))
    return text or "k"


def copied(args: tuple) -> tuple:
    """`args` with every array leaf copied: for running a user's function that may write
    into its arguments, when the caller's arrays must stay as they were."""
    out = []
    for a in args:
        leaves, td = flatten(a)
        out.append(unflatten(td, [x.copy() if isinstance(x, np.ndarray) else x
                                  for x in leaves]))
    return tuple(out)
