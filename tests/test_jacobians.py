"""Jacobians, Hessians and higher derivatives against independent oracles.

Hessians are checked against central differences of the gradient, third derivatives against
the closed form and against differences of the second, Jacobians forward against reverse.
"""

import math

import numpy as np
import pytest

import s2sgrad
from s2sgrad.api import flat

from .cases import jac_funcs as J
from .corpus.scalar import CASES

SCALAR_OUT = [(fn, args, nums) for fn, args, nums in CASES
              if nums and not isinstance(fn(*args), tuple)]


def _fd_of_grad(fn, args, nums, eps=1e-5):
    """H[j][i] by central differences of the gradient."""
    g = s2sgrad.grad(fn, argnums=nums)
    rows = []
    for i in nums:
        plus, minus = list(args), list(args)
        plus[i] += eps
        minus[i] -= eps
        gp, gm = g(*plus), g(*minus)
        rows.append([(a - b) / (2 * eps) for a, b in zip(gp, gm)])
    return [[rows[i][j] for i in range(len(nums))] for j in range(len(nums))]


@pytest.mark.parametrize("fn, args, nums", SCALAR_OUT, ids=[c[0].__name__ for c in SCALAR_OUT])
def test_hessian_matches_differences_of_the_gradient(fn, args, nums):
    H = s2sgrad.hessian(fn, argnums=nums)(*args)
    want = _fd_of_grad(fn, args, nums)
    assert np.allclose(np.array(H, dtype=float), np.array(want), rtol=1e-4, atol=1e-6)


def test_third_derivative_by_nesting_grad():
    x = 0.7
    f3 = s2sgrad.grad(s2sgrad.grad(s2sgrad.grad(J.quintic)))
    exact = (-math.cos(x) * x ** 3 - 9 * math.sin(x) * x ** 2 + 18 * math.cos(x) * x
             + 6 * math.sin(x))
    assert f3(x) == pytest.approx(exact, rel=1e-12)
    f2 = s2sgrad.grad(s2sgrad.grad(J.quintic))
    eps = 1e-5
    assert f3(x) == pytest.approx((f2(x + eps) - f2(x - eps)) / (2 * eps), rel=1e-6)


def test_source_of_a_composed_derivative_shows_tangents_of_adjoints():
    f2 = s2sgrad.grad(s2sgrad.grad(J.quintic))
    f2(0.3)
    text = s2sgrad.source(f2)
    assert "def jvp_grad_quintic(x, dx):" in text and "dbx" in text


def test_seed_jacobian_takes_three_forward_or_two_reverse_sweeps():
    args = (0.3, 1.2, 2.1)
    flat.sweeps.clear()  # one jvp or pullback call per sweep
    fwd = s2sgrad.jacfwd(J.seed_pair, argnums=(0, 1, 2), fused=False)(*args)
    assert dict(flat.sweeps) == {"forward": 3}
    flat.sweeps.clear()
    rev = s2sgrad.jacrev(J.seed_pair, argnums=(0, 1, 2), fused=False)(*args)
    assert dict(flat.sweeps) == {"forward": 1, "reverse": 2}
    x1, x2, x3 = args
    exact = ((x2 - x3, x1, -x1), (-x3 / (1 - x1), 0.0, math.log(1 - x1)))
    assert np.allclose(fwd, exact) and np.allclose(rev, exact)
    for build in (s2sgrad.jacfwd, s2sgrad.jacrev):  # the sweeps fused into one program
        fused = build(J.seed_pair, argnums=(0, 1, 2))
        assert np.allclose(fused(*args), exact)
        assert fused(*args) == build(J.seed_pair, argnums=(0, 1, 2), fused=False)(*args)


@pytest.mark.parametrize("fn, args, nums", CASES, ids=[c[0].__name__ for c in CASES])
def test_fused_jacobians_agree_with_one_sweep_per_call(fn, args, nums):
    if not nums:
        return
    for build in (s2sgrad.jacfwd, s2sgrad.jacrev):
        want = np.array(build(fn, argnums=nums, fused=False)(*args), dtype=float)
        assert np.allclose(np.array(build(fn, argnums=nums)(*args), dtype=float), want,
                           rtol=1e-12, atol=1e-14)


