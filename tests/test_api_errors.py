"""Errors a user can act on: each names this file and the line at fault, and the code its
hint shows runs. Also the ways of passing a Python function that need no error at all
(bound methods, classmethods, `functools.partial`, `lru_cache`, callable objects)."""

import functools
import inspect
import os

import numpy as np
import pytest

import s2sgrad
from s2sgrad import errors

HERE = os.path.basename(__file__)


def line_of(fn, text):
    """The file line of `fn`'s source that contains `text`."""
    lines, start = inspect.getsourcelines(fn)
    return start + next(i for i, line in enumerate(lines) if text in line)


def names_line(error, fn, text):
    return f"{HERE}:{line_of(fn, text)}:" in str(error)


def hint_code(error):
    """The code after the first ": " of the hint (the part a user would type)."""
    return error.hint.split(": ", 1)[1]


# -- the arguments of grad itself -----------------------------------------------------------

def square(x):
    return x * x


def scaled(x, *, w):
    return w * x


def test_argnums_that_is_not_an_int_is_an_argument_error_at_the_callers_line():
    with pytest.raises(errors.ArgumentError) as info:
        s2sgrad.grad(square, argnums="x")
    assert isinstance(info.value, TypeError)
    test = test_argnums_that_is_not_an_int_is_an_argument_error_at_the_callers_line
    assert names_line(info.value, test, 'argnums="x"')
    assert "argnums=0 for 'x'" in info.value.hint


@pytest.mark.parametrize("transform", [s2sgrad.jacfwd, s2sgrad.jacrev, s2sgrad.jacobian,
                                       s2sgrad.hessian, s2sgrad.value_and_grad])
def test_every_transform_checks_argnums(transform):
    with pytest.raises(errors.ArgumentError) as info:
        transform(square, argnums="x")
    assert names_line(info.value, test_every_transform_checks_argnums, 'argnums="x"')


def test_a_value_instead_of_a_function_says_to_pass_the_function():
    with pytest.raises(errors.ArgumentError) as info:
        s2sgrad.grad(square(2.0))
    assert names_line(info.value, test_a_value_instead_of_a_function_says_to_pass_the_function,
                      "grad(square(2.0))")
    assert "grad(f)(x), not grad(f(x))" in info.value.hint


def test_argnums_naming_a_keyword_only_argument_is_an_error_whose_lambda_works():
    with pytest.raises(errors.ArgumentError) as info:
        s2sgrad.grad(scaled, argnums=1)
    assert names_line(info.value, scaled, "def scaled")
    code = hint_code(info.value)
    assert code == "s2sgrad.grad(lambda x, w: scaled(x, w=w), argnums=1)"
    assert s2sgrad.grad(lambda x, w: scaled(x, w=w), argnums=1)(2.0, 3.0) == pytest.approx(2.0)


def test_too_many_arguments_to_a_gradient_names_the_function_and_its_signature():
    with pytest.raises(errors.ArgumentError) as info:
        s2sgrad.grad(square)(2.0, 3.0)
    assert names_line(info.value, square, "def square")
    assert "grad_square() takes 1 positional argument but 2 were given" in str(info.value)
    assert "square(x)" in info.value.hint


# -- bound methods, partials and friends are the Python functions behind them -------------

class Model:
    def __init__(self, w):
        self.w = w

    def loss(self, x):
        return self.w * x * x

    @classmethod
    def unit_loss(cls, x):
        return cls.scale * x * x

    scale = 3.0

    def __call__(self, x, y=1.0):
        return self.w * x * y


def weighted(a, x):
    return a * x * x


def test_a_bound_method_is_differentiated_with_self_bound():
    model = Model(2.0)
    assert s2sgrad.grad(model.loss)(3.0) == pytest.approx(12.0)
    assert s2sgrad.check_grad(model.loss, 3.0) < 1e-6
    assert s2sgrad.jacfwd(model.loss)(np.array([1.0, 2.0])) == pytest.approx(
        np.diag([4.0, 8.0]))


def test_a_bound_methods_gradient_sees_its_object_rebound_attributes():
    model = Model(2.0)
    g = s2sgrad.grad(model.loss)
    assert g(1.0) == pytest.approx(4.0)
    model.w = 5.0
    assert g(1.0) == pytest.approx(10.0)


def test_a_classmethod_binds_its_class():
    assert s2sgrad.grad(Model.unit_loss)(2.0) == pytest.approx(12.0)


def test_a_partial_binds_its_leading_arguments():
    assert s2sgrad.grad(functools.partial(weighted, 2.0))(3.0) == pytest.approx(12.0)
    assert s2sgrad.check_grad(functools.partial(weighted, 2.0), 3.0) < 1e-6


def test_an_lru_cache_wrapper_is_its_function():
    cached = functools.lru_cache(maxsize=None)(weighted)
    assert s2sgrad.grad(cached, argnums=1)(2.0, 3.0) == pytest.approx(12.0)


def test_a_callable_object_is_its_call_method():
    assert s2sgrad.grad(Model(2.0), argnums=(0, 1))(3.0, 4.0) == pytest.approx((8.0, 6.0))


