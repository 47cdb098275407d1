"""Rules for `numpy.linalg`: inv, det, slogdet, solve, cholesky, norm, eigh, eigvalsh, svd
and pinv.

Matrices are the last two axes; most rules also take stacks of matrices. The functions that
assume a symmetric input (cholesky, eigh, eigvalsh) read one triangle only, and their rules
are the derivatives of what NumPy computes, a function of that triangle: the other triangle
gets a zero adjoint and its tangent is ignored.

The results of slogdet, eigh and svd are named tuples. Their adjoint is a tuple with one
entry per field (zero where no adjoint arrived); `.eigenvalues`, `.U` and the like are
primitives whose rules pick the field.
"""

from __future__ import annotations

import numpy as np

from ..runtime import attr, seq_onehot, unbroadcast
from .numpy_common import unsupported
from .numpy_shapes import split_pieces
from .registry import defjvp, deflinear, defvjp


def mT(x):  # noqa: N802 (the matrix transpose, as in the array API)
    return np.swapaxes(x, -1, -2)


defvjp(mT, lambda g, ans, x: mT(g))
defjvp(mT, lambda t, ans, x: mT(t))


def _inv(g, ans, a):
    if np.ndim(a) == 2:
        return -ans.T @ g @ ans.T
    return -mT(ans) @ g @ mT(ans)


defvjp(np.linalg.inv, _inv)
defjvp(np.linalg.inv, lambda t, ans, a: -ans @ t @ ans)


def _det(g, ans, a):
    """Ā = ḡ cof(A), the cofactors: det(A) A⁻ᵀ; where a matrix of the stack is singular,
    det(U) det(Vᵀ) U diag(∏_{j≠i} s_j) Vᵀ, from A = U S Vᵀ, which holds there too."""
    if np.all(ans != 0.0):
        if np.ndim(a) == 2:
            return g * ans * np.linalg.inv(a).T
        return (g * ans)[..., None, None] * mT(np.linalg.inv(a))
    u, s, vh = np.linalg.svd(a)
    others = np.prod(np.where(np.eye(np.shape(s)[-1]) == 1.0, 1.0, s[..., None, :]), axis=-1)
    sign = np.linalg.det(u) * np.linalg.det(vh)
    return np.expand_dims(g * sign, (-2, -1)) * ((u * others[..., None, :]) @ vh)


def _det_jvp(t, ans, a):
    """The sum of the cofactors times the tangent, as in `_det`."""
    if np.all(ans != 0.0):
        if np.ndim(a) == 2:
            return ans * np.trace(np.linalg.solve(a, t))
        return ans * np.trace(np.linalg.solve(a, t), axis1=-2, axis2=-1)
    u, s, vh = np.linalg.svd(a)
    others = np.prod(np.where(np.eye(np.shape(s)[-1]) == 1.0, 1.0, s[..., None, :]), axis=-1)
    sign = np.linalg.det(u) * np.linalg.det(vh)
    return sign * np.sum(others * np.diagonal(mT(u) @ t @ mT(vh), 0, -2, -1), axis=-1)


defvjp(np.linalg.det, _det)
defjvp(np.linalg.det, _det_jvp)

SLOGDET_HINT = "the log-determinant of a singular matrix is -inf, with no derivative; " \
    "np.linalg.det has one there (the matrix of cofactors)"


def _slogdet(g, ans, a):
    if not np.all(ans[0] != 0.0):
        return unsupported(g, "np.linalg.slogdet of a singular matrix", SLOGDET_HINT)
    if np.ndim(a) == 2:
        return g[1] * np.linalg.inv(a).T
    return np.expand_dims(g[1], (-2, -1)) * mT(np.linalg.inv(a))


def _slogdet_jvp(t, ans, a):
    if not np.all(ans[0] != 0.0):
        return unsupported(t, "np.linalg.slogdet of a singular matrix", SLOGDET_HINT)
    if np.ndim(a) == 2:
        return np.zeros_like(ans[0]), np.trace(np.linalg.solve(a, t))
    return np.zeros_like(ans[0]), np.trace(np.linalg.solve(a, t), axis1=-2, axis2=-1)


defvjp(np.linalg.slogdet, _slogdet)
defjvp(np.linalg.slogdet, _slogdet_jvp)


