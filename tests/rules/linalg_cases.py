"""Cases of `numpy.linalg` and einsum that HIPS autograd's test suite found wrong or missing:
functions of one triangle of a matrix that is not symmetric (eigh, eigvalsh, cholesky),
matrix norms over chosen axes, norms of lists, einsum with ellipses in any place and in the
interleaved (sublist) form.

`LINALG_CASES` has the layout of `numpy_cases.CASES`; `test_linalg_rules.py` checks each
against central differences in both modes and forward over reverse.
"""

from __future__ import annotations

import numpy as np

from .numpy_cases import A, Case, case

LINALG_CASES: list[Case] = []


# -- eigh and eigvalsh read one triangle: the matrices here are not symmetric ------------------

@case(np.linalg.eigh, A(4, 4), A(2, 3, 3), into=LINALG_CASES)
def eigh_lower_triangle(x):
    w, v = np.linalg.eigh(x)
    return w[..., None, :] + v * v  # each column's sign cancels


@case(np.linalg.eigh, A(4, 4), A(2, 3, 3), into=LINALG_CASES)
def eigh_upper_triangle(x):
    w, v = np.linalg.eigh(x, "U")
    return w * np.sum(v[..., 0:1, :] * v, axis=-2)  # signs cancel too


@case(np.linalg.eigh, A(3, 3), A(2, 4, 4), into=LINALG_CASES)
def eigh_upper_keyword(x):
    result = np.linalg.eigh(x, UPLO="U")
    return result.eigenvalues


@case(np.linalg.eigvalsh, A(4, 4), A(3, 2, 2), into=LINALG_CASES)
def eigvalsh_lower(x):
    return np.linalg.eigvalsh(x)


@case(np.linalg.eigvalsh, A(3, 3), A(2, 4, 4), into=LINALG_CASES)
def eigvalsh_upper(x):
    return np.linalg.eigvalsh(x, "U")


# -- cholesky reads one triangle too: the lower, or the upper when upper=True ------------------

@case(np.linalg.cholesky, A(3, 3, domain="spd_lower"), A(2, 4, 4, domain="spd_lower"),
      into=LINALG_CASES)
def cholesky_lower_triangle(x):
    return np.linalg.cholesky(x)


@case(np.linalg.cholesky, A(4, 4, domain="spd_upper"), A(3, 2, 2, domain="spd_upper"),
      into=LINALG_CASES)
def cholesky_upper_triangle(x):
    return np.linalg.cholesky(x, upper=True)


@case(np.linalg.cholesky, A(3, 3, domain="spd_lower"), A(2, 3, 3, domain="spd_lower"),
      into=LINALG_CASES)
def cholesky_logdet_and_solve(x):
    c = np.linalg.cholesky(x)
    return np.log(np.diagonal(c, 0, -2, -1)) + np.linalg.solve(c, x[..., 0, :, None])[..., 0]


# -- matrix norms over any two axes of a stack, and norms of lists -----------------------------

def _norm(ord, axis, keepdims=False):
    def fn(x):
        return np.linalg.norm(x, ord, axis, keepdims)
    return fn


for _ord, _axis, _keep, _shapes in (
        ("nuc", (0, 1), False, (A(4, 3, 2), A(3, 3, 3))),
        ("nuc", (2, 0), True, (A(4, 3, 2), A(2, 2, 5))),
        (2, (0, 1), False, (A(4, 3, 2), A(2, 3, 4))),
        (-2, (-1, -3), True, (A(4, 3, 2), A(3, 2, 3))),
        (2, None, False, (A(3, 4), A(4, 2))),
        (1, (2, 1), False, (A(2, 3, 4), A(3, 2, 2))),
        (-np.inf, (0, 2), True, (A(2, 3, 4), A(3, 2, 2))),
        ("fro", (1, 2), False, (A(2, 3, 4), A(3, 2, 2))),
        (3, (1,), False, (A(2, 3, 4, domain="a"), A(3, 2, domain="a")))):
    LINALG_CASES.append(Case(f"norm-{_ord}-{_axis}-{_keep}", _norm(_ord, _axis, _keep),
                             [(s,) for s in _shapes], (np.linalg.norm,)))


@case(np.linalg.norm, A(3), A(2, 2), into=LINALG_CASES)
def norm_of_a_list(x):
    return np.linalg.norm([x, 2.0 * x + 1.0])


@case(np.linalg.norm, (A(3), A(3)), (A(2, 2), A(2, 2)), into=LINALG_CASES)
def norm_of_a_tuple(x, y):
    return np.linalg.norm((x, x * y, y), 1, 0)


# -- einsum: ellipses anywhere, broadcasting, and the interleaved form -------------------------

