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

from ..runtime import unbroadcast
from .numpy_common import nonneg_axis
from .registry import deflinear, defjvp, defmultilinear, defnondiff, defvjp

# einsum, and the products written as einsum (tensordot, dot and inner of many dimensions).

_LETTERS = string.ascii_letters


def einsum_parts(subscripts):
    """The operands' subscripts and the output's, with implicit output made explicit."""
    if not isinstance(subscripts, str):
        raise NotImplementedError("the interleaved form of np.einsum (operand, sublist, ...) "
                                  "has no vector-mode rule: pass a subscripts string")
    s = subscripts.replace(" ", "")
    if "->" in s:
        ins, out = s.split("->")
        return ins.split(","), out
    letters = s.replace(",", "").replace(".", "")
    out = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    return s.split(","), ("..." if "..." in s else "") + out


def _einsum_explicit(subscripts, *ndims):
    """`subscripts` for operands of `ndims` dimensions with every ellipsis spelled out in
    letters of its own and the output explicit: "...ij,jk" of a 3-d and a 2-d operand is
    "aij,jk->aik". Ellipses align from the right, as their dimensions broadcast."""
    ins, out = einsum_parts(subscripts)
    widths = [ndim - len(term.replace("...", "")) if "..." in term else 0
              for term, ndim in zip(ins, ndims)]
    free = [c for c in _LETTERS if c not in subscripts]
    dots = "".join(free[:max(widths, default=0)])
    terms = [term.replace("...", dots[len(dots) - w:]) for term, w in zip(ins, widths)]
    return ",".join(terms) + "->" + out.replace("...", dots)


def einsum_has_subscripts(first):
    """Whether einsum's first argument is a subscripts string, not an operand."""
    return isinstance(first, str)


def _einsum_sublists(args, shapes):
    """The subscripts of `np.einsum(x0, sublist0, x1, sublist1, ..., [output])` for operands
    of `shapes`: sublist items are indices into the letters, or Ellipsis."""
    def letters(sublist):
        return "".join("..." if i is Ellipsis else _LETTERS[i] for i in sublist)
    ins = ",".join(letters(args[j]) for j in range(1, len(args), 2))
    out = "->" + letters(args[-1]) if len(args) % 2 else ""
    return _einsum_explicit(ins + out, *[len(shape) for shape in shapes])


def _einsum_target(subscripts, k):
    """The subscripts of operand k's adjoint as one einsum can give it: operand k's letters
    that occur elsewhere, each once."""
    ins, out = einsum_parts(subscripts)
    others = out + "".join(ins[:k] + ins[k + 1:])
    spec = ins[k].replace("...", ".")
    target = "".join(c for i, c in enumerate(spec)
                     if (c == "." or c in others) and c not in spec[:i])
    return target.replace(".", "...")


def _einsum_vjp_subscripts(subscripts, k):
    """einsum subscripts for operand k's adjoint: the output takes operand k's place."""
    ins, out = einsum_parts(subscripts)
    return ",".join(ins[:k] + [out] + ins[k + 1:]) + "->" + _einsum_target(subscripts, k)


def _einsum_spread_subscripts(subscripts, k):
    """"" when the einsum gives operand k's adjoint whole; else "target->operand", for the
    letters it must broadcast over or the diagonal it must fill."""
    target = _einsum_target(subscripts, k)
    spec = einsum_parts(subscripts)[0][k]
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
    view[...] = unbroadcast(np.expand_dims(r, missing) if missing else r, view)
    return out


def _fit(r, x):
    """`r` made the shape of `x` for an einsum adjoint: summed over the axes `x` has of
    length 1 (or lacks), and repeated over those `r` has of length 1 where `x`'s are longer
    (NumPy's einsum broadcasts a letter's length-1 axes against the others)."""
    u = unbroadcast(r, x)
    return u if np.shape(u) == np.shape(x) else u + np.zeros(np.shape(x))


def _swap_subscripts(subscripts):
    """"dst->src" for "src->dst"."""
    src, dst = subscripts.split("->")
    return dst + "->" + src