def _solve_a(g, ans, a, b):
    if np.ndim(a) == 2 and np.ndim(b) == 1:
        return -np.outer(np.linalg.solve(a.T, g), ans)
    if np.ndim(a) == 2 and np.ndim(b) == 2:
        return -np.linalg.solve(a.T, g) @ ans.T
    if np.ndim(b) == 1:
        return -np.linalg.solve(mT(a), g[..., None]) * ans[..., None, :]
    return unbroadcast(-np.linalg.solve(mT(a), g) @ mT(ans), a)


def _solve_b(g, ans, a, b):
    if np.ndim(a) == 2:
        return np.linalg.solve(a.T, g)
    if np.ndim(b) == 1:
        return unbroadcast(np.linalg.solve(mT(a), g[..., None])[..., 0], b)
    return unbroadcast(np.linalg.solve(mT(a), g), b)


def _solve_jvp_a(t, ans, a, b):
    if np.ndim(b) == 1 and np.ndim(a) > 2:
        return -np.linalg.solve(a, t @ ans[..., None])[..., 0]
    return -np.linalg.solve(a, t @ ans)


defvjp(np.linalg.solve, _solve_a, _solve_b)
defjvp(np.linalg.solve, _solve_jvp_a, lambda t, ans, a, b: np.linalg.solve(a, t))


def _triangle_read(t, uplo):
    """The symmetric matrix that cholesky, eigh and eigvalsh see in `t`: the triangle `uplo`
    names, mirrored (what they compute is a function of that triangle alone)."""
    if uplo in ("U", "u"):
        return np.triu(t) + mT(np.triu(t, 1))
    return np.tril(t) + mT(np.tril(t, -1))


def _triangle_adjoint(s, uplo):
    """The adjoint of `_triangle_read`: an item of the triangle read gets the adjoints of
    both places it is copied to, an item of the other triangle none."""
    if uplo in ("U", "u"):
        return np.triu(s) + np.triu(mT(s), 1)
    return np.tril(s) + np.tril(mT(s), -1)


defvjp(_triangle_read, lambda g, ans, t, uplo: _triangle_adjoint(g, uplo))
defvjp(_triangle_adjoint, lambda g, ans, s, uplo: _triangle_read(g, uplo))
deflinear(_triangle_read)
deflinear(_triangle_adjoint)


def _cholesky(g, ans, a, upper=False):
    """A = L Lᵀ, for A read from one triangle (`upper`: the upper, and the result is Lᵀ):
    S̄ = sym(L⁻ᵀ Φ(Lᵀ L̄) L⁻¹), Φ the lower triangle with half the diagonal; then Ā from S̄."""
    half = 1.0 - 0.5 * np.eye(np.shape(a)[-1])
    if upper:
        ans, g = mT(ans), mT(g)
    inv = np.linalg.inv(ans)
    s = mT(inv) @ (np.tril(mT(ans) @ g) * half) @ inv
    return _triangle_adjoint(0.5 * (s + mT(s)), "U" if upper else "L")


def _cholesky_jvp(t, ans, a, upper=False):
    """dL = L Φ(L⁻¹ dS L⁻ᵀ), dS the tangent of the symmetric matrix read from A."""
    half = 1.0 - 0.5 * np.eye(np.shape(a)[-1])
    if upper:
        inv = np.linalg.inv(mT(ans))
        return mT(mT(ans) @ (np.tril(inv @ _triangle_read(t, "U") @ mT(inv)) * half))
    inv = np.linalg.inv(ans)
    return ans @ (np.tril(inv @ _triangle_read(t, "L") @ mT(inv)) * half)


defvjp(np.linalg.cholesky, _cholesky)
defjvp(np.linalg.cholesky, _cholesky_jvp)


def _eigh(g, ans, a, UPLO="L"):  # noqa: N803 (numpy's name)
    """S̄ = V (diag(w̄) + F ∘ Vᵀ V̄) Vᵀ, F_ij = 1 / (w_j - w_i) off the diagonal, for S the
    symmetric matrix read from one triangle of A (S̄ is right on symmetric tangents, all S
    has); then Ā from S̄."""
    w, v = ans
    gw, gv = split_pieces(g, ans)
    eye = np.eye(np.shape(a)[-1])
    f = (1.0 - eye) / (w[..., None, :] - w[..., :, None] + eye)
    s = v @ (gw[..., None] * eye + f * (mT(v) @ gv)) @ mT(v)
    return _triangle_adjoint(s, UPLO)


