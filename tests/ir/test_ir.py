"""The IR: the verifier rejects broken IR, the interpreter agrees with Python, the printer."""

import operator

import pytest

from s2sgrad import pipeline
from s2sgrad.ir.core import Assign, Const, For, Function, If, Var
from s2sgrad.ir.interp import run
from s2sgrad.ir.printer import format_function
from s2sgrad.ir.verify import IRError, verify

from ..cases import programs as P


def test_verifier_rejects_double_assignment():
    x, y = Var("x"), Var("y")
    body = [Assign([y], operator.neg, [x]), Assign([y], operator.neg, [x])]
    with pytest.raises(IRError, match="assigned twice"):
        verify(Function("f", [x], body, [y]))


def test_verifier_rejects_reading_a_value_from_inside_a_branch():
    x, t, o = Var("x"), Var("t"), Var("o")
    inner = If(x, [Assign([t], operator.neg, [x])], [], [t], [x], [o])
    with pytest.raises(IRError, match="not defined"):
        verify(Function("f", [x], [inner], [t]))


def test_verifier_rejects_mismatched_loop_lists():
    n, i, c = Var("n"), Var("i"), Var("c")
    loop = For(Const(0), n, Const(1), i, [c], [Const(0.0)], [], [], [Var("o")])
    with pytest.raises(IRError):
        verify(Function("f", [n], [loop], [Const(0.0)]))


@pytest.mark.parametrize("fn, args", [
    (P.loop, (0.5, 1.1, 0.2)), (P.branchy, (1.0, 2.0)), (P.branchy, (-1.0, 2.0)),
    (P.first_positive, (-1.0, 2.0, 3.0)), (P.first_positive, (-1.0, -2.0, -3.0)),
])
def test_interpreter_agrees_with_python(fn, args):
    assert run(pipeline.lower(fn), *args) == [fn(*args)]


def test_printer_shows_structured_loops_and_branches():
    text = format_function(pipeline.lower(P.branchy))
    assert text.startswith("def branchy(x, y):")
    assert "while carry(" in text and "if u1:" in text and "yield(" in text
