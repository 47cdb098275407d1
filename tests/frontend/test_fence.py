"""The fence rejects each unsupported construct with the file, the line and a hint."""

import inspect

import numpy as np
import pytest

import s2sgrad
from s2sgrad.errors import S2SGradError, SourceUnavailableError, UnsupportedSyntaxError
from s2sgrad.frontend.parse import parse

from . import fenced_cases as C

REJECTED = [fn for name, fn in vars(C).items()
            if name.startswith("uses_") and callable(fn)]


def _marked_line(fn) -> int:
    lines, start = inspect.getsourcelines(fn)
    marked = [start + i for i, line in enumerate(lines) if line.rstrip().endswith("# <-")]
    return marked[0] if marked else start


@pytest.mark.parametrize("fn", [f for f in REJECTED if f.__name__ != "uses_async"],
                         ids=lambda f: f.__name__)
def test_fence_names_file_line_and_hint(fn):
    with pytest.raises(UnsupportedSyntaxError) as info:
        s2sgrad.grad(fn)
    exc = info.value
    assert isinstance(exc, SyntaxError) and isinstance(exc, S2SGradError)
    assert "fenced_cases.py" in str(exc)
    assert f":{_marked_line(fn)}:" in str(exc) and exc.lineno == _marked_line(fn)
    assert exc.hint


def test_async_function_has_no_readable_python_function():
    with pytest.raises(S2SGradError):
        s2sgrad.grad(C.uses_async)


def test_supported_constructs_pass_and_differentiate():
    parse(C.supported)
    got = s2sgrad.grad(C.supported)(0.7)
    assert got == pytest.approx(s2sgrad.numerical_grad(C.supported, 0.7), rel=1e-6)


def test_exec_function_has_no_source():
    namespace = {}
    exec("def made(x):\n    return x\n", namespace)
    with pytest.raises(SourceUnavailableError) as info:
        parse(namespace["made"])
    assert "made" in str(info.value)


def test_lambda_assigned_to_a_name_parses_to_a_def():
    square = lambda x: x * x  # noqa: E731
    tree = parse(square).tree
    assert len(tree.body) == 1 and type(tree.body[0]).__name__ == "Return"


def collects(x):
    out = []
    out.append(x * x)  # <-
    return out[0]


def collects_fixed(x):
    out = []
    out = out + [x * x]
    return out[0]


def sorts(x):
    x.sort()  # <-
    return x[0] * x[1]


def sorts_fixed(x):
    x = np.sort(x)
    return x[0] * x[1]


def prints(x):
    print(x)  # <-
    return x * x


def fills_a_list(x):
    out = [0.0, 0.0]
    out[0] = x * x  # <-
    return out[0] + out[1]


def fills_an_array(x):
    out = np.zeros(2)
    out[0] = x * x
    return out[0] + out[1]


@pytest.mark.parametrize("fn, hint, fixed, arg", [
    (collects, "out = out + [x * x]", collects_fixed, 3.0),
    (sorts, "x = np.sort(x)", sorts_fixed, np.array([2.0, 1.0])),
    (fills_a_list, "out = np.zeros(2)", fills_an_array, 3.0),
], ids=["append", "sort", "list item"])
def test_a_call_or_update_for_its_effect_gets_code_that_works(fn, hint, fixed, arg):
    with pytest.raises(UnsupportedSyntaxError) as info:
        s2sgrad.grad(fn)(arg)
    assert f"test_fence.py:{_marked_line(fn)}:" in str(info.value)
    assert info.value.hint.endswith(hint)
    assert "argument" not in info.value.message  # the list is the function's own
    np.testing.assert_allclose(s2sgrad.grad(fixed)(arg), s2sgrad.numerical_grad(fixed, arg),
                               rtol=1e-6)


def test_print_is_to_be_moved_out():
    with pytest.raises(UnsupportedSyntaxError) as info:
        s2sgrad.grad(prints)
    assert f"test_fence.py:{_marked_line(prints)}:" in str(info.value)
    assert "remove the print" in info.value.hint
