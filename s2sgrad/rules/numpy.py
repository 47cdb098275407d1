"""Rules for NumPy: ufuncs, reductions, products, shape operations, and array methods.

Each rule is written in NumPy itself, with functions that have rules of their own, so the
adjoint code reads like the rule once it is inlined and can be differentiated again. Where a
rule needs index bookkeeping (inverse permutations, einsum subscripts, split shapes), a small
helper below computes it from shapes and constant arguments; when those are known at compile
time the helper runs then, and its result appears in the generated code as a literal.

Array methods (`x.sum(axis=0)`) and attributes (`x.T`) are the primitives
`runtime.method(name)` and `runtime.attr(name)`; their rules are at the end of the file.
"""

from __future__ import annotations

import math
import operator
import string

import numpy as np

from ..backend import runtime
from ..backend.runtime import unbroadcast
from .registry import (deflinear, defelementwise, defjvp, defmultilinear, defnondiff, defvjp,
                       lookup)

# -- helpers: bookkeeping on shapes and axes ------------------------------------------------


def _axis(axis, ndim):
    """`axis` (an int or a tuple) made non-negative."""
    if isinstance(axis, tuple):
        return tuple(int(a) % ndim for a in axis)
    return int(axis) % ndim


def _inverse_perm(axes, ndim):
    """The axes that undo `np.transpose(x, axes)`."""
    return tuple(int(i) for i in np.argsort([int(a) % ndim for a in axes]))


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


def _unsupported(x, what):
    """Raise at run time: the rule that calls this cannot handle `what` yet."""
    raise NotImplementedError(f"s2sgrad has no derivative rule for {what} yet")


def _copy_mode(mode):
    """`mode`, if `np.pad` copies x's items in that mode (so its adjoint sums them back)."""
    if mode not in ("edge", "reflect", "symmetric", "wrap"):
        raise NotImplementedError(f"s2sgrad has no derivative rule for np.pad(mode={mode!r})")
    return mode


def _unpad(shape, pad_width):
    """The index that crops `np.pad(x, pad_width)` back to x."""
    widths = np.broadcast_to(np.asarray(pad_width, dtype=int), (len(shape), 2))
    return tuple(slice(int(b), int(b) + n) for (b, _), n in zip(widths, shape))


def _unpad_sum(g, shape, pad_width, mode):
    """The adjoint of `np.pad` in a mode that copies x's items (edge, reflect, wrap, ...)."""
    size = int(np.prod(shape))
    source = np.pad(np.arange(size).reshape(shape), pad_width, mode=mode)
    return np.bincount(source.ravel(), np.ravel(g), minlength=size).reshape(shape)


def _split_like(g, arrays, axis, ndmin=1):
    """The adjoint of joining `arrays` along `axis` (after promotion to `ndmin` dimensions):
    `g` cut into pieces of the arrays' own shapes (copies: each may be updated in place)."""
    shapes = [np.shape(a) for a in arrays]
    sizes = [((1,) * (ndmin - len(s)) + s)[axis] for s in shapes]
    pieces = np.split(g, np.cumsum(sizes)[:-1], axis)
    return [np.reshape(p, s).copy() for p, s in zip(pieces, shapes)]


def _pieces(g, ans):
    """The adjoint of a list of arrays, with zeros for the pieces no adjoint reached."""
    return [gi if np.ndim(gi) or np.ndim(a) == 0 else np.zeros_like(a, dtype=float)
            for gi, a in zip(g, ans)]


def _embed_diagonal(d, shape, offset=0, axis1=0, axis2=1):
    """An array of `shape`, zero but for `d` on the diagonal that `np.diagonal` reads."""
    out = np.zeros(shape, dtype=np.result_type(d, float))
    view = np.moveaxis(out, (axis1, axis2), (-2, -1))
    i = np.arange(np.shape(d)[-1])
    view[..., i + max(-offset, 0), i + max(offset, 0)] = d
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


# einsum, and the products written as einsum (tensordot, dot and inner of many dimensions).

_LETTERS = string.ascii_letters


def _einsum_parts(subscripts):
    """The operands' subscripts and the output's, with implicit output made explicit."""
    if not isinstance(subscripts, str):
        raise NotImplementedError("s2sgrad has no derivative rule for np.einsum in the "
                                  "interleaved form (operand, sublist, ...) yet: pass a "
                                  "subscripts string")
    s = subscripts.replace(" ", "")
    if "->" in s:
        ins, out = s.split("->")
        return ins.split(","), out
    letters = s.replace(",", "").replace(".", "")
    out = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    return s.split(","), ("..." if "..." in s else "") + out