def _eigh_jvp(t, ans, a, UPLO="L"):  # noqa: N803
    w, v = ans
    eye = np.eye(np.shape(a)[-1])
    f = (1.0 - eye) / (w[..., None, :] - w[..., :, None] + eye)
    m = mT(v) @ _triangle_read(t, UPLO) @ v
    return np.diagonal(m, 0, -2, -1), v @ (f * m)


defvjp(np.linalg.eigh, _eigh)
defjvp(np.linalg.eigh, _eigh_jvp)


def _eigvalsh(g, ans, a, UPLO="L"):  # noqa: N803
    """S̄ = V diag(w̄) Vᵀ, with V the eigenvectors of the triangle read."""
    w, v = np.linalg.eigh(a, UPLO)
    return _triangle_adjoint((v * g[..., None, :]) @ mT(v), UPLO)


def _eigvalsh_jvp(t, ans, a, UPLO="L"):  # noqa: N803
    w, v = np.linalg.eigh(a, UPLO)
    return np.sum(v * (_triangle_read(t, UPLO) @ v), axis=-2)


defvjp(np.linalg.eigvalsh, _eigvalsh)
defjvp(np.linalg.eigvalsh, _eigvalsh_jvp)


SVD_HINT = "pass full_matrices=False: the columns that full_matrices=True adds are any " \
    "orthonormal basis of the rest of the space, with no derivative"


def _svd(g, ans, a, full_matrices=True, compute_uv=True, hermitian=False):
    """Ā for A = U S Vᵀ (thin, distinct singular values): the terms inside the span of U and
    V, F_ij = 1 / (s_j² - s_i²), plus the parts of Ū and V̄ outside that span. With
    `hermitian`, A is the symmetric matrix read from the lower triangle: then Ā from it."""
    if not compute_uv:
        u, s, vh = np.linalg.svd(a, full_matrices=False, hermitian=hermitian)
        if hermitian:
            return _triangle_adjoint((u * g[..., None, :]) @ vh, "L")
        return (u * g[..., None, :]) @ vh
    if full_matrices and np.shape(a)[-2] != np.shape(a)[-1]:
        return unsupported(g, "np.linalg.svd(a, full_matrices=True) of a matrix that is not "
                           "square", SVD_HINT)
    u, s, vh = np.linalg.svd(a, full_matrices=False, hermitian=hermitian)
    gu, gs, gvh = split_pieces(g, ans)
    v, gv = mT(vh), mT(gvh)
    k = np.shape(s)[-1]
    eye = np.eye(k)
    s2 = s * s
    f = (1.0 - eye) / (s2[..., None, :] - s2[..., :, None] + eye)
    ut_gu = mT(u) @ gu
    vt_gv = mT(v) @ gv
    core = (f * (ut_gu - mT(ut_gu))) * s[..., None, :] + gs[..., None] * eye + \
        s[..., :, None] * (f * (vt_gv - mT(vt_gv)))
    out = u @ core @ vh
    if np.shape(a)[-2] > k:  # the parts outside the span of U, V: none when they are square
        out = out + (gu - u @ ut_gu) / s[..., None, :] @ vh
    if np.shape(a)[-1] > k:
        out = out + u @ (mT(gv - v @ vt_gv) / s[..., :, None])
    if hermitian:
        return _triangle_adjoint(out, "L")
    return out


def _svd_jvp(t, ans, a, full_matrices=True, compute_uv=True, hermitian=False):
    if hermitian:
        t = _triangle_read(t, "L")
    if not compute_uv:
        u, s, vh = np.linalg.svd(a, full_matrices=False, hermitian=hermitian)
        return np.sum(u * (t @ mT(vh)), axis=-2)
    if full_matrices and np.shape(a)[-2] != np.shape(a)[-1]:
        return unsupported(t, "np.linalg.svd(a, full_matrices=True) of a matrix that is not "
                           "square", SVD_HINT)
    u, s, vh = np.linalg.svd(a, full_matrices=False, hermitian=hermitian)
    v = mT(vh)
    k = np.shape(s)[-1]
    eye = np.eye(k)
    s2 = s * s
    f = (1.0 - eye) / (s2[..., None, :] - s2[..., :, None] + eye)
    p = mT(u) @ t @ v
    ds = np.diagonal(p, 0, -2, -1)
    du = u @ (f * (p * s[..., None, :] + s[..., :, None] * mT(p)))
    if np.shape(a)[-2] > k:  # as in `_svd`
        du = du + (t @ v - u @ p) / s[..., None, :]
    dv = v @ (f * (s[..., :, None] * p + mT(p) * s[..., None, :]))
    if np.shape(a)[-1] > k:
        dv = dv + (mT(t) @ u - v @ mT(p)) / s[..., None, :]
    return du, ds, mT(dv)


