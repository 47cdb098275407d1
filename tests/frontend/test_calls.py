"""Calls into the user's own functions are differentiated through (inlined)."""

import pytest

import s2sgrad

from ..cases import calls as C


def _central(f, args, i, h=1e-6):
    up, down = list(args), list(args)
    up[i] += h
    down[i] -= h
    return (f(*up) - f(*down)) / (2 * h)


@pytest.mark.parametrize("fn, args", [
    (C.level1, (0.7, 1.3)),
    (C.helper_in_loop_and_branches, (0.4, 1.2)),
    (C.helper_in_loop_and_branches, (-0.4, 1.2)),
    (C.uses_recursion, (0.8,)),
    (C.uses_closure, (0.3, -0.6)),
    (C.passes_function, (0.9,)),
    (C.piecewise, (0.6,)),
], ids=lambda v: getattr(v, "__name__", ""))
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
