"""Rules for NumPy's shape operations (reshape, transpose, flip, roll, tile, repeat, pad,
...), joining and splitting, sorting and gathering (sort, take, take_along_axis), and the
functions through which no derivative flows (zeros, arange, argmax, comparisons, ...).

Where a rule needs index bookkeeping (split shapes, pad widths), a helper below computes it
from shapes and constant arguments, at compile time when those are known.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import runtime
from ..runtime import unbroadcast
from ..errors import MissingRuleError
from .numpy_common import nonneg_axis, inverse_perm, unsupported
from .registry import deflinear, defelementwise, defjvp, defnondiff, defvjp

# -- helpers: bookkeeping on shapes and axes ------------------------------------------------


def _negated(shift):
    """`-shift` for an int or a tuple of ints (the shift that undoes `np.roll`)."""
    return tuple(-int(s) for s in shift) if isinstance(shift, tuple) else -shift


def _tile_split(shape, reps):
    """The shape that splits each axis of `np.tile(x, reps)` into (repetition, x's axis)."""
    reps = (reps,) if np.ndim(reps) == 0 else tuple(reps)
    n = max(len(shape), len(reps))
    shape = (1,) * (n - len(shape)) + tuple(shape)
    reps = (1,) * (n - len(reps)) + reps
    return tuple(int(v) for pair in zip(reps, shape) for v in pair)


def _tile_axes(shape, reps):
    """The repetition axes of `_tile_split(shape, reps)`."""
    return tuple(range(0, len(_tile_split(shape, reps)), 2))


def _repeat_split(shape, repeats, axis):
    """The shape that splits `axis` of `np.repeat(x, repeats, axis)` into (item, copy)."""
    axis = axis % len(shape)
    return tuple(shape[:axis]) + (shape[axis], int(repeats)) + tuple(shape[axis + 1:])


def _sum_repeats(g, repeats, axis, shape):
    """The adjoint of `np.repeat(x, repeats, axis)` with a count per item, for x of `shape`:
    each item gets the sum of its copies."""
    if axis is None:
        g, axis, n = np.ravel(g), 0, int(np.prod(shape))
    else:
        n = shape[axis]
    owner = np.repeat(np.arange(n), np.broadcast_to(repeats, (n,)))
    moved = np.moveaxis(g, axis, 0)
    out = np.zeros((n,) + moved.shape[1:], dtype=np.result_type(g, float))
    np.add.at(out, owner, moved)
    return np.moveaxis(out, 0, axis)


def pad_unsupported(mode):
    """"" if `np.pad` copies x's items in `mode` (so its adjoint sums them back) or writes
    constants, else the call the rules cannot differentiate."""
    if mode in ("constant", "edge", "reflect", "symmetric", "wrap"):
        return ""
    return f"np.pad(mode={mode!r})"


PAD_HINT = "pad in mode 'constant', 'edge', 'reflect', 'symmetric' or 'wrap', or build " \
    "the padding yourself, e.g. np.concatenate((np.mean(x, 0, keepdims=True), x))"


def _unpad(shape, pad_width):
    """The index that crops `np.pad(x, pad_width)` back to x."""
    widths = np.broadcast_to(np.asarray(pad_width, dtype=int), (len(shape), 2))
    return tuple(slice(int(b), int(b) + n) for (b, _), n in zip(widths, shape))


def _unpad_sum(g, shape, pad_width, mode):
    """The adjoint of `np.pad` in a mode that copies x's items (edge, reflect, wrap, ...)."""
    size = int(np.prod(shape))
    source = np.pad(np.arange(size).reshape(shape), pad_width, mode=mode)
    return np.bincount(source.ravel(), np.ravel(g), minlength=size).reshape(shape)


def _like_argument(pieces: list[np.ndarray], arrays: Any) -> Any:
    """The adjoint of the sequence `arrays` from its items' adjoints `pieces`: a list, or an
    array of its shape when `arrays` is an array (a join iterates over its first axis)."""
    if isinstance(arrays, np.ndarray):
        return np.reshape(np.stack(pieces), np.shape(arrays))
    return pieces


def _split_like(g: np.ndarray, arrays: Any, axis: int | None, ndmin: int = 1) -> Any:
    """The adjoint of joining `arrays` along `axis` (after promotion to `ndmin` dimensions;
    None: flattened first): `g` cut into pieces of the arrays' own shapes (copies: each may
    be updated in place)."""
    shapes = [np.shape(a) for a in arrays]
    if axis is None:
        sizes, axis = [int(np.prod(s)) for s in shapes], 0
    else:
        sizes = [((1,) * (ndmin - len(s)) + s)[axis] for s in shapes]
    pieces = np.split(g, np.cumsum(sizes)[:-1], axis)
    return _like_argument([np.reshape(p, s).copy() for p, s in zip(pieces, shapes)], arrays)


def _split_promoted(g: np.ndarray, arrays: Any, axis: int, ndmin: int) -> Any:
    """The adjoint of `np.column_stack` (axis 1, ndmin 2) or `np.dstack` (axis 2, ndmin 3):
    arrays of fewer than `ndmin` dimensions were one item thick along `axis`."""
    shapes = [np.shape(a) for a in arrays]
    sizes = [s[axis] if len(s) >= ndmin else 1 for s in shapes]
    pieces = np.split(g, np.cumsum(sizes)[:-1], axis)
    return _like_argument([np.reshape(p, s).copy() for p, s in zip(pieces, shapes)], arrays)


def split_pieces(g, ans):
    """The adjoint of a list of arrays, with zeros for the pieces no adjoint reached."""
    return [gi if np.ndim(gi) or np.ndim(a) == 0 else np.zeros_like(a, dtype=float)
            for gi, a in zip(g, ans)]


def _take_adjoint(g: np.ndarray, indices: Any, axis: int | None, shape: tuple[int, ...],
                  mode: str = "raise") -> np.ndarray:
    """The adjoint of `np.take(x, indices, axis, mode=mode)` for x of `shape`: g added into
    zeros at the items taken, so repeated indices accumulate."""
    out = np.zeros(shape, dtype=np.result_type(g, float))
    flat = out.reshape(-1) if axis is None else out
    axis = 0 if axis is None else axis % len(shape)
    n = flat.shape[axis]
    indices = np.asarray(indices)
    if mode == "wrap":
        indices = indices % n
    elif mode == "clip":
        indices = np.clip(indices, 0, n - 1)
    np.add.at(flat, (slice(None),) * axis + (indices,), g)
    return out


def _take_along_axis_adjoint(g, indices, axis, shape):
    """The adjoint of `np.take_along_axis(x, indices, axis)`: repeated indices accumulate."""
    out = np.zeros(shape, dtype=np.result_type(g, float))
    if axis is None:
        np.add.at(out.reshape(-1), indices, g)
        return out
    index = list(np.ix_(*[np.arange(n) for n in np.shape(indices)]))
    index[axis] = indices
    np.add.at(out, tuple(index), g)
    return out


# -- shape operations ------------------------------------------------------------------------


def _reshape(g, ans, x, shape=None, order="C"):
    if order == "C":
        return np.reshape(g, np.shape(x))
    return np.reshape(g, np.shape(x), order=order)


def _transpose(g, ans, x, axes=None):
    if axes is None:
        return np.transpose(g)
    return np.transpose(g, inverse_perm(axes, np.ndim(x)))


def _roll(g, ans, x, shift, axis=None):
    if axis is None:
        return np.roll(g, _negated(shift))
    return np.roll(g, _negated(shift), axis)


def _tile(g, ans, x, reps):
    split = np.reshape(g, _tile_split(np.shape(x), reps))
    return np.reshape(np.sum(split, axis=_tile_axes(np.shape(x), reps)), np.shape(x))


def _repeat(g, ans, x, repeats, axis=None):
    if np.ndim(repeats) != 0:
        return np.reshape(_sum_repeats(g, repeats, axis, np.shape(x)), np.shape(x))
    if axis is None:
        return np.reshape(np.sum(np.reshape(g, (np.size(x), repeats)), axis=1), np.shape(x))
    split = np.reshape(g, _repeat_split(np.shape(x), repeats, axis))
    return np.sum(split, axis=nonneg_axis(axis, np.ndim(x)) + 1)


def _pad(g, ans, x, pad_width, mode="constant"):
    if pad_unsupported(mode):
        return unsupported(g, pad_unsupported(mode), PAD_HINT)
    if mode == "constant":
        return g[_unpad(np.shape(x), pad_width)]
    return _unpad_sum(g, np.shape(x), pad_width, mode)


def _pad_jvp(t, ans, x, pad_width, mode="constant"):
    if pad_unsupported(mode):
        return unsupported(t, pad_unsupported(mode), PAD_HINT)
    if mode == "constant":
        return np.pad(t, pad_width)
    return np.pad(t, pad_width, mode=mode)


defvjp(np.reshape, _reshape)
defvjp(np.ravel, lambda g, ans, x, order="C": np.reshape(g, np.shape(x)))
defvjp(np.squeeze, lambda g, ans, x, axis=None: np.reshape(g, np.shape(x)))
defvjp(np.expand_dims, lambda g, ans, x, axis: np.squeeze(g, axis))
defvjp(np.atleast_1d, lambda g, ans, x: np.reshape(g, np.shape(x)))
defvjp(np.atleast_2d, lambda g, ans, x: np.reshape(g, np.shape(x)))
defvjp(np.atleast_3d, lambda g, ans, x: np.reshape(g, np.shape(x)))
defvjp(np.transpose, _transpose)
defvjp(np.swapaxes, lambda g, ans, x, axis1, axis2: np.swapaxes(g, axis1, axis2))
defvjp(np.moveaxis, lambda g, ans, x, source, destination: np.moveaxis(g, destination, source))
defvjp(np.broadcast_to, lambda g, ans, x, shape: unbroadcast(g, x))
defvjp(np.flip, lambda g, ans, x, axis=None: np.flip(g, axis))
defvjp(np.fliplr, lambda g, ans, x: np.fliplr(g))
defvjp(np.flipud, lambda g, ans, x: np.flipud(g))
defvjp(np.roll, _roll)
defvjp(np.rot90, lambda g, ans, x, k=1, axes=(0, 1): np.rot90(g, -k, axes))
defvjp(np.tile, _tile)
defvjp(np.repeat, _repeat)
defvjp(np.pad, _pad)
defjvp(np.pad, _pad_jvp)
defvjp(np.array, lambda g, ans, x, dtype=None: g)  # a list's adjoint: its items are g[i]
defvjp(np.asarray, lambda g, ans, x, dtype=None: g)
defvjp(np.copy, lambda g, ans, x: g)
for _f in (np.reshape, np.ravel, np.squeeze, np.expand_dims, np.atleast_1d, np.atleast_2d,
           np.atleast_3d, np.transpose, np.swapaxes, np.moveaxis, np.broadcast_to, np.flip,
           np.fliplr, np.flipud, np.roll, np.rot90, np.tile, np.repeat, np.array, np.asarray,
           np.copy):
    deflinear(_f)

# Joining and splitting: the adjoint of a tuple or list of arrays is indexed item by item.
defvjp(np.concatenate, lambda g, ans, arrays, axis=0: _split_like(g, arrays, axis))
defvjp(np.stack, lambda g, ans, arrays, axis=0: g if axis == 0 else np.moveaxis(g, axis, 0))
defvjp(np.vstack, lambda g, ans, tup: _split_like(g, tup, 0, 2))
defvjp(np.row_stack, lambda g, ans, tup: _split_like(g, tup, 0, 2))  # vstack's old name


def _hstack(g, ans, tup):
    if np.ndim(ans) == 1:
        return _split_like(g, tup, 0)
    return _split_like(g, tup, 1)


defvjp(np.hstack, _hstack)
defvjp(np.column_stack, lambda g, ans, tup: _split_promoted(g, tup, 1, 2))
defvjp(np.dstack, lambda g, ans, tup: _split_promoted(g, tup, 2, 3))
for _f in (np.split, np.array_split):
    defvjp(_f, lambda g, ans, x, indices_or_sections, axis=0: np.concatenate(
        split_pieces(g, ans), axis))
defvjp(np.vsplit, lambda g, ans, x, indices_or_sections: np.concatenate(split_pieces(g, ans), 0))


def _hsplit(g, ans, x, indices_or_sections):
    if np.ndim(x) == 1:
        return np.concatenate(split_pieces(g, ans), 0)
    return np.concatenate(split_pieces(g, ans), 1)


defvjp(np.hsplit, _hsplit)
for _f in (np.concatenate, np.stack, np.vstack, np.row_stack, np.hstack, np.column_stack, np.dstack,
           np.split, np.array_split, np.vsplit, np.hsplit,
           _split_like, _split_promoted, split_pieces, _sum_repeats, _unpad_sum):
    deflinear(_f)
defvjp(_sum_repeats, lambda g, ans, x, repeats, axis, shape: np.repeat(g, repeats, axis))
defvjp(_unpad_sum, lambda g, ans, x, shape, pad_width, mode: np.pad(g, pad_width, mode=mode))

# -- no derivative ---------------------------------------------------------------------------

defnondiff(np.zeros, np.ones, np.empty, np.zeros_like, np.ones_like, np.empty_like, np.eye,
           np.identity, np.shape, np.ndim, np.size, np.sign, np.floor, np.ceil,
           np.round, np.rint, np.trunc, np.fix, np.floor_divide, np.argmax, np.argmin,
           np.argsort, np.argwhere, np.nonzero, np.flatnonzero, np.searchsorted, np.digitize,
           np.count_nonzero, np.isnan, np.isinf, np.isfinite, np.isclose, np.allclose,
           np.array_equal, np.all, np.any, np.logical_and, np.logical_or, np.logical_not,
           np.logical_xor, np.greater, np.greater_equal, np.less, np.less_equal, np.equal,
           np.not_equal, np.indices, np.tri, np.result_type, np.broadcast_shapes)
# Differentiable in some arguments, so not above: the value that fills an array, the weights
# that are counted, heaviside's value at 0, a float range's start and step. np.linspace,
# np.logspace, np.meshgrid, np.unique and np.histogram (whose bin edges follow x) have no
# rule yet: an active argument raises MissingRuleError.
defvjp(np.full, None, lambda g, ans, shape, fill_value, dtype=None, order="C":
       unbroadcast(g, fill_value))
defjvp(np.full, None, lambda t, ans, shape, fill_value, dtype=None, order="C":
       np.full(np.shape(ans), t))
defvjp(np.full_like, None, lambda g, ans, a, fill_value, dtype=None, order="K", subok=True,
       shape=None: unbroadcast(g, fill_value))
defjvp(np.full_like, None, lambda t, ans, a, fill_value, dtype=None, order="K", subok=True,
       shape=None: np.full(np.shape(ans), t))
# np.arange(start, stop, step) is start + k * step; with one argument, that is the stop.
defvjp(np.arange, lambda g, ans, start, stop=None, step=None, dtype=None:
       0.0 if stop is None else np.sum(g), None,
       lambda g, ans, start, stop, step, dtype=None: np.sum(g * np.arange(np.size(ans))))
defjvp(np.arange, lambda t, ans, start, stop=None, step=None, dtype=None:
       np.zeros(np.shape(ans)) if stop is None else np.full(np.shape(ans), t), None,
       lambda t, ans, start, stop, step, dtype=None: t * np.arange(np.size(ans)))
defvjp(np.bincount, None, lambda g, ans, x, weights=None, minlength=0: g[x])
deflinear(np.bincount, 1)
defvjp(np.heaviside, None, lambda g, ans, x1, x2: unbroadcast(g * (x1 == 0), x2))
defjvp(np.heaviside, None, lambda t, ans, x1, x2: t * (x1 == 0))
defelementwise(np.heaviside)

# -- sorting and gathering -------------------------------------------------------------------


def _sort(g, ans, x, axis=-1, kind=None, order=None):
    if axis is None:
        return np.reshape(g[np.argsort(np.argsort(x, axis=None))], np.shape(x))
    return np.take_along_axis(g, np.argsort(np.argsort(x, axis=axis), axis=axis), axis=axis)


def _sort_jvp(t, ans, x, axis=-1, kind=None, order=None):
    if axis is None:
        return np.ravel(t)[np.argsort(x, axis=None)]
    return np.take_along_axis(t, np.argsort(x, axis=axis), axis=axis)


defvjp(np.sort, _sort)
defjvp(np.sort, _sort_jvp)

defvjp(np.take_along_axis, lambda g, ans, x, indices, axis=-1: _take_along_axis_adjoint(
    g, indices, axis, np.shape(x)))
deflinear(np.take_along_axis)
defvjp(_take_along_axis_adjoint,
       lambda g, ans, d, indices, axis, shape: np.take_along_axis(g, indices, axis=axis))
deflinear(_take_along_axis_adjoint)

defvjp(np.take, lambda g, ans, x, indices, axis=None, out=None, mode="raise": _take_adjoint(
    g, indices, axis, np.shape(x), mode))
deflinear(np.take)
defvjp(_take_adjoint, lambda g, ans, d, indices, axis, shape, mode="raise": np.take(
    g, indices, axis, mode=mode))
deflinear(_take_adjoint)

# -- np.r_[...] and np.c_[...] ---------------------------------------------------------------


def _concat_sizes(maker: Any, items: tuple) -> list[int]:
    """How long each item of `maker[items]` is along the joining axis (a slice: its range)."""
    sizes = []
    for item in items:
        if isinstance(item, str):
            raise MissingRuleError(f"no derivative rule for a string directive ({item!r}) in "
                                   "np.r_[...] or np.c_[...]", hint=DIRECTIVE_HINT)
        sizes.append(int(np.shape(maker[item])[maker.axis]))
    return sizes


def _concat_pieces(g: np.ndarray, maker: Any, items: tuple) -> list[Any]:
    """The adjoint of `maker[items]` (`np.r_` or `np.c_`): `g` cut into one piece per item,
    each of its item's shape (0.0 for a slice, whose range is constant)."""
    sizes = _concat_sizes(maker, items)
    pieces = np.split(g, np.cumsum(sizes)[:-1], maker.axis)
    return [0.0 if isinstance(item, slice) else np.reshape(p, np.shape(item)).copy()
            for p, item in zip(pieces, items)]


def _concat_tangent(maker: Any, t: tuple, items: tuple) -> np.ndarray:
    """The tangent of `maker[items]` from the items' tangents `t`: a slice's range has none."""
    _concat_sizes(maker, items)  # refuses string directives, as the adjoint does
    return maker[tuple(np.zeros(np.shape(maker[item])) if isinstance(item, slice) else ti
                       for ti, item in zip(t, items))]


DIRECTIVE_HINT = "join with np.concatenate, np.stack or np.column_stack and an axis instead"


def _concat_vjp(g, ans, maker, items):
    if isinstance(items[0], str):
        items = unsupported(items, "a string directive in np.r_[...] or np.c_[...]",
                            DIRECTIVE_HINT)
    return _concat_pieces(g, maker, items)


def _concat_jvp(t, ans, maker, items):
    if isinstance(items[0], str):
        items = unsupported(items, "a string directive in np.r_[...] or np.c_[...]",
                            DIRECTIVE_HINT)
    return _concat_tangent(maker, t, items)


defvjp(runtime.index_concat, None, _concat_vjp)
defjvp(runtime.index_concat, None, _concat_jvp)
deflinear(_concat_pieces)
deflinear(_concat_tangent, 1)
