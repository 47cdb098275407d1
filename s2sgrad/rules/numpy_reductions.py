"""Rules for NumPy's reductions (sum, mean, prod, max, min, var, std) and cumulative sums
and products, with `axis` (an int, a tuple, negative) and `keepdims`."""

from __future__ import annotations

import numpy as np

from .numpy_common import nonneg_axis, unsupported
from .registry import deflinear, defjvp, defvjp

# -- reductions ------------------------------------------------------------------------------

WHERE_HINT = "mask the items first with np.where, e.g. np.max(np.where(mask, x, -np.inf), " \
    "axis) or np.prod(np.where(mask, x, 1.0), axis)"


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


def _reduced_axes(axis: int | tuple[int, ...], ndim: int) -> tuple[int, ...]:
    """The axes a reduction over `axis` (an int or a tuple) removes, as a tuple of
    non-negative ints in order."""
    return tuple(sorted(nonneg_axis(axis if isinstance(axis, tuple) else (axis,), ndim)))


def _all_axes(ndim: int) -> tuple[int, ...]:
    """The axes a reduction with `axis=None` removes: all of them."""
    return tuple(range(ndim))


def _moved_from(axes: tuple[int, ...], ndim: int) -> tuple[int, ...]:
    """`axes` if `np.moveaxis` must bring them to the end, else ()."""
    return () if axes == tuple(range(ndim - len(axes), ndim)) else axes


def _moved_to(axes: tuple[int, ...], ndim: int) -> tuple[int, ...]:
    """The last len(axes) axes: where `np.moveaxis` brings `axes`."""
    return tuple(range(ndim - len(axes), ndim))


def _kept_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """The axes of `shape` a reduction over `axes` keeps."""
    return tuple(int(n) for i, n in enumerate(shape) if i not in axes)


def _moved_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """The shape of x with `axes` moved to the end."""
    return _kept_shape(shape, axes) + tuple(int(shape[i]) for i in axes)


def _merged_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """The shape of x with `axes` moved to the end and merged into one, or () when they are
    one axis already (x needs no reshape)."""
    if len(axes) == 1:
        return ()
    return _kept_shape(shape, axes) + (int(np.prod([shape[i] for i in axes], dtype=int)),)


def _ones_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """The shape of one item along the merged last axis of `_merged_shape`: a column of ones
    to start cumulative products with."""
    return _kept_shape(shape, axes) + (1,)


def prod_vjp(g, ans, x, axis=None, dtype=None, out=None, keepdims=False, initial=None,
          where=True):
    """d prod / d x_i is the product of the other items: computed as the products before
    item i times those after it, never dividing by x_i, so zeros give exact gradients."""
    if np.ndim(where) != 0:
        x = unsupported(x, "the where= argument of max, min, prod, var and std", WHERE_HINT)
    axes = _all_axes(np.ndim(x)) if axis is None else _reduced_axes(axis, np.ndim(x))
    source, destination = _moved_from(axes, np.ndim(x)), _moved_to(axes, np.ndim(x))
    merged = _merged_shape(np.shape(x), axes)
    last = np.moveaxis(x, source, destination) if source else x
    if merged:
        last = np.reshape(last, merged)
    ones = np.ones(_ones_shape(np.shape(x), axes))
    before = np.cumprod(np.concatenate((ones, last[..., :-1]), -1), -1)
    after = np.flip(np.cumprod(np.concatenate((ones, np.flip(last[..., 1:], -1)), -1), -1), -1)
    others = before * after
    if merged:
        others = np.reshape(others, _moved_shape(np.shape(x), axes))
    if source:
        others = np.moveaxis(others, destination, source)
    if initial is not None:  # the product starts from `initial`, not 1
        others = others * initial
    if axis is None or keepdims:
        return g * others
    return np.expand_dims(g, axis) * others


