"""The reverse transform (transforms/reverse.py): what it knows about the adjoint code it
emits. A derivative rule's own local names (`hit = x == ans` in the VJP of `np.max`) keep
the shapes inferred for them, so the code after the rule still knows every shape. Dicts get
dicts of adjoints (transforms/reverse_items.py), and an active value that reaches a
primitive with no VJP for it is an error, never a zero."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import s2sgrad
from s2sgrad import errors, pipeline
from s2sgrad.analysis.kinds import kind_of_value


def stable_layer(x, W, b):
    z = x @ W + b
    z = z - np.max(z, axis=1, keepdims=True)
    return np.sum(z * z)


ARGS = (np.random.default_rng(5).normal(size=(4, 3)),
        np.random.default_rng(6).normal(size=(3, 2)), np.array([0.1, -0.2]))


def test_shapes_survive_a_rule_with_named_locals():
    opts = pipeline.Options("grad", (1, 2), True, False)
    program = pipeline.gradient_program(stable_layer, opts, [kind_of_value(a) for a in ARGS])
    assert [a.shape for v, a in program.avals.items() if v.name == "hit"] == [(4, 2)]
    text = pipeline.compile_program(program, "test")[1]
    assert "unbroadcast" not in text, text  # all shapes known: sums over explicit axes
    assert "np.sum(bz, axis=0)" in text


def test_the_gradient_matches_central_differences():
    x, W, b = ARGS
    gW, gb = s2sgrad.grad(stable_layer, argnums=(1, 2))(x, W, b)
    np.testing.assert_allclose(gW, s2sgrad.numerical_grad(lambda W: stable_layer(x, W, b), W),
                               rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(gb, s2sgrad.numerical_grad(lambda b: stable_layer(x, W, b), b),
                               rtol=1e-6, atol=1e-8)


# -- dicts: the adjoint of a dict is a dict of the adjoints of its items ----------------------
# Each gradient is checked against central differences, and against forward mode (jvp
# along each unit vector), which derives dicts item by item.


def one_item(x):
    d = {"a": x}
    return d["a"] * 3.0


def several_items(x, y):
    d = {"x": x, "y": y, "xy": x * y, "unread": math.exp(x)}
    return d["x"] * d["xy"] + math.sin(d["y"])


def nested(x, y):
    d = {"p": (x, y * 2.0), "q": {"r": x * x, "s": y}}
    a, b = d["p"]
    return a * b + d["q"]["r"] * d["p"][1]


def loop_and_branch(x, y):
    d = {"s": 0.0, "p": 1.0}
    for i in range(5):
        if d["s"] < 2.0:
            d = {"s": d["s"] + x * d["p"], "p": d["p"] * y}
        else:
            d["s"] = d["s"] * x  # an item replaced: the old one gets no adjoint
    return d["s"] + d["p"]


def while_loop(x):
    d = {"v": x, "n": 0}
    while d["v"] < 10.0:
        d = {"v": d["v"] * 1.5 + x, "n": d["n"] + 1}
    return d["v"]


def items_set_and_read_by_a_computed_key(x, y):
    d = {"a": x * 1.0, "a2": x * 2.0}
    d["b"] = x * y  # a new key
    d["a"] = y * y  # x's item overwritten
    k = "a" if x > 0.0 else "b"
    return d[k] * d["b"] + d["a2"]


def repeated_key(x, y):
    d = {"a": x, "a": y}  # noqa: F601  (Python keeps the last)
    return d["a"] * 2.0


def dict_of_arrays(w, b):
    d = {"w": w * 2.0, "b": b, "unread": w * w}
    return np.sum(d["w"] ** 2) + d["b"] * np.sum(d["w"])


def loss_and_dict(x, y):
    d = {"loss": x * x * y, "x": x}
    return d["loss"], d


def returns_a_dict(x, y):
    return {"prod": x * y, "pair": (math.sin(x), y)}


def _check_dict_gradient(fn, args):
    nums = tuple(range(len(args)))
    got = s2sgrad.grad(fn, argnums=nums)(*args)
    want = s2sgrad.numerical_grad(fn, *args, argnums=nums)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-8)
    scalars = all(isinstance(a, float) for a in args)
    for i in nums if scalars else ():  # forward mode, one unit vector at a time
        unit = tuple(1.0 if k == i else 0.0 for k in nums)
        assert s2sgrad.jvp(fn, args, unit)[1] == pytest.approx(got[i], rel=1e-12)
    return got


@pytest.mark.parametrize("fn, args", [
    (several_items, (0.7, 1.3)), (nested, (0.7, 1.3)), (loop_and_branch, (0.9, 1.2)),
    (loop_and_branch, (0.4, 0.8)), (items_set_and_read_by_a_computed_key, (0.7, 1.3)),
    (items_set_and_read_by_a_computed_key, (-0.7, 1.3)), (repeated_key, (0.7, 1.3)),
    (dict_of_arrays, (np.array([0.5, -1.0, 2.0]), 0.3)),
], ids=lambda v: getattr(v, "__name__", ""))
def test_dict_gradients_match_differences_and_forward_mode(fn, args):
    _check_dict_gradient(fn, args)


def test_a_dict_display_passes_the_gradient_through():
    assert s2sgrad.grad(one_item)(1.0) == 3.0  # was 0.0: make_dict had no adjoint
    assert _check_dict_gradient(one_item, (1.0,)) == (3.0,)
    assert _check_dict_gradient(while_loop, (1.1,))[0] == pytest.approx(
        1.5 ** 4 + 1.5 ** 3 + 1.5 ** 2 + 1.5 + 1.0)  # v = 1.5 v + x, four times from x


def test_a_dict_returned_as_aux_or_as_output():
    g, aux = s2sgrad.grad(loss_and_dict, has_aux=True)(1.5, 2.0)
    assert g == 6.0 and aux == {"loss": 4.5, "x": 1.5}
    out, pullback = s2sgrad.vjp(returns_a_dict, 0.5, 2.0)
    assert out == {"prod": 1.0, "pair": (math.sin(0.5), 2.0)}
    gx, gy = pullback({"prod": 1.0, "pair": (3.0, 5.0)})
    assert (gx, gy) == pytest.approx((2.0 + 3.0 * math.cos(0.5), 0.5 + 5.0))
    assert pullback({"prod": 1.0}) == pytest.approx((2.0, 0.5))  # a missing key: zero
    with pytest.raises(errors.ShapeError, match="structure of the output") as info:
        pullback(3.0)  # was a bare TypeError
    assert "pullback({'prod': 1.0, 'pair': (1.0, 1.0)})" in info.value.hint
    _, tangent = s2sgrad.jvp(returns_a_dict, (0.5, 2.0), (1.0, 0.0))
    assert tangent["prod"] == pytest.approx(pullback({"prod": 1.0})[0])
    with pytest.raises(errors.NonScalarOutputError, match="output is a dict") as info:
        s2sgrad.grad(returns_a_dict)(0.5, 2.0)
    assert "test_reverse.py" in str(info.value) and "has_aux" in info.value.hint


def test_second_derivatives_through_dicts():
    for fn, x in ((loop_and_branch, (0.9, 1.2)), (while_loop, (1.1,))):
        h = s2sgrad.grad(s2sgrad.grad(fn))(*x)
        g, eps = s2sgrad.grad(fn), 1e-5
        fd = (g(x[0] + eps, *x[1:]) - g(x[0] - eps, *x[1:])) / (2 * eps)
        assert h == pytest.approx(fd, rel=1e-6)
        H = s2sgrad.hessian(fn, argnums=tuple(range(len(x))))(*x)
        assert np.ravel(H)[0] == pytest.approx(h, rel=1e-12)


def merged(x):
    d = {"a": x} | {"b": 2.0}
    return d["a"]


def dict_call(x):
    d = dict(a=x)
    return d["a"]


@pytest.mark.parametrize("fn, what", [(merged, "'|'"), (dict_call, "dict")],
                         ids=["merge", "dict"])
def test_dict_uses_with_no_derivative_raise_instead_of_giving_zero(fn, what):
    with pytest.raises(errors.MissingRuleError, match=re.escape(what)) as info:
        s2sgrad.grad(fn)(1.5)
    assert "test_reverse.py" in str(info.value) and info.value.hint


# -- the same class of bug: an active value reaching a primitive with no VJP for it ------------


def cube(x):
    return x ** 3


s2sgrad.defjvp(cube, lambda t, ans, x: 3.0 * x * x * t)  # a forward rule only


def calls_cube(x):
    return cube(x) * 2.0


def filled_by_keyword(x):
    return np.sum(np.full((3,), fill_value=x))


def clipped_by_keyword(x, lo):
    return np.sum(np.clip(x, a_min=lo, a_max=10.0))


def spaced(x):
    return np.sum(np.linspace(0.0, x, 5))


def listed(x):
    a, b = (x * 2.0).tolist()
    return a * b


def filled(x):
    return np.sum(np.full((2, 3), x)) + np.sum(np.full_like(np.ones(4), x * x))


def test_a_forward_rule_only_is_a_missing_reverse_rule():
    with pytest.raises(errors.MissingRuleError, match="cube") as info:
        s2sgrad.grad(calls_cube)(1.5)  # was 0.0
    assert "test_reverse.py" in str(info.value) and "defvjp" in info.value.hint
    assert s2sgrad.jvp(calls_cube, (1.5,), (1.0,))[1] == pytest.approx(13.5)


@pytest.mark.parametrize("fn, args", [
    (filled_by_keyword, (1.5,)), (clipped_by_keyword, (np.array([1.0, 2.0]), 1.5)),
], ids=["fill_value", "a_min"])
def test_an_active_keyword_argument_raises_in_both_modes(fn, args):
    nums = tuple(range(len(args)))
    with pytest.raises(errors.NonDifferentiableError, match="keyword argument") as info:
        s2sgrad.grad(fn, argnums=nums)(*args)  # was 0.0
    assert "test_reverse.py" in str(info.value) and "positional" in info.value.hint
    with pytest.raises(errors.NonDifferentiableError, match="keyword argument"):
        s2sgrad.jvp(fn, args, tuple(np.ones_like(a) for a in args))


@pytest.mark.parametrize("fn, what", [(spaced, "np.linspace"), (listed, ".tolist()")],
                         ids=["linspace", "tolist"])
def test_primitives_once_declared_non_differentiable_raise(fn, what):
    with pytest.raises(errors.MissingRuleError, match=re.escape(what)):
        s2sgrad.grad(fn)(1.5 if fn is spaced else np.array([1.0, 2.0]))  # was 0.0


def test_filling_an_array_is_differentiable():
    assert s2sgrad.grad(filled)(1.5) == pytest.approx(6.0 + 4 * 2 * 1.5)  # was 0.0
    assert s2sgrad.grad(filled)(1.5) == pytest.approx(s2sgrad.numerical_grad(filled, 1.5))


class _Lookup:
    """An object with an `[]` of its own: what `table[x]` gives is up to it."""

    def __getitem__(self, key):
        return key * 3.0


_LOOKUP = _Lookup()


def looked_up(x):
    return _LOOKUP[x * 2.0] + x


def binned(x):
    counts, edges = np.histogram(x)
    return np.sum(edges)


@pytest.mark.parametrize("fn, what", [(looked_up, "indexing a _Lookup object"),
                                      (binned, "np.histogram")], ids=["lookup", "histogram"])
def test_a_varying_key_or_histogram_raises_in_every_mode(fn, what):
    x = 1.5 if fn is looked_up else np.array([0.5, 2.0, 1.0])
    with pytest.raises(errors.MissingRuleError, match=re.escape(what)) as info:
        s2sgrad.grad(fn)(x)  # was 1.0 (the lookup's 6.0 lost) and 0.0
    assert "test_reverse.py" in str(info.value) and info.value.hint
    with pytest.raises(errors.MissingRuleError, match=re.escape(what)):
        s2sgrad.jvp(fn, (x,), (np.ones_like(x),))
    with pytest.raises(errors.MissingRuleError, match=re.escape(what)):
        s2sgrad.jacfwd(fn)(x)


def ranged(x, step):
    return np.sum(np.arange(x, x + 2.5) ** 2) + np.arange(1.0, 4.0, step)[-1] * x


def test_a_range_of_floats_follows_its_start_and_step():
    args = (0.3, 0.7)  # np.arange(1.0, 4.0, 0.7) has 5 items, far from 4 or 6
    got = s2sgrad.grad(ranged, argnums=(0, 1))(*args)  # was (2.9 + ..., 0.0)
    want = s2sgrad.numerical_grad(ranged, *args, argnums=(0, 1))
    np.testing.assert_allclose(got, want, rtol=1e-6)
    for tangent in ((1.0, 0.0), (0.0, 1.0)):
        _, dy = s2sgrad.jvp(ranged, args, tangent)
        assert dy == pytest.approx(np.dot(tangent, want), rel=1e-6)
