"""What `parse.unwrap` makes of callables that are not plain functions: a callable dataclass
(unhashable) in every entry point, a `@staticmethod __call__` (binds nothing), and a
`functools.partial` that binds parameters with defaults (the rest keep theirs)."""

import dataclasses
import functools

import numpy as np
import pytest

import s2sgrad
from s2sgrad import numerical_grad

X = np.array([0.4, -1.1, 0.9])


@dataclasses.dataclass
class Scaled:  # a dataclass with eq=True has __hash__ = None
    a: float

    def __call__(self, x):
        return self.a * np.sum(np.sin(x) * x)


class Static:
    @staticmethod
    def __call__(x):
        return np.sum(x ** 3)


ENTRY_POINTS = {
    "grad": lambda f, x: s2sgrad.grad(f)(x),
    "value_and_grad": lambda f, x: s2sgrad.value_and_grad(f)(x)[1],
    "vjp": lambda f, x: s2sgrad.vjp(f, x)[1](1.0)[0],
    "jvp": lambda f, x: np.array([s2sgrad.jvp(f, (x,), (e,))[1] for e in np.eye(3)]),
    "jacfwd": lambda f, x: s2sgrad.jacfwd(f)(x),
    "jacrev": lambda f, x: s2sgrad.jacrev(f)(x),
    "jacobian": lambda f, x: s2sgrad.jacobian(f)(x),
    "hessian": lambda f, x: s2sgrad.hessian(f)(x) @ np.ones(3),
    "hvp": lambda f, x: s2sgrad.hvp(f, (x,), (np.ones(3),)),
}


def _hvp_by_differences(f, x, eps=1e-4):
    g = lambda y: numerical_grad(f, y)  # noqa: E731
    return (g(x + eps) - g(x - eps)) / (2 * eps)


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
@pytest.mark.parametrize("obj", [Scaled(1.5), Static()], ids=["dataclass", "staticmethod"])
def test_a_callable_object_works_in_every_entry_point(entry, obj):
    got = ENTRY_POINTS[entry](obj, X)
    second = entry in ("hessian", "hvp")
    want = _hvp_by_differences(obj, X) if second else numerical_grad(obj, X)
    assert np.allclose(got, want, rtol=1e-5, atol=1e-6)


def test_a_callable_dataclass_is_differentiated_with_its_own_fields():
    assert np.isclose(s2sgrad.grad(Scaled(2.0))(0.5), numerical_grad(Scaled(2.0), 0.5))
    assert np.isclose(s2sgrad.grad(Scaled(3.0))(0.5), numerical_grad(Scaled(3.0), 0.5))


def affine(w, b=0.0, x=1.0):
    return w * b + x * x * w


@pytest.mark.parametrize("bound", [(2.0,), (2.0, 3.0)])
def test_a_partial_may_bind_parameters_with_defaults(bound):
    f = functools.partial(affine, *bound)
    x = 1.5
    assert np.isclose(s2sgrad.grad(f)(x), numerical_grad(f, x))
    assert np.isclose(s2sgrad.grad(f)(), numerical_grad(lambda x=1.0: f(x), 1.0)) \
        if len(bound) == 2 else True  # x keeps its default


def test_a_partial_that_binds_every_parameter_of_a_helper_keeps_the_rest():
    f = functools.partial(affine, 2.0, 3.0)
    assert s2sgrad.value_and_grad(f)(1.0) == (affine(2.0, 3.0, 1.0), 4.0)