def tensordot_subscripts(ndim_a, ndim_b, axes):
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


def dot_subscripts(ndim_a, ndim_b):
    """The einsum subscripts of `np.dot(a, b)`: a's last axis with b's second to last."""
    return tensordot_subscripts(ndim_a, ndim_b, ([-1], [max(ndim_b - 2, 0)]))


def inner_subscripts(ndim_a, ndim_b):
    """The einsum subscripts of `np.inner(a, b)`: the last axes of both."""
    return tensordot_subscripts(ndim_a, ndim_b, ([-1], [-1]))


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
            spec = dot_subscripts(np.ndim(a), np.ndim(b))
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
            spec = dot_subscripts(np.ndim(a), np.ndim(b))
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
    spec = inner_subscripts(np.ndim(a), np.ndim(b))
    return np.einsum(_einsum_vjp_subscripts(spec, 0), g, b)


def _inner_b(g, ans, a, b):
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * a, b)
    spec = inner_subscripts(np.ndim(a), np.ndim(b))
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
    spec = tensordot_subscripts(np.ndim(a), np.ndim(b), axes)
    return np.einsum(_einsum_vjp_subscripts(spec, 0), g, b)


def _tensordot_b(g, ans, a, b, axes=2):
    spec = tensordot_subscripts(np.ndim(a), np.ndim(b), axes)
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