def _einsum_target(subscripts, k):
    """The subscripts of operand k's adjoint as one einsum can give it: operand k's letters
    that occur elsewhere, each once."""
    ins, out = _einsum_parts(subscripts)
    others = out + "".join(ins[:k] + ins[k + 1:])
    spec = ins[k].replace("...", ".")
    target = "".join(c for i, c in enumerate(spec)
                     if (c == "." or c in others) and c not in spec[:i])
    return target.replace(".", "...")


def _einsum_vjp_subscripts(subscripts, k):
    """einsum subscripts for operand k's adjoint: the output takes operand k's place."""
    ins, out = _einsum_parts(subscripts)
    return ",".join(ins[:k] + [out] + ins[k + 1:]) + "->" + _einsum_target(subscripts, k)


def _einsum_spread_subscripts(subscripts, k):
    """"" when the einsum gives operand k's adjoint whole; else "target->operand", for the
    letters it must broadcast over or the diagonal it must fill."""
    target = _einsum_target(subscripts, k)
    spec = _einsum_parts(subscripts)[0][k]
    return "" if target == spec else target + "->" + spec


def _einsum_spread(r, subscripts, shape):
    """Place `r` (subscripts "src->dst") into a zero array of `shape` whose subscripts are dst:
    broadcast over the letters src lacks, and onto the diagonal of repeated letters."""
    src, dst = subscripts.split("->")
    out = np.zeros(shape, dtype=np.result_type(r, float))
    unique = "".join(dict.fromkeys(dst.replace("...", ".")).keys()).replace(".", "...")
    view = np.einsum(dst + "->" + unique, out)  # a writable view of the diagonal
    present = [c for c in unique.replace("...", ".") if c in src.replace("...", ".")]
    order = "".join(present).replace(".", "...")
    r = np.einsum(src + "->" + order, r)
    letters = unique.replace("...", ".")
    dot = letters.find(".")  # letters after an ellipsis count from the end
    missing = tuple(i if dot < 0 or i < dot else i - len(letters)
                    for i, c in enumerate(letters) if c not in present)
    view[...] = np.expand_dims(r, missing) if missing else r
    return out


def _swap_subscripts(subscripts):
    """"dst->src" for "src->dst"."""
    src, dst = subscripts.split("->")
    return dst + "->" + src


def _tensordot_subscripts(ndim_a, ndim_b, axes):
    """The einsum subscripts of `np.tensordot(a, b, axes)`."""
    if np.ndim(axes) == 0:
        axes_a, axes_b = list(range(ndim_a - axes, ndim_a)), list(range(axes))
    else:
        axes_a, axes_b = [np.atleast_1d(a).tolist() for a in axes]
    axes_a = [a % ndim_a for a in axes_a]
    axes_b = [b % ndim_b for b in axes_b]
    a = list(_LETTERS[:ndim_a])
    b = list(_LETTERS[ndim_a:ndim_a + ndim_b])
    for i, j in zip(axes_a, axes_b):
        b[j] = a[i]
    out = [c for i, c in enumerate(a) if i not in axes_a] + \
          [c for j, c in enumerate(b) if j not in axes_b]
    return "".join(a) + "," + "".join(b) + "->" + "".join(out)


def _dot_subscripts(ndim_a, ndim_b):
    """The einsum subscripts of `np.dot(a, b)`: a's last axis with b's second to last."""
    return _tensordot_subscripts(ndim_a, ndim_b, ([-1], [max(ndim_b - 2, 0)]))


def _inner_subscripts(ndim_a, ndim_b):
    """The einsum subscripts of `np.inner(a, b)`: the last axes of both."""
    return _tensordot_subscripts(ndim_a, ndim_b, ([-1], [-1]))


def _kron_split(shape_a, shape_b):
    """The shape that splits each axis of `np.kron(a, b)` into (a's axis, b's axis)."""
    n = max(len(shape_a), len(shape_b))
    shape_a = (1,) * (n - len(shape_a)) + tuple(shape_a)
    shape_b = (1,) * (n - len(shape_b)) + tuple(shape_b)
    return tuple(int(v) for pair in zip(shape_a, shape_b) for v in pair)


def _kron_padded(shape, other):
    """`shape` with leading ones up to the dimensions of `np.kron(x, other)`."""
    return (1,) * (len(other) - len(shape)) + tuple(shape)


def _kron_subscripts(ndim, k):
    """einsum subscripts for argument k's adjoint of a kron split by `_kron_split`."""
    a, b = _LETTERS[:ndim], _LETTERS[ndim:2 * ndim]
    g = "".join(x + y for x, y in zip(a, b))
    return g + "," + (b if k == 0 else a) + "->" + (a if k == 0 else b)


