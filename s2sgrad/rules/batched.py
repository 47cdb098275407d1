"""Vector-mode rules: JVPs whose tangents carry a leading batch axis (see
`transforms/batching.py`, and `rules/registry.py` for the three ways a rule can say so).

A tangent of a value of shape `s` has shape `(n, *s)`. Elementwise formulas broadcast
correctly once the tangent has the result's rank, which the transform sees to; what needs a
rule of its own is anything that names axes or ranks: reductions and reshapes move each axis
by one, products put the batch axis where `@` and `einsum` keep it, and indexing and
assignment index behind the batch axis. The helpers in `STATIC` compute axes, shapes and
einsum subscripts; with constant arguments they run when the rule is applied, so the
generated code shows literals (`np.sum(dx, axis=(1, 2))`). The helpers after them are
called by generated code for what can only be decided at run time. The rules themselves
are registered in `batched_rules.py`.
"""

from __future__ import annotations

import string
from typing import Any

import numpy as np

from .. import runtime
from .numpy_reductions import prod_vjp
from .numpy_products import dot_subscripts, einsum_parts, inner_subscripts, \
    tensordot_subscripts, einsum_has_subscripts

# -- compile-time helpers: axes, shapes, subscripts ------------------------------------------


def moved_axis(axis, ndim):
    """`axis` of a value with `ndim` axes (an int, a tuple or None: all of them) as an axis
    of its batched tangent."""
    if axis is None:
        return tuple(range(1, ndim + 1)) if ndim != 1 else 1
    if isinstance(axis, (tuple, list)):
        return tuple(int(a) % ndim + 1 for a in axis)
    return int(axis) % ndim + 1


def padded(shape, rank):
    """A batched shape `(n, *s)` with ones after the batch axis, up to `rank` axes after it."""
    return (shape[0],) + (1,) * (rank - len(shape) + 1) + tuple(shape[1:])


def row(shape, rank):
    """`(n, k)` as `(n, 1, ..., 1, k)` with `rank` axes after the batch axis."""
    return (shape[0],) + (1,) * (rank - 1) + (shape[-1],)


def column(shape, rank):
    """`(n, k)` as `(n, 1, ..., k, 1)` with `rank` axes after the batch axis."""
    return (shape[0],) + (1,) * (rank - 2) + (shape[-1], 1)


def perm(axes, ndim):
    """The batched form of `np.transpose(x, axes)` for x with `ndim` axes."""
    if axes is None:
        return (0,) + tuple(range(ndim, 0, -1))
    return (0,) + tuple(int(a) % ndim + 1 for a in axes)


def method_perm(ndim, a0=None, a1=None, a2=None, a3=None, a4=None, a5=None):
    """The batched form of `x.transpose()`, `x.transpose(axes)` or `x.transpose(*axes)`."""
    if a0 is None or isinstance(a0, (tuple, list)):
        return perm(a0, ndim)
    return perm(tuple(a for a in (a0, a1, a2, a3, a4, a5) if a is not None), ndim)


def tile_reps(reps, ndim):
    """Repetitions for `np.tile` of a batched tangent whose value has `ndim` axes (after
    padding to the result's rank): the batch axis is not repeated."""
    reps = (reps,) if np.ndim(reps) == 0 else tuple(reps)
    return (1,) * (ndim - len(reps) + 1) + tuple(int(r) for r in reps)


def pad_widths(pad_width, ndim):
    """`np.pad` widths per axis, with none for the batch axis."""
    widths = np.broadcast_to(np.asarray(pad_width, dtype=int), (ndim, 2))
    return ((0, 0),) + tuple((int(a), int(b)) for a, b in widths)


def batched_subscripts(subscripts, k):
    """einsum subscripts with a new batch letter in front of operand k and of the output."""
    ins, out = einsum_parts(subscripts)
    z = next(c for c in string.ascii_letters if c not in subscripts)
    ins = [z + s if i == k else s for i, s in enumerate(ins)]
    return ",".join(ins) + "->" + z + out


STATIC = {moved_axis, padded, row, column, perm, method_perm, tile_reps, pad_widths,
          batched_subscripts, dot_subscripts, inner_subscripts, tensordot_subscripts,
          einsum_has_subscripts}


def unbatchable(x, what):
    """Marks a case with no vector-mode rule: applying it makes vector mode fall back."""
    raise NotImplementedError(f"no vector-mode rule for {what}")


# -- run-time helpers: indexing ---------------------------------------------------------------


def item_kind(item: Any) -> str:
    """What kind of index item a constant is: "int", "slice", "none", "dots" or "array"."""
    if item is None:
        return "none"
    if item is Ellipsis:
        return "dots"
    if isinstance(item, slice):
        return "slice"
    if isinstance(item, (int, np.integer)) and not isinstance(item, bool):
        return "int"
    if isinstance(item, (list, np.ndarray)):
        return "array"
    return "unknown"


def separated(kinds: list[str]) -> bool:
    """Whether NumPy may move an index's result axes to the front (advanced indices apart,
    where integers count as advanced too), or the kinds are not all known."""
    if "unknown" in kinds:
        return True
    if "array" not in kinds:
        return False
    at = [i for i, k in enumerate(kinds) if k in ("array", "int")]
    return at[-1] - at[0] + 1 != len(at)