def _prod_jvp(t, ans, x, axis=None, dtype=None, out=None, keepdims=False, initial=None,
              where=True):
    """The tangents weighed by the products of the other items, as in `prod_vjp`."""
    if np.ndim(where) != 0:
        x = unsupported(x, "the where= argument of max, min, prod, var and std", WHERE_HINT)
    axes = _all_axes(np.ndim(x)) if axis is None else _reduced_axes(axis, np.ndim(x))
    source, destination = _moved_from(axes, np.ndim(x)), _moved_to(axes, np.ndim(x))
    merged = _merged_shape(np.shape(x), axes)
    last = np.moveaxis(x, source, destination) if source else x
    if merged:
        last = np.reshape(last, merged)
    ones = np.ones(_ones_shape(np.shape(x), axes))
    before = np.cumprod(np.concatenate((ones, last[..., :-1]), -1), -1)
    after = np.flip(np.cumprod(np.concatenate((ones, np.flip(last[..., 1:], -1)), -1), -1), -1)
    others = before * after
    if merged:
        others = np.reshape(others, _moved_shape(np.shape(x), axes))
    if source:
        others = np.moveaxis(others, destination, source)
    if initial is not None:  # the product starts from `initial`, not 1
        others = others * initial
    if axis is None and not keepdims:
        return np.sum(t * others)
    return np.sum(t * others, axis=axis, keepdims=keepdims)


defvjp(np.prod, prod_vjp)
defjvp(np.prod, _prod_jvp)


def _extremum(g, ans, x, axis=None, out=None, keepdims=False, initial=None, where=True):
    """The adjoint of max or min: shared equally among the items that attain it."""
    if np.ndim(where) != 0:
        x = unsupported(x, "the where= argument of max, min, prod, var and std", WHERE_HINT)
    if axis is None or keepdims:
        hit = x == ans
        return g * hit / np.sum(hit, axis=axis, keepdims=True)
    hit = x == np.expand_dims(ans, axis)
    return np.expand_dims(g, axis) * hit / np.sum(hit, axis=axis, keepdims=True)


def _extremum_jvp(t, ans, x, axis=None, out=None, keepdims=False, initial=None,
                  where=True):
    if np.ndim(where) != 0:
        x = unsupported(x, "the where= argument of max, min, prod, var and std", WHERE_HINT)
    if axis is None and not keepdims:
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
        x = unsupported(x, "the where= argument of max, min, prod, var and std", WHERE_HINT)
    n = np.size(x) / np.size(ans) - ddof
    d = x - np.mean(x) if axis is None else x - np.mean(x, axis=axis, keepdims=True)
    if axis is None or keepdims:
        return g * d * (2.0 / n)
    return np.expand_dims(g, axis) * d * (2.0 / n)


def _var_jvp(t, ans, x, axis=None, dtype=None, out=None, ddof=0, keepdims=False,
             where=True):
    if np.ndim(where) != 0:
        x = unsupported(x, "the where= argument of max, min, prod, var and std", WHERE_HINT)
    n = np.size(x) / np.size(ans) - ddof
    d = x - np.mean(x) if axis is None else x - np.mean(x, axis=axis, keepdims=True)
    if axis is None and not keepdims:
        return np.sum(t * d) * (2.0 / n)
    return np.sum(t * d, axis=axis, keepdims=keepdims) * (2.0 / n)


def _std(g, ans, x, axis=None, dtype=None, out=None, ddof=0, keepdims=False,
         where=True):
    if np.ndim(where) != 0:
        x = unsupported(x, "the where= argument of max, min, prod, var and std", WHERE_HINT)
    n = np.size(x) / np.size(ans) - ddof
    d = x - np.mean(x) if axis is None else x - np.mean(x, axis=axis, keepdims=True)
    if axis is None and not keepdims:  # one spread: a branch, not np.where
        return g * (0.0 if ans == 0.0 else 1.0 / (n * ans)) * d
    # no spread: the factor is 0 (not 1/0), so derivatives of this derivative are 0 too
    some = ans != 0.0
    scale = some / (n * np.where(some, ans, 1.0))
    if keepdims:
        return g * scale * d
    return np.expand_dims(g * scale, axis) * d


