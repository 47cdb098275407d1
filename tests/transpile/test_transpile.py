"""`s2sgrad.tools.transpile` with named argument kinds: pytree parameters, guards, ints, generic
twins and the user's signatures. Each module is executed on its own and compared with
central differences and with s2sgrad."""

import numpy as np
import pytest

import s2sgrad
from s2sgrad.api.argspec import ArgSpecError
from s2sgrad.tools.transpile import TranspileError, transpile

from . import programs

MLP_ARGS = ("params=dict(W1=array(3,4), b1=array(4), W2=array(4), b2=float), "
            "x=array(5,3), y=array(5)")


def module(fn, mode="both", argnums=0, args=None) -> dict:
    namespace: dict = {"__name__": "transpiled"}
    exec(compile(transpile(fn, mode, argnums, args=args), "<transpiled>", "exec"), namespace)
    return namespace


def mlp_point(seed=0):
    rng = np.random.default_rng(seed)
    params = {"W1": rng.normal(size=(3, 4)), "b1": rng.normal(size=4),
              "W2": rng.normal(size=4), "b2": 0.3}
    return params, rng.normal(size=(5, 3)), rng.normal(size=5)


def numerical_tree(f, params, *rest):
    """Central differences of f with respect to each leaf of the dict `params`."""
    out = {}
    for key, value in params.items():
        g = s2sgrad.numerical_grad(lambda v: f({**params, key: v}, *rest), value)
        out[key] = g
    return out


def test_dict_parameters_give_gradients_in_their_structure():
    ns = module(programs.mlp_loss, args=MLP_ARGS)
    params, x, y = mlp_point()
    got = ns["grad_mlp_loss"](params, x, y)
    want = numerical_tree(programs.mlp_loss, params, x, y)
    assert list(got) == ["W1", "b1", "W2", "b2"]
    for key in want:
        assert np.shape(got[key]) == np.shape(params[key])
        assert np.allclose(got[key], want[key], rtol=1e-6, atol=1e-8)
    value, grads = ns["value_and_grad_mlp_loss"](params, x, y)
    assert value == programs.mlp_loss(params, x, y)
    ref = s2sgrad.grad(programs.mlp_loss)(params, x, y)
    assert all(np.allclose(grads[k], ref[k], rtol=1e-12, atol=1e-14) for k in ref)


def test_jvp_of_a_dict_parameter_agrees_with_the_gradient():
    ns = module(programs.mlp_loss, args=MLP_ARGS)
    params, x, y = mlp_point(1)
    rng = np.random.default_rng(2)
    tangent = {k: rng.normal(size=np.shape(v)) if np.ndim(v) else 0.7 for k, v in params.items()}
    value, derivative = ns["jvp_mlp_loss"](params, x, y, dparams=tangent)
    grads = ns["grad_mlp_loss"](params, x, y)
    assert value == programs.mlp_loss(params, x, y)
    assert derivative == pytest.approx(sum(np.sum(grads[k] * tangent[k]) for k in grads),
                                       rel=1e-12)


def test_list_of_tuples_parameter():
    spec = "layers=([float, float], [float, float]), x=array(3)"
    ns = module(programs.layers_loss, "reverse", 0, args=spec)
    layers, x = ([0.5, -0.3], [0.1, 0.2]), np.array([0.2, -0.4, 0.9])
    got = ns["grad_layers_loss"](layers, x)
    assert isinstance(got, tuple) and all(isinstance(g, list) for g in got)
    ref = s2sgrad.grad(programs.layers_loss)(layers, x)
    assert np.allclose(np.array(got, dtype=float), np.array(ref, dtype=float), rtol=1e-12)
    for i in range(2):
        for j in range(2):
            def f(v, i=i, j=j):
                moved = [list(layers[0]), list(layers[1])]
                moved[i][j] = v
                return programs.layers_loss(tuple(moved), x)
            assert got[i][j] == pytest.approx(s2sgrad.numerical_grad(f, layers[i][j]),
                                              rel=1e-6)


