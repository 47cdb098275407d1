"""Arguments that share memory with an argument the function writes into.

Python's `f(a, a)` sees its own write through the other name; compiled code never updates
a caller's array, so it would compute something else. Such a call raises
AliasedArgumentsError, naming both arguments and the line that writes; a function that
writes into no argument is not checked at all."""

import numpy as np
import pytest

import s2sgrad
from s2sgrad import errors


def zero_first(x, y):
    x[0] = 0.0
    return np.sum(y * y)


def shifted(x, y):
    x += 1.0
    return np.sum(x * y)


def reads_only(x, y):
    return np.sum(x * y)


CALLS = {
    "grad": lambda f, a, b: s2sgrad.grad(f, argnums=1)(a, b),
    "value_and_grad": lambda f, a, b: s2sgrad.value_and_grad(f, argnums=(0, 1))(a, b),
    "vjp": lambda f, a, b: s2sgrad.vjp(f, a, b)[1](1.0),
    "jvp": lambda f, a, b: s2sgrad.jvp(f, (a, b), (np.ones_like(a), np.ones_like(b))),
    "jacfwd": lambda f, a, b: s2sgrad.jacfwd(f, 1)(a, b),
    "jacrev": lambda f, a, b: s2sgrad.jacrev(f, 1)(a, b),
    "jacobian": lambda f, a, b: s2sgrad.jacobian(f, 1)(a, b),
    "hessian": lambda f, a, b: s2sgrad.hessian(f, 1)(a, b),
    "hvp": lambda f, a, b: s2sgrad.hvp(f, (a, b), (np.ones_like(a), np.ones_like(b))),
}
WRITES = {zero_first: "x[0] = 0.0", shifted: "x += 1.0"}


@pytest.mark.parametrize("fun", [zero_first, shifted])
@pytest.mark.parametrize("call", sorted(CALLS))
@pytest.mark.parametrize("shape", [(3,), (2, 2)])
def test_the_same_array_twice_is_rejected_everywhere(fun, call, shape):
    a = np.arange(1.0, 1.0 + np.prod(shape)).reshape(shape)
    before = a.copy()
    with pytest.raises(errors.AliasedArgumentsError) as info:
        CALLS[call](fun, a, a)
    e = info.value
    assert f"arguments 'x' and 'y' of '{fun.__name__}' share memory" in e.message
    assert e.loc.filename == __file__ and e.loc.source_line().strip() == WRITES[fun]
    np.testing.assert_array_equal(a, before)  # the caller's array is left alone


@pytest.mark.parametrize("make_y", [lambda a: a[::-1], lambda a: a.T, lambda a: a[:, ::-1],
                                    lambda a: a.reshape(2, 2)],
                         ids=["reversed", "transpose", "columns-reversed", "reshape"])
def test_a_view_of_the_written_argument_is_rejected(make_y):
    a = np.arange(1.0, 5.0).reshape(2, 2)
    with pytest.raises(errors.AliasedArgumentsError):
        s2sgrad.grad(shifted, argnums=1)(a, make_y(a))
    with pytest.raises(errors.AliasedArgumentsError):
        s2sgrad.grad(shifted, argnums=1)(make_y(a), a)


def without_writes(f):
    """`f` on copies of its arguments: what central differences can evaluate."""
    return lambda *args: f(*(a.copy() for a in args))


def test_the_check_also_runs_on_the_armed_fast_path():
    g = s2sgrad.grad(zero_first, argnums=1)
    a = np.array([3.0, 1.0, 2.0])
    np.testing.assert_allclose(g(a, a.copy()), 2 * a)
    np.testing.assert_allclose(g(a, a.copy()), 2 * a)  # armed: runs the guarded body
    with pytest.raises(errors.AliasedArgumentsError):
        g(a, a)


@pytest.mark.parametrize("shape", [(4,), (2, 3)])
def test_the_hint_runs_and_gives_pythons_gradient(shape):
    a = np.linspace(0.5, 2.0, int(np.prod(shape))).reshape(shape)
    with pytest.raises(errors.AliasedArgumentsError) as info:
        s2sgrad.grad(shifted, argnums=(0, 1))(a, a)
    assert info.value.hint.endswith("shifted(x, y.copy())")
    x, y = a, a
    got = eval("s2sgrad.grad(shifted, argnums=(0, 1))(x, y.copy())",
               {"s2sgrad": s2sgrad, "shifted": shifted, "x": x, "y": y})
    want = s2sgrad.numerical_grad(without_writes(shifted), a, a.copy(), argnums=(0, 1))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-6)


def test_disjoint_parts_of_one_array_are_fine():
    a = np.arange(1.0, 7.0)
    x, y = a[:3], a[3:]
    got = s2sgrad.grad(zero_first, argnums=1)(x, y)
    np.testing.assert_allclose(got, s2sgrad.numerical_grad(without_writes(zero_first), x, y,
                                                           argnums=1), rtol=1e-6)
    np.testing.assert_array_equal(a, np.arange(1.0, 7.0))


