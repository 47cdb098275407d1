"""Generated code: readable names, no dead copies, linecache, and tracebacks."""

import linecache
import traceback

import numpy as np
import pytest

import s2sgrad

from ..cases import programs as P


def test_loop_gradient_code_uses_one_stack_and_the_users_names():
    text = s2sgrad.source(s2sgrad.grad(P.loop, argnums=(0, 1, 2)))
    assert text.count("stack = []") == 1
    assert text.count(".append(") == 1 and ".pop()" not in text
    assert "for i in range(n):" in text
    assert "in reversed(stack):" in text  # the reverse loop walks the stack backwards
    assert "x = x + u3 * b" in text  # the carried value keeps the user's name
    compile(text, "<test>", "exec")


def test_a_while_loop_that_stores_values_counts_its_trips_by_its_stack():
    text = s2sgrad.source(s2sgrad.grad(P.branchy, argnums=(0, 1)))
    assert "in reversed(stack" in text and "trips" not in text


def test_a_while_loop_that_stores_nothing_records_its_trip_count():
    g = s2sgrad.grad(P.doubling)
    assert g(2.0, 9.0) == pytest.approx(1.5 ** 4)
    text = s2sgrad.source(g)
    assert "trips = trips + 1" in text and "for _ in range(trips):" in text
    assert "stack" not in text


def test_a_pullback_walks_its_stacks_again_on_every_call():
    out, pullback = s2sgrad.vjp(P.loop, 0.5, 0.7, 0.3)
    assert pullback(1.0) == pullback(1.0)


def test_generated_source_is_registered_in_linecache():
    g = s2sgrad.grad(P.sqrt_in_reverse)
    g(4.0)
    fn = g.__s2sgrad__.compiled[g.__s2sgrad__.last][0]
    filename = fn.__code__.co_filename
    assert filename.startswith("<s2sgrad-")
    assert "def grad_sqrt_in_reverse" in "".join(linecache.getlines(filename))


def test_traceback_in_reverse_sweep_names_the_generated_line_and_its_source():
    g = s2sgrad.grad(P.sqrt_in_reverse)
    with pytest.raises(ZeroDivisionError) as info:
        g(0.0)
    frames = traceback.extract_tb(info.value.__traceback__)
    last = frames[-1]
    assert last.filename.startswith("<s2sgrad-") and "/" in last.line
    lines = linecache.getlines(last.filename)
    comment = next(ln for ln in reversed(lines[:last.lineno]) if "adjoint of:" in ln)
    assert "programs.py:" in comment and "math.sqrt(x)" in comment


_HELPERS = ("unbroadcast", "scalar_seed", "zeros_like", "seq_onehot", "np.", "runtime")


def _float_cases():
    from ..corpus.scalar import CASES

    return [(fn, nums) for fn, args, nums in CASES
            if nums and not isinstance(fn(*args), tuple)]


@pytest.mark.parametrize("fn, nums", _float_cases(), ids=lambda v: getattr(v, "__name__", ""))
def test_gradient_of_float_code_calls_no_helpers(fn, nums):
    text = s2sgrad.source(s2sgrad.grad(fn, argnums=nums))
    code = "\n".join(ln.split("#")[0] for ln in text.splitlines())
    assert not [h for h in _HELPERS if h in code], text


def test_adding_a_negation_is_written_as_a_subtraction():
    """The forward program is shown before optimization; `du1 = dx2 + -dx3` reads as
    `dx2 - dx3`, and the values are the same."""
    from ..cases.jac_funcs import seed_pair

    text = s2sgrad.api.grads.stage_text(seed_pair, "forward", argnums=(0, 1, 2))
    assert "dx2 - dx3" in text and "+ -" not in text and "- -" not in text, text
    jac = s2sgrad.jacfwd(seed_pair, argnums=(0, 1, 2))(0.3, 1.2, -0.7)
    assert jac == s2sgrad.jacrev(seed_pair, argnums=(0, 1, 2))(0.3, 1.2, -0.7)


HALF32 = np.float32(0.5)
SPREAD = np.float64(2.5)


def _over_spread(x):
    return x / SPREAD


def _times_half32(x):
    return x * HALF32 + np.float64(1.5) * x


def test_numpy_scalar_globals_are_written_as_the_calls_that_make_them():
    g = s2sgrad.grad(_over_spread)
    assert g(1.0) == pytest.approx(0.4)
    assert "np.float64(0.4)" in s2sgrad.source(g)
    x = np.array([1.0, 2.0], np.float32)
    h = s2sgrad.grad(lambda x: np.sum(_times_half32(x)))
    assert np.allclose(h(x), s2sgrad.numerical_grad(lambda x: np.sum(_times_half32(x)),
                                                    x.astype(float)), atol=1e-6)
