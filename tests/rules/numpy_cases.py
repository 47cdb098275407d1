"""Small functions of NumPy primitives, with the argument shapes to test each one at.

`CASES` lists `Case(name, fn, variants, prims)`: `fn` takes float arguments only (arrays or
Python floats), each variant is a tuple of `Arg`s that draw its arguments, and `prims` are the
primitives whose rules the case exercises. Values are drawn inside each primitive's domain and
away from its kinks, so central differences are a sound oracle.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from s2sgrad import runtime

method, attr = runtime.method, runtime.attr


def _zeros(size: int, domain: str) -> list[int]:
    """Flat positions of the zeros of domain "z1" (one, mid-array) or "z" (items 0, 1, 5 and
    the last: a (3, 4) array gets two zeros in its first row and in its second column, one in
    other rows and columns, and none in its third column)."""
    if domain == "z1":
        return [size // 2]
    return sorted({i for i in (0, 1, 5, size - 1) if i < size})


@dataclass(frozen=True)
class Arg:
    """How to draw one argument: a domain and a shape (None: a Python float)."""

    domain: str = "n"
    shape: tuple | None = None

    def draw(self, rng: np.random.Generator) -> Any:
        shape = self.shape if self.shape is not None else ()
        n = shape[-1] if shape else 1
        if self.domain == "n":
            x = rng.normal(size=shape)
        elif self.domain == "p":  # positive
            x = rng.uniform(0.5, 2.0, size=shape)
        elif self.domain == "u":  # inside (-1, 1)
            x = rng.uniform(-0.8, 0.8, size=shape)
        elif self.domain == "g":  # greater than 1
            x = rng.uniform(1.2, 3.0, size=shape)
        elif self.domain == "a":  # away from zero
            x = rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.5, 2.0, size=shape)
        elif self.domain == "m":  # square matrices, well conditioned
            x = rng.normal(size=shape) + 3.0 * np.eye(n)
        elif self.domain == "spd":  # symmetric positive definite
            b = rng.normal(size=shape)
            x = b @ np.swapaxes(b, -1, -2) + n * np.eye(n)
        elif self.domain == "singular":  # the last row of the first matrix is zero
            x = rng.normal(size=shape)
            x.reshape((-1,) + shape[-2:])[0, -1] = 0.0
        elif self.domain == "small_sv":  # singular values 3, 2.5, ..., and a last one of 0.05
            m, k = shape[-2], min(shape[-2:])
            u, _ = np.linalg.qr(rng.normal(size=shape[:-2] + (m, k)))
            v, _ = np.linalg.qr(rng.normal(size=shape[:-2] + (n, k)))
            sv = np.append(3.0 - 0.5 * np.arange(k - 1), 0.05)
            x = (u * sv) @ np.swapaxes(v, -1, -2)
        elif self.domain in ("spd_lower", "spd_upper"):  # one triangle spd, the other noise
            b = rng.normal(size=shape)
            x = b @ np.swapaxes(b, -1, -2) + n * np.eye(n)
            noise = 3.0 * rng.normal(size=shape)
            x = x + (np.triu(noise, 1) if self.domain == "spd_lower" else np.tril(noise, -1))
        elif self.domain == "sym":  # symmetric, eigenvalues well apart
            q, _ = np.linalg.qr(rng.normal(size=shape))
            x = (q * (np.arange(n) * 1.5 + 1.0)[..., None, :]) @ np.swapaxes(q, -1, -2)
        elif self.domain in ("z", "z1"):  # away from zero, with zeros placed deliberately
            x = rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.5, 2.0, size=shape)
            x.flat[_zeros(x.size, self.domain)] = 0.0
        else:
            raise ValueError(self.domain)
        return float(x) if self.shape is None else np.asarray(x, dtype=float)

    def __repr__(self) -> str:
        return f"{self.domain}{'f' if self.shape is None else list(self.shape)}"


@dataclass
class Case:
    name: str
    fn: Callable[..., Any]
    variants: list[tuple[Arg, ...]]
    prims: tuple


CASES: list[Case] = []


def case(prims, *variants, name=None, into=CASES):
    """Register the decorated function with its variants (each a tuple of Args, or one Arg)."""
    def register(fn):
        vs = [v if isinstance(v, tuple) else (v,) for v in variants]
        into.append(Case(name or fn.__name__, fn, vs, prims if isinstance(prims, tuple)
                         else (prims,)))
        return fn
    return register


def A(*shape, domain="n"):
    return Arg(domain, tuple(shape))


F = Arg("n")  # a Python float


def weighted(fn, w, n):
    """`sum(fn(*args) * w)`: a scalar loss whose gradient tests every output of fn."""
    if n == 1:
        def loss(x):
            return np.sum(fn(x) * w)
    elif n == 2:
        def loss(x, y):
            return np.sum(fn(x, y) * w)
    elif n == 3:
        def loss(x, y, z):
            return np.sum(fn(x, y, z) * w)
    else:
        def loss(x, y, z, t):
            return np.sum(fn(x, y, z, t) * w)
    return loss


# -- elementwise -----------------------------------------------------------------------------

def _unary(f):
    def fn(x):
        return f(x)
    return fn


def _binary(f):
    def fn(x, y):
        return f(x, y)
    return fn


for _f, _d in ((np.exp, "n"), (np.exp2, "n"), (np.expm1, "n"), (np.log, "p"), (np.log1p, "p"),
               (np.log2, "p"), (np.log10, "p"), (np.sqrt, "p"), (np.cbrt, "a"),
               (np.square, "n"), (np.reciprocal, "a"), (np.negative, "n"),
               (np.positive, "n"), (np.absolute, "a"), (np.fabs, "a"), (np.sin, "n"),
               (np.cos, "n"), (np.tan, "u"), (np.arcsin, "u"), (np.arccos, "u"),
               (np.arctan, "n"), (np.sinh, "n"), (np.cosh, "n"), (np.tanh, "n"),
               (np.arcsinh, "n"), (np.arccosh, "g"), (np.arctanh, "u"), (np.deg2rad, "n"),
               (np.rad2deg, "n"), (np.degrees, "n"), (np.radians, "n"), (np.sinc, "a")):
    CASES.append(Case(_f.__name__, _unary(_f),
                      [(A(3, domain=_d),), (A(2, 3, domain=_d),), (Arg(_d),)], (_f,)))

for _f, _d1, _d2 in ((np.add, "n", "n"), (np.subtract, "n", "n"), (np.multiply, "n", "n"),
                     (np.divide, "n", "a"), (np.power, "p", "n"), (np.arctan2, "n", "a"),
                     (np.hypot, "a", "a"), (np.logaddexp, "n", "n"),
                     (np.logaddexp2, "n", "n"), (np.maximum, "n", "n"),
                     (np.minimum, "n", "n"), (np.fmax, "n", "n"), (np.fmin, "n", "n")):
    CASES.append(Case(_f.__name__, _binary(_f), [
        (A(3, domain=_d1), A(3, domain=_d2)), (A(2, 3, domain=_d1), A(3, domain=_d2)),
        (Arg(_d1), A(2, 1, domain=_d2))], (_f,)))


@case(np.remainder, (A(3, domain="p"), A(3, domain="g")), (A(2, 3, domain="p"), Arg("g")))
def remainder(x, y):
    return np.remainder(x, y + 1.5)


@case(np.abs, A(4, domain="a"), A(2, 3, domain="a"))
def np_abs(x):
    return np.abs(x) * x


@case(np.sign, A(4, domain="a"), A(2, 3, domain="a"))
def sign(x):
    return np.sign(x) * x + np.sign(x * x)  # the sign itself has derivative zero


@case(np.heaviside, A(4), A(2, 3))
def heaviside(y):
    x = np.arange(np.size(y)).reshape(np.shape(y)) % 3 - 1.0  # -1, 0, 1: some zeros
    return np.heaviside(x, y * 2.0) + np.heaviside(x, 0.5) * y


@case(np.full, F, A(3), A(2, 1))
def full(x):
    return np.full((2, 3), x) * np.arange(1.0, 7.0).reshape(2, 3)


@case(np.full_like, (A(4), F), (A(2, 3), A(3)))
def full_like(x, y):
    return np.full_like(x, y) * x


@case(np.bincount, A(4), A(7))
def bincount(x):
    return np.bincount(np.arange(np.size(x)) % 3, x, minlength=4) * np.array([1.0, 2, 3, 4])


@case(np.sinc, A(3), A(2, 2))
def sinc_at_zero(x):
    return np.sinc(x * np.array([0.0, 1.0, 1.0])[: np.shape(x)[-1]])


@case(np.where, (A(4), A(4)), (A(2, 3), A(3)))
def where(x, y):
    return np.where(x > 0.0, x * x, y)


@case(np.where, (A(4), F), (A(3, 1), A(1, 4)))
def where_scalar(x, y):
    return np.where(x < 0.3, 2.0 * x, y) + np.where(x > 0.0, 1.0, y)


@case(np.clip, A(6), A(2, 5))
def clip(x):
    return np.clip(x, -0.5, 0.7)


@case(np.clip, (A(6), A(6), A(6, domain="p")), (A(2, 3), A(3), A(2, 1, domain="p")))
def clip_bounds(x, lo, hi):
    return np.clip(x, lo - 1.0, hi)


@case(method("clip"), A(6), A(2, 5))
def clip_method(x):
    return x.clip(-0.5, 0.7) + x.clip(0.1)


# -- reductions ------------------------------------------------------------------------------

_AXES = ((None, False), (None, True), (0, False), (-1, True), ((0, -1), False), (1, True))


def _reduction(f, axis, keepdims):
    def fn(x):
        return f(x, axis=axis, keepdims=keepdims)
    return fn


for _f, _d in ((np.sum, "n"), (np.mean, "n"), (np.prod, "a"), (np.max, "n"), (np.min, "n"),
               (np.amax, "n"), (np.amin, "n"), (np.var, "n"), (np.std, "n")):
    for _axis, _keep in _AXES:
        CASES.append(Case(f"{_f.__name__}-axis{_axis}-keep{_keep}",
                          _reduction(_f, _axis, _keep),
                          [(A(3, 4, domain=_d),), (A(2, 3, 4, domain=_d),)], (_f,)))


for _axis, _keep in _AXES:  # zeros: the adjoint of each item is the product of the others
    CASES.append(Case(f"prod-zeros-axis{_axis}-keep{_keep}", _reduction(np.prod, _axis, _keep),
                      [(A(3, 4, domain="z"),), (A(2, 3, 4, domain="z"),)], (np.prod,)))


@case((np.prod, method("prod")), A(5, domain="z1"), A(3, 4, domain="z1"), A(4, domain="z"))
def prod_one_zero(x):
    return np.prod(x) + x.prod(axis=-1) * 2.0


@case(np.prod, A(3, 4, domain="z"), A(2, 5, domain="z1"))
def prod_initial(x):
    return np.prod(x, axis=1, initial=2.0) + np.prod(x, axis=0, keepdims=True, initial=-1.5)[0, 0]


@case(np.sum, A(5), A(2, 3))
def sum_positional(x):
    return np.sum(x, 0) + np.sum(x)


@case((np.var, np.std), A(5), A(3, 4))
def var_ddof(x):
    return np.var(x, ddof=1) + np.std(x, axis=0, ddof=1)


@case((np.sum, np.mean), A(2, 3), A(4, 3))
def where_mask(x):
    mask = np.array([True, False, True])
    return np.sum(x, axis=0, where=mask) + np.mean(x, axis=1, where=mask) @ np.ones(
        np.shape(x)[0]) + np.sum(x * x, where=x > 0.0) + np.mean(x, where=mask, keepdims=True)


@case(np.sum, F, A(3))
def sum_of_float(x):
    return np.sum(x * x)


def _cumulative(f, axis):
    def fn(x):
        return f(x, axis=axis)
    return fn


for _f in (np.cumsum, np.cumprod):
    for _axis in (None, 0, -1):
        CASES.append(Case(f"{_f.__name__}-axis{_axis}", _cumulative(_f, _axis),
                          [(A(5, domain="a"),), (A(3, 4, domain="a"),)], (_f,)))


for _axis in (None, 0, -1):
    CASES.append(Case(f"cumprod-zeros-axis{_axis}", _cumulative(np.cumprod, _axis),
                      [(A(6, domain="z"),), (A(3, 4, domain="z"),), (A(7, domain="z1"),)],
                      (np.cumprod,)))


@case(np.sort, A(6), A(3, 4))
def sort(x):
    return np.sort(x) * np.arange(1.0, np.shape(x)[-1] + 1.0)


@case(np.sort, A(6), A(3, 4))
def sort_axis(x):
    return np.sort(x, axis=0) + np.sort(x, axis=None)[0]


@case((np.take, method("take")), A(5), A(3, 4))
def take(x):
    return np.take(x, [[0, 2], [2, -1]]) * 2.0 + np.take(x, 1) * x.take([[3, 3], [0, 4]])


@case(np.take, A(4, 3), A(3, 2, 4))
def take_axis(x):
    rows = np.take(x, np.array([[1, 0], [1, 1]]), axis=1)
    return rows * 3.0 + np.take(x, [3, -1, 0, 3], axis=0, mode="clip").sum() + np.take(
        x, [5, -1], axis=-1, mode="wrap").sum()


@case(np.take_along_axis, A(5), A(3, 4))
def take_along_axis(x):
    return np.take_along_axis(x, np.argsort(x, axis=-1)[..., ::-1], axis=-1)


# -- products --------------------------------------------------------------------------------

_MATMUL_SHAPES = ((A(3, 4), A(4, 2)), (A(4), A(4, 2)), (A(3, 4), A(4)), (A(4), A(4)),
                  (A(2, 3, 4), A(4, 5)), (A(2, 3, 4), A(2, 4, 5)), (A(4), A(2, 4, 5)),
                  (A(2, 3, 4), A(4)), (A(1, 3, 4), A(2, 4, 2)), (A(3, 4), A(2, 4, 2)))


@case(operator.matmul, *_MATMUL_SHAPES)
def matmul_operator(x, y):
    return x @ y


@case(np.matmul, *_MATMUL_SHAPES)
def matmul(x, y):
    return np.matmul(x, y)


@case(np.dot, (A(3, 4), A(4, 2)), (A(4), A(4, 2)), (A(3, 4), A(4)), (A(4), A(4)),
      (F, A(3)), (A(2, 3), F), (A(2, 3, 4), A(4, 5)), (A(2, 3, 4), A(3, 4, 2)),
      (A(4), A(3, 4, 2)))
def dot(x, y):
    return np.dot(x, y)


@case(method("dot"), (A(3, 4), A(4, 2)), (A(4), A(4)))
def dot_method(x, y):
    return x.dot(y)


@case(np.inner, (A(4), A(4)), (A(3, 4), A(2, 4)), (A(2, 3, 4), A(4)), (F, A(3)))
def inner(x, y):
    return np.inner(x, y)


@case(np.outer, (A(3), A(4)), (A(2, 2), A(3)))
def outer(x, y):
    return np.outer(x, y)


@case(np.tensordot, (A(2, 3, 4), A(3, 4, 5)), (A(3, 4), A(3, 4)))
def tensordot(x, y):
    return np.tensordot(x, y)


@case(np.tensordot, (A(2, 3), A(3, 4)), (A(2, 3, 4), A(4, 2)))
def tensordot_1(x, y):
    return np.tensordot(x, y, axes=1)


@case(np.tensordot, (A(3, 2, 4), A(2, 3, 5)), (A(2, 3), A(3, 2)))
def tensordot_pairs(x, y):
    return np.tensordot(x, y, axes=([1, 0], [0, 1]))


@case(np.tensordot, (A(2), A(3)), (A(2, 2), A(3)))
def tensordot_0(x, y):
    return np.tensordot(x, y, axes=0)


@case(np.kron, (A(2, 3), A(3, 2)), (A(3), A(2, 2)), (A(2, 2), A(3)))
def kron(x, y):
    return np.kron(x, y)


def _einsum2(subscripts):
    def fn(x, y):
        return np.einsum(subscripts, x, y)
    return fn


def _einsum1(subscripts):
    def fn(x):
        return np.einsum(subscripts, x)
    return fn


for _s, _v in (("ij,jk->ik", [(A(3, 4), A(4, 2)), (A(2, 2), A(2, 5))]),
               ("ij,jk", [(A(3, 4), A(4, 2)), (A(1, 2), A(2, 5))]),
               ("ij,ij->", [(A(3, 4), A(3, 4)), (A(2, 5), A(2, 5))]),
               ("i,j->ij", [(A(3), A(4)), (A(2), A(2))]),
               ("bi,bj->bij", [(A(2, 3), A(2, 4)), (A(3, 1), A(3, 2))]),
               ("...ij,...jk->...ik", [(A(2, 3, 4), A(2, 4, 2)), (A(1, 3, 4), A(2, 4, 2))]),
               ("ij,jk->i", [(A(3, 4), A(4, 2)), (A(2, 2), A(2, 3))]),
               ("ij,j->ij", [(A(3, 4), A(4)), (A(2, 2), A(2))])):
    CASES.append(Case(f"einsum-{_s}", _einsum2(_s), _v, (np.einsum,)))

for _s, _v in (("ij->i", [(A(3, 4),), (A(2, 5),)]),
               ("ii->i", [(A(3, 3),), (A(4, 4),)]),
               ("ii", [(A(3, 3),), (A(2, 2),)]),
               ("ijk->kji", [(A(2, 3, 4),), (A(2, 2, 2),)]),
               ("iij->j", [(A(2, 2, 3),), (A(3, 3, 1),)]),
               ("...i->...", [(A(2, 3),), (A(2, 3, 4),)])):
    CASES.append(Case(f"einsum-{_s}", _einsum1(_s), _v, (np.einsum,)))


@case(np.einsum, (A(2, 3), A(3, 4), A(4, 2)), (A(1, 2), A(2, 2), A(2, 3)))
def einsum_three(x, y, z):
    return np.einsum("ij,jk,kl->il", x, y, z)


@case(np.trace, A(3, 4), A(4, 4))
def trace(x):
    return np.trace(x) * np.trace(x, 1)


@case((np.trace, method("trace")), A(2, 3, 3), A(3, 2, 4))
def trace_axes(x):
    return np.trace(x, axis1=1, axis2=2) + x.trace(0, 2, 1)


@case(np.diag, A(3), A(4))
def diag_of_vector(x):
    return np.diag(x) + np.diag(x, 1)[1:, :-1]


@case(np.diag, A(3, 4), A(4, 4))
def diag_of_matrix(x):
    return np.diag(x) + np.diag(x, -1)[0]


@case((np.diagonal, method("diagonal")), A(3, 4), A(2, 3, 4))
def diagonal(x):
    return np.diagonal(x, -1) + x.diagonal()[..., 0]


@case(np.diagonal, A(2, 3, 4), A(3, 4, 4))
def diagonal_axes(x):
    return np.diagonal(x, 1, axis1=1, axis2=2)


@case((np.triu, np.tril), A(3, 4), A(4, 4))
def triangles(x):
    return np.triu(x) * 2.0 + np.tril(x, -1) * x


# -- shape operations ------------------------------------------------------------------------

@case(np.reshape, A(3, 4), A(12))
def reshape(x):
    return np.reshape(x, (2, 6)) * np.arange(12.0).reshape(2, 6)


@case(np.reshape, A(3, 4), A(2, 6))
def reshape_order_f(x):
    return np.reshape(x, (4, 3), order="F") * np.arange(12.0).reshape(4, 3)


@case(method("reshape"), A(3, 4), A(2, 6))
def reshape_method(x):
    return x.reshape(6, -1)[0] + x.reshape((2, 6))[:, 1]


@case((np.ravel, method("ravel"), method("flatten")), A(3, 4), A(2, 3, 2))
def ravel(x):
    return np.ravel(x)[::2] + x.ravel()[1::2] * x.flatten()[::2]


@case(np.transpose, A(3, 4), A(2, 3, 4))
def transpose(x):
    return np.transpose(x) * np.arange(1.0, 1.0 + np.size(x)).reshape(np.shape(x)[::-1])


@case(np.transpose, A(2, 3, 4), A(3, 4, 5))
def transpose_axes(x):
    return np.transpose(x, (1, 0, 2)) + np.transpose(x, (-2, 0, -1)) * 2.0


@case(method("transpose"), A(2, 3, 4), A(3, 4, 2))
def transpose_method(x):
    return x.transpose(1, 0, 2) * x.transpose((1, 0, 2)) + x.transpose().transpose(1, 2, 0)


@case(attr("T"), A(3, 4), A(2, 3, 4))
def transpose_attr(x):
    return x.T * np.arange(1.0, 1.0 + np.size(x)).reshape(np.shape(x)[::-1])


@case((np.swapaxes, method("swapaxes")), A(2, 3, 4), A(3, 4))
def swapaxes(x):
    return np.swapaxes(x, 0, -1) * 2.0 + x.swapaxes(-1, 0) * x.swapaxes(0, -1)


@case(np.moveaxis, A(2, 3, 4), A(3, 4, 5))
def moveaxis(x):
    return np.moveaxis(x, 0, -1) + np.moveaxis(x, (0, 1), (2, 0)) * 2.0


@case(np.expand_dims, A(3), A(2, 3))
def expand_dims(x):
    return np.expand_dims(x, 1) * np.expand_dims(x, (0, -1))


@case((np.squeeze, method("squeeze")), A(3, 1), A(1, 3, 1))
def squeeze(x):
    return np.squeeze(x) + x.squeeze() * np.squeeze(x, axis=-1).sum()


@case(np.broadcast_to, A(3), A(2, 1))
def broadcast_to(x):
    return np.broadcast_to(x, (4, 2, 3)) * np.arange(24.0).reshape(4, 2, 3)


@case((np.atleast_1d, np.atleast_2d, np.atleast_3d), F, A(3))
def atleast(x):
    return np.atleast_1d(x) + np.atleast_2d(x * 2.0) + np.atleast_3d(x * x)


@case(np.flip, A(5), A(3, 4))
def flip(x):
    return np.flip(x) * np.arange(np.shape(x)[-1]) + np.flip(x, 0)


@case((np.fliplr, np.flipud), A(3, 4), A(2, 3, 2))
def fliplr_flipud(x):
    return np.fliplr(x) * 2.0 + np.flipud(x) * x


@case(np.roll, A(5), A(3, 4))
def roll(x):
    return np.roll(x, 2) * np.arange(np.size(x)).reshape(np.shape(x)) + np.roll(x, -1, 0)


@case(np.roll, A(3, 4), A(2, 3, 4))
def roll_axes(x):
    return np.roll(x, (1, -2), axis=(0, 1)) * x


@case(np.rot90, A(3, 4), A(2, 3, 4))
def rot90(x):
    return np.rot90(x) * 2.0 + np.rot90(np.rot90(x, 2), -1, axes=(1, 0))


@case(np.tile, A(3), A(2, 3))
def tile(x):
    return np.tile(x, 2) * np.tile(x, (2, 1, 3))[0, 0, 0]


@case(np.tile, A(2, 3), A(2, 2, 3))
def tile_reps(x):
    return np.tile(x, (2, 1, 2))


@case((np.repeat, method("repeat")), A(3), A(2, 3))
def repeat(x):
    return np.repeat(x, 2) * np.arange(2 * np.size(x)) + x.repeat(3)[0]


@case(np.repeat, A(2, 3), A(3, 4))
def repeat_axis(x):
    return np.repeat(x, 3, axis=1) * np.repeat(x, 2, axis=-2)[:, :1].sum()


@case(np.repeat, A(3), A(3, 2))
def repeat_counts(x):
    return np.repeat(x, [2, 0, 3], axis=0) * 2.0 + np.repeat(x, (1, 2, 1), axis=0)[0]


@case(np.concatenate, (A(3), A(2)), (A(2, 3), A(1, 3)))
def concatenate(x, y):
    return np.concatenate((x, y * y)) * 2.0


@case(np.concatenate, (A(2, 3), A(2, 1), A(2, 2)), (A(1, 2), A(1, 1), A(1, 3)))
def concatenate_axis(x, y, z):
    return np.concatenate([x, y, z * x[:, :1]], axis=-1)


@case(np.stack, (A(3), A(3)), (A(2, 3), A(2, 3)))
def stack(x, y):
    return np.stack((x, y * x)) + np.moveaxis(np.stack([y, x], axis=-1), -1, 0) * 2.0


@case(np.hstack, (A(3), A(2)), (A(2, 3), A(2, 1)))
def hstack(x, y):
    return np.hstack((x, y * 2.0)) * np.hstack((x * x, y))


@case(np.hstack, (F, A(2)), (F, A(1)))
def hstack_scalar(x, y):
    return np.hstack((x, y, x * x))


@case(np.column_stack, (A(3), A(3, 2)), (A(4, 1), A(4)))
def column_stack(x, y):
    return np.column_stack((x * x, y, x)) * 2.0 + np.column_stack((y, y))[0, 0]


@case(np.dstack, (A(3), A(3)), (A(2, 3), A(2, 3, 2)), (A(1, 2, 1), A(2)))
def dstack(x, y):
    return np.dstack((x * x, y, x)) * 3.0


@case(np.vstack, (A(3), A(3)), (A(2, 3), A(1, 3)))
def vstack(x, y):
    return np.vstack((x, y * x)) * 3.0


@case(np.split, A(6), A(4, 4))
def split(x):
    a, b = np.split(x, 2)
    return a * b


@case(np.split, A(2, 6), A(3, 5))
def split_indices(x):
    parts = np.split(x, [1, 3], axis=1)
    return parts[0] * parts[2][:, :1] + parts[1][:, 1:]


@case((np.hsplit, np.vsplit), A(4, 2), A(2, 6))
def hsplit_vsplit(x):
    a, b = np.hsplit(x, 2)
    c, d = np.vsplit(x, 2)
    return np.sum(a * b) + c * d


@case(np.hsplit, A(4), A(6))
def hsplit_vector(x):
    a, b = np.hsplit(x, 2)
    return a * b


@case(np.concatenate, A(3), A(2, 2))
def concatenate_constant(x):
    return np.concatenate((x, CONSTANT[: np.shape(x)[0]] * np.ones(np.shape(x)))) ** 2


CONSTANT = np.array([0.5, -1.5, 2.0])


@case(np.array_split, A(7), A(5, 2))
def array_split(x):
    parts = np.array_split(x, 3)
    return parts[0][:1] + parts[2][:1] * parts[1][:1]


@case(np.pad, A(3), A(2, 3))
def pad(x):
    return np.pad(x, 1) * np.pad(x, ((1, 1),) * np.ndim(x), constant_values=0.5)


@case(np.pad, A(4), A(3, 4))
def pad_modes(x):
    return np.pad(x, 2, mode="reflect") + np.pad(x, 2, mode="edge") * np.pad(x, 2, mode="wrap")


@case(np.array, (F, F), (F, A(1)))
def array_of_scalars(x, y):
    return np.array([x, y * x, 2.0]) if np.ndim(y) == 0 else np.array([x, y[0], 2.0])


@case(np.array, (A(3), A(3)), (A(2, 2), A(2, 2)))
def array_of_arrays(x, y):
    return np.array([x, y * x]) + np.array([[x], [y]])[:, 0]


@case(np.array, (F, F), (A(), A()))
def array_nested(x, y):
    return np.array([[x, y], [y * y, x]]) @ np.array([1.0, 2.0])


@case((np.asarray, np.copy, method("copy"), method("astype")), A(3), A(2, 2))
def copies(x):
    return np.asarray(x) * np.copy(x) + x.copy() * x.astype(float)


@case(method("item"), A(1), A(1, 1))
def item(x):
    return x.item() * x


@case((), A(3), A(4))
def not_differentiable(x):
    n = len(x)
    shape = np.shape(x)
    z = np.zeros_like(x) + np.ones_like(x) * np.full(shape, 2.0) + np.zeros(n) + np.ones(shape)
    grid = np.arange(n) * 1.0 + np.linspace(0.0, 1.0, n) + x.shape[0] + x.ndim + x.size
    return (x * z * grid) @ np.ones(n) + np.eye(n)[0] @ x + float(x.dtype == np.float64)


# -- array methods -----------------------------------------------------------------------------

@case((method("sum"), method("mean"), method("prod")), A(3, 4, domain="a"),
      A(2, 3, 4, domain="a"))
def reductions_method(x):
    return x.sum() + x.mean(0) * x.prod(axis=-1, keepdims=True).sum() + x.sum(axis=(0, 1))


@case((method("max"), method("min")), A(3, 4), A(2, 3, 4))
def extrema_method(x):
    return x.max() * x.min(0) + x.max(axis=-1, keepdims=True)


@case((method("var"), method("std")), A(3, 4), A(2, 3, 4))
def moments_method(x):
    return x.var() * x.std(axis=0, ddof=1) + x.var(0)


@case((method("cumsum"), method("cumprod")), A(3, 4, domain="a"), A(5, domain="a"))
def cumulative_method(x):
    return x.cumsum() * x.cumprod()


# -- numpy.linalg ------------------------------------------------------------------------------

def _sym(x):
    return 0.5 * (x + np.swapaxes(x, -1, -2))


@case(np.linalg.inv, A(3, 3, domain="m"), A(2, 3, 3, domain="m"))
def inv(x):
    return np.linalg.inv(x)


@case(np.linalg.det, A(3, 3, domain="m"), A(2, 3, 3, domain="m"))
def det(x):
    return np.linalg.det(x)


@case(np.linalg.slogdet, A(3, 3, domain="m"), A(2, 3, 3, domain="m"))
def slogdet(x):
    sign, logdet = np.linalg.slogdet(x)
    return sign * logdet


@case((np.linalg.slogdet, attr("logabsdet"), attr("sign")), A(3, 3, domain="m"),
      A(4, 4, domain="m"))
def slogdet_field(x):
    r = np.linalg.slogdet(x)
    return r.logabsdet * np.linalg.slogdet(x * 2.0)[1] * r.sign


@case(np.linalg.solve, (A(3, 3, domain="m"), A(3)), (A(3, 3, domain="m"), A(3, 2)),
      (A(2, 3, 3, domain="m"), A(2, 3, 2)), (A(2, 3, 3, domain="m"), A(3)),
      (A(3, 3, domain="m"), A(2, 3, 2)))
def solve(a, b):
    return np.linalg.solve(a, b)


@case(np.linalg.cholesky, A(3, 3, domain="spd"), A(2, 3, 3, domain="spd"))
def cholesky(x):
    return np.linalg.cholesky(_sym(x))


@case(np.linalg.eigh, A(3, 3, domain="sym"), A(2, 4, 4, domain="sym"))
def eigh_values(x):
    w, v = np.linalg.eigh(_sym(x))
    return w


@case(np.linalg.eigh, A(3, 3, domain="sym"), A(4, 4, domain="sym"))
def eigh_vectors(x):
    w, v = np.linalg.eigh(_sym(x))
    return v * v * w  # each column's sign cancels


@case((attr("eigenvalues"), attr("eigenvectors")), A(3, 3, domain="sym"),
      A(4, 4, domain="sym"))
def eigh_fields(x):
    result = np.linalg.eigh(_sym(x))
    return result.eigenvalues + result.eigenvectors[0] ** 2


@case(np.linalg.svd, A(3, 2), A(2, 4))
def svd_values(x):
    return np.linalg.svd(x, compute_uv=False)


@case(np.linalg.svd, A(3, 3), A(4, 4))
def svd_square(x):
    u, s, vh = np.linalg.svd(x)
    return (u * u) @ s + s @ (vh * vh) + np.outer(u[:, 0], vh[0])


@case((np.linalg.svd, attr("U"), attr("S"), attr("Vh")), A(4, 2), A(2, 3))
def svd_thin(x):
    r = np.linalg.svd(x, full_matrices=False)
    return (r.U * r.S) @ r.Vh + np.sum(r.U ** 2 * r.S) + r.Vh[0] ** 2


@case(np.linalg.pinv, A(3, 2), A(2, 4))
def pinv(x):
    return np.linalg.pinv(x)


def _norm(ord, axis, keepdims):
    def fn(x):
        return np.linalg.norm(x, ord, axis, keepdims)
    return fn


for _ord, _axis, _keep, _shapes in (
        (None, None, False, (A(4), A(3, 4))), (None, 1, False, (A(3, 4), A(2, 3, 4))),
        (None, -1, True, (A(3, 4), A(2, 3))), ("fro", None, False, (A(3, 4), A(2, 2))),
        (1, None, False, (A(4, domain="a"), A(3, domain="a"))),
        (np.inf, None, False, (A(4), A(6))), (-np.inf, 0, False, (A(4), A(3, 2))),
        (3, None, False, (A(4, domain="a"), A(5, domain="a"))),
        (0.5, 1, True, (A(2, 3, domain="a"), A(3, 4, domain="a"))),
        ("nuc", None, False, (A(3, 4), A(3, 3))), (2, None, False, (A(3, 4), A(4, 2))),
        (1, None, False, (A(3, 4), A(4, 2))), (np.inf, None, False, (A(3, 4), A(4, 2))),
        (None, (0, 1), False, (A(3, 4), A(2, 2))), (-2, None, False, (A(3, 4), A(4, 2))),
        (-1, None, False, (A(3, 4), A(4, 2))), (-np.inf, None, False, (A(3, 4), A(4, 2))),
        (1, (1, 0), True, (A(3, 4), A(4, 2))), (-3, 0, False, (A(4, domain="a"), A(3, 2))),
        (0, None, False, (A(4, domain="a"), A(3, domain="a")))):
    CASES.append(Case(f"norm-{_ord}-{_axis}-{_keep}", _norm(_ord, _axis, _keep),
                      [(s,) for s in _shapes], (np.linalg.norm,)))


# -- not supported yet: each must fail loudly, never give a wrong derivative -------------------

def max_with_where(x):
    return np.max(x, where=x > 0.0, initial=-10.0)


def pad_mean_mode(x):
    return np.sum(np.pad(x, 1, mode="mean"))


def pad_mode_argument(x, mode):  # the mode is known only when the derivative runs
    return np.sum(np.pad(x, 1, mode) ** 2)


def svd_full_non_square(x):
    u, s, vh = np.linalg.svd(x)
    return np.sum(u[:, 0] ** 2 * s[0])


from . import numpy_join_cases  # noqa: E402,F401  (adds its cases to CASES)
