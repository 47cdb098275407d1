"""The dispatcher's armed code for pytree arguments: after a first call, a call with
arguments of the same structure, leaf types, shapes and dtypes skips the slow path, returns
what the slow path returns, and anything else still goes through the slow path."""

import linecache

import numpy as np
import pytest

import s2sgrad
from s2sgrad import errors, pipeline
from s2sgrad.api import transformed as api

from .cases import tree_funcs as T

X = np.linspace(0.5, 1.5, 4)


def _counted(g):
    """`g`'s slow path, counted: returns the list whose length is the number of calls."""
    t = g.__s2sgrad__
    calls, slow = [], t.slow_call

    def counting(*args):
        calls.append(args)
        return slow(*args)

    t.namespace["_slow"] = counting
    return calls


def _fresh(fun, mode="grad", argnums=0, has_aux=False):
    """A new dispatcher, as `grad(fun)` makes one, but not the cached one other tests armed."""
    nums = tuple(argnums) if isinstance(argnums, tuple) else (argnums,)
    opts = pipeline.Options(mode, nums, isinstance(argnums, tuple), has_aux)
    return api.dispatcher(api.Transformed(fun, opts))


def _reference(fun, args, mode="grad", argnums=0, has_aux=False):
    """What the slow path of a new transformation (nothing armed, nothing cached) returns."""
    return _fresh(fun, mode, argnums, has_aux).__s2sgrad__.slow_call(*args)


def _same(got, want):
    """The same structure (classes, lengths, dict keys in order) and the same leaves."""
    assert type(got) is type(want)
    if isinstance(want, (list, tuple)):
        assert len(got) == len(want)
        for a, b in zip(got, want):
            _same(a, b)
    elif isinstance(want, dict):
        assert list(got) == list(want)
        for k in want:
            _same(got[k], want[k])
    elif isinstance(want, np.ndarray):
        assert got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
    else:
        assert got == want or got is want


def _text(g):
    return "".join(linecache.getlines(g.__code__.co_filename))


def test_a_repeated_pytree_call_skips_the_slow_path():
    g = _fresh(T.sum_sq)
    calls = _counted(g)
    ps = [np.linspace(-1.0, 1.0, 4), np.linspace(0.0, 2.0, 4)]
    before = g.__code__
    first = g(ps, X)
    assert g.__code__ is not before and len(calls) == 1
    text = _text(g)
    assert "ps.__class__ is _Plist and _Plen(ps) == 2" in text and "_Pr = _fast_" in text
    for _ in range(3):
        _same(g(ps, X), first)
    assert len(calls) == 1
    _same(first, _reference(T.sum_sq, (ps, X)))
    for got, p in zip(first, ps):
        np.testing.assert_allclose(got, 2 * T.SCALE * p * X)


def test_the_armed_gradient_matches_central_differences():
    g = _fresh(T.keyed)
    d = {"a": np.array([0.3, -1.2, 2.0, 0.7]), "b": np.array([1.5, -0.5, 0.25, 2.0])}
    g(d, X)
    got = g(d, X)  # the armed code
    h = 1e-6
    for k in d:
        for i in range(4):
            up, down = {n: v.copy() for n, v in d.items()}, {n: v.copy() for n, v in d.items()}
            up[k][i] += h
            down[k][i] -= h
            want = (T.keyed(up, X) - T.keyed(down, X)) / (2 * h)
            assert got[k][i] == pytest.approx(want, rel=1e-6, abs=1e-8)


@pytest.mark.parametrize("other", [
    [np.ones(4), np.ones(4), np.ones(4)],                 # another length
    (np.ones(4), np.ones(4)),                             # a tuple where a list was
    [np.ones(3), np.ones(3)],                             # another shape
    [np.ones(4, np.float32), np.ones(4, np.float32)],     # float32 leaves
    [1.5, np.ones(4)],                                    # a Python float where an array was
    [np.float64(1.5), np.ones(4)],                        # a NumPy scalar
], ids=["length", "tuple", "shape", "float32", "float", "np-scalar"])
def test_another_structure_or_leaf_takes_the_slow_path(other):
    g = _fresh(T.sum_sq)
    calls = _counted(g)
    ps = [np.linspace(-1.0, 1.0, 4), np.linspace(0.0, 2.0, 4)]
    first = g(ps, X)
    x = X.astype(np.float32) if isinstance(other[-1], np.ndarray) and \
        other[-1].dtype == np.float32 else X[:len(np.ravel(other[-1]))]
    got = g(other, x)
    assert len(calls) == 2
    _same(got, _reference(T.sum_sq, (other, x)))
    _same(g(other, x), got)  # armed for these arguments now
    assert len(calls) == 2
    _same(g(ps, X), first)  # and back
    assert len(calls) == 3


def test_dicts_with_other_keys_or_key_order_take_the_slow_path():
    g = _fresh(T.keyed)
    calls = _counted(g)
    a, b, c = np.ones(4), np.linspace(1.0, 2.0, 4), np.zeros(4)
    g({"a": a, "b": b}, X)
    for n, d in enumerate(({"b": b, "a": a}, {"a": a, "b": b, "c": c}, {"a": a, "b": b}), 2):
        got = g(d, X)
        assert len(calls) == n
        _same(got, _reference(T.keyed, (d, X)))
        assert list(got) == list(d)
    _same(g({"a": a, "b": b}, X), _reference(T.keyed, ({"a": a, "b": b}, X)))
    assert len(calls) == 4