# -- elementwise functions of one argument ---------------------------------------------------

defvjp(np.exp, lambda g, ans, x: g * ans)
defvjp(np.exp2, lambda g, ans, x: g * ans * math.log(2.0))
defvjp(np.expm1, lambda g, ans, x: g * (ans + 1.0))
defvjp(np.log, lambda g, ans, x: g / x)
defvjp(np.log1p, lambda g, ans, x: g / (1.0 + x))
defvjp(np.log2, lambda g, ans, x: g / (x * math.log(2.0)))
defvjp(np.log10, lambda g, ans, x: g / (x * math.log(10.0)))
defvjp(np.sqrt, lambda g, ans, x: g * 0.5 / ans)
defvjp(np.cbrt, lambda g, ans, x: g / (3.0 * ans * ans))
defvjp(np.square, lambda g, ans, x: g * 2.0 * x)
defvjp(np.reciprocal, lambda g, ans, x: -g * ans * ans)
defvjp(np.negative, lambda g, ans, x: -g)
defvjp(np.positive, lambda g, ans, x: g)
defvjp(np.absolute, lambda g, ans, x: g * np.sign(x))
defvjp(np.fabs, lambda g, ans, x: g * np.sign(x))
defvjp(np.sin, lambda g, ans, x: g * np.cos(x))
defvjp(np.cos, lambda g, ans, x: -g * np.sin(x))
defvjp(np.tan, lambda g, ans, x: g * (1.0 + ans * ans))
defvjp(np.arcsin, lambda g, ans, x: g / np.sqrt(1.0 - x * x))
defvjp(np.arccos, lambda g, ans, x: -g / np.sqrt(1.0 - x * x))
defvjp(np.arctan, lambda g, ans, x: g / (1.0 + x * x))
defvjp(np.sinh, lambda g, ans, x: g * np.cosh(x))
defvjp(np.cosh, lambda g, ans, x: g * np.sinh(x))
defvjp(np.tanh, lambda g, ans, x: g * (1.0 - ans * ans))
defvjp(np.arcsinh, lambda g, ans, x: g / np.sqrt(x * x + 1.0))
defvjp(np.arccosh, lambda g, ans, x: g / np.sqrt(x * x - 1.0))
defvjp(np.arctanh, lambda g, ans, x: g / (1.0 - x * x))
defvjp(np.deg2rad, lambda g, ans, x: g * (math.pi / 180.0))
defvjp(np.rad2deg, lambda g, ans, x: g * (180.0 / math.pi))
defvjp(np.degrees, lambda g, ans, x: g * (180.0 / math.pi))
defvjp(np.radians, lambda g, ans, x: g * (math.pi / 180.0))


def _sinc(g, ans, x):
    """d sinc(x)/dx = (cos(pi x) - sinc(x)) / x, and 0 at x = 0."""
    safe = np.where(x == 0.0, 1.0, x)
    return g * np.where(x == 0.0, 0.0, (np.cos(np.pi * x) - ans) / safe)


defvjp(np.sinc, _sinc)

# -- elementwise functions of two arguments --------------------------------------------------

for _ufunc, _op in ((np.add, operator.add), (np.subtract, operator.sub),
                    (np.multiply, operator.mul), (np.divide, operator.truediv),
                    (np.power, operator.pow), (np.remainder, operator.mod)):
    defvjp(_ufunc, *lookup(_op).vjps, scalar=lookup(_op).scalar_vjps)

defvjp(np.arctan2, lambda g, ans, y, x: unbroadcast(g * x / (x * x + y * y), y),
       lambda g, ans, y, x: unbroadcast(-g * y / (x * x + y * y), x))
defvjp(np.hypot, lambda g, ans, x, y: unbroadcast(g * x / ans, x),
       lambda g, ans, x, y: unbroadcast(g * y / ans, y))
defvjp(np.logaddexp, lambda g, ans, x, y: unbroadcast(g * np.exp(x - ans), x),
       lambda g, ans, x, y: unbroadcast(g * np.exp(y - ans), y))
defvjp(np.logaddexp2, lambda g, ans, x, y: unbroadcast(g * np.exp2(x - ans), x),
       lambda g, ans, x, y: unbroadcast(g * np.exp2(y - ans), y))
# Ties send the whole adjoint to the first argument, as the builtins max and min do.
defvjp(np.maximum, lambda g, ans, x, y: unbroadcast(g * (x >= y), x),
       lambda g, ans, x, y: unbroadcast(g * (x < y), y))
defvjp(np.minimum, lambda g, ans, x, y: unbroadcast(g * (x <= y), x),
       lambda g, ans, x, y: unbroadcast(g * (x > y), y))