defvjp(np.linalg.svd, _svd)
defjvp(np.linalg.svd, _svd_jvp)


def _pinv(g, ans, a, rcond=None, hermitian=False, rtol=None):
    """For A of full rank, P = A⁺: Ā = -Pᵀ Ḡ Pᵀ + (I - A P) Ḡᵀ P Pᵀ + Pᵀ P Ḡᵀ (I - P A).
    Where NumPy drops singular values at or below its cutoff, P is the pseudo-inverse of the
    truncation A_r of A, of constant rank; that Ā is A_r's, taken back through the
    truncation, whose derivative T is self-adjoint (see `_pinv_jvp`). With `hermitian`, A is
    the symmetric matrix read from the lower triangle: then Ā from it."""
    p = ans
    m, n = np.shape(a)[-2:]
    if hermitian:
        a = _triangle_read(a, "L")
    left = np.eye(m) - a @ p
    right = np.eye(n) - p @ a
    x = -mT(p) @ g @ mT(p) + left @ mT(g) @ p @ mT(p) + mT(p) @ p @ mT(g) @ right
    u, s, vh = np.linalg.svd(a, full_matrices=False, hermitian=hermitian)
    kept = 1.0 * (np.diagonal(vh @ p @ u, 0, -2, -1) * s > 0.5)  # P = V diag(kept / s) Uᵀ
    ki, kj, si, sj = kept[..., :, None], kept[..., None, :], s[..., :, None], s[..., None, :]
    one = ki + kj - 2.0 * ki * kj  # one of the pair kept, one dropped
    den = (ki - kj) * (si * si - sj * sj) + 1.0 - one
    w = ki * kj + one * (ki * si * si + kj * sj * sj) / den
    z = one * si * sj / den
    px = mT(u) @ x @ mT(vh)
    ux = mT(u) @ x
    out = u @ (w * px + z * mT(px)) @ vh + (x - u @ ux) @ (mT(vh) * kj) @ vh + \
        (u * kj) @ (ux - px @ vh)
    if hermitian:
        return _triangle_adjoint(out, "L")
    return out


def _pinv_jvp(t, ans, a, rcond=None, hermitian=False, rtol=None):
    """dA_r = T(dA) = U (W ∘ p + Z ∘ pᵀ) Vᵀ + (I - U Uᵀ) dA V_k V_kᵀ + U_k U_kᵀ dA (I - V Vᵀ),
    p = Uᵀ dA V, V_k the kept columns: W is 1 on pairs of kept singular values, 0 on pairs of
    dropped ones, and s_k² / (s_k² - s_d²) on a kept s_k with a dropped s_d, Z there
    s_k s_d / (s_k² - s_d²) and 0 elsewhere. Then P's tangent at A_r, of constant rank."""
    p = ans
    m, n = np.shape(a)[-2:]
    if hermitian:
        a, t = _triangle_read(a, "L"), _triangle_read(t, "L")
    u, s, vh = np.linalg.svd(a, full_matrices=False, hermitian=hermitian)
    kept = 1.0 * (np.diagonal(vh @ p @ u, 0, -2, -1) * s > 0.5)
    ki, kj, si, sj = kept[..., :, None], kept[..., None, :], s[..., :, None], s[..., None, :]
    one = ki + kj - 2.0 * ki * kj
    den = (ki - kj) * (si * si - sj * sj) + 1.0 - one
    w = ki * kj + one * (ki * si * si + kj * sj * sj) / den
    z = one * si * sj / den
    pt = mT(u) @ t @ mT(vh)
    ut = mT(u) @ t
    t = u @ (w * pt + z * mT(pt)) @ vh + (t - u @ ut) @ (mT(vh) * kj) @ vh + \
        (u * kj) @ (ut - pt @ vh)
    left = np.eye(m) - a @ p
    right = np.eye(n) - p @ a
    return -p @ t @ p + p @ mT(p) @ mT(t) @ left + right @ mT(t) @ mT(p) @ p