def _std_jvp(t, ans, x, axis=None, dtype=None, out=None, ddof=0, keepdims=False,
             where=True):
    if np.ndim(where) != 0:
        x = unsupported(x, "the where= argument of max, min, prod, var and std", WHERE_HINT)
    n = np.size(x) / np.size(ans) - ddof
    d = x - np.mean(x) if axis is None else x - np.mean(x, axis=axis, keepdims=True)
    if axis is None and not keepdims:  # as in `_std`
        return np.sum(t * d) * (0.0 if ans == 0.0 else 1.0 / (n * ans))
    some = ans != 0.0
    scale = some / (n * np.where(some, ans, 1.0))
    return np.sum(t * d, axis=axis, keepdims=keepdims) * scale


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


def _last_pad(ndim: int, before: int, after: int) -> tuple[tuple[int, int], ...]:
    """`np.pad` widths that pad only the last of `ndim` axes, with `before` and `after`
    zeros: a shift along that axis."""
    return ((0, 0),) * (ndim - 1) + ((before, after),)


def _strides(n: int) -> tuple[int, ...]:
    """1, 2, 4, ... below n: the steps of a scan over n items in ceil(log2(n)) passes."""
    return tuple(2 ** i for i in range(max(n - 1, 0).bit_length()))


def _cumprod(g, ans, x, axis=None, dtype=None, out=None):
    """The adjoint of x_k is (the product of the items before it) times
    s_k = g_k + x_{k+1} * s_{k+1}, a linear recurrence run as a scan in log2(n) passes of
    shifted products, with no division: exact where x has zeros, and differentiable again."""
    n = np.size(x) if axis is None else np.shape(x)[axis]
    if axis is None:  # over the flattened x: g and ans are flat already
        xs = np.ravel(x) if np.ndim(x) != 1 else x
        gs = g
        ys = ans
    elif axis % np.ndim(x) == np.ndim(x) - 1:
        xs, gs, ys = x, g, ans
    else:  # along the last axis
        xs = np.moveaxis(x, axis, -1)
        gs = np.moveaxis(g, axis, -1)
        ys = np.moveaxis(ans, axis, -1)
    width = np.ndim(xs)
    before = np.concatenate((np.ones_like(ys[..., :1]), ys[..., :-1]), -1)
    suffix = gs
    link = np.pad(xs[..., 1:], _last_pad(width, 0, 1))  # x_{k+1}: joins s_{k+1} to s_k
    for step in _strides(n):
        suffix = suffix + link * np.pad(suffix[..., step:], _last_pad(width, 0, step))
        link = link * np.pad(link[..., step:], _last_pad(width, 0, step))
    if axis is None:
        return np.reshape(before * suffix, np.shape(x))
    if axis % np.ndim(x) == np.ndim(x) - 1:
        return before * suffix
    return np.moveaxis(before * suffix, -1, axis)


def _cumprod_jvp(t, ans, x, axis=None, dtype=None, out=None):
    """The tangent of ans_i is the sum over k <= i of t_k times the product of the other
    items up to i: the recurrence T_i = t_i * ans_{i-1} + x_i * T_{i-1}, run as in
    `_cumprod`."""
    n = np.size(x) if axis is None else np.shape(x)[axis]
    if axis is None:
        xs = np.ravel(x) if np.ndim(x) != 1 else x
        ts = np.ravel(t) if np.ndim(t) != 1 else t
        ys = ans
    elif axis % np.ndim(x) == np.ndim(x) - 1:
        xs, ts, ys = x, t, ans
    else:
        xs = np.moveaxis(x, axis, -1)
        ts = np.moveaxis(t, axis, -1)
        ys = np.moveaxis(ans, axis, -1)
    width = np.ndim(xs)
    prefix = ts * np.concatenate((np.ones_like(ys[..., :1]), ys[..., :-1]), -1)
    link = xs  # x_i: joins T_{i-1} to T_i
    for step in _strides(n):
        prefix = prefix + link * np.pad(prefix[..., :-step], _last_pad(width, step, 0))
        link = link * np.pad(link[..., :-step], _last_pad(width, step, 0))
    if axis is None or axis % np.ndim(x) == np.ndim(x) - 1:
        return prefix
    return np.moveaxis(prefix, -1, axis)


defvjp(np.cumprod, _cumprod)
defjvp(np.cumprod, _cumprod_jvp)