def test_a_partial_with_keywords_gets_a_lambda_that_works():
    with pytest.raises(errors.SourceUnavailableError) as info:
        s2sgrad.grad(functools.partial(weighted, x=3.0))
    assert names_line(info.value, weighted, "def weighted")
    code = hint_code(info.value)
    assert code == "s2sgrad.grad(lambda a: weighted(a, x=3.0))"
    assert s2sgrad.grad(lambda a: weighted(a, x=3.0))(2.0) == pytest.approx(9.0)


# -- what the differentiated function returns ------------------------------------------------

def no_return(x):
    y = x * x  # noqa: F841


def bare_return(x):
    if x > 0.0:
        return
    return x


def text_output(x):
    return "loss"


def per_sample(x):
    y = x * x
    return y


def one_element(x):
    return np.array([x * x])


def test_a_function_without_return_is_an_error_at_its_def_line():
    with pytest.raises(errors.NonScalarOutputError) as info:
        s2sgrad.grad(no_return)(2.0)
    assert names_line(info.value, no_return, "def no_return")
    assert "no return statement" in str(info.value)


def test_a_bare_return_is_named():
    with pytest.raises(errors.NonScalarOutputError) as info:
        s2sgrad.grad(bare_return)(2.0)
    assert names_line(info.value, bare_return, "        return")


def test_a_str_output_is_an_error_at_its_return():
    with pytest.raises(errors.NonScalarOutputError) as info:
        s2sgrad.value_and_grad(text_output)(2.0)
    assert names_line(info.value, text_output, 'return "loss"')


def test_an_array_output_is_an_error_at_the_line_that_computes_it():
    with pytest.raises(errors.NonScalarOutputError) as info:
        s2sgrad.grad(per_sample)(np.ones(3))
    assert names_line(info.value, per_sample, "y = x * x")
    assert "shape (3,)" in str(info.value)


def test_the_hessian_of_a_vector_function_names_the_line():
    with pytest.raises(errors.NonScalarOutputError) as info:
        s2sgrad.hessian(per_sample)(np.ones(2))
    assert names_line(info.value, per_sample, "y = x * x")


def test_an_output_whose_shape_shows_only_at_run_time_names_the_function():
    with pytest.raises(errors.NonScalarOutputError) as info:
        s2sgrad.grad(lambda x: x[x > 0.0])(np.ones(3))
    test = test_an_output_whose_shape_shows_only_at_run_time_names_the_function
    assert names_line(info.value, test, "lambda x: x[x > 0.0]")
    with pytest.raises(errors.NonScalarOutputError) as info:  # a pytree argument
        s2sgrad.grad(lambda p: p[0][p[0] > 0.0] * p[1])([np.ones(3), 2.0])
    assert names_line(info.value, test, "lambda p: p[0][p[0] > 0.0] * p[1]")


def test_an_output_of_one_element_is_a_scalar_output():
    assert s2sgrad.grad(one_element)(3.0) == pytest.approx(6.0)
    assert s2sgrad.grad(per_sample)(np.array([3.0])) == pytest.approx([6.0])
    assert s2sgrad.check_grad(lambda x: per_sample(x)[0], np.array([[3.0]])) < 1e-6
    assert s2sgrad.grad(per_sample)(np.array([[0.5]])).tolist() == [[1.0]]


# -- the arguments of jvp, vjp, hvp and the Jacobians ----------------------------------------

def sine_energy(x):
    return np.sum(np.sin(x) * x)


def sine_field(x):
    return np.sin(x) * x


def this_line(fn, text):
    return f"{HERE}:{line_of(fn, text)}:"


def test_primals_that_are_not_a_tuple_say_how_to_wrap_them():
    x = np.array([1.0, 2.0])
    with pytest.raises(errors.ArgumentError) as info:
        s2sgrad.jvp(sine_energy, x, x)
    test = test_primals_that_are_not_a_tuple_say_how_to_wrap_them
    assert this_line(test, "jvp(sine_energy, x, x)") in str(info.value)
    assert "s2sgrad.jvp(f, (x,), (v,))" in info.value.hint
    assert s2sgrad.jvp(sine_energy, (x,), (x,))[1] == pytest.approx(
        np.sum((np.cos(x) * x + np.sin(x)) * x))
    with pytest.raises(errors.ArgumentError):
        s2sgrad.hvp(sine_energy, x, x)


def test_a_tangent_of_the_wrong_shape_is_a_shape_error_naming_the_call():
    x = np.array([1.0, 2.0])
    with pytest.raises(errors.ShapeError) as info:
        s2sgrad.jvp(sine_energy, (x,), (np.ones(3),))
    test = test_a_tangent_of_the_wrong_shape_is_a_shape_error_naming_the_call
    assert this_line(test, "np.ones(3),)") in str(info.value)
    assert isinstance(info.value, ValueError) and "np.ones((2,))" in info.value.hint