def test_nested_containers_are_checked_at_every_level():
    g = _fresh(T.with_aux, has_aux=True)
    calls = _counted(g)
    w = np.linspace(0.0, 1.0, 4)
    cases = [{"w": (w, 2.0), "c": 1.5}, {"w": [w, 2.0], "c": 1.5}, {"w": (w, 2.0), "c": w},
             {"w": (w, np.float32(2.0)), "c": 1.5}, {"c": 1.5, "w": (w, 2.0)}]
    for n, d in enumerate(cases, 1):
        for _ in range(2):
            _same(g(d, X), _reference(T.with_aux, (d, X), has_aux=True))
        assert len(calls) == n


def test_a_static_function_in_a_pytree_is_checked_and_returned():
    g = _fresh(T.activated)
    calls = _counted(g)
    w = np.linspace(0.1, 0.9, 4)
    for act, n in ((np.tanh, 1), (np.tanh, 1), (np.sin, 2), (np.sin, 2)):
        got = g({"w": w, "act": act}, X)
        assert len(calls) == n and got["act"] is act
        _same(got, _reference(T.activated, ({"w": w, "act": act}, X)))


@pytest.mark.parametrize("bad", [
    [np.ones(4), 2],                       # an int leaf
    [np.ones(4), True],                    # a bool leaf
    [np.ones(4), np.arange(4)],            # an int array
], ids=["int", "bool", "int-array"])
def test_a_non_float_leaf_still_raises_after_arming(bad):
    g = _fresh(T.sum_sq)
    g([np.ones(4), np.ones(4)], X)
    g([np.ones(4), 2.0], X)  # armed for a float in the second place
    with pytest.raises(errors.InputTypeError) as armed:
        g(bad, X)
    with pytest.raises(errors.InputTypeError) as fresh:
        _reference(T.sum_sq, (bad, X))
    assert str(armed.value) == str(fresh.value)


class _Tagged:
    """Not an array, but with a dtype: its class does not say whether it is a float."""

    def __init__(self, dtype):
        self.dtype = np.dtype(dtype)


def test_a_leaf_whose_class_does_not_fix_its_dtype_is_checked_at_every_call():
    g = _fresh(T.keyed)
    calls = _counted(g)
    a, b = np.ones(4), np.ones(4)
    for n in (1, 2):
        assert g({"a": a, "b": b, "c": _Tagged(float)}, X)["c"] == 0.0
        assert len(calls) == n
    with pytest.raises(errors.InputTypeError):
        g({"a": a, "b": b, "c": _Tagged(int)}, X)


@pytest.mark.parametrize("mode, argnums, has_aux", [
    ("grad", 0, True),
    ("grad", (0, 1), True),
    ("grad", (1, 0), False),
    ("grad", (0,), False),
    ("grad", 1, False),
    ("value_and_grad", 0, False),
    ("value_and_grad", (0, 1), False),
    ("value_and_grad", (1, 0), True),
    ("value_and_grad", 0, True),
])
def test_modes_build_what_the_slow_path_builds(mode, argnums, has_aux):
    fun = T.with_aux if has_aux else T.keyed
    d = {"w": (np.linspace(0.0, 1.0, 4), 2.0), "c": 1.5} if has_aux else \
        {"a": np.linspace(0.0, 1.0, 4), "b": np.linspace(-1.0, 1.0, 4)}
    g = _fresh(fun, mode, argnums, has_aux)
    calls = _counted(g)
    want = _reference(fun, (d, X), mode, argnums, has_aux)
    _same(g(d, X), want)
    _same(g(d, X), want)
    assert len(calls) == 1


def test_a_changed_global_recompiles():
    g = _fresh(T.sum_sq)
    calls = _counted(g)
    ps = [np.ones(4), np.linspace(0.0, 1.0, 4)]
    g(ps, X)
    old = T.SCALE
    try:
        T.SCALE = 5.0
        got = g(ps, X)
        assert len(calls) == 2
        np.testing.assert_allclose(got[1], 2 * 5.0 * ps[1] * X)
        g(ps, X)
        assert len(calls) == 2
    finally:
        T.SCALE = old
    np.testing.assert_allclose(g(ps, X)[1], 2 * old * ps[1] * X)
    assert len(calls) == 3


@pytest.mark.parametrize("args", [([np.ones(4)], X), (np.ones(4), X)], ids=["tree", "leaf"])
def test_a_deleted_global_is_reported_as_the_slow_path_would(args):
    """The guard reads the global with `.get`: a deleted one fails the guard, and the slow
    path names it, instead of a KeyError from inside the dispatcher."""
    g = _fresh(T.sum_sq)
    before = g(*args)
    old = T.SCALE
    try:
        del T.SCALE
        with pytest.raises(errors.S2SGradError, match="SCALE"):
            g(*args)
    finally:
        T.SCALE = old
    np.testing.assert_array_equal(np.asarray(g(*args)), np.asarray(before))


def test_the_seed_mlp_is_armed():
    from .cases import mlp

    rng = np.random.default_rng(0)
    params, x = mlp.init_list(rng), rng.normal(size=(8, 784))
    y = np.eye(10)[rng.integers(0, 10, size=8)]
    g = s2sgrad.grad(mlp.loss_list)  # the public path (other tests may have armed it)
    calls = _counted(g)
    first = g(params, x, y)
    n = len(calls)
    _same(g(params, x, y), first)
    assert n <= 1 and len(calls) == n and "_Pr = _fast_" in _text(g)
    _same(first, _reference(mlp.loss_list, (params, x, y)))


def test_an_array_for_a_parameter_with_a_default_arms_in_one_call():
    """Plain arguments: the name of a default in the dispatcher's signature is not the name
    of an array's dtype in the guard."""
    g = _fresh(T.weighted)
    calls = _counted(g)
    for _ in range(3):
        np.testing.assert_allclose(g(X, X), X)
    assert len(calls) == 1
