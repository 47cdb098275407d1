"""A debugger steps into generated gradient code and sees real source lines.

Generated code is compiled under a file name such as `<s2sgrad-3 grad(seed)>` and its text
is registered in `linecache` (backend/compile.py), so bdb, pdb and `inspect` can show it.
These tests drive `bdb.Bdb` and a scripted `pdb.Pdb` into a gradient and check that each
line they stop on is a statement of the generated text, that the values they see are the
adjoints, and that the comment above an adjoint line names this file and the user's line.
"""

from __future__ import annotations

import ast
import bdb
import inspect
import io
import linecache
import math
import os
import pdb
import re
from types import FrameType
from typing import Any, Callable

import pytest

import s2sgrad

HERE = os.path.basename(__file__)
COMMENT = re.compile(r"# adjoint of: (?P<stmt>.*?)\s+\[(?P<file>[^\]:]+):(?P<line>\d+)\]$")


def seed(x1, x2, x3):
    return x1 * (x2 - x3) + x3 * math.log(1 - x1)


def euler(a, x0, n):
    x = x0
    for i in range(n):
        x = x + 0.1 * math.sin(a * x)
    return x


class Stepper(bdb.Bdb):
    """Steps through every line of generated code and of this file, recording each stop;
    other code (s2sgrad compiling the gradient, numpy, the standard library) is not traced,
    as with pdb's `skip`."""

    def __init__(self) -> None:
        super().__init__()
        self.stops: list[tuple[str, int, str, dict]] = []

    def stop_here(self, frame: FrameType) -> bool:
        name = frame.f_code.co_filename
        return (name.startswith("<s2sgrad-") or name == __file__) and super().stop_here(frame)

    def user_line(self, frame: FrameType) -> None:
        name, line = frame.f_code.co_filename, frame.f_lineno
        self.stops.append((name, line, linecache.getline(name, line), dict(frame.f_locals)))
        self.set_step()

    def user_call(self, frame: FrameType, argument_list: None) -> None:
        self.set_step()

    def in_gradient(self) -> list[tuple[str, int, str, dict]]:
        """The stops inside gradient functions (not the dispatcher, not a generated module's
        top level, which runs when the gradient is compiled)."""
        return [s for s in self.stops if s[0].startswith("<s2sgrad-") and
                "dispatch" not in s[0] and not s[2].startswith("def ")]


def _step_through(df: Callable[..., Any], *args: Any) -> Stepper:
    """Run `df(*args)` under the stepper, from a caller in this file, stepping from the
    caller's first line."""
    def caller():
        result = df(*args)
        return result

    stepper = Stepper()
    stepper.runcall(caller)
    return stepper


def _generated_text(df: Callable[..., Any]) -> str:
    t = df.__s2sgrad__
    return t.compiled[t.last][1]


def _comment_above(filename: str, line: int) -> re.Match | None:
    """The nearest `# adjoint of:` comment at or above `line` in the generated file."""
    for text in reversed(linecache.getlines(filename)[:line]):
        match = COMMENT.search(text.strip())
        if match:
            return match
    return None


def _assert_points_to_user_line(filename: str, line: int) -> int:
    match = _comment_above(filename, line)
    assert match is not None, linecache.getlines(filename)
    assert match["file"] == HERE
    user_line = linecache.getline(__file__, int(match["line"])).strip()
    assert user_line == match["stmt"]  # the comment quotes the user's line it names
    return int(match["line"])


def _parses(text: str) -> bool:
    code = text.strip()
    try:
        ast.parse(code + " pass" if code.endswith(":") else code)
    except SyntaxError:
        return False
    return True


