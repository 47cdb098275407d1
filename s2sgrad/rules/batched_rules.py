"""The vector-mode rules (see `batched.py` for the helpers they call).

A batched JVP rule `rule(t, ans, *args)` gets the tangent `t` of one argument with a
leading batch axis and returns the batched tangent of `ans`; a batched linear rule
`rule(ans, *args)` gets the linear arguments already replaced by their batched tangents.
In both, `np.ndim(x)` is the rank of a primal value, `np.ndim(t) - 1` that of the value
whose tangent `t` is, and `np.shape(t)[0]` the batch size.
"""

from __future__ import annotations

import operator

import numpy as np

from .. import runtime
from . import linalg
from .batched import (batched_subscripts, column, method_perm, moved_axis, pad_widths, padded,
                      perm, row, tile_reps, add_at_batched, array_batched, batched_items,
                      column_stack_batched, cumprod_batched, diag_batched, dstack_batched,
                      hstack_batched, onehot_batched, prod_weights, put_batched, unbatchable,
                      unbroadcast_batched, vstack_batched, written_batched)
from .numpy_products import dot_subscripts, inner_subscripts, tensordot_subscripts, \
    einsum_has_subscripts
from .numpy_shapes import pad_unsupported
from .registry import defbatched, defbatched_linear, defbatchsafe, lookup, registered

_method, _attr = runtime.method, runtime.attr

# -- what the plain forward treatment already gets right ---------------------------------------


def _ours(rule) -> bool:
    """Whether every formula of a rule is s2sgrad's own (a user's may not suit a batch)."""
    fns = [f for f in (*rule.vjps, *(rule.scalar_vjps or ())) if f is not None]
    return all(getattr(f, "__module__", "").startswith("s2sgrad.") for f in fns)


for _prim, _rule in registered().items():
    if _rule.elementwise and not _rule.jvps and _ours(_rule):
        defbatchsafe(_prim)
defbatchsafe(runtime.make_tuple, runtime.make_list, runtime.make_dict, runtime.stack_push,
             runtime.stack_pop, np.copy, _method("copy"), _method("astype"), _attr("real"))

# -- reductions ----------------------------------------------------------------------------------


def _sum(ans, t, axis=None, dtype=None, out=None, keepdims=False, initial=0, where=True):
    axes = moved_axis(axis, np.ndim(t) - 1)
    if np.ndim(where) != 0:
        return np.sum(t, axis=axes, keepdims=keepdims, where=where)
    if keepdims:
        return np.sum(t, axis=axes, keepdims=True)
    return np.sum(t, axis=axes)


def _mean(ans, t, axis=None, dtype=None, out=None, keepdims=False, where=True):
    axes = moved_axis(axis, np.ndim(t) - 1)
    if np.ndim(where) != 0:
        return np.mean(t, axis=axes, keepdims=keepdims, where=where)
    if keepdims:
        return np.mean(t, axis=axes, keepdims=True)
    return np.mean(t, axis=axes)


def _cumsum(ans, t, axis=None, dtype=None, out=None):
    if axis is None:
        return np.cumsum(np.reshape(t, (np.shape(t)[0], -1)), axis=1)
    return np.cumsum(t, axis=moved_axis(axis, np.ndim(t) - 1))


def _prod(t, ans, x, axis=None, dtype=None, out=None, keepdims=False, initial=None,
          where=True):
    if np.ndim(where) != 0:
        return unbatchable(t, "the where= argument of np.prod")
    weights = prod_weights(x, axis, initial)
    if keepdims:
        return np.sum(t * weights, axis=moved_axis(axis, np.ndim(x)), keepdims=True)
    return np.sum(t * weights, axis=moved_axis(axis, np.ndim(x)))


