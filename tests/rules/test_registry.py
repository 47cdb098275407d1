"""Registering a rule again (`defvjp`, `defjvp`, `custom_vjp.defvjp`) replaces the old one
in code compiled before, through every cache: the rules' generation is a dependency."""

import traceback

import numpy as np

import s2sgrad


def _cube(x):
    return x * x * x


def test_defvjp_again_recompiles_the_gradients_that_used_the_old_rule():
    def f(x):
        return _cube(x) * 2.0

    s2sgrad.defvjp(_cube, lambda g, ans, x: g * 100.0)
    g = s2sgrad.grad(f)
    assert g(1.0) == 200.0
    assert g(np.array(1.0)) == 200.0
    s2sgrad.defvjp(_cube, lambda g, ans, x: g * 3.0 * x * x)
    assert g(1.0) == 6.0  # the armed dispatcher
    assert s2sgrad.grad(f)(1.0) == 6.0  # the cached one
    assert g(np.array(1.0)) == 6.0  # the other specialization, compiled before
    assert s2sgrad.grad(lambda xs: f(xs[0]) + f(xs[1]))([1.0, 1.0]) == [6.0, 6.0]


def test_defjvp_again_recompiles_forward_mode():
    def q(x):
        return x * x

    def f(x):
        return q(x) + x

    s2sgrad.defjvp(q, lambda t, ans, x: t * 100.0)
    assert s2sgrad.jvp(f, (1.0,), (1.0,))[1] == 101.0
    s2sgrad.defjvp(q, lambda t, ans, x: t * 2.0 * x)
    assert s2sgrad.jvp(f, (1.0,), (1.0,))[1] == 3.0


def test_custom_vjp_defvjp_again():
    @s2sgrad.custom_vjp
    def sq(x):
        return x * x

    def h(x):
        return sq(x)

    sq.defvjp(lambda g, ans, x: g * 1.0)
    g = s2sgrad.grad(h)
    assert g(3.0) == 1.0
    sq.defvjp(lambda g, ans, x: g * 2.0 * x)
    assert g(3.0) == 6.0
    assert s2sgrad.value_and_grad(h)(3.0) == (9.0, 6.0)


def test_a_jacobian_that_runs_a_dispatchers_code_recompiles_too():
    def q(x):
        return x * x

    def f(x, y):
        return q(x) * y

    s2sgrad.defvjp(q, lambda g, ans, x: g * 100.0)
    s2sgrad.defjvp(q, lambda t, ans, x: t * 100.0)
    jac = s2sgrad.jacobian(f)
    assert jac(1.0, 1.0) == 100.0
    assert jac(1.0, 1.0) == 100.0  # now its own code: the fused program's dispatcher's
    s2sgrad.defjvp(q, lambda t, ans, x: t * 2.0 * x)
    s2sgrad.defvjp(q, lambda g, ans, x: g * 2.0 * x)
    assert jac(1.0, 1.0) == 2.0


_ARMED = {"on": False}


def _doubles(x):
    running = [frame.name for frame in traceback.extract_stack()]
    if _ARMED["on"] and "slow_call" in running and "specialize" not in running:
        _ARMED["on"] = False  # the compiled code runs, the guard is not armed yet
        s2sgrad.defvjp(_doubles, lambda g, ans, x: g * 5.0)
    return x * 2.0


def _uses_doubles(x):
    return _doubles(x) * x


def test_a_rule_registered_while_the_first_call_runs_is_used_by_the_next_call():
    """The slow path compiles, runs the code without the lock, then arms the guard: a rule
    registered in between closes the guards before the arming, which must then not arm
    code compiled with the old rule (it did, and the old rule stayed for good)."""
    s2sgrad.defvjp(_doubles, lambda g, ans, x: g * 2.0)
    g = s2sgrad.grad(_uses_doubles)
    _ARMED["on"] = True
    assert g(1.0) == 4.0  # compiled with the rule in force when the call began
    assert g(1.0) == 7.0 and g(1.0) == 7.0
