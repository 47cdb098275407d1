"""Regression tests for generated-code bugs the NumPy fuzzer (tests/fuzz_numpy.py) found;
each compares the gradient with central differences."""

import numpy as np

import s2sgrad


def _reversed_plus_total_in_a_loop(x):
    for i in range(1):
        x = x[::-1] + np.sum(x)
    return np.sum(x)


def _slice_read_added_twice_in_a_loop(x):
    for i in range(2):
        x = np.concatenate([x[1:], x[:1]]) * 0.5 + np.sin(x)
    return np.sum(x * x)


def _slice_read_in_a_branch(x, s):
    y = x * 1.0
    for i in range(2):
        if s > 0.0:
            y = y[::-1] + np.sum(y)
        else:
            y = y * 2.0
    return np.sum(np.sin(y))


def test_the_adjoint_of_a_slice_read_in_a_loop_keeps_its_incoming_adjoint():
    # The adjoint of `x[::-1]` adds the incoming adjoint into a copy of the other
    # contributions; the copy took the incoming adjoint's name (the loop-carried one), so
    # `bx = bx_1.copy(); bx[::-1] += bx` added the copy to itself.
    x = np.array([0.3, -0.2, 0.5])
    for fn, args in ((_reversed_plus_total_in_a_loop, (x,)),
                     (_slice_read_added_twice_in_a_loop, (x,)),
                     (_slice_read_in_a_branch, (x, 0.5))):
        got = s2sgrad.grad(fn)(*args)
        want = s2sgrad.numerical_grad(fn, *args)
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8, err_msg=fn.__name__)


def _stacked_plus_matrix_summed(x):
    return np.sum(np.stack([x[0], x[1]]) + np.ones((3, 2)))


def _stacked_plus_matrix_reshaped(x):
    v = np.stack([np.sum(x), 3.0, x[2]]) + np.ones((2, 3))
    v += v.reshape((2, 3))
    return np.mean(v * v)


def _masked_total_then_slice_write(x):
    v1 = np.cos(x) * np.sum(x[x > 0.0])
    v2 = v1 + 0.0
    v2[1:] = x[:2] * 2.0
    return np.sum(v1) + np.sum(v2)


def test_a_tangent_is_broadcast_to_a_result_whose_shape_is_not_known_when_compiling():
    # np.stack of a list has a shape the compiler does not infer; the tangent of an
    # elementwise result of it kept the stack's smaller shape, so a sum of it counted each
    # item once instead of three times, and a reshape of it failed.
    x = np.array([0.3, -0.2, 0.5])
    v = np.array([1.0, -0.5, 2.0])
    # The run-time broadcast returns its argument when the shapes agree, so a later slice
    # write into the tangent of `v1 + 0.0` must copy first, or it changes v1's tangent too.
    for fn in (_stacked_plus_matrix_summed, _stacked_plus_matrix_reshaped,
               _masked_total_then_slice_write):
        value, tangent = s2sgrad.jvp(fn, (x,), (v,))
        assert value == fn(x)
        want = (fn(x + 1e-6 * v) - fn(x - 1e-6 * v)) / 2e-6
        np.testing.assert_allclose(tangent, want, rtol=1e-6, err_msg=fn.__name__)


def _masked_update(x):
    v = x * 1.5
    v[v > 0.0] += np.sum(x, axis=0)
    return np.sum(v)


def test_the_hessian_of_an_update_through_a_boolean_mask():
    # The adjoint of `v[mask] += w` reads `written(g, mask)`, whose length depends on the
    # mask; the compiler took it for the length of g, so the zero tangent forward-over-
    # reverse made for it had the wrong shape and hvp raised.
    g = s2sgrad.grad(_masked_update)
    v = np.array([1.0, 0.5, -1.0])
    for x in (np.array([0.3, -0.2, 0.5]), np.array([-0.3, -0.2, -0.5])):  # some, none set
        want = (g(x + 1e-5 * v) - g(x - 1e-5 * v)) / 2e-5
        np.testing.assert_allclose(s2sgrad.hvp(_masked_update, (x,), (v,)), want, atol=1e-8)