def _extremum(t, ans, x, axis=None, out=None, keepdims=False, initial=None, where=True):
    """Shared equally among the items that attain the maximum (or minimum)."""
    if np.ndim(where) != 0:
        return unbatchable(t, "the where= argument of np.max and np.min")
    if axis is None or keepdims:
        hit = x == ans
    else:
        hit = x == np.expand_dims(ans, axis)
    count = np.sum(hit, axis=axis, keepdims=keepdims)
    return np.sum(t * hit, axis=moved_axis(axis, np.ndim(x)), keepdims=keepdims) / count


def _var(t, ans, x, axis=None, dtype=None, out=None, ddof=0, keepdims=False, where=True):
    if np.ndim(where) != 0:
        return unbatchable(t, "the where= argument of np.var")
    n = np.size(x) / np.size(ans) - ddof
    d = x - np.mean(x) if axis is None else x - np.mean(x, axis=axis, keepdims=True)
    return np.sum(t * d, axis=moved_axis(axis, np.ndim(x)), keepdims=keepdims) * (2.0 / n)


def _std(t, ans, x, axis=None, dtype=None, out=None, ddof=0, keepdims=False, where=True):
    if np.ndim(where) != 0:
        return unbatchable(t, "the where= argument of np.std")
    n = np.size(x) / np.size(ans) - ddof
    d = x - np.mean(x) if axis is None else x - np.mean(x, axis=axis, keepdims=True)
    spread = np.where(ans == 0.0, 1.0, ans)  # no spread: a derivative of 0, as in reverse
    return np.sum(t * d, axis=moved_axis(axis, np.ndim(x)), keepdims=keepdims) / (n * spread)


def _cumprod(t, ans, x, axis=None, dtype=None, out=None):
    return cumprod_batched(t, ans, x, axis)


defbatched_linear(np.sum, _sum)
defbatched_linear(np.mean, _mean)
defbatched_linear(np.cumsum, _cumsum)
defbatched(np.prod, _prod)
for _f in (np.max, np.min, np.amax, np.amin):
    defbatched(_f, _extremum)
defbatched(np.var, _var)
defbatched(np.std, _std)
defbatched(np.cumprod, _cumprod)

# -- shapes --------------------------------------------------------------------------------------


def _reshaped(ans, t):
    """Any reshape in C order: the tangent takes the result's shape behind the batch axis."""
    return np.reshape(t, (np.shape(t)[0],) + np.shape(ans))


def _reshape(ans, t, shape=None, order="C"):
    if order == "C":
        return np.reshape(t, (np.shape(t)[0],) + np.shape(ans))
    moved = np.reshape(np.moveaxis(t, 0, -1), np.shape(ans) + (np.shape(t)[0],), order=order)
    return np.moveaxis(moved, -1, 0)


def _ravel(ans, t, order="C"):
    if order == "C":
        return np.reshape(t, (np.shape(t)[0],) + np.shape(ans))
    moved = np.reshape(np.moveaxis(t, 0, -1), np.shape(ans) + (np.shape(t)[0],), order=order)
    return np.moveaxis(moved, -1, 0)


def _method_reshape(ans, t, a0=None, a1=None, a2=None, a3=None, a4=None, a5=None, order="C"):
    if order == "C":
        return np.reshape(t, (np.shape(t)[0],) + np.shape(ans))
    moved = np.reshape(np.moveaxis(t, 0, -1), np.shape(ans) + (np.shape(t)[0],), order=order)
    return np.moveaxis(moved, -1, 0)


def _transpose(ans, t, axes=None):
    return np.transpose(t, perm(axes, np.ndim(t) - 1))


def _method_transpose(ans, t, a0=None, a1=None, a2=None, a3=None, a4=None, a5=None):
    return np.transpose(t, method_perm(np.ndim(t) - 1, a0, a1, a2, a3, a4, a5))


def _broadcast_to(ans, t, shape):
    if np.ndim(t) - 1 < np.ndim(ans):
        t = np.reshape(t, padded(np.shape(t), np.ndim(ans)))
    return np.broadcast_to(t, (np.shape(t)[0],) + np.shape(ans))