def _fmax_x(g, ans, x, y):
    return unbroadcast(g * np.logical_or(x >= y, np.isnan(y)), x)


def _fmax_y(g, ans, x, y):
    return unbroadcast(g * np.logical_not(np.logical_or(x >= y, np.isnan(y))), y)


def _fmin_x(g, ans, x, y):
    return unbroadcast(g * np.logical_or(x <= y, np.isnan(y)), x)


def _fmin_y(g, ans, x, y):
    return unbroadcast(g * np.logical_not(np.logical_or(x <= y, np.isnan(y))), y)


defvjp(np.fmax, _fmax_x, _fmax_y)
defvjp(np.fmin, _fmin_x, _fmin_y)
defvjp(np.where, None, lambda g, ans, c, x, y: unbroadcast(np.where(c, g, 0.0), x),
       lambda g, ans, c, x, y: unbroadcast(np.where(c, 0.0, g), y))


def _clip_x(g, ans, x, a_min=None, a_max=None):
    return unbroadcast(np.where(ans == x, g, 0.0), x)


def _clip_min(g, ans, x, a_min, a_max=None):
    return unbroadcast(np.where(x < a_min, g, 0.0), a_min)


def _clip_max(g, ans, x, a_min, a_max):
    return unbroadcast(np.where(x > a_max, g, 0.0), a_max)


defvjp(np.clip, _clip_x, _clip_min, _clip_max)

defelementwise(np.exp, np.exp2, np.expm1, np.log, np.log1p, np.log2, np.log10, np.sqrt,
               np.cbrt, np.square, np.reciprocal, np.negative, np.positive, np.absolute,
               np.fabs, np.sin, np.cos, np.tan, np.arcsin, np.arccos, np.arctan, np.sinh,
               np.cosh, np.tanh, np.arcsinh, np.arccosh, np.arctanh, np.deg2rad, np.rad2deg,
               np.degrees, np.radians, np.sinc, np.add, np.subtract, np.multiply, np.divide,
               np.power, np.remainder, np.arctan2, np.hypot, np.logaddexp, np.logaddexp2,
               np.maximum, np.minimum, np.fmax, np.fmin, np.where, np.clip)

# -- reductions ------------------------------------------------------------------------------


def _sum(g, ans, x, axis=None, dtype=None, out=None, keepdims=False, initial=0, where=True):
    if np.ndim(where) != 0:  # only the items `where` selects were added
        if axis is None or keepdims:
            return np.broadcast_to(g, np.shape(x)) * where
        return np.broadcast_to(np.expand_dims(g, axis), np.shape(x)) * where
    if axis is None or keepdims:
        return np.broadcast_to(g, np.shape(x))
    return np.broadcast_to(np.expand_dims(g, axis), np.shape(x))


defvjp(np.sum, _sum)
deflinear(np.sum)


def _mean(g, ans, x, axis=None, dtype=None, out=None, keepdims=False, where=True):
    if np.ndim(where) != 0:  # the mean of the items `where` selects
        n = np.sum(np.broadcast_to(where, np.shape(x)), axis=axis, keepdims=True)
        if axis is None or keepdims:
            return np.broadcast_to(g / n, np.shape(x)) * where
        return np.broadcast_to(np.expand_dims(g, axis) / n, np.shape(x)) * where
    n = np.size(x) / np.size(ans)
    if axis is None or keepdims:
        return np.broadcast_to(g / n, np.shape(x))
    return np.broadcast_to(np.expand_dims(g / n, axis), np.shape(x))


defvjp(np.mean, _mean)
deflinear(np.mean)


def _prod(g, ans, x, axis=None, dtype=None, out=None, keepdims=False, initial=None,
          where=True):
    if np.ndim(where) != 0:
        x = _unsupported(x, "the where= argument of max, min, prod, var and std")
    if axis is None or keepdims:
        return g * ans / x
    return np.expand_dims(g * ans, axis) / x


def _prod_jvp(t, ans, x, axis=None, dtype=None, out=None, keepdims=False, initial=None,
              where=True):
    if np.ndim(where) != 0:
        x = _unsupported(x, "the where= argument of max, min, prod, var and std")
    if axis is None:
        return np.sum(t / x) * ans
    if keepdims:
        return np.sum(t / x, axis=axis, keepdims=True) * ans
    return np.sum(t / x, axis=axis) * ans


defvjp(np.prod, _prod)
defjvp(np.prod, _prod_jvp)