defvjp(np.linalg.pinv, _pinv)
defjvp(np.linalg.pinv, _pinv_jvp)


def _norm(g, ans, x, ord=None, axis=None, keepdims=False):  # noqa: A002 (numpy's name)
    """The 2-norm and Frobenius norm, vector p-norms, and the nuclear, spectral, 1 and inf
    norms of matrices over any two axes. `x` may be a list of arrays, read as one array."""
    x = np.asarray(x)
    if axis is not None and not keepdims:
        g = np.expand_dims(g, axis)
        ans = np.expand_dims(ans, axis)
    if ord in (None, "fro"):
        return x * (g / ans)
    if np.size(axis) == 2 or axis is None and np.ndim(x) == 2:
        rows, cols = (0, 1) if axis is None else axis
        if ord in ("nuc", 2, -2):  # the singular vectors of the slices
            u, s, vh = np.linalg.svd(np.moveaxis(x, (rows, cols), (-2, -1)),
                                     full_matrices=False)
            if ord == 2:
                u, vh = u[..., :, :1], vh[..., :1, :]
            elif ord == -2:
                u, vh = u[..., :, -1:], vh[..., -1:, :]
            return g * np.moveaxis(u @ vh, (-2, -1), (rows, cols))
        if ord in (1, -1):  # the largest (smallest) column sum
            return g * np.sign(x) * (np.sum(np.abs(x), axis=rows, keepdims=True) == ans)
        return g * np.sign(x) * (np.sum(np.abs(x), axis=cols, keepdims=True) == ans)
    if ord == 0:  # counts the nonzero items: a step function
        return np.zeros(np.shape(x))
    if ord == 1:
        return g * np.sign(x)
    if ord in (np.inf, -np.inf):
        hit = np.abs(x) == ans
        return g * np.sign(x) * hit / np.sum(hit, axis=axis, keepdims=True)
    return g * np.sign(x) * (np.abs(x) / ans) ** (ord - 1)


def _norm_jvp(t, ans, x, ord=None, axis=None, keepdims=False):  # noqa: A002
    """The tangent is the sum over the axes reduced of `t` times the slope of `_norm`."""
    x = np.asarray(x)
    if ord in (None, "fro"):
        return np.sum(x * t, axis=axis, keepdims=keepdims) / ans
    a = ans
    if axis is not None and not keepdims:
        a = np.expand_dims(ans, axis)
    if np.size(axis) == 2 or axis is None and np.ndim(x) == 2:
        rows, cols = (0, 1) if axis is None else axis
        if ord in ("nuc", 2, -2):
            u, s, vh = np.linalg.svd(np.moveaxis(x, (rows, cols), (-2, -1)),
                                     full_matrices=False)
            if ord == 2:
                u, vh = u[..., :, :1], vh[..., :1, :]
            elif ord == -2:
                u, vh = u[..., :, -1:], vh[..., -1:, :]
            d = np.moveaxis(u @ vh, (-2, -1), (rows, cols))
        elif ord in (1, -1):
            d = np.sign(x) * (np.sum(np.abs(x), axis=rows, keepdims=True) == a)
        else:
            d = np.sign(x) * (np.sum(np.abs(x), axis=cols, keepdims=True) == a)
    elif ord == 0:
        d = np.zeros(np.shape(x))
    elif ord == 1:
        d = np.sign(x)
    elif ord in (np.inf, -np.inf):
        hit = np.abs(x) == a
        d = np.sign(x) * hit / np.sum(hit, axis=axis, keepdims=True)
    else:
        d = np.sign(x) * (np.abs(x) / a) ** (ord - 1)
    return np.sum(d * t, axis=axis, keepdims=keepdims)


defvjp(np.linalg.norm, _norm)
defjvp(np.linalg.norm, _norm_jvp)


# -- the fields of the named tuples that slogdet, eigh and svd return ------------------------

def _field(i):
    """Rules for reading field i of a named tuple (`.eigenvalues`, `.U`, ...)."""
    return (lambda g, ans, x: seq_onehot(x, i, g)), (lambda t, ans, x: t[i])


for _name, _i in (("sign", 0), ("logabsdet", 1), ("eigenvalues", 0), ("eigenvectors", 1),
                  ("U", 0), ("S", 1), ("Vh", 2)):
    _vjp, _jvp = _field(_i)
    defvjp(attr(_name), _vjp)
    defjvp(attr(_name), _jvp)