def test_a_function_that_writes_no_argument_has_no_check():
    a = np.array([1.0, 2.0, 3.0])
    g = s2sgrad.grad(reads_only, argnums=(0, 1))
    got = g(a, a)
    np.testing.assert_allclose(got[0], a)
    assert "_check_aliases" not in s2sgrad.source(g)
    assert "_check_aliases" in s2sgrad.source(s2sgrad.grad(zero_first, argnums=1))


@pytest.mark.parametrize("call", ["jacfwd", "jacobian", "hessian"])
def test_finding_the_outputs_structure_leaves_the_callers_arrays_alone(call):
    a, b = np.array([1.0, 2.0, 3.0]), np.array([0.5, -1.0, 2.0])
    CALLS[call](zero_first, a, b)
    np.testing.assert_array_equal(a, [1.0, 2.0, 3.0])


def test_a_written_float_argument_is_not_checked():
    def bump(x, y):
        x += 1.0
        return x * y

    assert s2sgrad.grad(bump, argnums=(0, 1))(2.0, 2.0) == (2.0, 3.0)
    assert "_check_aliases" not in s2sgrad.source(s2sgrad.grad(bump, argnums=(0, 1)))


def doubles_first(x):
    x[0] = x[1] * 2.0
    return np.sum(x * x)


def scaled_in_place(x, n, s):
    x += s
    return np.sum(x * x) * n


ONE_ARRAY = {
    "grad": lambda f, a, *r: s2sgrad.grad(f)(a, *r),
    "value_and_grad": lambda f, a, *r: s2sgrad.value_and_grad(f)(a, *r)[1],
    "vjp": lambda f, a, *r: s2sgrad.vjp(f, a, *r)[1](1.0)[0],
    "jvp": lambda f, a, *r: s2sgrad.jvp(f, (a, *r), (np.ones_like(a), *[0.0] * len(r)))[1],
    "jacfwd": lambda f, a, *r: s2sgrad.jacfwd(f)(a, *r),
    "jacrev": lambda f, a, *r: s2sgrad.jacrev(f)(a, *r),
    "hessian": lambda f, a, *r: s2sgrad.hessian(f)(a, *r),
}


@pytest.mark.parametrize("call", sorted(ONE_ARRAY))
@pytest.mark.parametrize("fun, rest", [(doubles_first, ()), (scaled_in_place, (2, 0.5))],
                         ids=["one-argument", "one-array-and-scalars"])
def test_a_function_of_one_array_that_writes_into_it_compiles_and_checks_nothing(call, fun,
                                                                                 rest):
    a = np.array([1.0, 2.0, 3.0])
    got = ONE_ARRAY[call](fun, a, *rest)  # once `if :` in the generated code
    np.testing.assert_array_equal(a, [1.0, 2.0, 3.0])
    if call in ("grad", "value_and_grad", "vjp", "jacrev", "jacfwd"):
        want = s2sgrad.numerical_grad(lambda x: fun(x.copy(), *rest), a)
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    assert "_check_aliases" not in s2sgrad.source(s2sgrad.grad(fun))


# -- the hint's call is written in the user's signature ----------------------------------------

def write_from_params(x, p):
    x[0] = 0.0
    return np.sum(x * p[0]) + np.sum(p[1] * p[1])


def write_keyword(x, *, y):
    x[0] = 0.0
    return np.sum(x * y)


def run_hint(hint, namespace):
    """Run the code after 'e.g. ' in `hint` (statements, then the call) and return the
    call's value."""
    code = hint.split("e.g. ", 1)[1]
    *statements, call = code.split("; ")
    for statement in statements:
        exec(statement, namespace)
    return eval(call, namespace)


@pytest.mark.parametrize("shape", [(3,), (2, 2)])
def test_the_hint_for_a_pytree_argument_copies_the_argument_and_runs(shape):
    a = np.linspace(0.5, 2.0, int(np.prod(shape))).reshape(shape)
    p = [a, a * 2.0]
    g = s2sgrad.grad(write_from_params, argnums=1)
    with pytest.raises(errors.AliasedArgumentsError) as info:
        g(a, p)
    assert "'p'" in str(info.value) and "p_0" not in str(info.value)
    assert info.value.hint.endswith("write_from_params(x, copy.deepcopy(p))")
    got = run_hint(info.value.hint, {"write_from_params": g, "x": a, "p": p})
    for k in range(2):
        want = s2sgrad.numerical_grad(
            lambda v: write_from_params(a.copy(), [v, p[1]] if k == 0 else [p[0], v]),
            p[k].copy())
        np.testing.assert_allclose(got[k], want, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("shape", [(3,), (2, 2)])
def test_the_hint_for_a_keyword_only_argument_passes_it_by_keyword(shape):
    a = np.linspace(0.5, 2.0, int(np.prod(shape))).reshape(shape)
    g = s2sgrad.grad(write_keyword)
    with pytest.raises(errors.AliasedArgumentsError) as info:
        g(a, y=a)
    assert info.value.hint.endswith("write_keyword(x, y=y.copy())")
    got = run_hint(info.value.hint, {"write_keyword": g, "x": a, "y": a})
    want = s2sgrad.numerical_grad(lambda v: write_keyword(v.copy(), y=a.copy()), a.copy())
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)