def _einsum_sublist_adjoint(i, shape, *args):
    """The adjoint of argument i, an operand of `shape`, of `np.einsum(x0, sublist0, x1,
    sublist1, ..., [output])`, the interleaved form: `args` are einsum's arguments with the
    output's adjoint in argument i's place (and Nones after them)."""
    while args[-1] is None:
        args = args[:-1]
    xs = args[0:len(args) - len(args) % 2:2]
    spec = _einsum_sublists(args, [shape if 2 * j == i else np.shape(x)
                                   for j, x in enumerate(xs)])
    r = np.einsum(_einsum_vjp_subscripts(spec, i // 2), *xs)
    spread = _einsum_spread_subscripts(spec, i // 2)
    if spread:
        r = _einsum_spread(r, spread, shape)
    return _fit(r, np.broadcast_to(0.0, shape))


def einsum_adjoint(i, g, head, rest):
    """The adjoint of positional argument i of `np.einsum(*head, *rest)`, in either form and
    with any number of operands, for the output's adjoint `g`: the einsum with `g` in that
    operand's place. Nones after the arguments pad `head`."""
    args = list(head) + list(rest)
    while args[-1] is None:
        args.pop()
    if not isinstance(args[0], str):
        return _einsum_sublist_adjoint(i, np.shape(args[i]), *args[:i], g, *args[i + 1:])
    ops = args[1:]
    spec = _einsum_explicit(args[0], *[np.ndim(x) for x in ops])
    r = np.einsum(_einsum_vjp_subscripts(spec, i - 1), *ops[:i - 1], g, *ops[i:])
    spread = _einsum_spread_subscripts(spec, i - 1)
    if spread:
        r = _einsum_spread(r, spread, np.shape(ops[i - 1]))
    return _fit(r, ops[i - 1])


def einsum_adjoint_tangent(i, g, head, rest, dhead, drest):
    """The tangent of `einsum_adjoint(i, g, head, rest)` given those of `head` or of `rest`
    (the other None): one term per operand but argument i, in which it is linear. Strings,
    sublists and scalar zeros (the tangents of constants) add nothing."""
    args = tuple(head) + tuple(rest)
    dargs = (dhead if dhead is not None else (0.0,) * len(head)) + \
        (drest if drest is not None else (0.0,) * len(rest))
    total = np.zeros(np.shape(args[i]))
    for j, (a, d) in enumerate(zip(args, dargs)):
        if j != i and a is not None and not isinstance(a, (str, list, tuple)) and \
                not (np.ndim(d) == 0 and d == 0):
            total = total + einsum_adjoint(i, g, args[:j] + (d,) + args[j + 1:], ())
    return total


def _einsum_vjp(i):
    """The adjoint of positional argument i of `np.einsum`. In the subscripts form it is
    operand i - 1, whose adjoint is the same einsum with the output's adjoint in its place;
    in the interleaved form, operand i // 2. Up to six operands the code is spelled out;
    with more, `einsum_adjoint` takes them all."""
    def vjp(g, ans, a0, a1=None, a2=None, a3=None, a4=None, a5=None, a6=None, a7=None,
            a8=None, a9=None, a10=None, a11=None, a12=None, a13=None, a14=None, *rest):
        if i > 14:
            return einsum_adjoint(i, g, (a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11,
                                         a12, a13, a14), rest)
        if i % 2 == 0 and (i == 0 or not einsum_has_subscripts(a0)):  # constant for a string
            if a13 is not None:
                return einsum_adjoint(i, g, (a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11,
                                             a12, a13, a14), rest)
            return _einsum_sublist_adjoint(
                i, np.shape((a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14)[i]),
                g if i == 0 else a0, a1, g if i == 2 else a2, a3, g if i == 4 else a4, a5,
                g if i == 6 else a6, a7, g if i == 8 else a8, a9, g if i == 10 else a10, a11,
                a12)
        if a7 is not None:  # also when i > 6
            return einsum_adjoint(i, g, (a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12,
                                         a13, a14), rest)
        spec = _einsum_explicit(a0, np.ndim(a1), np.ndim(a2), np.ndim(a3), np.ndim(a4),
                                np.ndim(a5), np.ndim(a6))
        vjp_spec = _einsum_vjp_subscripts(spec, i - 1)
        b1, b2, b3 = g if i == 1 else a1, g if i == 2 else a2, g if i == 3 else a3
        b4, b5, b6 = g if i == 4 else a4, g if i == 5 else a5, g if i == 6 else a6
        if a2 is None:
            r = np.einsum(vjp_spec, b1)
        elif a3 is None:
            r = np.einsum(vjp_spec, b1, b2)
        elif a4 is None:
            r = np.einsum(vjp_spec, b1, b2, b3)
        elif a5 is None:
            r = np.einsum(vjp_spec, b1, b2, b3, b4)
        elif a6 is None:
            r = np.einsum(vjp_spec, b1, b2, b3, b4, b5)
        else:
            r = np.einsum(vjp_spec, b1, b2, b3, b4, b5, b6)
        x = (a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14)[i]
        spread = _einsum_spread_subscripts(spec, i - 1)
        if spread:
            r = _einsum_spread(r, spread, np.shape(x))
        if np.shape(r) != np.shape(x):  # axes of length 1 broadcast against others
            return _fit(r, x)
        return r
    return vjp


defvjp(np.einsum, *[_einsum_vjp(i) for i in range(2 * 64 + 1)])  # NumPy's most operands
defmultilinear(_einsum_sublist_adjoint)  # forward mode is all a derivative of it needs
defnondiff(einsum_has_subscripts, _einsum_explicit)  # the interleaved form lowers both paths
defjvp(einsum_adjoint, None,
       lambda t, ans, i, g, head, rest: einsum_adjoint(i, t, head, rest),
       lambda t, ans, i, g, head, rest: einsum_adjoint_tangent(i, g, head, rest, t, None),
       lambda t, ans, i, g, head, rest: einsum_adjoint_tangent(i, g, head, rest, None, t))
defvjp(_einsum_spread, lambda g, ans, r, subscripts, shape: _fit(np.einsum(
    _swap_subscripts(subscripts), g), r))
defvjp(_fit, lambda g, ans, r, x: _fit(g, r))
deflinear(_fit)
deflinear(_einsum_spread)
defmultilinear(np.matmul, np.dot, np.inner, np.outer, np.tensordot, np.kron, np.einsum)


def _trace(g, ans, x, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    shape = np.shape(x)
    eye = np.eye(shape[axis1], shape[axis2], offset)
    if np.ndim(x) == 2 and nonneg_axis((axis1, axis2), 2) == (0, 1):
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