def _extremum(g, ans, x, axis=None, out=None, keepdims=False, initial=None, where=True):
    """The adjoint of max or min: shared equally among the items that attain it."""
    if np.ndim(where) != 0:
        x = _unsupported(x, "the where= argument of max, min, prod, var and std")
    if axis is None or keepdims:
        hit = x == ans
        return g * hit / np.sum(hit, axis=axis, keepdims=True)
    hit = x == np.expand_dims(ans, axis)
    return np.expand_dims(g, axis) * hit / np.sum(hit, axis=axis, keepdims=True)


def _extremum_jvp(t, ans, x, axis=None, out=None, keepdims=False, initial=None,
                  where=True):
    if np.ndim(where) != 0:
        x = _unsupported(x, "the where= argument of max, min, prod, var and std")
    if axis is None:
        hit = x == ans
        return np.sum(t * hit) / np.sum(hit)
    if keepdims:
        hit = x == ans
        return np.sum(t * hit, axis=axis, keepdims=True) / np.sum(hit, axis=axis, keepdims=True)
    hit = x == np.expand_dims(ans, axis)
    return np.sum(t * hit, axis=axis) / np.sum(hit, axis=axis)


for _f in (np.max, np.min, np.amax, np.amin):
    defvjp(_f, _extremum)
    defjvp(_f, _extremum_jvp)


def _var(g, ans, x, axis=None, dtype=None, out=None, ddof=0, keepdims=False,
         where=True):
    if np.ndim(where) != 0:
        x = _unsupported(x, "the where= argument of max, min, prod, var and std")
    n = np.size(x) / np.size(ans) - ddof
    d = x - np.mean(x) if axis is None else x - np.mean(x, axis=axis, keepdims=True)
    if axis is None or keepdims:
        return g * d * (2.0 / n)
    return np.expand_dims(g, axis) * d * (2.0 / n)


def _var_jvp(t, ans, x, axis=None, dtype=None, out=None, ddof=0, keepdims=False,
             where=True):
    if np.ndim(where) != 0:
        x = _unsupported(x, "the where= argument of max, min, prod, var and std")
    n = np.size(x) / np.size(ans) - ddof
    d = x - np.mean(x) if axis is None else x - np.mean(x, axis=axis, keepdims=True)
    if axis is None:
        return np.sum(t * d) * (2.0 / n)
    return np.sum(t * d, axis=axis, keepdims=keepdims) * (2.0 / n)


def _std(g, ans, x, axis=None, dtype=None, out=None, ddof=0, keepdims=False,
         where=True):
    if np.ndim(where) != 0:
        x = _unsupported(x, "the where= argument of max, min, prod, var and std")
    n = np.size(x) / np.size(ans) - ddof
    d = x - np.mean(x) if axis is None else x - np.mean(x, axis=axis, keepdims=True)
    if axis is None or keepdims:
        return g / (n * ans) * d
    return np.expand_dims(g / (n * ans), axis) * d


def _std_jvp(t, ans, x, axis=None, dtype=None, out=None, ddof=0, keepdims=False,
             where=True):
    if np.ndim(where) != 0:
        x = _unsupported(x, "the where= argument of max, min, prod, var and std")
    n = np.size(x) / np.size(ans) - ddof
    d = x - np.mean(x) if axis is None else x - np.mean(x, axis=axis, keepdims=True)
    if axis is None:
        return np.sum(t * d) / (n * ans)
    return np.sum(t * d, axis=axis, keepdims=keepdims) / (n * ans)


defvjp(np.var, _var)
defjvp(np.var, _var_jvp)
defvjp(np.std, _std)
defjvp(np.std, _std_jvp)


def _cumsum(g, ans, x, axis=None, dtype=None, out=None):
    if axis is None:
        return np.reshape(np.flip(np.cumsum(np.flip(g))), np.shape(x))
    return np.flip(np.cumsum(np.flip(g, axis), axis), axis)


defvjp(np.cumsum, _cumsum)
deflinear(np.cumsum)


def _cumprod(g, ans, x, axis=None, dtype=None, out=None):
    if axis is None:
        return np.reshape(np.flip(np.cumsum(np.flip(g * ans))), np.shape(x)) / x
    return np.flip(np.cumsum(np.flip(g * ans, axis), axis), axis) / x


def _cumprod_jvp(t, ans, x, axis=None, dtype=None, out=None):
    return ans * np.cumsum(t / x, axis)


defvjp(np.cumprod, _cumprod)
defjvp(np.cumprod, _cumprod_jvp)


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

# -- products --------------------------------------------------------------------------------