def test_warm_call_steps_straight_from_the_caller_into_generated_lines():
    df = s2sgrad.grad(seed, argnums=(0, 1, 2))
    args = (0.3, 1.2, 2.1)
    df(*args)  # compiled: the next call runs the generated body in the dispatcher's frame
    stops = _step_through(df, *args).stops
    after = stops[[s[2].strip() for s in stops].index("result = df(*args)") + 1]
    assert after[0].startswith("<s2sgrad-") and after[0].endswith("grad(seed)>")

    generated = _generated_text(df).splitlines()
    body = [s for s in stops if s[0] == after[0] and "_T0" not in s[2]]  # after the guard
    assert [s[2].rstrip("\n") for s in body] == \
        [ln for ln in generated if ln.startswith("    ") and not ln.strip().startswith("#")]
    assert all(_parses(s[2]) for s in body)

    adjoint = [s for s in body if _comment_above(s[0], s[1])]
    assert adjoint and all(_assert_points_to_user_line(s[0], s[1]) ==
                           seed.__code__.co_firstlineno + 1 for s in adjoint)
    at = next(i for i, s in enumerate(body) if s[2].strip().startswith("bx1 = "))
    x1, x2, x3 = args
    assert "bx1" not in body[at][3]  # the debugger sees each adjoint as it is computed
    assert body[at + 1][3]["bx1"] == pytest.approx(x2 - x3 - x3 / (1 - x1))


def test_first_call_steps_into_the_gradient_it_compiles():
    df = s2sgrad.grad(euler, argnums=(0, 1))
    stepper = _step_through(df, 0.7, 0.4, 3)
    stops = stepper.in_gradient()
    assert stops, [s[:3] for s in stepper.stops]
    filename = stops[0][0]
    assert filename.endswith("grad(euler)>") and all(s[0] == filename for s in stops)
    assert all(_parses(s[2]) for s in stops)
    generated = _generated_text(df).splitlines()
    assert all(linecache.getline(filename, s[1]) == generated[s[1] - 1] + "\n" for s in stops)

    loop_line = euler.__code__.co_firstlineno + 3  # x = x + 0.1 * math.sin(a * x)
    in_reverse_loop = [s for s in stops if _comment_above(filename, s[1]) and
                       s[2].startswith("        ")]
    assert {_assert_points_to_user_line(filename, s[1]) for s in in_reverse_loop} == {loop_line}
    first_adjoint_line = min(s[1] for s in in_reverse_loop)
    assert sum(s[1] == first_adjoint_line for s in stops) == 3  # once per iteration, n = 3


def test_pdb_breakpoint_in_generated_code_prints_the_source_and_adjoints():
    df = s2sgrad.grad(seed, argnums=(0, 1, 2))
    df(0.3, 1.2, 2.1)
    filename = df.__code__.co_filename
    line = next(i for i, text in enumerate(linecache.getlines(filename), 1)
                if text.strip().startswith("return b"))  # not the guard's `return _slow(...)`
    commands = [f"break {line}", "continue", "p bx1", "list", "where", "continue"]
    out = io.StringIO()
    debugger = pdb.Pdb(stdin=io.StringIO("\n".join(commands) + "\n"), stdout=out,
                       nosigint=True, readrc=False)
    assert debugger.runcall(df, 0.3, 1.2, 2.1) == df(0.3, 1.2, 2.1)
    text = out.getvalue()
    assert f"-> {linecache.getline(filename, line).strip()}\n" in text
    printed = re.search(r"\(Pdb\) (\S+)\n", text[text.index("-> return"):])
    assert float(printed[1]) == pytest.approx(1.2 - 2.1 - 2.1 / (1 - 0.3))  # p bx1
    comment = "# adjoint of: return x1 * (x2 - x3) + x3 * math.log(1 - x1)   " \
              f"[{HERE}:{seed.__code__.co_firstlineno + 1}]"
    assert comment in text  # `list` shows the generated lines with their comments
    assert filename in text and filename.endswith("grad(seed)>")  # `where`


def test_inspect_getsource_reads_generated_functions():
    df = s2sgrad.grad(seed, argnums=(0, 1, 2))
    df(0.3, 1.2, 2.1)
    fn = df.__s2sgrad__.compiled[df.__s2sgrad__.last][0]
    text = _generated_text(df)
    assert inspect.getsourcefile(fn) == fn.__code__.co_filename
    assert inspect.getsource(fn) == text[text.index("def grad_seed"):]
    assert inspect.getsource(df.__code__).startswith("def grad_seed(x1, x2, x3):\n")