def test_auto_mode_picks_the_cheaper_sweep_direction():
    flat.sweeps.clear()
    s2sgrad.jacobian(J.fan_out, fused=False)(0.4)
    assert dict(flat.sweeps) == {"forward": 1}
    flat.sweeps.clear()
    s2sgrad.jacobian(J.fan_in, argnums=(0, 1, 2, 3, 4), fused=False)(0.1, 0.2, 0.3, 0.4, 0.5)
    assert dict(flat.sweeps) == {"forward": 1, "reverse": 1}
    args = (0.1, 0.2, 0.3, 0.4, 0.5)
    nums = (0, 1, 2, 3, 4)
    for mode in ("forward", "reverse"):
        got = s2sgrad.jacobian(J.fan_in, argnums=nums, mode=mode)(*args)
        assert np.allclose(got, s2sgrad.numerical_grad(J.fan_in, *args, argnums=nums))


def test_show_prints_the_two_accumulation_tables(capsys):
    s2sgrad.show(J.seed_pair, stage="forward", argnums=(0, 1, 2))
    s2sgrad.show(J.seed_pair, stage="reverse", argnums=(0, 1, 2))
    out = capsys.readouterr().out
    assert "def jvp_seed_pair(x1, x2, x3, dx1, dx2, dx3):" in out
    assert "def pullback(gy1, gy2):" in out


def test_pytree_jacobians_use_jax_layout():
    p = {"w": (0.5, -0.7), "b": 0.2}
    x = 1.3
    H = s2sgrad.hessian(J.params_loss)(p, x)
    assert set(H) == {"w", "b"} and set(H["b"]) == {"w", "b"} and len(H["w"]) == 2
    assert set(H["w"][1]) == {"w", "b"}
    g = s2sgrad.grad(J.params_loss)
    eps = 1e-6

    def moved(sign):
        q = {"w": (p["w"][0], p["w"][1]), "b": p["b"] + sign * eps}
        return g(q, x)
    column = {k: (np.array(moved(1)[k]) - np.array(moved(-1)[k])) / (2 * eps)
              for k in ("w", "b")}
    assert H["b"]["b"] == pytest.approx(column["b"], rel=1e-5)
    assert np.allclose([H["w"][0]["b"], H["w"][1]["b"]], column["w"], rtol=1e-5)
    jf = s2sgrad.jacfwd(J.params_loss)(p, x)
    jr = s2sgrad.jacrev(J.params_loss)(p, x)
    gp = g(p, x)
    for a in (jf, jr):
        assert a["b"] == pytest.approx(gp["b"]) and np.allclose(a["w"], gp["w"])


def test_hvp_equals_hessian_times_vector():
    args, v = (0.6, 0.9), (0.3, -1.1)
    H = np.array(s2sgrad.hessian(J.looped, argnums=(0, 1))(*args))
    hv = s2sgrad.hvp(J.looped, args, v)
    assert np.allclose(hv, H @ np.array(v), rtol=1e-12)


def test_pullback_can_be_called_many_times():
    out, pullback = s2sgrad.vjp(J.looped, 0.6, 0.9)
    first = pullback(1.0)
    assert pullback(2.0) == pytest.approx(tuple(2 * g for g in first))
    assert pullback(1.0) == pytest.approx(first)