def _product_a(batched):
    """The adjoint of `a` in `a @ b` (`batched`) or `np.dot(a, b)`."""
    def vjp(g, ans, a, b):
        if np.ndim(a) == 0 or np.ndim(b) == 0:
            return unbroadcast(g * b, a)
        if np.ndim(a) == 1 and np.ndim(b) == 1:
            return g * b
        if np.ndim(a) == 1 and np.ndim(b) == 2:
            return b @ g
        if np.ndim(a) == 2 and np.ndim(b) == 1:
            return np.outer(g, b)
        if np.ndim(a) == 2 and np.ndim(b) == 2:
            return g @ b.T
        if not batched:
            spec = _dot_subscripts(np.ndim(a), np.ndim(b))
            return np.einsum(_einsum_vjp_subscripts(spec, 0), g, b)
        if np.ndim(b) == 1:
            return g[..., None] * b
        if np.ndim(a) == 1:
            return unbroadcast((b @ g[..., None])[..., 0], a)
        return unbroadcast(g @ np.swapaxes(b, -1, -2), a)
    return vjp


def _product_b(batched):
    """The adjoint of `b` in `a @ b` (`batched`) or `np.dot(a, b)`."""
    def vjp(g, ans, a, b):
        if np.ndim(a) == 0 or np.ndim(b) == 0:
            return unbroadcast(g * a, b)
        if np.ndim(a) == 1 and np.ndim(b) == 1:
            return g * a
        if np.ndim(a) == 1 and np.ndim(b) == 2:
            return np.outer(a, g)
        if np.ndim(a) == 2 and np.ndim(b) == 1:
            return g @ a
        if np.ndim(a) == 2 and np.ndim(b) == 2:
            return a.T @ g
        if not batched:
            spec = _dot_subscripts(np.ndim(a), np.ndim(b))
            return np.einsum(_einsum_vjp_subscripts(spec, 1), a, g)
        if np.ndim(b) == 1:
            return unbroadcast(np.sum(g[..., None] * a, axis=-2), b)
        if np.ndim(a) == 1:
            return unbroadcast(a[:, None] * g[..., None, :], b)
        return unbroadcast(np.swapaxes(a, -1, -2) @ g, b)
    return vjp


for _f in (operator.matmul, np.matmul):
    defvjp(_f, _product_a(True), _product_b(True))
defvjp(np.dot, _product_a(False), _product_b(False))


def _inner_a(g, ans, a, b):
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * b, a)
    spec = _inner_subscripts(np.ndim(a), np.ndim(b))
    return np.einsum(_einsum_vjp_subscripts(spec, 0), g, b)


def _inner_b(g, ans, a, b):
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * a, b)
    spec = _inner_subscripts(np.ndim(a), np.ndim(b))
    return np.einsum(_einsum_vjp_subscripts(spec, 1), a, g)


defvjp(np.inner, _inner_a, _inner_b)


def _outer_a(g, ans, a, b):
    if np.ndim(a) == 1 and np.ndim(b) == 1:
        return g @ b
    return np.reshape(g @ np.ravel(b), np.shape(a))


def _outer_b(g, ans, a, b):
    if np.ndim(a) == 1 and np.ndim(b) == 1:
        return a @ g
    return np.reshape(np.ravel(a) @ g, np.shape(b))


defvjp(np.outer, _outer_a, _outer_b)


def _tensordot_a(g, ans, a, b, axes=2):
    spec = _tensordot_subscripts(np.ndim(a), np.ndim(b), axes)
    return np.einsum(_einsum_vjp_subscripts(spec, 0), g, b)


def _tensordot_b(g, ans, a, b, axes=2):
    spec = _tensordot_subscripts(np.ndim(a), np.ndim(b), axes)
    return np.einsum(_einsum_vjp_subscripts(spec, 1), a, g)


defvjp(np.tensordot, _tensordot_a, _tensordot_b)


def _kron_a(g, ans, a, b):
    split = np.reshape(g, _kron_split(np.shape(a), np.shape(b)))
    bb = np.reshape(b, _kron_padded(np.shape(b), np.shape(ans)))
    spec = _kron_subscripts(np.ndim(ans), 0)
    return np.reshape(np.einsum(spec, split, bb), np.shape(a))


def _kron_b(g, ans, a, b):
    split = np.reshape(g, _kron_split(np.shape(a), np.shape(b)))
    aa = np.reshape(a, _kron_padded(np.shape(a), np.shape(ans)))
    spec = _kron_subscripts(np.ndim(ans), 1)
    return np.reshape(np.einsum(spec, split, aa), np.shape(b))


defvjp(np.kron, _kron_a, _kron_b)


