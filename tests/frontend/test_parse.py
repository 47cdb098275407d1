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


# -- the source on disk must be the code that runs -----------------------------------------

def _module(tmp_path, monkeypatch, name, text):
    import importlib
    import sys
    import textwrap

    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(text))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    module = importlib.import_module(name)
    monkeypatch.delitem(sys.modules, name)
    return module, path


def test_a_file_edited_after_import_is_rejected_not_differentiated(tmp_path, monkeypatch):
    mod, path = _module(tmp_path, monkeypatch, "edited_after_import",
                        "def f(x):\n    return x * x\n")
    path.write_text("def f(x):\n    return x * x * x\n")  # the running code is x * x
    with pytest.raises(s2sgrad.StaleSourceError) as info:
        s2sgrad.grad(mod.f)(2.0)
    text = str(info.value)
    assert "'f'" in text and str(path) in text and "importlib.reload" in text
    assert isinstance(info.value, s2sgrad.SourceUnavailableError)


def test_an_edited_callee_is_rejected_too(tmp_path, monkeypatch):
    mod, path = _module(tmp_path, monkeypatch, "edited_callee",
                        "def h(x):\n    return x * x\n\n\ndef f(x):\n    return h(x)\n")
    path.write_text("def h(x):\n    return x + x\n\n\ndef f(x):\n    return h(x)\n")
    with pytest.raises(s2sgrad.StaleSourceError, match="'h'"):
        s2sgrad.grad(mod.f)(2.0)


def test_a_reloaded_module_is_read_again(tmp_path, monkeypatch):
    import importlib
    import linecache
    import sys

    mod, path = _module(tmp_path, monkeypatch, "reloaded_mod", "def f(x):\n    return x * x\n")
    assert s2sgrad.grad(mod.f)(2.0) == 4.0  # linecache now holds this text
    path.write_text("def f(x):\n    return x * x * x\n")
    sys.modules["reloaded_mod"] = mod
    mod = importlib.reload(mod)
    assert linecache.getlines(str(path))[1].strip() == "return x * x"  # still the old text
    assert s2sgrad.grad(mod.f)(2.0) == 12.0


def test_code_compiled_apart_from_its_imports_is_not_taken_for_stale():
    """A notebook compiles each cell apart (`import math` in one, the def in another), so
    `math.sin` compiles to another instruction than in a module: still the same code."""
    import linecache

    namespace: dict = {"__name__": "notebook"}
    cells = ["import math\nimport numpy as np\n",
             "def f(x):\n    return math.sin(x) * np.tanh(x)\n",
             "class K:\n    def g(self, x):\n        return math.cos(x) ** 2\n",
             "sq, cube = (lambda x: x * x), (lambda x: x * x * x)\n"]
    for i, cell in enumerate(cells):
        name = f"<cell-{i}>"
        linecache.cache[name] = (len(cell), None, cell.splitlines(True), name)
        exec(compile(cell, name, "exec"), namespace)
    assert s2sgrad.grad(namespace["f"])(0.5) == pytest.approx(
        np.cos(0.5) * np.tanh(0.5) + np.sin(0.5) / np.cosh(0.5) ** 2)
    assert s2sgrad.grad(namespace["K"]().g)(0.5) == pytest.approx(
        -2 * np.cos(0.5) * np.sin(0.5))
    assert (s2sgrad.grad(namespace["sq"])(2.0), s2sgrad.grad(namespace["cube"])(2.0)) == \
        (4.0, 12.0)


def test_closures_methods_and_lambdas_match_their_source():
    k = 3.0

    def scaled(x):
        return np.sin(x) * k

    class Base:
        def f(self, x):
            return x * x

    class Child(Base):
        def f(self, x):
            return np.cos(x) * 2.0

    assert s2sgrad.grad(scaled)(0.5) == pytest.approx(3 * np.cos(0.5))
    assert s2sgrad.grad(Child().f)(0.5) == pytest.approx(-2 * np.sin(0.5))
    assert s2sgrad.grad(lambda x: x * k)(1.0) == 3.0