def test_forward_mode_through_a_large_dict_output(tmp_path, monkeypatch):
    entries = ", ".join(f"'k{i}': x * {i}.0" for i in range(70))
    (tmp_path / "big_dict_case.py").write_text(f"def f(x):\n    return {{{entries}}}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import big_dict_case

    out, tangent = s2sgrad.jvp(big_dict_case.f, (0.5,), (1.0,))
    assert tangent == {f"k{i}": float(i) for i in range(70)}  # d(x*i)/dx, every entry
    assert out["k69"] == 0.5 * 69


def test_jacobian_misuse_names_the_users_file_and_line():
    with pytest.raises(s2sgrad.S2SGradError) as info:
        s2sgrad.jvp(J.params_loss, ({"w": (0.5, -0.7), "b": 0.2}, 1.3), (1.0, 0.0))
    assert "jac_funcs.py" in str(info.value) and info.value.hint
    with pytest.raises(s2sgrad.S2SGradError) as info:
        s2sgrad.jacrev(J.returns_dict)(0.4)
    assert "jac_funcs.py" in str(info.value) and "jacfwd" in info.value.hint


# -- int and bool arguments: differentiated ones raise as grad does; jvp and vjp hold others
# constant (JAX's float0) -------------------------------------------------------------------

DIFFERENTIATE = {
    "jacrev": lambda x: s2sgrad.jacrev(J.quintic)(x),
    "jacrev unfused": lambda x: s2sgrad.jacrev(J.quintic, fused=False)(x),
    "jacfwd": lambda x: s2sgrad.jacfwd(J.quintic)(x),
    "jacfwd unfused": lambda x: s2sgrad.jacfwd(J.quintic, fused=False)(x),
    "jacobian": lambda x: s2sgrad.jacobian(J.quintic)(x),
    "jacobian forward": lambda x: s2sgrad.jacobian(J.quintic, mode="forward")(x),
    "jacobian reverse": lambda x: s2sgrad.jacobian(J.quintic, mode="reverse")(x),
    "hessian": lambda x: s2sgrad.hessian(J.quintic)(x),
    "hvp": lambda x: s2sgrad.hvp(J.quintic, (x,), (1.0,)),
    "grad of grad": lambda x: s2sgrad.grad(s2sgrad.grad(J.quintic))(x),
    "jvp": lambda x: s2sgrad.jvp(J.quintic, (x,), (1.0,)),
}


@pytest.mark.parametrize("x", [2, True, np.int64(2), np.array([1, 2]), np.array([True])],
                         ids=["int", "bool", "np.int64", "int array", "bool array"])
def test_an_int_argument_to_differentiate_raises_as_grad_does(x):
    with pytest.raises(s2sgrad.InputTypeError) as expected:
        s2sgrad.grad(J.quintic)(x)
    for name, call in DIFFERENTIATE.items():
        with pytest.raises(s2sgrad.InputTypeError) as info:
            call(x)  # jacrev gave 0.0 for x = 2, jacfwd differentiated it as 2.0
        assert info.value.message == expected.value.message, name
        assert info.value.loc == expected.value.loc, name
        if name != "jvp":  # whose hint offers a zero tangent too
            assert info.value.hint == expected.value.hint, name


def test_int_arguments_not_differentiated_are_constants():
    f = J.seed_pair
    assert s2sgrad.jacrev(f, argnums=(0, 1))(0.3, 1.2, 2) == \
        s2sgrad.jacrev(f, argnums=(0, 1))(0.3, 1.2, 2.0)
    assert s2sgrad.jacfwd(J.fan_in)(0.1, 2, 3, 4, 5) == \
        pytest.approx(s2sgrad.numerical_grad(J.fan_in, 0.1, 2, 3, 4, 5))
    # jvp: an int takes a zero tangent (JAX's float0), given or left out; vjp gives it zero
    out, tangent = s2sgrad.jvp(J.looped, (0.6, 2), (1.0, 0))
    assert (out, tangent) == s2sgrad.jvp(J.looped, (0.6, 2.0), (1.0, 0.0))
    assert s2sgrad.jvp(J.looped, (0.6, 2), (1.0,)) == (out, tangent)
    with pytest.raises(s2sgrad.InputTypeError, match="argument 'y'") as info:
        s2sgrad.jvp(J.looped, (0.6, 2), (1.0, 1.0))
    assert "zero tangent" in info.value.hint
    _, pullback = s2sgrad.vjp(J.looped, 0.6, 2)
    gx, gy = pullback(1.0)
    assert gy == 0.0 and gx == pytest.approx(tangent)
    _, pullback = s2sgrad.vjp(lambda x, n: np.sum(x * n), np.array([0.5, 1.5]), np.array([2, 3]))
    assert [g.tolist() for g in pullback(1.0)] == [[2.0, 3.0], [0.0, 0.0]]


# -- Jacobians, Hessians, jvp and vjp of grad(grad(f)): more forward steps ---------------------


def quartic(x):
    return x ** 4 + math.sin(x)


def two_args(x, y):
    return x ** 3 * y + math.sin(x * y)


def _fd(fn, args, i, eps=1e-5):
    plus, minus = list(args), list(args)
    plus[i] += eps
    minus[i] -= eps
    return (fn(*plus) - fn(*minus)) / (2 * eps)


def test_jacobians_of_a_second_derivative():
    x = 0.8
    f2 = s2sgrad.grad(s2sgrad.grad(quartic))
    third = 24 * x - math.cos(x)
    fourth = 24 + math.sin(x)
    assert _fd(f2, (x,), 0) == pytest.approx(third, rel=1e-7)
    for jac in (s2sgrad.jacfwd, s2sgrad.jacrev, s2sgrad.jacobian):
        assert jac(f2)(x) == pytest.approx(third, rel=1e-12)  # was SourceUnavailableError
    assert s2sgrad.hessian(s2sgrad.grad(quartic))(x) == pytest.approx(third, rel=1e-12)
    assert s2sgrad.hessian(f2)(x) == pytest.approx(fourth, rel=1e-12)
    f3 = s2sgrad.jacfwd(f2)
    assert s2sgrad.hessian(f2)(x) == pytest.approx(_fd(f3, (x,), 0), rel=1e-7)
    value, tangent = s2sgrad.jvp(f2, (x,), (2.0,))
    assert value == f2(x) and tangent == pytest.approx(2 * third, rel=1e-12)
    value, pullback = s2sgrad.vjp(f2, x)
    assert value == f2(x) and pullback(2.0) == pytest.approx((2 * third,), rel=1e-12)
    assert s2sgrad.hvp(f2, (x,), (2.0,)) == pytest.approx(2 * fourth, rel=1e-12)


def test_jacobians_of_a_second_derivative_of_two_arguments():
    args, nums = (0.7, 1.3), (0, 1)
    fxy = s2sgrad.grad(s2sgrad.grad(two_args), 1)  # d2/dx dy
    want = tuple(_fd(fxy, args, i) for i in nums)
    for jac in (s2sgrad.jacfwd, s2sgrad.jacrev):
        assert jac(fxy, argnums=nums)(*args) == pytest.approx(want, rel=1e-7)
        assert jac(fxy, argnums=1)(*args) == pytest.approx(want[1], rel=1e-7)
    H = s2sgrad.hessian(fxy, argnums=nums)(*args)
    grads = [s2sgrad.grad(s2sgrad.grad(fxy, i), j) for i in nums for j in nums]
    assert np.ravel(H) == pytest.approx([g(*args) for g in grads], rel=1e-12)
    row = s2sgrad.jacfwd(fxy, argnums=nums)
    assert H[1] == pytest.approx(tuple(_fd(lambda x, y: row(x, y)[1], args, i)
                                       for i in nums), rel=1e-6)
    hessian_of_grad = s2sgrad.hessian(s2sgrad.grad(two_args), argnums=nums)(*args)
    assert hessian_of_grad[0][1] == pytest.approx(want[0], rel=1e-7)
    _, tangent = s2sgrad.jvp(fxy, args, (0.5, -2.0))
    _, pullback = s2sgrad.vjp(fxy, *args)
    assert tangent == pytest.approx(0.5 * want[0] - 2.0 * want[1], rel=1e-7)
    assert pullback(1.0) == pytest.approx(want, rel=1e-7)
    assert s2sgrad.grad(s2sgrad.grad(two_args), -1)(*args) == fxy(*args)


def test_a_second_derivative_takes_float_scalars():
    f2 = s2sgrad.grad(s2sgrad.grad(lambda x: np.sum(x ** 3)))
    with pytest.raises(s2sgrad.S2SGradError, match="float arguments") as info:
        f2(np.array([1.0, 2.0]))  # was [6, 12]: the gradient's column sums
    assert "hessian" in info.value.hint