def test_the_guard_names_the_argument_and_its_kind():
    ns = module(programs.mlp_loss, "reverse", 0, args=MLP_ARGS)
    params, x, y = mlp_point()
    with pytest.raises(TypeError, match=r"grad_mlp_loss\(\): argument 'x' is an array of "
                       r"shape \(2, 3\), but this module was generated for x=array\(5, 3\)"):
        ns["grad_mlp_loss"](params, x[:2], y)
    with pytest.raises(TypeError, match="argument 'params' is dict"):
        ns["grad_mlp_loss"]({"W1": params["W1"]}, x, y)


@pytest.mark.parametrize("x", [np.array([1.0, 2.0]), np.array([[0.5], [1.5]]), 2.0])
def test_unnamed_floats_called_with_arrays_use_the_generic_twin(x):
    ns = module(programs.weighted, "reverse", (0, 1))
    gx, gw = ns["grad_weighted"](x, 3.0)
    assert np.shape(gx) == np.shape(x)
    assert np.allclose(gx, s2sgrad.numerical_grad(programs.weighted, x, 3.0))
    assert gw == pytest.approx(float(np.sum(x)))


def test_an_int_loop_count_keeps_its_name_and_works_by_keyword():
    ns = module(programs.euler)
    want = s2sgrad.numerical_grad(programs.euler, 0.3, 2)
    assert ns["grad_euler"](0.3, 2) == pytest.approx(want, rel=1e-7)
    assert ns["grad_euler"](0.3, k_1=2) == ns["grad_euler"](0.3, 2)
    text = transpile(programs.euler, "both")
    assert "def grad_euler(x, k_1, rate=0.5):" in text
    assert "def jvp_euler(x, k_1, rate=0.5, *, dx):" in text
    value, dv = ns["jvp_euler"](0.3, 2, dx=1.0)
    assert dv == pytest.approx(ns["grad_euler"](0.3, 2), rel=1e-12)


def test_annotations_name_the_kinds():
    ns = module(programs.annotated, "reverse", (0, 1))
    x = np.array([0.1, 0.7, -0.4])
    gx, gs = ns["grad_annotated"](x, 1.5, 3)
    assert np.allclose(gx, s2sgrad.numerical_grad(programs.annotated, x, 1.5, 3))
    assert gs == pytest.approx(s2sgrad.numerical_grad(programs.annotated, x, 1.5, 3,
                                                      argnums=1))
    with pytest.raises(TypeError, match="argument 'n' is float"):
        ns["grad_annotated"](x, 1.5, 3.0)


def test_an_unnamed_dict_is_refused_with_the_args_that_name_it():
    with pytest.raises(TranspileError, match="'params' is indexed with keys") as info:
        transpile(programs.mlp_loss)
    assert 'params=dict(W1=array(...), b1=array(...), W2=array(...), b2=array(...))' in \
        info.value.hint


def test_differentiating_an_int_is_refused():
    with pytest.raises(ArgSpecError, match="only floats and float arrays"):
        transpile(programs.euler, argnums=1, args="k_1=int")


def test_the_guard_checks_the_order_of_a_dicts_keys():
    ns = module(programs.ordered, args="p=dict(a=float, b=float)")
    assert ns["grad_ordered"]({"a": 2.0, "b": 1.0}) == {"a": 2.0, "b": 1.0}
    with pytest.raises(TypeError, match="argument 'p' is dict"):  # compiled for a, b
        ns["grad_ordered"]({"b": 1.0, "a": 2.0})


def test_a_leaf_named_like_another_parameter_does_not_hide_it():
    ns = module(programs.beside, "both", (0, 1), args="p=dict(a=float), p_a=float")
    want = s2sgrad.value_and_grad(programs.beside, (0, 1))({"a": 5.0}, 7.0)
    assert ns["value_and_grad_beside"]({"a": 5.0}, 7.0) == want
    value, tangent = ns["jvp_beside"]({"a": 5.0}, 7.0, dp={"a": 1.0}, dp_a=0.0)
    assert (value, tangent) == (66.0, want[1][0]["a"])


def test_a_function_default_is_checked_and_a_function_in_a_container_refused():
    ns = module(programs.activated)
    want = s2sgrad.numerical_grad(programs.activated, 0.5)
    assert ns["grad_activated"](0.5) == pytest.approx(want, rel=1e-7)
    with pytest.raises(TypeError, match="generated for act=np.tanh"):
        ns["grad_activated"](0.5, np.sin)
    with pytest.raises(TranspileError, match="'cfg' holds a function"):
        transpile(programs.configured)