def _items(index: Any) -> tuple:
    return index if isinstance(index, tuple) else (index,)


def _behind(t: np.ndarray, index: Any) -> tuple[np.ndarray, tuple, bool]:
    """`(view, items, last)`: `view[items]` is the part of batched `t` that `x[index]`
    names; the batch axis of the result is first, or last when `last` (NumPy would move
    separated advanced indices to the front, so the batch axis goes to the end first)."""
    items = _items(index)
    if not separated([item_kind(i) for i in items]):
        return t, (slice(None), *items), False
    if Ellipsis in items:
        items = (*items, slice(None))
    return np.moveaxis(t, 0, -1), items, True


def take_batched(t: Any, index: Any) -> Any:
    """The batched tangent of `x[index]`; `t` may also be a tuple or list of tangents."""
    if isinstance(t, (tuple, list)):
        return t[index]
    view, items, last = _behind(t, index)
    return np.moveaxis(view[items], -1, 0) if last else view[items]


def _aligned(t: Any, view: np.ndarray, items: tuple, last: bool) -> Any:
    """A batched tangent `t` shaped to be stored at `view[items]`."""
    if np.ndim(t) == 0:
        return t
    target = np.shape(view[items])
    rank = len(target) - 1
    t = np.reshape(t, padded(np.shape(t), rank)) if np.ndim(t) - 1 < rank else t
    return np.moveaxis(t, 0, -1) if last else t


def put_batched(t: Any, index: Any, v: Any, add: bool = False) -> Any:
    """The batched tangent of `x[index] = v` (or `+= v`), as a new value."""
    if isinstance(t, (tuple, list)):
        out = list(t)
        out[index] = out[index] + v if add else v
        return out
    out = np.array(t, dtype=np.result_type(t, v, float))
    view, items, last = _behind(out, index)
    value = _aligned(v, view, items, last)
    if add:
        view[items] += value
    else:
        view[items] = value
    return out


def add_at_batched(t: np.ndarray, index: Any, v: Any) -> np.ndarray:
    """The batched tangent of `np.add.at(x, index, v)`, as a new value."""
    out = np.array(t, dtype=np.result_type(t, v, float))
    view, items, last = _behind(out, index)
    np.add.at(view, items, _aligned(v, view, items, last))
    return out


def written_batched(t: np.ndarray, index: Any) -> np.ndarray:
    """The batched form of `runtime.written`: items overwritten later are zero."""
    picked = take_batched(t, index)
    if not runtime.may_repeat(index):
        return picked
    kept = runtime.written(np.ones(np.shape(t)[1:]), index) != 0.0
    return np.where(kept, picked, 0.0)


def onehot_batched(seq: Any, index: Any, t: Any) -> Any:
    """The batched form of `runtime.seq_onehot`: `t` placed at `index` of zeros like seq."""
    n = np.shape(t)[0]
    if isinstance(seq, np.ndarray):
        zero = np.zeros((n, *seq.shape), dtype=np.result_type(seq, float))
        return add_at_batched(zero, index, t)
    out: list[Any] = [zeros_batched(v, n) for v in seq]
    if isinstance(index, slice):
        for k, v in zip(range(*index.indices(len(seq))), t):
            out[k] = v
    else:
        out[index] = t
    return runtime.SeqAdjoint(out)


def unbroadcast_batched(t: np.ndarray, x: Any) -> np.ndarray:
    """The batched form of `runtime.unbroadcast`: sums that keep the batch axis."""
    shape = np.shape(x)
    lead = np.ndim(t) - 1 - len(shape)
    if lead > 0:
        t = np.sum(t, axis=tuple(range(1, lead + 1)))
    ones = tuple(i + 1 for i, k in enumerate(shape) if k == 1 and t.shape[i + 1] != 1)
    return np.sum(t, axis=ones, keepdims=True) if ones else t


def expand_batched(t: np.ndarray, ans: Any) -> np.ndarray:
    """`t` with ones after the batch axis up to the rank of `ans` (shapes unknown until
    run time)."""
    rank = np.ndim(ans)
    if np.ndim(t) == 0 or np.ndim(t) - 1 >= rank:  # a zero, or of the result's rank already
        return t
    return np.reshape(t, padded(np.shape(t), rank))


def broadcast_batched(t: Any, ans: Any, n: int) -> np.ndarray:
    """`t` broadcast to the shape of the batched tangent of `ans`, n tangents."""
    return np.broadcast_to(t, (n, *np.shape(ans)))


def zeros_batched(x: Any, n: int) -> Any:
    """A zero tangent for `x` (a tuple, list or dict of them, item by item)."""
    if isinstance(x, dict):
        return {key: zeros_batched(value, n) for key, value in x.items()}
    if isinstance(x, (tuple, list)):
        return runtime.SeqAdjoint(zeros_batched(v, n) for v in x)
    return np.zeros((n, *np.shape(x)))


# -- run-time helpers: building and joining arrays ----------------------------------------------