def _einsum2(subscripts):
    def fn(x, y):
        return np.einsum(subscripts, x, y)
    return fn


for _s, _v in (("j...k,lj...->lk...", [(A(2, 3), A(4, 2)), (A(2, 3, 3), A(2, 2)),
                                        (A(2, 2), A(3, 2, 3)), (A(2, 3, 2), A(2, 2, 3))]),
               ("jk...,lj...->lk...", [(A(3, 2), A(2, 3, 4)), (A(3, 2, 4), A(2, 3)),
                                        (A(3, 2, 4), A(2, 3, 1))]),
               ("...jk,...lj->...lk", [(A(4, 4), A(3, 4, 4)), (A(2, 1, 3, 2), A(4, 2, 3))]),
               ("...,...->...", [(A(3, 4, 4), A(4, 4)), (A(2, 1), A(3))]),
               ("...ij,...jk", [(A(2, 3, 4), A(4, 2)), (A(3, 2), A(1, 2, 2))]),
               ("i...,i...", [(A(3, 2), A(3, 2)), (A(2, 3, 4), A(2, 4))])):
    LINALG_CASES.append(Case(f"einsum-{_s}", _einsum2(_s), _v, (np.einsum,)))


@case(np.einsum, (A(2, 3), A(3, 4)), (A(4, 1), A(1, 2)), into=LINALG_CASES)
def einsum_sublists(x, y):
    return np.einsum(x, [0, 1], y, [1, 2], [0, 2])


@case(np.einsum, (A(3, 3), A(3, 4)), (A(2, 2), A(2, 3)), into=LINALG_CASES)
def einsum_sublists_implicit_output(x, y):
    return np.einsum(x, (1, 0), y, (0, 2)) * np.einsum(x, (0, 0), y, (0, 1))[0]


@case(np.einsum, (A(2, 2, 3), A(3, 4)), (A(2, 3), A(2, 3, 4)), into=LINALG_CASES)
def einsum_sublists_ellipsis(x, y):
    return np.einsum(x, (Ellipsis, 0, 1), y, (Ellipsis, 1, 2), (Ellipsis, 0, 2))


@case(np.einsum, (A(3, 4, 4), A(4, 4, 3), A(4, 4, 3)), (A(2, 3, 3), A(3, 3, 2), A(3, 3, 2)),
      into=LINALG_CASES)
def einsum_sublists_three(x, y, z):
    return np.einsum(x, [0, 1, 2], y, [3, 1, 0], z, [3, 3, 0], [3, 2, 0])


@case(np.einsum, A(3, 4), A(2, 2, 5), into=LINALG_CASES)
def einsum_sublists_one_operand(x):
    return np.einsum(x, [Ellipsis, 0]) + np.sum(np.einsum(x, [0, Ellipsis], [Ellipsis, 0]))


# -- einsum of more than six operands, in either form ------------------------------------------

@case(np.einsum, (A(2, 3), A(3, 3)), (A(3, 2), A(2, 2)), into=LINALG_CASES)
def einsum_seven(x, y):
    return np.einsum("ij,jk,kl,lm,mn,no,op->ip", x, y, y, y * x[0, 0], y, 2.0 * y, y)


@case(np.einsum, (A(2, 2), A(2)), (A(3, 3), A(3)), into=LINALG_CASES)
def einsum_ten_broadcast(x, y):
    return np.einsum("ij,j,jk,k...,ik,j,ij,i,ij,ji->i...", x, y, x, x, x, y, x, y, x, x)


@case(np.einsum, (A(3, 3), A(1, 3)), (A(3, 1), A(2, 3)), into=LINALG_CASES)
def einsum_length_one_axes(x, y):  # a letter's axes of length 1 broadcast, as in NumPy
    return np.einsum("ij,jk->i", x, y) + np.einsum(x, [0, 1], y, [1, 2], [0, 2])[:, 0]


@case(np.einsum, (A(2, 2), A(2, 2)), (A(3, 3), A(1, 3)), into=LINALG_CASES)
def einsum_eight_interleaved(x, y):
    return np.einsum(x, [0, 1], y, [1, 2], x, [2, 3], y, [3, 4], x, [4, 5], y, [5, 6],
                     x, [6, 7], y, [7, 0], [0])


# -- stacks of matrices (broadcast against each other in solve) and non-symmetric inputs -------

@case(np.linalg.inv, A(2, 3, 3, domain="m"), A(3, 1, 2, 2, domain="m"), into=LINALG_CASES)
def inv_stack(x):
    return np.linalg.inv(x) * x


@case(np.linalg.det, A(2, 3, 3, domain="m"), A(3, 1, 2, 2, domain="m"), into=LINALG_CASES)
def det_stack(x):
    return np.linalg.det(x) ** 2


