"""Rules for NumPy's products (matmul, dot, inner, outer, tensordot, kron, einsum) and the
diagonal and triangle operations (trace, diagonal, diag, triu, tril).

Products of more than two dimensions are written as einsum: the helpers below derive, from
the operands' dimensions and constant arguments, the einsum subscripts that give each
operand's adjoint. When those are known at compile time the helpers run then, and their
result appears in the generated code as a literal.
"""

from __future__ import annotations

import operator
import string

import numpy as np

from ..backend.runtime import unbroadcast
from .numpy_common import _axis, _unsupported
from .registry import deflinear, defmultilinear, defvjp

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


def _embed_diagonal(d, shape, offset=0, axis1=0, axis2=1):
    """An array of `shape`, zero but for `d` on the diagonal that `np.diagonal` reads."""
    out = np.zeros(shape, dtype=np.result_type(d, float))
    view = np.moveaxis(out, (axis1, axis2), (-2, -1))
    i = np.arange(np.shape(d)[-1])
    view[..., i + max(-offset, 0), i + max(offset, 0)] = d
    return out


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