def _einsum_vjp(k):
    """The adjoint of operand k of `np.einsum(subscripts, x0, x1, ...)`: the same einsum with
    the output's adjoint in operand k's place (up to six operands)."""
    def vjp(g, ans, subscripts, x0, x1=None, x2=None, x3=None, x4=None, x5=None, x6=None):
        if k >= 6:
            return _unsupported(g, "np.einsum with more than six operands")
        if x6 is not None:
            return _unsupported(g, "np.einsum with more than six operands")
        spec = _einsum_vjp_subscripts(subscripts, k)
        a0 = g if k == 0 else x0
        a1 = g if k == 1 else x1
        a2 = g if k == 2 else x2
        a3 = g if k == 3 else x3
        a4 = g if k == 4 else x4
        a5 = g if k == 5 else x5
        if x1 is None:
            r = np.einsum(spec, a0)
        elif x2 is None:
            r = np.einsum(spec, a0, a1)
        elif x3 is None:
            r = np.einsum(spec, a0, a1, a2)
        elif x4 is None:
            r = np.einsum(spec, a0, a1, a2, a3)
        elif x5 is None:
            r = np.einsum(spec, a0, a1, a2, a3, a4)
        else:
            r = np.einsum(spec, a0, a1, a2, a3, a4, a5)
        x = (x0, x1, x2, x3, x4, x5)[k]
        spread = _einsum_spread_subscripts(subscripts, k)
        if spread:
            return _einsum_spread(r, spread, np.shape(x))
        if "..." in spec:
            return unbroadcast(r, x)
        return r
    return vjp


defvjp(np.einsum, lambda g, ans, subscripts, x0=None: _einsum_parts(subscripts),
       *[_einsum_vjp(k) for k in range(32)])  # the first: the interleaved form raises
defvjp(_einsum_spread, lambda g, ans, r, subscripts, shape: np.einsum(
    _swap_subscripts(subscripts), g))
deflinear(_einsum_spread)
defmultilinear(np.matmul, np.dot, np.inner, np.outer, np.tensordot, np.kron, np.einsum)