def _filled(t, ans):
    """The batched tangent of an array filled with a value whose batched tangent is `t`."""
    return _broadcast_to(ans, t, np.shape(ans))


def _roll(ans, t, shift, axis=None):
    if axis is None:
        flat = np.reshape(t, (np.shape(t)[0], -1))
        return np.reshape(np.roll(flat, shift, 1), np.shape(t))
    return np.roll(t, shift, moved_axis(axis, np.ndim(t) - 1))


def _tile(ans, t, reps):
    if np.ndim(t) - 1 < np.ndim(ans):
        t = np.reshape(t, padded(np.shape(t), np.ndim(ans)))
    return np.tile(t, tile_reps(reps, np.ndim(ans)))


def _repeat(ans, t, repeats, axis=None):
    if axis is None:
        return np.repeat(np.reshape(t, (np.shape(t)[0], -1)), repeats, 1)
    return np.repeat(t, repeats, moved_axis(axis, np.ndim(t) - 1))


def _pad(t, ans, x, pad_width, mode="constant"):
    if mode == "constant":
        return np.pad(t, pad_widths(pad_width, np.ndim(x)))
    if pad_unsupported(mode):
        return unbatchable(t, pad_unsupported(mode))
    return np.pad(t, pad_widths(pad_width, np.ndim(x)), mode=mode)


def _sort(t, ans, x, axis=-1, kind=None, order=None):
    if axis is None:
        flat = np.reshape(t, (np.shape(t)[0], -1))
        return np.take_along_axis(flat, np.argsort(x, axis=None)[None], axis=1)
    return np.take_along_axis(t, np.argsort(x, axis=axis)[None], axis=moved_axis(axis, np.ndim(x)))


def _take_along_axis(ans, t, indices, axis=-1):
    if axis is None:
        flat = np.reshape(t, (np.shape(t)[0], -1))
        return np.take_along_axis(flat, indices[None], axis=1)
    return np.take_along_axis(t, indices[None], axis=moved_axis(axis, np.ndim(t) - 1))


def _take(ans, t, indices, axis=None, out=None, mode="raise"):
    if axis is None:
        flat = np.reshape(t, (np.shape(t)[0], -1))
        return np.take(flat, indices, axis=1, mode=mode)
    return np.take(t, indices, axis=moved_axis(axis, np.ndim(t) - 1), mode=mode)


def _array(ans, x, dtype=None):
    return array_batched(x, np.shape(ans))


for _f in (np.squeeze, np.expand_dims, np.atleast_1d, np.atleast_2d, np.atleast_3d,
           _method("squeeze"), _method("item")):
    defbatched_linear(_f, _reshaped)
defbatched_linear(np.reshape, _reshape)
defbatched_linear(np.ravel, _ravel)
for _name in ("reshape", "ravel", "flatten"):
    defbatched_linear(_method(_name), _method_reshape)
defbatched_linear(np.transpose, _transpose)
defbatched_linear(_method("transpose"), _method_transpose)
defbatched_linear(_attr("T"), lambda ans, t: np.transpose(t, perm(None, np.ndim(t) - 1)))
defbatched_linear(np.swapaxes, lambda ans, t, axis1, axis2: np.swapaxes(
    t, moved_axis(axis1, np.ndim(ans)), moved_axis(axis2, np.ndim(ans))))
defbatched_linear(np.moveaxis, lambda ans, t, source, destination: np.moveaxis(
    t, moved_axis(source, np.ndim(ans)), moved_axis(destination, np.ndim(ans))))
defbatched_linear(np.broadcast_to, _broadcast_to)
defbatched(np.full, None, lambda t, ans, shape, fill_value, dtype=None, order="C":
           _filled(t, ans))
defbatched(np.full_like, None, lambda t, ans, a, fill_value, dtype=None, order="K",
           subok=True, shape=None: _filled(t, ans))