def test_a_cotangent_of_the_wrong_shape_is_a_shape_error_naming_the_call():
    out, pullback = s2sgrad.vjp(sine_field, np.array([1.0, 2.0]))
    with pytest.raises(errors.ShapeError) as info:
        pullback(np.ones(3))
    test = test_a_cotangent_of_the_wrong_shape_is_a_shape_error_naming_the_call
    assert this_line(test, "pullback(np.ones(3))") in str(info.value)
    assert pullback(np.ones((2,)))[0] == pytest.approx(np.cos([1.0, 2.0]) * [1.0, 2.0] +
                                                      np.sin([1.0, 2.0]))


def halves(x):
    return np.split(x * x, 2)


def labelled(x):
    return x[0], {"double": [2.0 * x, 3.0 * x]}


def test_a_cotangent_unlike_a_list_or_dict_output_is_a_shape_error_whose_hint_runs():
    x = np.array([1.0, 2.0])
    _, pullback = s2sgrad.vjp(halves, x)
    with pytest.raises(errors.ShapeError) as info:
        pullback(np.ones(2))  # an array for a list of two arrays: once silently zero
    assert "pullback([np.ones((1,)), np.ones((1,))])" in info.value.hint
    assert np.allclose(pullback([np.ones((1,)), np.ones((1,))])[0], 2.0 * x)
    _, pullback = s2sgrad.vjp(labelled, x)
    with pytest.raises(errors.ShapeError):
        pullback(1.0, {"double": np.ones(2)})
    got = pullback(1.0, {"double": [np.ones(2), np.zeros(2)]})[0]
    assert np.allclose(got, [3.0, 2.0])


def test_the_reverse_jacobian_of_an_empty_array_is_empty_as_the_forward_one():
    empty = np.array([])
    assert s2sgrad.jacrev(sine_field)(empty).shape == (0, 0)
    assert s2sgrad.jacfwd(sine_field)(empty).shape == (0, 0)


class Plain:
    """An object that is not callable (a callable one is passed as a function is)."""

    def __init__(self, w):
        self.w = w

    def loss(self, x):
        return self.w * x * x


def via_argument(model, x):
    return model.loss(x)


def test_a_method_of_an_object_argument_gets_a_lambda_that_works():
    model = Plain(2.0)
    with pytest.raises(errors.MissingRuleError) as info:
        s2sgrad.grad(via_argument, argnums=1)(model, 3.0)
    assert names_line(info.value, via_argument, "model.loss(x)")
    assert "'model' is an argument" in info.value.hint
    assert "s2sgrad.grad(lambda x: via_argument(model, x))" in info.value.hint
    assert s2sgrad.grad(lambda x: via_argument(model, x))(3.0) == pytest.approx(12.0)


# -- functions with no source file ----------------------------------------------------------

def test_a_function_made_by_exec_names_the_line_that_asked_for_its_gradient():
    namespace = {}
    exec("def cube(x):\n    return x * x * x\n", namespace)
    with pytest.raises(errors.SourceUnavailableError) as info:
        s2sgrad.grad(namespace["cube"])
    test = test_a_function_made_by_exec_names_the_line_that_asked_for_its_gradient
    assert names_line(info.value, test, 's2sgrad.grad(namespace["cube"])')
    assert "made by exec() or eval()" in str(info.value)
    assert "the one that asked for its derivative" in str(info.value)


def test_a_builtin_names_the_line_that_asked_for_its_gradient():
    with pytest.raises(errors.SourceUnavailableError) as info:
        s2sgrad.grad(np.sin)
    test = test_a_builtin_names_the_line_that_asked_for_its_gradient
    assert names_line(info.value, test, "s2sgrad.grad(np.sin)")


# -- mistakes that are not mistakes: no error, and the derivative is right -------------------

def first_as_float(x):
    return float(x[0]) * x[1]


def first_as_item(x):
    return x[0].item() * x[1]


def noisy(x):
    return np.sum(x * np.random.normal(size=3))


@pytest.mark.parametrize("fn", [first_as_float, first_as_item])
def test_float_and_item_are_differentiated_not_constants(fn):
    x = np.array([2.0, 3.0])
    assert s2sgrad.grad(fn)(x) == pytest.approx([3.0, 2.0])
    assert s2sgrad.check_grad(fn, x) < 1e-6


def test_a_random_draw_is_a_constant_sample_drawn_once_per_call():
    x = np.ones(3)
    np.random.seed(7)
    value, g = s2sgrad.value_and_grad(noisy)(x)
    np.random.seed(7)
    noise = np.random.normal(size=3)
    assert g == pytest.approx(noise) and value == pytest.approx(np.sum(noise))


def all_close(x):
    return np.allclose(x, x * 3.0 / 3.0)


def above_one(x):
    return x[0] > 1.0


@pytest.mark.parametrize("fn, text", [(all_close, "np.allclose"), (above_one, "x[0] > 1.0")])
def test_a_bool_output_is_an_error_at_the_line_that_makes_it(fn, text):
    with pytest.raises(errors.NonScalarOutputError) as info:
        s2sgrad.grad(fn)(np.array([1.0, 2.0]))  # once a gradient of zeros
    assert this_line(fn, text) in str(info.value) and isinstance(info.value, TypeError)
