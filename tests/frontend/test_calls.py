"""Calls into the user's own functions are differentiated through (inlined)."""

import pytest

import s2sgrad

from ..cases import calls as C


def _central(f, args, i, h=1e-6):
    up, down = list(args), list(args)
    up[i] += h
    down[i] -= h
    return (f(*up) - f(*down)) / (2 * h)


CALLS = [
    (C.level1, (0.7, 1.3)),
    (C.helper_in_loop_and_branches, (0.4, 1.2)),
    (C.helper_in_loop_and_branches, (-0.4, 1.2)),
    (C.uses_recursion, (0.8,)),
    (C.uses_closure, (0.3, -0.6)),
    (C.passes_function, (0.9,)),
    (C.piecewise, (0.6,)),
]
_IDS = lambda v: getattr(v, "__name__", "")  # noqa: E731


@pytest.mark.parametrize("fn, args", CALLS, ids=_IDS)
def test_gradient_through_calls_matches_central_differences(fn, args):
    argnums = tuple(range(len(args)))
    got = s2sgrad.grad(fn, argnums=argnums)(*args)
    want = [_central(fn, args, i) for i in argnums]
    assert got == pytest.approx(want, rel=1e-6, abs=1e-8)


def test_call_graph_of_depth_three_reads_as_inlined_code():
    text = s2sgrad.source(s2sgrad.grad(C.level1, argnums=(0, 1)))
    assert "calls.py:" in text and "helpers_module.py:" in text  # comments point at callees
    code = "\n".join(ln for ln in text.splitlines() if not ln.strip().startswith("#"))
    assert "level2(" not in code and "softplus(" not in code


def test_recursion_without_a_constant_depth_is_an_error():
    with pytest.raises(s2sgrad.UnsupportedSyntaxError) as info:
        s2sgrad.grad(C.runaway)(0.5, 3)
    assert "calls.py" in str(info.value) and info.value.hint


def test_custom_vjp_inside_a_loop():
    x = 0.6  # clipped for i = 2, 3; the custom rule passes the gradient through anyway
    got = s2sgrad.grad(C.uses_custom_in_loop)(x)
    want = sum(C.clipped(x * (i + 1)) + (i + 1) * x for i in range(3))
    assert got == pytest.approx(want)
    assert "clip_straight_through(" in s2sgrad.source(s2sgrad.grad(C.uses_custom_in_loop))


def test_custom_vjp_without_rule_is_a_missing_rule_error():
    @s2sgrad.custom_vjp
    def no_rule(x):
        return x * 2.0

    def user(x):
        return no_rule(x)

    C.user_of_no_rule = user  # noqa: B010
    with pytest.raises(s2sgrad.MissingRuleError):
        s2sgrad.grad(user)(1.0)


def test_stop_gradient():
    gx, gy = s2sgrad.grad(C.uses_stop_gradient, argnums=(0, 1))(0.5, 3.0)
    assert (gx, gy) == pytest.approx((1.5, 1.0))


def test_function_passed_as_an_argument_is_known_at_compile_time():
    import math

    g = s2sgrad.grad(C.takes_a_function, argnums=1)
    assert g(math.sin, 0.5) == pytest.approx(math.cos(0.5) * 0.5 + math.sin(0.5))
    assert g(C.square, 0.5) == pytest.approx(3 * 0.25)


def test_method_of_a_user_object_is_inlined():
    import math

    t = math.tanh(0.7 * 0.4)
    assert s2sgrad.grad(C.uses_method)(0.4) == pytest.approx(2 * t * (1 - t * t) * 0.7)


def test_rebinding_a_callee_or_a_constant_recompiles():
    import math

    from ..cases import stale

    g = s2sgrad.grad(stale.uses_helper)
    assert g(0.5) == pytest.approx(2.0 * math.cos(0.5))
    old_helper, old_rate = stale.helper, stale.RATE
    try:
        stale.helper = lambda x: x * x * x
        assert g(0.5) == pytest.approx(2.0 * 3 * 0.25)  # the held gradient sees the change
        stale.RATE = 5.0
        assert g(0.5) == pytest.approx(5.0 * 3 * 0.25)
        out, t = s2sgrad.jvp(stale.uses_helper, (0.5,), (1.0,))
        assert t == pytest.approx(5.0 * 3 * 0.25)
    finally:
        stale.helper, stale.RATE = old_helper, old_rate
    assert g(0.5) == pytest.approx(2.0 * math.cos(0.5))
    assert s2sgrad.jvp(stale.uses_helper, (0.5,), (1.0,))[1] == pytest.approx(
        2.0 * math.cos(0.5))


@pytest.mark.parametrize("fn, args", [*CALLS, (C.uses_stop_gradient, (0.5, 3.0))],
                         ids=_IDS)
def test_forward_mode_through_calls_agrees_with_reverse_mode(fn, args):
    argnums = tuple(range(len(args)))
    rev = s2sgrad.grad(fn, argnums=argnums)(*args)
    for i in argnums:
        tangents = [0.0] * len(args)
        tangents[i] = 1.0
        _, t = s2sgrad.jvp(fn, args, tangents)
        assert t == pytest.approx(rev[i], rel=1e-9, abs=1e-12)


def test_rule_for_a_library_function_both_modes_and_second_order():
    from ..cases import library_rule as L

    args = (1.7, 2.4)
    rev = s2sgrad.grad(L.log_beta, argnums=(0, 1))(*args)
    assert rev == pytest.approx([_central(L.log_beta, args, i) for i in (0, 1)], rel=1e-7)
    _, t = s2sgrad.jvp(L.log_beta, args, (1.0, 0.0))
    assert t == pytest.approx(rev[0], rel=1e-12)
    h = s2sgrad.hessian(L.log_beta, argnums=0)(*args)  # through the inlined digamma loop
    d1 = s2sgrad.grad(L.log_beta)
    assert h == pytest.approx(_central(d1, args, 0, 1e-5), rel=1e-6)


def test_custom_jvp_inside_a_loop_forward_and_reverse():
    from ..cases import library_rule as L

    args = (0.8, 1.3)
    want = [_central(L.softplus_in_loop, args, i) for i in (0, 1)]
    assert s2sgrad.grad(L.softplus_in_loop, argnums=(0, 1))(*args) == pytest.approx(
        want, rel=1e-7)
    for i in (0, 1):
        v = [0.0, 0.0]
        v[i] = 1.0
        assert s2sgrad.jvp(L.softplus_in_loop, args, v)[1] == pytest.approx(want[i], rel=1e-7)


def test_rebinding_an_attribute_of_a_user_object_recompiles():
    import math

    g = s2sgrad.grad(C.uses_method)
    t = math.tanh(0.7 * 0.4)
    assert g(0.4) == pytest.approx(2 * t * (1 - t * t) * 0.7)
    try:
        C.MODEL.w = 1.1
        t = math.tanh(1.1 * 0.4)
        assert g(0.4) == pytest.approx(2 * t * (1 - t * t) * 1.1)
    finally:
        C.MODEL.w = 0.7