defbatchsafe(np.heaviside)  # its JVP `t * (x1 == 0)` is elementwise
defbatched_linear(np.flip, lambda ans, t, axis=None: np.flip(t, moved_axis(axis, np.ndim(ans))))
defbatched_linear(np.fliplr, lambda ans, t: np.flip(t, 2))
defbatched_linear(np.flipud, lambda ans, t: np.flip(t, 1))
defbatched_linear(np.roll, _roll)
defbatched_linear(np.rot90, lambda ans, t, k=1, axes=(0, 1): np.rot90(
    t, k, moved_axis(axes, np.ndim(t) - 1)))
defbatched_linear(np.tile, _tile)
defbatched_linear(np.repeat, _repeat)
defbatched(np.pad, _pad)
defbatched(np.sort, _sort)
defbatched_linear(np.take_along_axis, _take_along_axis)
defbatched_linear(np.take, _take)
defbatched_linear(np.array, _array)
defbatched_linear(np.asarray, _array)

# -- joining and splitting ----------------------------------------------------------------------


def _concatenate(ans, arrays, axis=0):
    if axis is None:
        return unbatchable(ans, "np.concatenate with axis=None")
    return np.concatenate(batched_items(arrays), moved_axis(axis, np.ndim(ans)))


defbatched_linear(np.concatenate, _concatenate)
defbatched_linear(np.stack, lambda ans, arrays, axis=0: np.stack(
    batched_items(arrays), moved_axis(axis, np.ndim(ans))))
defbatched_linear(np.hstack, lambda ans, tup: hstack_batched(tup, np.ndim(ans)))
defbatched_linear(np.vstack, lambda ans, tup: vstack_batched(tup))
defbatched_linear(np.row_stack, lambda ans, tup: vstack_batched(tup))
defbatched_linear(np.column_stack, lambda ans, tup: column_stack_batched(tup))
defbatched_linear(np.dstack, lambda ans, tup: dstack_batched(tup))
defbatched_linear(np.split, lambda ans, t, indices_or_sections, axis=0: np.split(
    t, indices_or_sections, moved_axis(axis, np.ndim(t) - 1)))
defbatched_linear(np.array_split, lambda ans, t, indices_or_sections, axis=0: np.array_split(
    t, indices_or_sections, moved_axis(axis, np.ndim(t) - 1)))
defbatched_linear(np.vsplit, lambda ans, t, indices_or_sections: np.split(
    t, indices_or_sections, 1))
defbatched_linear(np.hsplit, lambda ans, t, indices_or_sections: np.split(
    t, indices_or_sections, 1 if np.ndim(t) == 2 else 2))

# -- diagonals and triangles ----------------------------------------------------------------------


def _diag(ans, t, k=0):
    if np.ndim(t) == 2:
        return diag_batched(t, k)
    return np.diagonal(t, k, 1, 2)


def _triangle(which):
    def rule(ans, t, k=0):
        if np.ndim(t) < 3:
            return unbatchable(t, "np.triu and np.tril of a vector")
        if which == "upper":
            return np.triu(t, k)
        return np.tril(t, k)
    return rule


defbatched_linear(np.trace, lambda ans, t, offset=0, axis1=0, axis2=1, dtype=None, out=None:
                  np.trace(t, offset, moved_axis(axis1, np.ndim(t) - 1),
                           moved_axis(axis2, np.ndim(t) - 1)))
defbatched_linear(np.diagonal, lambda ans, t, offset=0, axis1=0, axis2=1: np.diagonal(
    t, offset, moved_axis(axis1, np.ndim(t) - 1), moved_axis(axis2, np.ndim(t) - 1)))
defbatched_linear(np.diag, _diag)
defbatched_linear(np.triu, _triangle("upper"))
defbatched_linear(np.tril, _triangle("lower"))