def array_batched(t: Any, shape: tuple) -> Any:
    """The batched tangent of `np.array(x)`, where `t` is x's tangent: an array already, or
    nested lists of item tangents (zero: 0.0) to be stacked behind the batch axis."""
    if not isinstance(t, (tuple, list)):
        return t
    depth, first = 0, t
    while isinstance(first, (tuple, list)):
        depth, first = depth + 1, first[0]
    leaves: list = []
    _leaves(t, leaves)
    n = next(np.shape(v)[0] for v in leaves if np.ndim(v) > 0)
    full = (n, *shape[depth:])
    stacked = np.array(_nested(t, full), dtype=float)
    return np.moveaxis(stacked, depth, 0)


def _leaves(t: Any, out: list) -> None:
    for v in t:
        if isinstance(v, (tuple, list)):
            _leaves(v, out)
        else:
            out.append(v)


def _nested(t: Any, full: tuple) -> Any:
    if isinstance(t, (tuple, list)):
        return [_nested(v, full) for v in t]
    return np.broadcast_to(t, full)


def batched_items(ts: Any) -> Any:
    """The batched tangents of the items a join iterates over: `ts` itself for a tuple or list
    of tangents, and for the tangent of one array (batch axis first) its slices `ts[:, i]`."""
    if isinstance(ts, np.ndarray):
        return list(np.moveaxis(ts, 0, 1))
    return ts


def hstack_batched(ts: Any, ndim: int) -> np.ndarray:
    """The batched tangent of `np.hstack(xs)` whose result has `ndim` axes."""
    ts = batched_items(ts)
    if ndim == 1:
        return np.concatenate([np.reshape(t, (np.shape(t)[0], -1)) for t in ts], axis=1)
    return np.concatenate(ts, axis=2)


def vstack_batched(ts: Any) -> np.ndarray:
    """The batched tangent of `np.vstack(xs)`: each item at least two-dimensional."""
    ts = batched_items(ts)
    return np.concatenate([np.reshape(t, padded(np.shape(t), 2)) if np.ndim(t) < 3 else t
                           for t in ts], axis=1)


def column_stack_batched(ts: Any) -> np.ndarray:
    """The batched tangent of `np.column_stack(xs)`: vectors become columns (and numbers
    one-item columns)."""
    ts = batched_items(ts)
    return np.concatenate([t[:, None, None] if np.ndim(t) == 1 else t[..., None]
                           if np.ndim(t) == 2 else t for t in ts], axis=2)


def dstack_batched(ts: Any) -> np.ndarray:
    """The batched tangent of `np.dstack(xs)`: each item made at least three-dimensional
    as `np.atleast_3d` does, then joined along the third axis."""
    def deep(t: np.ndarray) -> np.ndarray:
        n, shape = np.shape(t)[0], np.shape(t)[1:]
        full = {0: (1, 1, 1), 1: (1, *shape, 1), 2: (*shape, 1)}.get(len(shape), shape)
        return np.reshape(t, (n, *full))
    return np.concatenate([deep(t) for t in batched_items(ts)], axis=3)


def prod_weights(x: Any, axis: Any = None, initial: Any = None) -> Any:
    """d prod(x, axis) / dx item by item: the product of the other items, as the reverse
    rule computes it (without dividing by x, so zeros are exact); shaped like x."""
    return prod_vjp(1.0, None, x, axis, keepdims=True, initial=initial)


def cumprod_batched(t: np.ndarray, ans: Any, x: Any, axis: Any = None) -> np.ndarray:
    """The batched tangent of `np.cumprod(x, axis)`: T_i = t_i * ans_{i-1} + x_i * T_{i-1}
    along the axis, as a scan of log2(m) shifted products (no division by x)."""
    if axis is None:
        xs, ts, ys = np.ravel(x), np.reshape(t, (np.shape(t)[0], -1)), np.ravel(ans)
    else:
        xs, ys = np.moveaxis(x, axis, -1), np.moveaxis(ans, axis, -1)
        ts = np.moveaxis(t, int(axis) % np.ndim(x) + 1, -1)
    prefix = ts * np.concatenate((np.ones_like(ys[..., :1]), ys[..., :-1]), -1)
    link, step, m = np.asarray(xs, dtype=float), 1, np.shape(xs)[-1]
    while step < m:
        shifted = np.zeros_like(prefix)
        shifted[..., step:] = prefix[..., :-step]
        prefix = prefix + link * shifted
        moved = np.zeros_like(link)
        moved[..., step:] = link[..., :-step]
        link, step = link * moved, step * 2
    return prefix if axis is None else np.moveaxis(prefix, -1, int(axis) % np.ndim(x) + 1)


def diag_batched(t: np.ndarray, k: int = 0) -> np.ndarray:
    """The batched tangent of `np.diag(v, k)` for a vector v."""
    m = np.shape(t)[1]
    size = m + abs(k)
    out = np.zeros((np.shape(t)[0], size, size), dtype=np.result_type(t, float))
    i = np.arange(m)
    out[:, i + max(-k, 0), i + max(k, 0)] = t
    return out