@case(np.linalg.slogdet, A(2, 3, 3, domain="m"), A(3, 1, 2, 2, domain="m"), into=LINALG_CASES)
def slogdet_stack(x):
    sign, logdet = np.linalg.slogdet(x)
    return sign * logdet * logdet


@case(np.linalg.solve, (A(2, 3, 3, domain="m"), A(3, 1)), (A(1, 3, 3, domain="m"), A(2, 3, 2)),
      (A(2, 1, 3, 3, domain="m"), A(3, 3, 2)), (A(2, 2, domain="m"), A(2)), into=LINALG_CASES)
def solve_broadcast(a, b):
    return np.linalg.solve(a, b) ** 2


@case(np.linalg.pinv, A(2, 3, 2), A(3, 2, 4), A(2, 3, 3), into=LINALG_CASES)
def pinv_stack(x):
    return np.linalg.pinv(x) ** 2


@case(np.linalg.svd, A(2, 3, 2), A(3, 2, 4), into=LINALG_CASES)
def svd_values_stack(x):
    return np.linalg.svd(x, compute_uv=False) ** 2


@case(np.linalg.svd, A(2, 3, 3), A(2, 4, 4), into=LINALG_CASES)
def svd_stack(x):
    u, s, vh = np.linalg.svd(x)
    return (u * u) @ s[..., None] + vh * vh * s[..., None]


@case(np.linalg.svd, A(2, 4, 2), A(3, 2, 3), into=LINALG_CASES)
def svd_thin_stack(x):
    u, s, vh = np.linalg.svd(x, full_matrices=False)
    return np.sum(u * u, -1) * s[..., :1] + np.sum(vh ** 4, -2)[..., :1]


@case(np.linalg.eigh, A(2, 3, 3), A(3, 1, 2, 2), into=LINALG_CASES)
def eigh_stack(x):
    w, v = np.linalg.eigh(x)
    return w[..., None, :] * v * v


@case(np.linalg.cholesky, A(2, 1, 3, 3, domain="spd_lower"), A(3, 3, domain="spd_lower"),
      into=LINALG_CASES)
def cholesky_both_triangles_stack(x):
    return np.linalg.cholesky(x) * np.linalg.cholesky(np.swapaxes(x, -1, -2), upper=True)


# -- det of a singular matrix: its cofactors --------------------------------------------------

@case(np.linalg.det, A(3, 3, domain="singular"), A(2, 4, 4, domain="singular"),
      into=LINALG_CASES)
def det_singular(x):
    return np.linalg.det(x)


def slogdet_logabsdet(x):  # not a case: at a singular matrix it has no derivative
    return np.linalg.slogdet(x)[1]


# -- pinv drops the singular values at or below its cutoff: the derivative of what is left -----

@case(np.linalg.pinv, A(4, 3, domain="small_sv"), A(2, 2, 4, domain="small_sv"),
      into=LINALG_CASES)
def pinv_cutoff(x):
    return np.linalg.pinv(x, 0.1)


@case(np.linalg.pinv, A(3, 3, domain="small_sv"), A(2, 3, 4, domain="small_sv"),
      into=LINALG_CASES)
def pinv_cutoff_rtol(x):
    return np.linalg.pinv(x, rtol=0.1) * np.linalg.pinv(x)[..., ::-1, :]


@case(np.linalg.pinv, A(3, 3, domain="sym"), A(2, 4, 4, domain="sym"), into=LINALG_CASES)
def pinv_cutoff_hermitian(x):
    return np.linalg.pinv(x + np.triu(x, 1) - 2.2 * np.eye(np.shape(x)[-1]), 0.3, True)


# -- svd and pinv with hermitian=True read the lower triangle, as eigh does ---------------------

@case(np.linalg.pinv, A(3, 3, domain="sym"), A(2, 4, 4, domain="sym"), into=LINALG_CASES)
def pinv_hermitian(x):
    return np.linalg.pinv(x + np.triu(x, 1) - 2.9 * np.eye(np.shape(x)[-1]), hermitian=True)


@case(np.linalg.svd, A(3, 3, domain="sym"), A(2, 4, 4, domain="sym"), into=LINALG_CASES)
def svd_hermitian(x):
    u, s, vh = np.linalg.svd(x + np.triu(x, 1) - 2.9 * np.eye(np.shape(x)[-1]), hermitian=True)
    return (u * u) * s[..., None, :] + vh * vh


@case(np.linalg.svd, A(3, 3, domain="sym"), A(2, 4, 4, domain="sym"), into=LINALG_CASES)
def svd_hermitian_values(x):
    return np.linalg.svd(x + np.triu(x, 1) - 2.9 * np.eye(np.shape(x)[-1]), compute_uv=False,
                         hermitian=True)