# -- products ------------------------------------------------------------------------------------
# The batch axis of a tangent that `@` treats as a stack of matrices broadcasts like any
# other stack axis, once the tangent has the other operand's rank; a vector operand is made
# a one-row (or one-column) matrix first, so its batch axis cannot pair with a matrix axis.


def _matmul_a(t, ans, a, b):
    if np.ndim(a) == 1 and np.ndim(b) >= 3:
        return (np.reshape(t, row(np.shape(t), np.ndim(b))) @ b)[..., 0, :]
    if np.ndim(b) >= 3 and np.ndim(a) < np.ndim(b):
        t = np.reshape(t, padded(np.shape(t), np.ndim(b)))
    return t @ b


def _matmul_b(t, ans, a, b):
    if np.ndim(b) == 1 and np.ndim(a) == 1:
        return t @ a
    if np.ndim(b) == 1 and np.ndim(a) == 2:
        return t @ a.T
    if np.ndim(b) == 1:
        return (a @ np.reshape(t, column(np.shape(t), np.ndim(a))))[..., 0]
    if np.ndim(a) >= 3 and np.ndim(b) < np.ndim(a):
        t = np.reshape(t, padded(np.shape(t), np.ndim(a)))
    return a @ t


def _dot_a(t, ans, a, b):
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        if np.ndim(t) - 1 < np.ndim(ans):  # a product with a scalar
            t = np.reshape(t, padded(np.shape(t), np.ndim(ans)))
        return t * b
    if np.ndim(a) <= 2 and np.ndim(b) <= 2:
        return t @ b
    return np.einsum(batched_subscripts(dot_subscripts(np.ndim(a), np.ndim(b)), 0), t, b)


def _dot_b(t, ans, a, b):
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        if np.ndim(t) - 1 < np.ndim(ans):  # a product with a scalar
            t = np.reshape(t, padded(np.shape(t), np.ndim(ans)))
        return t * a
    if np.ndim(b) == 1 and np.ndim(a) == 1:
        return t @ a
    if np.ndim(b) == 1 and np.ndim(a) == 2:
        return t @ a.T
    if np.ndim(a) <= 2 and np.ndim(b) <= 2:
        return a @ t
    return np.einsum(batched_subscripts(dot_subscripts(np.ndim(a), np.ndim(b)), 1), a, t)


def _inner_a(t, ans, a, b):
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        if np.ndim(t) - 1 < np.ndim(ans):  # a product with a scalar
            t = np.reshape(t, padded(np.shape(t), np.ndim(ans)))
        return t * b
    return np.einsum(batched_subscripts(inner_subscripts(np.ndim(a), np.ndim(b)), 0), t, b)


def _inner_b(t, ans, a, b):
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        if np.ndim(t) - 1 < np.ndim(ans):  # a product with a scalar
            t = np.reshape(t, padded(np.shape(t), np.ndim(ans)))
        return t * a
    return np.einsum(batched_subscripts(inner_subscripts(np.ndim(a), np.ndim(b)), 1), a, t)


def _outer_a(t, ans, a, b):
    return np.reshape(t, (np.shape(t)[0], -1, 1)) * np.ravel(b)


def _outer_b(t, ans, a, b):
    return np.reshape(np.ravel(a), (-1, 1)) * np.reshape(t, (np.shape(t)[0], 1, -1))


def _tensordot_a(t, ans, a, b, axes=2):
    spec = tensordot_subscripts(np.ndim(a), np.ndim(b), axes)
    return np.einsum(batched_subscripts(spec, 0), t, b)


def _tensordot_b(t, ans, a, b, axes=2):
    spec = tensordot_subscripts(np.ndim(a), np.ndim(b), axes)
    return np.einsum(batched_subscripts(spec, 1), a, t)