def _trace(g, ans, x, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    shape = np.shape(x)
    eye = np.eye(shape[axis1], shape[axis2], offset)
    if np.ndim(x) == 2 and _axis((axis1, axis2), 2) == (0, 1):
        return g * eye
    return np.moveaxis(g[..., None, None] * eye, (-2, -1), (axis1, axis2))


defvjp(np.trace, _trace)
deflinear(np.trace)


def _diagonal(g, ans, x, offset=0, axis1=0, axis2=1):
    return _embed_diagonal(g, np.shape(x), offset, axis1, axis2)


defvjp(np.diagonal, _diagonal)
deflinear(np.diagonal)
defvjp(_embed_diagonal, lambda g, ans, d, shape, offset=0, axis1=0, axis2=1: np.diagonal(
    g, offset, axis1, axis2))
deflinear(_embed_diagonal)


def _diag(g, ans, v, k=0):
    if np.ndim(v) == 1:
        return np.diag(g, k)
    return _embed_diagonal(g, np.shape(v), k)


defvjp(np.diag, _diag)
deflinear(np.diag)
defvjp(np.triu, lambda g, ans, x, k=0: np.triu(g, k))
defvjp(np.tril, lambda g, ans, x, k=0: np.tril(g, k))
deflinear(np.triu)
deflinear(np.tril)

# -- shape operations ------------------------------------------------------------------------


def _reshape(g, ans, x, shape=None, order="C"):
    if order == "C":
        return np.reshape(g, np.shape(x))
    return np.reshape(g, np.shape(x), order=order)


def _transpose(g, ans, x, axes=None):
    if axes is None:
        return np.transpose(g)
    return np.transpose(g, _inverse_perm(axes, np.ndim(x)))


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
        return np.reshape(np.sum(np.reshape(g, (-1, repeats)), axis=1), np.shape(x))
    split = np.reshape(g, _repeat_split(np.shape(x), repeats, axis))
    return np.sum(split, axis=_axis(axis, np.ndim(x)) + 1)


def _pad(g, ans, x, pad_width, mode="constant"):
    if mode == "constant":
        return g[_unpad(np.shape(x), pad_width)]
    return _unpad_sum(g, np.shape(x), pad_width, _copy_mode(mode))


def _pad_jvp(t, ans, x, pad_width, mode="constant"):
    if mode == "constant":
        return np.pad(t, pad_width)
    return np.pad(t, pad_width, mode=_copy_mode(mode))


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


def _hstack(g, ans, tup):
    if np.ndim(ans) == 1:
        return _split_like(g, tup, 0)
    return _split_like(g, tup, 1)


defvjp(np.hstack, _hstack)
for _f in (np.split, np.array_split):
    defvjp(_f, lambda g, ans, x, indices_or_sections, axis=0: np.concatenate(
        _pieces(g, ans), axis))
defvjp(np.vsplit, lambda g, ans, x, indices_or_sections: np.concatenate(_pieces(g, ans), 0))


def _hsplit(g, ans, x, indices_or_sections):
    if np.ndim(x) == 1:
        return np.concatenate(_pieces(g, ans), 0)
    return np.concatenate(_pieces(g, ans), 1)


defvjp(np.hsplit, _hsplit)
for _f in (np.concatenate, np.stack, np.vstack, np.hstack, np.split, np.array_split, np.vsplit,
           np.hsplit,
           _split_like, _pieces, _sum_repeats, _unpad_sum):
    deflinear(_f)
defvjp(_sum_repeats, lambda g, ans, x, repeats, axis, shape: np.repeat(g, repeats, axis))
defvjp(_unpad_sum, lambda g, ans, x, shape, pad_width, mode: np.pad(g, pad_width, mode=mode))

# -- no derivative ---------------------------------------------------------------------------

defnondiff(np.zeros, np.ones, np.empty, np.full, np.zeros_like, np.ones_like, np.empty_like,
           np.full_like, np.eye, np.identity, np.arange, np.linspace, np.logspace, np.shape,
           np.ndim, np.size, np.sign, np.floor, np.ceil, np.round, np.rint, np.trunc, np.fix,
           np.floor_divide, np.argmax, np.argmin, np.argsort, np.argwhere, np.nonzero,
           np.flatnonzero, np.searchsorted, np.digitize, np.count_nonzero, np.isnan,
           np.isinf, np.isfinite, np.isclose, np.allclose, np.array_equal, np.all, np.any,
           np.logical_and, np.logical_or, np.logical_not, np.logical_xor, np.greater,
           np.greater_equal, np.less, np.less_equal, np.equal, np.not_equal, np.heaviside,
           np.unique, np.bincount, np.histogram, np.meshgrid, np.indices, np.tri,
           np.result_type, np.broadcast_shapes)

# -- array methods and attributes ------------------------------------------------------------

_method, _attr = runtime.method, runtime.attr

for _name, _f in (("sum", np.sum), ("mean", np.mean), ("prod", np.prod), ("max", np.max),
                  ("min", np.min), ("var", np.var), ("std", np.std), ("cumsum", np.cumsum),
                  ("cumprod", np.cumprod), ("clip", np.clip), ("dot", np.dot),
                  ("squeeze", np.squeeze), ("swapaxes", np.swapaxes), ("trace", np.trace),
                  ("diagonal", np.diagonal), ("repeat", np.repeat)):
    _rule = lookup(_f)
    defvjp(_method(_name), *_rule.vjps)
    if _rule.jvps:
        defjvp(_method(_name), *_rule.jvps)
    if _rule.linear is not None:
        deflinear(_method(_name), *_rule.linear)
    if _rule.multilinear:
        defmultilinear(_method(_name))
    if _rule.elementwise:
        defelementwise(_method(_name))

for _name in ("reshape", "ravel", "flatten", "item"):
    defvjp(_method(_name), lambda g, ans, x: np.reshape(g, np.shape(x)))
    deflinear(_method(_name))
for _name in ("copy", "astype"):
    defvjp(_method(_name), lambda g, ans, x: g)
    deflinear(_method(_name))


def _method_transpose(g, ans, x, a0=None, a1=None, a2=None, a3=None, a4=None, a5=None):
    """`x.transpose()`, `x.transpose(axes)` or `x.transpose(*axes)` (up to six axes)."""
    if a0 is None:
        return g.T
    if a1 is None:
        return np.transpose(g, _inverse_perm(a0, np.ndim(x)))
    if a2 is None:
        return np.transpose(g, _inverse_perm((a0, a1), np.ndim(x)))
    if a3 is None:
        return np.transpose(g, _inverse_perm((a0, a1, a2), np.ndim(x)))
    if a4 is None:
        return np.transpose(g, _inverse_perm((a0, a1, a2, a3), np.ndim(x)))
    if a5 is None:
        return np.transpose(g, _inverse_perm((a0, a1, a2, a3, a4), np.ndim(x)))
    return np.transpose(g, _inverse_perm((a0, a1, a2, a3, a4, a5), np.ndim(x)))


defvjp(_method("transpose"), _method_transpose)
deflinear(_method("transpose"))
defvjp(_attr("T"), lambda g, ans, x: g.T)
deflinear(_attr("T"))
defvjp(_attr("real"), lambda g, ans, x: g)
deflinear(_attr("real"))

defnondiff(_attr("shape"), _attr("ndim"), _attr("size"), _attr("dtype"), _method("argmax"),
           _method("argmin"), _method("argsort"), _method("nonzero"), _method("any"),
           _method("all"), _method("round"), _method("tolist"))
