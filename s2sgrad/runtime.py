"""Runtime helpers that generated code may call.

Each is small and has no dependency on s2sgrad, so `s2sgrad transpile` can copy the ones a
module uses into it. Codegen prints most of them as plain Python syntax (`make_tuple(a, b)`
becomes `(a, b)`); the interpreter calls them as functions.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def make_tuple(*items: Any) -> tuple:
    return items


def make_list(*items: Any) -> list:
    return list(items)


def make_dict(keys: tuple, *values: Any) -> dict:
    return dict(zip(keys, values))


def setitem(x: Any, index: Any, value: Any) -> Any:
    """`x[index] = value` as a new value: the original is left as it was."""
    out = x.copy()
    out[index] = value
    return out


def written(g: Any, index: Any) -> Any:
    """`g[index]` with zeros where a later item of the same index wrote the same place.

    `x[index] = v` with an integer array that repeats a place (`x[[0, 0]] = v`) keeps only
    the last write, so only that item of `v` reaches the result. Replaying the assignment
    with item numbers finds the items that survived, by NumPy's own rule.
    """
    picked = g[index]
    if not may_repeat(index):
        return picked
    order = np.arange(np.size(picked)).reshape(np.shape(picked))
    last = np.full(np.shape(g), -1)
    last[index] = order
    return np.where(last[index] == order, picked, 0.0)


def may_repeat(index: Any) -> bool:
    """Whether `index` holds an integer array or list, which may name a place twice."""
    parts = index if isinstance(index, tuple) else (index,)
    for part in parts:
        if isinstance(part, list) or (isinstance(part, np.ndarray) and part.dtype != bool):
            return True
    return False


def index_add(x: Any, index: Any, value: Any) -> Any:
    """`x` with `value` added at `index`, repeated indices accumulating (`np.add.at`)."""
    out = x.copy()
    np.add.at(out, index, value)
    return out


def item_add(x: Any, index: Any, value: Any) -> Any:
    """`x` with `value` added at a basic index (an int or slices: no item twice)."""
    out = x.copy()
    out[index] += value
    return out


def item_sub(x: Any, index: Any, value: Any) -> Any:
    """`x` with `value` subtracted at a basic index. Only the optimizer makes it, from
    `item_add(x, index, -value)`, so no transform ever differentiates it."""
    out = x.copy()
    out[index] -= value
    return out


# the updates of an array at an index, which codegen may do in place
UPDATES = (setitem, index_add, item_add, item_sub)


def index_concat(maker: Any, items: tuple) -> Any:
    """`maker[items]` where `maker` is `np.r_` or `np.c_`: the lowered form of `np.r_[a, b]`,
    a primitive of its own so that its items get derivatives."""
    return maker[items]


def logical_and(a: Any, b: Any) -> Any:
    return a and b


def logical_or(a: Any, b: Any) -> Any:
    return a or b


def sweep_marker() -> None:
    """Marks where the reverse sweep starts, for split motion (`vjp`): never called."""


def stack_copy(stack: Any) -> Any:
    """A copy of a loop stack and of the stacks of inner loops it holds."""
    if isinstance(stack, list):
        return [stack_copy(item) for item in stack]
    if isinstance(stack, tuple):
        return tuple(stack_copy(item) for item in stack)
    return stack


def stack_new() -> list:
    return []


def stack_push(stack: list, *values: Any) -> list:
    stack.append(values[0] if len(values) == 1 else values)
    return stack


def stack_pop(stack: list, n: int) -> tuple:
    item = stack.pop()
    return (stack, item) if n == 1 else (stack, *item)


class SeqAdjoint(tuple):
    """The adjoint of a tuple or list: a tuple whose `+` adds elementwise."""

    def __add__(self, other: Any) -> "SeqAdjoint":
        if isinstance(other, (int, float)) and other == 0:
            return self
        return SeqAdjoint(a + b for a, b in zip(self, other))

    __radd__ = __add__


def seq_onehot(seq: Any, index: Any, g: Any) -> Any:
    """The adjoint of `seq[index]` when the adjoint of the element is `g`."""
    if isinstance(seq, np.ndarray):
        out = np.zeros_like(seq, dtype=np.result_type(seq.dtype, float))
        np.add.at(out, index, g)
        return out
    out = [0.0] * len(seq)
    if isinstance(index, slice):
        for k, v in zip(range(*index.indices(len(seq))), g):
            out[k] = v
    else:
        out[index] = g
    return SeqAdjoint(out)


def scalar_seed(y: Any, name: str = "", filename: str = "", lineno: int = 0) -> Any:
    """The adjoint 1.0 of a function's output, after checking the output is a scalar: for
    an array of one element (`np.array([v])`), an array of ones of its shape. The error
    names the function `name` defined at `filename:lineno`."""
    if isinstance(y, float):  # Python floats and np.float64: the common case first
        return 1.0
    if y is None or isinstance(y, (str, bytes)):
        output_error(y, name, filename, lineno, 0)
    shape = np.shape(y)
    if not shape:
        return 1.0
    if np.size(y) == 1:
        return np.ones(shape)
    from .errors import NonScalarOutputError  # in the body: copied standalone (inline.py)

    who = f"'{name}'" if name else "the function"
    raise NonScalarOutputError(
        f"{who} returns an array of shape {shape}; grad needs a scalar output",
        (filename, lineno, 0) if filename else None,
        "reduce it to a scalar (e.g. with .sum()), or use jacobian")


def output_error(y: Any, name: str, filename: str, lineno: int, col: int) -> Any:
    """Raise: the function `name` returned `y` (None or a str) on this call, at the line
    `filename:lineno`, where `grad` needs a number."""
    from .errors import NonScalarOutputError  # in the body: copied standalone (inline.py)

    shown = "None" if y is None else f"{type(y).__name__} {y!r}"[:80]
    who = f"'{name}'" if name else "the function"
    raise NonScalarOutputError(
        f"{who} returns {shown} on this call; grad needs a scalar output",
        (filename, lineno, col) if filename else None,
        "return a number on every path (e.g. end the function with return and the value to "
        "differentiate)")


# statements kept for what they do, though no value they make is read
EFFECTS = (sweep_marker, output_error)


def zeros_like(x: Any) -> Any:
    if isinstance(x, np.ndarray):
        return np.zeros_like(x, dtype=np.result_type(x.dtype, float))
    if isinstance(x, (tuple, list)):
        return SeqAdjoint(zeros_like(v) for v in x)
    return 0.0


def unbroadcast(g: Any, x: Any) -> Any:
    """Sum `g` over the axes that broadcasting added to the shape of `x`."""
    shape = np.shape(x)
    if np.shape(g) == shape:
        return g
    g = np.asarray(g)
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for axis, n in enumerate(shape):
        if n == 1 and g.shape[axis] != 1:
            g = g.sum(axis=axis, keepdims=True)
    return g if shape else g.item() if isinstance(x, (int, float)) else g.reshape(shape)


def owned(x: Any) -> Any:
    """A copy of `x` if it is an array (a gradient the caller may then update in place)."""
    return x.copy() if isinstance(x, np.ndarray) else x


def broadcast_like(t: Any, ans: Any) -> Any:
    """The tangent `t` of an elementwise result `ans` whose shape the compiler does not
    know, broadcast to that shape (`t` itself when it has it already, or when either is not
    an array or a number: the adjoint of a sequence, added item by item)."""
    if not isinstance(ans, np.ndarray) or not isinstance(t, (np.ndarray, np.generic, float)):
        return t
    return t if np.shape(t) == ans.shape else np.broadcast_to(t, ans.shape)


def as_result(seq: Any, like: Any) -> Any:
    """Give a sequence adjoint the container type of the argument it belongs to."""
    if isinstance(seq, SeqAdjoint):
        return type(like)(seq) if isinstance(like, (tuple, list)) else tuple(seq)
    return seq


def method(name: str):
    """The primitive `x.name(*args, **kwargs)`; one object per name."""
    return _METHODS.setdefault(name, _Method(name))


class _Method:
    def __init__(self, name: str):
        self.name = name
        self.__name__ = f"method_{name}"

    def __call__(self, obj: Any, *args: Any, **kwargs: Any) -> Any:
        return getattr(obj, self.name)(*args, **kwargs)

    def __repr__(self) -> str:
        return f".{self.name}"


_METHODS: dict[str, _Method] = {}


def attr(name: str):
    """The primitive `x.name` (an attribute read); one object per name."""
    return _ATTRS.setdefault(name, _Attr(name))


class _Attr:
    def __init__(self, name: str):
        self.name = name
        self.__name__ = f"attr_{name}"

    def __call__(self, obj: Any) -> Any:
        return getattr(obj, self.name)

    def __repr__(self) -> str:
        return f".{self.name}"


_ATTRS: dict[str, _Attr] = {}


def stop_gradient(x: Any) -> Any:
    """`x`, treated as a constant by differentiation (`s2sgrad.stop_gradient`)."""
    return x