def _einsum(k):
    """The batched JVP for operand k of `np.einsum(subscripts, x0, x1, ...)` (up to six)."""
    def rule(t, ans, subscripts, x0, x1=None, x2=None, x3=None, x4=None, x5=None, x6=None):
        if not einsum_has_subscripts(subscripts):  # known when compiled
            return unbatchable(t, "np.einsum in the interleaved form")
        if k >= 6:
            return unbatchable(t, "np.einsum with more than six operands")
        if x6 is not None:
            return unbatchable(t, "np.einsum with more than six operands")
        spec = batched_subscripts(subscripts, k)
        a0 = t if k == 0 else x0
        a1 = t if k == 1 else x1
        a2 = t if k == 2 else x2
        a3 = t if k == 3 else x3
        a4 = t if k == 4 else x4
        a5 = t if k == 5 else x5
        if x1 is None:
            return np.einsum(spec, a0)
        if x2 is None:
            return np.einsum(spec, a0, a1)
        if x3 is None:
            return np.einsum(spec, a0, a1, a2)
        if x4 is None:
            return np.einsum(spec, a0, a1, a2, a3)
        if x5 is None:
            return np.einsum(spec, a0, a1, a2, a3, a4)
        return np.einsum(spec, a0, a1, a2, a3, a4, a5)
    return rule


for _f in (operator.matmul, np.matmul):
    defbatched(_f, _matmul_a, _matmul_b)
defbatched(np.dot, _dot_a, _dot_b)
defbatched(np.inner, _inner_a, _inner_b)
defbatched(np.outer, _outer_a, _outer_b)
defbatched(np.tensordot, _tensordot_a, _tensordot_b)
def _einsum_interleaved(t, ans, x0, a1=None, a2=None, a3=None, a4=None, a5=None, a6=None,
                        a7=None, a8=None, a9=None, a10=None, a11=None, a12=None, a13=None):
    """The first argument is differentiated: einsum's interleaved form (operand, sublist,
    ...), which falls back to one forward sweep per column."""
    return unbatchable(t, "np.einsum in the interleaved form")


defbatched(np.einsum, _einsum_interleaved, *[_einsum(k) for k in range(7)])

# -- indexing and assignment, including what reverse programs use (forward-over-reverse) ----------

defbatched_linear(runtime.setitem, lambda ans, x, i, v: put_batched(x, i, v))
defbatched_linear(runtime.item_add, lambda ans, x, i, v: put_batched(x, i, v, True))
defbatched_linear(runtime.index_add, lambda ans, x, i, v: add_at_batched(x, i, v))
defbatched_linear(runtime.written, lambda ans, g, i: written_batched(g, i))
defbatched_linear(runtime.seq_onehot, lambda ans, seq, i, g: onehot_batched(seq, i, g))
defbatched_linear(runtime.unbroadcast, lambda ans, g, x: unbroadcast_batched(g, x))

# -- numpy.linalg: the plain JVPs of inv and of the matrix transpose hold for stacks already ------

defbatched(np.linalg.inv, lambda t, ans, a: -ans @ t @ ans)
defbatched(np.linalg.det, lambda t, ans, a: ans * np.trace(np.linalg.solve(a, t), axis1=-2,
                                                           axis2=-1))
defbatched(linalg.mT, lambda t, ans, x: np.swapaxes(t, -1, -2))

# -- array methods: the same rules as the functions of the same name ------------------------------

for _name, _f in (("sum", np.sum), ("mean", np.mean), ("prod", np.prod), ("max", np.max),
                  ("min", np.min), ("var", np.var), ("std", np.std), ("cumsum", np.cumsum),
                  ("cumprod", np.cumprod), ("dot", np.dot), ("swapaxes", np.swapaxes),
                  ("trace", np.trace), ("diagonal", np.diagonal), ("repeat", np.repeat),
                  ("take", np.take)):
    _rule = lookup(_f)
    if _rule.batched_jvps:
        defbatched(_method(_name), *_rule.batched_jvps)
    if _rule.batched_linear is not None:
        defbatched_linear(_method(_name), _rule.batched_linear)
