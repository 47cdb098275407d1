"""Random scalar Python programs for the fuzz tests (`tests/test_fuzz.py`), and the oracles.

`generate(chooser)` builds one program as source text: two or three float parameters
(sometimes an int parameter too), assignments, chained (`a = b = v`) and augmented
assignments over + - * / **, unary minus, math.sin/cos/tanh/exp/log/sqrt (and a few more
functions with rules), abs/min/max and conditional expressions; `if`/`elif`/`else` that
assign on some paths only; `for` over `range(...)` (constant, int parameter or outer index
bounds, negative steps) and over tuples and lists; `while` loops bounded by a counter;
`break`, `continue` and early `return` in branches and loops; nested loops; tuple assignment
and swaps; sometimes calls to a generated helper function of the module (which s2sgrad
inlines). Variable names are sometimes chosen to collide with the names the compiler
generates (`u1`, `bx`, `stack`, `trips`, `_`, ...).

Every program is rendered twice: the plain source that s2sgrad compiles, and a *probe*
version of the same program in which every value, comparison, `abs`, `min`, `max` and
denominator goes through a recorder. Running the probe at a point says whether the program
is smooth there: no comparison or kink within a relative margin of its switching point, no
denominator near zero, no value above `LIMIT`; and it gives the sequence of decisions taken,
which must not change when the arguments move by the finite-difference step (or four
times it: central differences with the two steps must also agree). Points that fail are
redrawn, so finite differences are a valid oracle at every point that is checked.

A chooser supplies the random decisions (`integer(lo, hi)`, `real(lo, hi)`): one backed by
`random.Random` for the command-line driver, one backed by Hypothesis (see test_fuzz.py) so
that a failing program shrinks. Choices are ordered so that smaller is simpler.

    python -m tests.fuzz_programs 2000 [first_seed]   # run programs, list every failure
    python -m tests.fuzz_programs reduce 41 187        # shrink the programs of these seeds
"""

from __future__ import annotations

import ast
import atexit
import importlib.util
import itertools
import math
import operator
import random
import shutil
import sys
import tempfile
from dataclasses import dataclass, field, fields, replace
from typing import Any, Callable

MARGIN = 1e-3       # relative distance from a comparison's switching point or a kink
DEN_MARGIN = 0.05   # smallest |denominator| (and |base| of a negative power)
LIMIT = 1e6         # largest |value| anywhere in the program
EPS = 1e-6          # the finite-difference step of s2sgrad.numerical_grad


# -- choosers ---------------------------------------------------------------------------------
class RandomChooser:
    def __init__(self, seed: Any):
        self.rng = random.Random(seed)

    def integer(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def real(self, lo: float, hi: float) -> float:
        return self.rng.uniform(lo, hi)


def weighted(ch, options: list[tuple[int, Any]]) -> Any:
    """One of `options` ((weight, value) pairs), by weight; the first is the simplest."""
    total = sum(w for w, _ in options if w > 0)
    k = ch.integer(0, total - 1)
    for w, value in options:
        if w <= 0:
            continue
        if k < w:
            return value
        k -= w
    raise AssertionError("unreachable")


def chance(ch, percent: int) -> bool:
    """True with probability `percent`/100; shrinks towards False."""
    return ch.integer(0, 99) >= 100 - percent


# -- expressions --------------------------------------------------------------------------------
class Expr:
    def code(self, probe: bool) -> str:
        raise NotImplementedError


@dataclass
class Name(Expr):
    id: str

    def code(self, probe: bool) -> str:
        return self.id


@dataclass
class Num(Expr):
    value: float

    def code(self, probe: bool) -> str:
        text = repr(self.value)
        return f"({text})" if self.value < 0 else text


@dataclass
class Raw(Expr):
    """Text that is the same in both renderings (int expressions such as `i + 1`)."""
    text: str

    def code(self, probe: bool) -> str:
        return self.text


@dataclass
class Bin(Expr):
    op: str
    a: Expr
    b: Expr

    def code(self, probe: bool) -> str:
        a, b = self.a.code(probe), self.b.code(probe)
        if not probe:
            return f"({a} {self.op} {b})"
        if self.op == "/":
            b = f"_K.den({b})"
        return f"_K.v({a} {self.op} {b})"


@dataclass
class Pow(Expr):
    base: Expr
    exp: Expr

    def code(self, probe: bool) -> str:
        a, b = self.base.code(probe), self.exp.code(probe)
        if not probe:
            return f"({a} ** {b})"
        if isinstance(self.exp, Num) and self.exp.value < 0:
            a = f"_K.den({a})"
        return f"_K.v({a} ** {b})"


@dataclass
class Neg(Expr):
    a: Expr

    def code(self, probe: bool) -> str:
        return f"(-{self.a.code(probe)})"


@dataclass
class Call(Expr):
    fn: str            # "math.sin", "abs", "min", "max", "float", ...
    args: list[Expr]

    def code(self, probe: bool) -> str:
        args = ", ".join(a.code(probe) for a in self.args)
        if not probe or self.fn == "float":
            return f"{self.fn}({args})"
        if self.fn == HELPER:  # a function of the module, inlined by s2sgrad
            return f"probe_{HELPER}({args})"
        if self.fn in ("abs", "min", "max"):
            return f"_K.{self.fn}({args})"
        return f"_K.v({self.fn}({args}))"


@dataclass
class IfExp(Expr):
    cond: "Cond"
    a: Expr
    b: Expr

    def code(self, probe: bool) -> str:
        return f"({self.a.code(probe)} if {self.cond.code(probe)} else {self.b.code(probe)})"


class Cond:
    def code(self, probe: bool) -> str:
        raise NotImplementedError


@dataclass
class Cmp(Cond):
    """`a op1 b op2 c ...`: one comparison or a chain."""
    operands: list[Expr]
    ops: list[str]

    def code(self, probe: bool) -> str:
        if not probe:
            parts = [self.operands[0].code(False)]
            for op, e in zip(self.ops, self.operands[1:]):
                parts += [op, e.code(False)]
            return "(" + " ".join(parts) + ")"
        if len(self.ops) == 1:
            a, b = (e.code(True) for e in self.operands)
            return f"_K.cmp({a}, {self.ops[0]!r}, {b})"
        parts = [f"lambda: {self.operands[0].code(True)}"]
        for op, e in zip(self.ops, self.operands[1:]):
            parts += [repr(op), f"lambda: {e.code(True)}"]
        return f"_K.chain({', '.join(parts)})"


@dataclass
class BoolOp(Cond):
    op: str
    items: list[Cond]

    def code(self, probe: bool) -> str:
        return "(" + f" {self.op} ".join(c.code(probe) for c in self.items) + ")"


@dataclass
class Not(Cond):
    item: Cond

    def code(self, probe: bool) -> str:
        return f"(not {self.item.code(probe)})"


# -- statements ---------------------------------------------------------------------------------
class Stmt:
    def lines(self, probe: bool, indent: str) -> list[str]:
        raise NotImplementedError


@dataclass
class Assign(Stmt):
    targets: list[str]
    values: list[Expr]

    def lines(self, probe: bool, indent: str) -> list[str]:
        return [f"{indent}{', '.join(self.targets)} = "
                f"{', '.join(v.code(probe) for v in self.values)}"]


@dataclass
class Chain(Stmt):
    """`a = b = value`."""
    targets: list[str]
    value: Expr

    def lines(self, probe: bool, indent: str) -> list[str]:
        return [f"{indent}{' = '.join(self.targets)} = {self.value.code(probe)}"]


@dataclass
class AugAssign(Stmt):
    target: str
    op: str
    value: Expr

    def lines(self, probe: bool, indent: str) -> list[str]:
        if not probe:
            return [f"{indent}{self.target} {self.op}= {self.value.code(False)}"]
        expr = Pow(Name(self.target), self.value) if self.op == "**" else \
            Bin(self.op, Name(self.target), self.value)
        return [f"{indent}{self.target} = {expr.code(True)}"]


@dataclass
class IntStmt(Stmt):
    """A statement on int counters, the same in both renderings."""
    text: str

    def lines(self, probe: bool, indent: str) -> list[str]:
        return [indent + self.text]


@dataclass
class If(Stmt):
    tests: list[Cond]           # if, elif, elif, ...
    bodies: list[list[Stmt]]    # one per test
    orelse: list[Stmt]

    def lines(self, probe: bool, indent: str) -> list[str]:
        out = []
        for k, (test, body) in enumerate(zip(self.tests, self.bodies)):
            out.append(f"{indent}{'if' if k == 0 else 'elif'} {test.code(probe)}:")
            out += _block_lines(body, probe, indent + "    ")
        if self.orelse:
            out.append(f"{indent}else:")
            out += _block_lines(self.orelse, probe, indent + "    ")
        return out


@dataclass
class For(Stmt):
    target: str
    iterable: str | list[Expr]   # the range(...) text, or the items of a tuple
    body: list[Stmt]
    as_list: bool = False        # the items in a list display, not a tuple

    def lines(self, probe: bool, indent: str) -> list[str]:
        items = [] if isinstance(self.iterable, str) else [e.code(probe) for e in self.iterable]
        it = self.iterable if isinstance(self.iterable, str) else \
            "[" + ", ".join(items) + "]" if self.as_list else "(" + ", ".join(items) + ",)"
        return [f"{indent}for {self.target} in {it}:"] + \
            _block_lines(self.body, probe, indent + "    ")


@dataclass
class While(Stmt):
    test: Cond | str
    body: list[Stmt]

    def lines(self, probe: bool, indent: str) -> list[str]:
        test = self.test if isinstance(self.test, str) else self.test.code(probe)
        return [f"{indent}while {test}:"] + _block_lines(self.body, probe, indent + "    ")


@dataclass
class Jump(Stmt):
    kind: str                   # "break", "continue" or "return"
    value: Expr | None = None

    def lines(self, probe: bool, indent: str) -> list[str]:
        if self.value is None:
            return [indent + self.kind]
        return [f"{indent}return {self.value.code(probe)}"]


@dataclass
class Pass(Stmt):
    def lines(self, probe: bool, indent: str) -> list[str]:
        return [indent + "pass"]


def _block_lines(body: list[Stmt], probe: bool, indent: str) -> list[str]:
    return [line for s in body for line in s.lines(probe, indent)]


# -- the generator ------------------------------------------------------------------------------
PARAM_STYLES = (("x", "y", "z"), ("a", "b", "c"), ("x", "bx", "u1"), ("u2", "x_1", "dx"))
LOCAL_STYLES = (("s", "t", "w", "acc"),
                ("u1", "u2", "u3", "bs", "bx", "stack", "trips", "k", "returned", "result",
                 "gs", "ds", "s_1", "s_copy", "_"))
INT_PARAMS = ("n", "m", "k_1")
INDEX_NAMES = ("i", "j", "l")
COUNTER_NAMES = ("q", "q2", "q3")
CONSTANTS = (1.0, 0.5, 2.0, -1.0, 0.25, 3.0, -0.5, 1.5, 0.1, -2.0, 0.75)
MAX_LOOP_DEPTH = 2
HELPER = "helper"


@dataclass
class Program:
    name: str
    float_params: list[str]
    int_param: str | None
    body: list[Stmt]
    helper: "Program | None" = None   # a function of the module that the program calls
    source: str = ""
    probe_source: str = ""

    @property
    def params(self) -> list[str]:
        return self.float_params + ([self.int_param] if self.int_param else [])

    def render(self, probe: bool, name: str | None = None) -> str:
        head = f"def {name or self.name}({', '.join(self.params)}):"
        return "\n".join([head] + _block_lines(self.body, probe, "    ")) + "\n"

    def finish(self) -> "Program":
        """Set the module text (helper first) and the probe's."""
        h = self.helper
        self.source = (h.render(False) + "\n\n" if h else "") + self.render(False)
        self.probe_source = (h.render(True, f"probe_{HELPER}") + "\n\n" if h else "") + \
            self.render(True, "probe")
        return self


@dataclass
class _Scope:
    floats: list[str]          # float names definitely assigned here, in a stable order
    ints: list[str]            # int names readable here (int parameter, indices, counters)
    loop_depth: int = 0        # enclosing loops
    in_loop: bool = False


@dataclass
class _Result:
    floats: list[str]
    exits: bool                # control never reaches the end of the block
    jumps: set = field(default_factory=set)  # "break"/"continue" aimed at the enclosing loop
    ints: list[str] | None = None  # int names readable after the statement, if it adds some


class Generator:
    def __init__(self, ch):
        self.ch = ch
        self.budget = 0
        self.helper: Program | None = None
        self.int_param: str | None = None
        self.locals: list[str] = []

    # expressions ---------------------------------------------------------------------------
    def const(self) -> Num:
        if chance(self.ch, 25):
            return Num(round(self.ch.integer(-300, 300) / 100.0, 2))
        return Num(CONSTANTS[self.ch.integer(0, len(CONSTANTS) - 1)])

    def leaf(self, sc: _Scope) -> Expr:
        kind = weighted(self.ch, [(10, "var"), (2, "const"), (1 if sc.ints else 0, "int")])
        if kind == "var" and sc.floats:
            return Name(sc.floats[self.ch.integer(0, len(sc.floats) - 1)])
        if kind == "int":
            iv = sc.ints[self.ch.integer(0, len(sc.ints) - 1)]
            return weighted(self.ch, [(2, Call("float", [Name(iv)])),
                                       (1, Bin("*", self.const(), Name(iv))),
                                       (1, Bin("+", Name(iv), self.const()))])
        return self.const()

    def positive(self, sc: _Scope, depth: int) -> Expr:
        """An expression that is positive at every point, bounded away from zero."""
        e = self.expr(sc, depth)
        return weighted(self.ch, [
            (3, Bin("+", Num(1.0), Bin("*", e, e))),
            (2, Bin("+", Num(2.0), Call("math.sin", [e]))),
            (2, Call("math.exp", [Call("math.sin", [e])])),
            (1, Bin("+", Num(1.5), Call("math.tanh", [e]))),
            (1, Bin("+", Call("abs", [e]), Num(0.5))),
            (1, Bin("+", Pow(e, Num(2)), Num(0.25))),
        ])

    def expr(self, sc: _Scope, depth: int) -> Expr:
        if depth <= 0:
            return self.leaf(sc)
        d = depth - 1
        kind = weighted(self.ch, [(5, "leaf"), (6, "arith"), (2, "div"), (1, "neg"),
                                   (2, "pow"), (3, "unary"), (2, "logsqrt"), (2, "kink"),
                                   (1, "ifexp"), (4 if self.helper else 0, "call"),
                                   (1, "more")])
        if kind == "leaf":
            return self.leaf(sc)
        if kind == "call":
            return Call(HELPER, [self.expr(sc, d) for _ in self.helper.float_params])
        if kind == "arith":
            op = ("+", "-", "*")[self.ch.integer(0, 2)]
            return Bin(op, self.expr(sc, d), self.expr(sc, d))
        if kind == "div":
            num = self.expr(sc, d)
            den = self.positive(sc, d - 1) if chance(self.ch, 60) else self.expr(sc, d)
            return Bin("/", num, den)
        if kind == "neg":
            return Neg(self.expr(sc, d))
        if kind == "pow":
            form = self.ch.integer(0, 4)
            if form <= 1:
                return Pow(self.expr(sc, d), Num((2, 3)[form]))
            if form == 2:
                return Pow(self.expr(sc, d), Num((2.0, -1, -2)[self.ch.integer(0, 2)]))
            if form == 3:
                return Pow(self.positive(sc, d - 1), Num((0.5, 1.5, -0.5)[self.ch.integer(0, 2)]))
            return Pow(self.positive(sc, d - 1), self.expr(sc, d))
        if kind == "unary":
            fn = ("math.sin", "math.cos", "math.tanh", "exp")[self.ch.integer(0, 3)]
            if fn != "exp":
                return Call(fn, [self.expr(sc, d)])
            inner = weighted(self.ch, [(3, "math.sin"), (2, "math.cos"), (2, "math.tanh"),
                                        (1, "neg_square"), (1, "raw")])
            e = self.expr(sc, d)
            arg = Neg(Bin("*", e, e)) if inner == "neg_square" else e if inner == "raw" \
                else Call(inner, [e])
            return Call("math.exp", [arg])
        if kind == "more":  # other functions with rules, on safe arguments
            form = self.ch.integer(0, 6)
            e = self.expr(sc, d)
            if form == 0:
                return Call("math.atan", [e])
            if form == 1:
                return Call("math.erf", [e])
            if form == 2:
                return Call("math.hypot", [Bin("+", Num(0.5), Call("abs", [e])),
                                           self.expr(sc, d)])
            if form == 3:
                return Call("math.log1p", [Bin("*", e, e)])
            if form == 4:
                return Call("math.expm1", [Call("math.sin", [e])])
            if form == 5:
                return Call("pow", [e, Num(2)])
            return Call("math.pow", [self.positive(sc, d - 1), e])
        if kind == "logsqrt":
            return Call(("math.log", "math.sqrt")[self.ch.integer(0, 1)],
                        [self.positive(sc, d - 1)])
        if kind == "kink":
            fn = ("abs", "min", "max")[self.ch.integer(0, 2)]
            if fn == "abs":
                return Call("abs", [self.expr(sc, d)])
            n = 2 + chance(self.ch, 20)
            return Call(fn, _distinct([self.expr(sc, d) for _ in range(n)]))
        return IfExp(self.cond(sc, d), self.expr(sc, d), self.expr(sc, d))

    def cond(self, sc: _Scope, depth: int) -> Cond:
        nest = 1 if depth > 0 else 0
        kind = weighted(self.ch, [(6, "cmp"), (1 if sc.ints else 0, "int"), (nest, "chain"),
                                   (nest, "and"), (nest, "or"), (nest, "not")])
        if kind == "cmp":
            op = ("<", ">", "<=", ">=")[self.ch.integer(0, 3)]
            return Cmp(_distinct([self.expr(sc, depth), self.expr(sc, depth)]), [op])
        if kind == "int":
            iv = sc.ints[self.ch.integer(0, len(sc.ints) - 1)]
            form = self.ch.integer(0, 2)
            k = self.ch.integer(0, 2)
            if form == 0:
                return Cmp([Name(iv), Raw(str(k))], ["<"])
            if form == 1:
                return Cmp([Name(iv), Raw(str(k))], ["=="])
            return Cmp([Raw(f"{iv} % 2"), Raw("0")], ["=="])
        if kind == "chain":
            ops = [("<", "<=")[self.ch.integer(0, 1)] for _ in range(2)]
            return Cmp(_distinct([self.expr(sc, depth - 1) for _ in range(3)]), ops)
        if kind == "not":
            return Not(self.cond(sc, depth - 1))
        return BoolOp(kind, [self.cond(sc, depth - 1), self.cond(sc, depth - 1)])

    # statements ------------------------------------------------------------------------------
    def new_name(self, sc: _Scope) -> str:
        """A local name: a fresh one or one already in use (parameters included)."""
        if sc.floats and chance(self.ch, 40):
            return sc.floats[self.ch.integer(0, len(sc.floats) - 1)]
        return self.locals[self.ch.integer(0, len(self.locals) - 1)]

    def block(self, sc: _Scope, depth: int, min_len: int = 1) -> tuple[list[Stmt], _Result]:
        n = self.ch.integer(min_len, 3 if depth > 0 else 2)
        body: list[Stmt] = []
        floats = list(sc.floats)
        ints = list(sc.ints)
        jumps: set = set()
        for k in range(n):
            if self.budget <= 0 and body:
                break
            inner = _Scope(floats, ints, sc.loop_depth, sc.in_loop)
            stmt, res = self.stmt(inner, depth, last=k == n - 1)
            body.append(stmt)
            jumps |= res.jumps
            floats = res.floats
            ints = res.ints if res.ints is not None else ints
            if res.exits:
                if chance(self.ch, 10):  # dead code after a jump
                    dead, _ = self.simple(_Scope(floats, ints, sc.loop_depth, sc.in_loop))
                    body.append(dead)
                return body, _Result(floats, True, jumps)
        return body, _Result(floats, False, jumps)

    def simple(self, sc: _Scope) -> tuple[Stmt, list[str]]:
        name = self.new_name(sc)
        if chance(self.ch, 8):  # a = b = value
            other = self.new_name(sc)
            if other != name:
                return Chain([name, other], self.expr(sc, 2)), _add(_add(sc.floats, name), other)
        return Assign([name], [self.expr(sc, 2)]), _add(sc.floats, name)

    def stmt(self, sc: _Scope, depth: int, last: bool) -> tuple[Stmt, _Result]:
        self.budget -= 1
        can_nest = depth > 0 and self.budget > 0
        kind = weighted(self.ch, [
            (6, "assign"), (4 if sc.floats else 0, "aug"),
            (2 if len(sc.floats) > 1 else 0, "tuple"),
            (5 if can_nest else 0, "if"),
            (4 if can_nest and sc.loop_depth < MAX_LOOP_DEPTH else 0, "for"),
            (3 if can_nest and sc.loop_depth < MAX_LOOP_DEPTH else 0, "while"),
            (2 if last and sc.loop_depth > 0 else 0, "jump"),
        ])
        if kind == "assign":
            stmt, floats = self.simple(sc)
            return stmt, _Result(floats, False)
        if kind == "aug":
            target = sc.floats[self.ch.integer(0, len(sc.floats) - 1)]
            op = weighted(self.ch, [(3, "+"), (2, "-"), (3, "*"), (1, "/"), (1, "**")])
            if op == "/":
                value = self.positive(sc, 1) if chance(self.ch, 60) else self.expr(sc, 2)
            elif op == "**":
                value = Num(2)
            else:
                value = self.expr(sc, 2)
            return AugAssign(target, op, value), _Result(list(sc.floats), False)
        if kind == "tuple":
            a, b = self.ch.integer(0, len(sc.floats) - 1), self.ch.integer(0, len(sc.floats) - 2)
            b += b >= a
            na, nb = sc.floats[a], sc.floats[b]
            if chance(self.ch, 50):
                return Assign([na, nb], [Name(nb), Name(na)]), _Result(list(sc.floats), False)
            return Assign([na, nb], [self.expr(sc, 1), self.expr(sc, 1)]), \
                _Result(list(sc.floats), False)
        if kind == "if":
            return self.if_stmt(sc, depth)
        if kind == "for":
            return self.for_stmt(sc, depth)
        if kind == "while":
            return self.while_stmt(sc, depth)
        return self.jump(sc)

    def jump(self, sc: _Scope) -> tuple[Stmt, _Result]:
        kind = weighted(self.ch, [(2, "break"), (2, "continue"), (2, "return")])
        if kind == "return":
            return Jump("return", self.expr(sc, 2)), _Result(list(sc.floats), True)
        return Jump(kind), _Result(list(sc.floats), True, {kind})

    def if_stmt(self, sc: _Scope, depth: int) -> tuple[Stmt, _Result]:
        n_elif = weighted(self.ch, [(5, 0), (2, 1), (1, 2)])
        tests, bodies, results = [], [], []
        for _ in range(1 + n_elif):
            tests.append(self.cond(sc, 1))
            body, res = self.branch(sc, depth)
            bodies.append(body)
            results.append(res)
        orelse: list[Stmt] = []
        if chance(self.ch, 50):
            orelse, res = self.branch(sc, depth)
        else:
            res = _Result(list(sc.floats), False)
        results.append(res)
        open_ = [r.floats for r in results if not r.exits]
        floats = _meet(sc.floats, open_) if open_ else list(sc.floats)
        jumps = set().union(*(r.jumps for r in results))
        return If(tests, bodies, orelse), _Result(floats, not open_, jumps)

    def branch(self, sc: _Scope, depth: int) -> tuple[list[Stmt], _Result]:
        """A branch body; inside a loop or not, it may end with a jump."""
        inner = _Scope(list(sc.floats), sc.ints, sc.loop_depth, sc.in_loop)
        body, res = self.block(inner, depth - 1)
        if not res.exits and chance(self.ch, 40 if sc.loop_depth else 25):
            stmt, jres = self.jump(_Scope(res.floats, sc.ints, sc.loop_depth)) \
                if sc.loop_depth else (Jump("return", self.expr(_Scope(res.floats, sc.ints), 2)),
                                       _Result(res.floats, True))
            body.append(stmt)
            res = _Result(res.floats, True, res.jumps | jres.jumps)
        return body, res

    def loop_body(self, sc: _Scope, depth: int, ints: list[str]) -> tuple[list[Stmt], _Result]:
        inner = _Scope(list(sc.floats), ints, sc.loop_depth + 1, True)
        return self.block(inner, depth - 1)

    def for_stmt(self, sc: _Scope, depth: int) -> tuple[Stmt, _Result]:
        if chance(self.ch, 20):  # over a tuple: unrolled by the compiler
            target = self.new_name(sc)
            items = [self.expr(sc, 1) for _ in range(self.ch.integer(1, 3))]
            body, res = self.loop_body(_Scope(_add(sc.floats, target), sc.ints,
                                              sc.loop_depth), depth, sc.ints)
            return For(target, items, body, chance(self.ch, 30)), \
                _Result(_add(sc.floats, target), False)
        index = INDEX_NAMES[sc.loop_depth]
        outer = [i for i in sc.ints if i in INDEX_NAMES]
        k = self.ch.integer(0, 3)
        forms = [(6, f"range({k})"), (2, f"range(1, {k + 1})"), (2, f"range({k}, 0, -1)"),
                 (1, f"range(0, {k + 2}, 2)")]
        if self.int_param:
            forms += [(6, f"range({self.int_param})"), (1, f"range(1, {self.int_param})"),
                      (1, f"range({self.int_param}, 0, -1)"),
                      (1, f"range({self.int_param} + 1)"), (1, f"range(2 * {self.int_param})")]
        if outer:
            o = outer[-1]
            forms += [(3, f"range({o})"), (2, f"range({o} + 1)"), (1, f"range({o}, {k + 1})")]
        iterable = weighted(self.ch, forms)
        ints = [i for i in sc.ints if i != index] + [index]
        body, res = self.loop_body(sc, depth, ints)
        runs = iterable in (f"range({k})", f"range(1, {k + 1})", f"range({k}, 0, -1)",
                            f"range(0, {k + 2}, 2)") and k > 0
        floats = list(sc.floats)
        if runs and not res.exits and not res.jumps:
            floats = res.floats  # the body certainly ran, start to end, at least once
        return For(index, iterable, body), \
            _Result(floats, False, ints=_add(sc.ints, index) if runs else None)

    def while_stmt(self, sc: _Scope, depth: int) -> tuple[Stmt, _Result]:
        counter = COUNTER_NAMES[sc.loop_depth]
        bound = self.ch.integer(0, 3)
        ints = [i for i in sc.ints if i != counter] + [counter]
        form = weighted(self.ch, [(3, "up"), (2, "cond"), (1, "down"), (1, "true")])
        body, _ = self.loop_body(sc, depth, ints)
        if form == "up":
            head = [IntStmt(f"{counter} += 1")]
            test: Cond | str = f"{counter} < {bound}"
        elif form == "cond":
            head = [IntStmt(f"{counter} += 1")]
            test = BoolOp("and", [Cmp([Name(counter), Raw(str(bound + 1))], ["<"]),
                                  self.cond(sc, 1)])
        elif form == "down":
            head = [IntStmt(f"{counter} = {counter} - 1")]
            test = f"{counter} > 0"
        else:
            head = [IntStmt(f"{counter} += 1"), If([Cmp([Name(counter), Raw(str(bound))],
                                                       [">"])], [[Jump("break")]], [])]
            test = "True"
        init = IntStmt(f"{counter} = {bound if form == 'down' else 0}")
        loop = While(test, head + body)
        return _Seq([init, loop]), _Result(list(sc.floats), False, ints=_add(sc.ints, counter))

    def program(self, name: str, helper: bool = True) -> Program:
        self.helper = Generator(self.ch).program(HELPER, False) \
            if helper and chance(self.ch, 25) else None
        self.budget = self.ch.integer(3, 16) if helper else self.ch.integer(1, 6)
        style = PARAM_STYLES[weighted(self.ch, [(4, 0), (2, 1), (1, 2), (1, 3)])]
        n_float = self.ch.integer(2, 3)
        params = list(style[:n_float])
        self.int_param = INT_PARAMS[self.ch.integer(0, 2)] \
            if helper and chance(self.ch, 40) else None
        locals_ = LOCAL_STYLES[weighted(self.ch, [(3, 0), (1, 1)])]
        self.locals = [v for v in locals_ if v not in params]
        sc = _Scope(list(params), [self.int_param] if self.int_param else [])
        body, res = self.block(sc, 3, min_len=1)
        if not res.exits:
            body.append(Jump("return", self.final(res.floats)))
        return Program(name, params, self.int_param, body, self.helper).finish()

    def final(self, floats: list[str]) -> Expr:
        """The last return: usually every live name, so little is dead code."""
        sc = _Scope(floats, [self.int_param] if self.int_param else [])
        e = self.expr(sc, 2)
        if chance(self.ch, 60):
            for v in floats:
                e = Bin("+", e, Bin("*", Num(round(self.ch.integer(1, 9) / 4.0, 2)), Name(v)))
        return e


@dataclass
class _Seq(Stmt):
    """Several statements that the generator treats as one (a counter and its loop)."""
    items: list[Stmt]

    def lines(self, probe: bool, indent: str) -> list[str]:
        return _block_lines(self.items, probe, indent)


def _distinct(exprs: list[Expr]) -> list[Expr]:
    """The operands of a comparison, min or max, none the same as another (`min(s, s)`
    is at its kink everywhere)."""
    seen: set[str] = set()
    out = []
    for e in exprs:
        while e.code(False) in seen:
            e = Bin("+", e, Num(0.5))
        seen.add(e.code(False))
        out.append(e)
    return out


def _add(names: list[str], name: str) -> list[str]:
    return names if name in names else names + [name]


def _meet(base: list[str], sets: list[list[str]]) -> list[str]:
    """Names assigned on every path, in first-seen order."""
    first = sets[0]
    return [v for v in first if all(v in s for s in sets[1:])]


def generate(ch, name: str = "f") -> Program:
    return Generator(ch).program(name)


# -- the probe: is the program smooth at a point? -------------------------------------------------
class Reject(Exception):
    """The point is too near a kink, a pole or an overflow."""


_CMP = {"<": operator.lt, ">": operator.gt, "<=": operator.le, ">=": operator.ge,
        "==": operator.eq, "!=": operator.ne}


class Recorder:
    def __init__(self) -> None:
        self.trace: list[Any] = []
        self.biggest = 0.0

    def v(self, x: Any) -> Any:
        ax = abs(x)
        if not ax <= LIMIT:  # also catches nan
            raise Reject(f"value {x!r}")
        if ax > self.biggest:
            self.biggest = ax
        return x

    def near(self, a: float, b: float) -> None:
        if abs(a - b) <= MARGIN * max(1.0, abs(a), abs(b)):
            raise Reject(f"{a!r} is within the margin of {b!r}")

    def cmp(self, a: Any, op: str, b: Any) -> bool:
        if not (isinstance(a, int) and isinstance(b, int)):
            self.near(a, b)
        r = _CMP[op](a, b)
        self.trace.append(r)
        return r

    def chain(self, *parts: Any) -> bool:
        a = parts[0]()
        for op, get in zip(parts[1::2], parts[2::2]):
            b = get()
            if not self.cmp(a, op, b):
                return False
            a = b
        return True

    def abs(self, x: float) -> float:
        self.near(x, 0.0)
        self.trace.append(x > 0)
        return self.v(abs(x))

    def _pick(self, xs: tuple, best: Callable) -> float:
        order = sorted(range(len(xs)), key=lambda k: xs[k], reverse=best is max)
        self.near(xs[order[0]], xs[order[1]])
        self.trace.append(order[0])
        return self.v(best(xs))

    def min(self, *xs: float) -> float:
        return self._pick(xs, min)

    def max(self, *xs: float) -> float:
        return self._pick(xs, max)

    def den(self, x: float) -> float:
        if abs(x) < DEN_MARGIN:
            raise Reject(f"denominator {x!r}")
        return x


class Probe:
    """The probe rendering of a program, run in plain Python."""

    def __init__(self, program: Program):
        self.ns: dict[str, Any] = {"math": math}
        exec(compile(program.probe_source, f"<probe {program.name}>", "exec"), self.ns)
        self.fn = self.ns["probe"]

    def run(self, args: tuple) -> tuple[list, float, float]:
        """The decisions taken, the largest |value| and the result; raises Reject off the
        smooth set."""
        rec = Recorder()
        self.ns["_K"] = rec
        try:
            out = self.fn(*args)
        except (OverflowError, ZeroDivisionError, ValueError) as exc:
            raise Reject(repr(exc)) from None
        rec.v(out)
        return rec.trace, rec.biggest, out


def moved(args: tuple, n_float: int, direction: list[float], step: float) -> tuple:
    return tuple(a + step * d if i < n_float else a
                 for i, (a, d) in enumerate(zip(args, direction)))


def unit(n_args: int, i: int) -> list[float]:
    return [1.0 if k == i else 0.0 for k in range(n_args)]


def smooth(probe: Probe, args: tuple, n_float: int, directions: list[list[float]],
           step: float = EPS, check_fd: bool = True) -> float:
    """The largest |value| if the program is smooth at `args` and takes the same decisions
    at args ± step * d for every direction d; raises Reject otherwise. With `check_fd`,
    also at args ± 4 step * d, and central differences with the two steps must agree (the
    function varies too fast for them otherwise, e.g. sin of a huge argument)."""
    trace, biggest, _ = probe.run(args)
    for d in directions:
        outs = {}
        for k in (1, 4) if check_fd else (1,):
            for sign in (1.0, -1.0):
                t, b, outs[sign * k] = probe.run(moved(args, n_float, d, sign * k * step))
                if t != trace:
                    raise Reject("the decisions change within the finite-difference step")
                biggest = max(biggest, b)
        if check_fd:
            d1 = (outs[1] - outs[-1]) / (2 * step)
            d4 = (outs[4] - outs[-4]) / (8 * step)
            if not _close(d1, d4, 1e-5, _fd_tol(biggest)):
                raise Reject(f"central differences with two steps disagree: {d1!r}, {d4!r}")
    return biggest


# -- one test case: a program, a point, a tangent and a cotangent --------------------------------
@dataclass
class Case:
    program: Program
    args: tuple
    v: list[float]      # tangent for jvp (zero for the int parameter)
    u: float            # cotangent for vjp
    biggest: float      # largest |value| at and around the point

    def __repr__(self) -> str:
        return (f"Case(args={self.args!r}, v={self.v!r}, u={self.u!r})\n"
                f"{self.program.source}")


def draw_case(ch, name: str = "f", tries: int = 4) -> Case | None:
    """A program and a point where it is smooth, or None if `tries` points all failed."""
    program = generate(ch, name)
    probe = Probe(program)
    nf = len(program.float_params)
    n = len(program.params)
    for _ in range(tries):
        args = tuple(ch.real(-2.0, 2.0) for _ in range(nf))
        if program.int_param:
            args += (ch.integer(0, 3),)
        v = [ch.real(-1.0, 1.0) for _ in range(nf)] + [0.0] * (n - nf)
        u = ch.real(0.25, 1.0) * (1 if chance(ch, 50) else -1)
        try:
            biggest = smooth(probe, args, nf, [unit(n, i) for i in range(nf)] + [v])
        except Reject:
            continue
        return Case(program, args, v, u, biggest)
    return None


# -- loading a program from a real file (s2sgrad reads source with inspect.getsource) --------------
_DIR: list[str] = []
_COUNTER = itertools.count()


def load(program: Any, header: str = "import math\n\n\n") -> Callable[..., Any]:
    """Write `program.source` (after `header`) to a module file, import it, and return its
    function `program.name`."""
    if not _DIR:
        _DIR.append(tempfile.mkdtemp(prefix="s2sgrad_fuzz_"))
        atexit.register(shutil.rmtree, _DIR[0], True)
    modname = f"s2sgrad_fuzz_{next(_COUNTER)}_{abs(hash(program.source)):x}"
    path = f"{_DIR[0]}/{modname}.py"
    with open(path, "w") as fh:
        fh.write(header + program.source)
    spec = importlib.util.spec_from_file_location(modname, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[modname] = module
    spec.loader.exec_module(module)
    return getattr(module, program.name)


def unload(fn: Callable[..., Any]) -> None:
    sys.modules.pop(fn.__module__, None)


# -- the oracles -----------------------------------------------------------------------------------
def _close(a: float, b: float, rtol: float, atol: float) -> bool:
    return abs(a - b) <= atol + rtol * max(abs(a), abs(b))


def _fd_tol(biggest: float) -> float:
    """Absolute error central differences can make: rounding of values of size `biggest`
    divided by the step, with room for the rounding of many operations."""
    return 1e-7 + 1e-8 * biggest


def _directional_fd(f: Callable, args: tuple, n_float: int, d: list[float], eps: float) -> float:
    return (f(*moved(args, n_float, d, eps)) - f(*moved(args, n_float, d, -eps))) / (2 * eps)


def _fd_confirms(f, probe: Probe, case: Case, d: list[float], got: float) -> bool:
    """Does central differencing with some other step agree with `got`? (Used only after
    the default step disagreed, to tell a wrong derivative from truncation or rounding.)"""
    nf = len(case.program.float_params)
    for eps in (1e-5, 1e-4, 3e-6, 1e-7, 1e-3):
        try:
            big = smooth(probe, case.args, nf, [d], step=eps, check_fd=False)
        except Reject:
            continue
        want = _directional_fd(f, case.args, nf, d, eps)
        if _close(got, want, 1e-5, _fd_tol(big) * EPS / min(eps, EPS)):
            return True
    return False


class OracleFailure(AssertionError):
    """An oracle disagreed or a stage raised; `kinds` names which ("grad", "jvp-vs-vjp",
    "vjp:UnboundLocalError", ...)."""

    def __init__(self, message: str, kinds: set[str]):
        super().__init__(message)
        self.kinds = kinds


STAGES = ("interpreter", "grad", "jvp", "vjp")
_NEEDS = {"interpreter": {"interpreter"}, "grad": {"grad"}, "jvp-value": {"jvp"},
          "vjp-value": {"vjp"}, "jvp-vs-vjp": {"jvp", "vjp"}, "jvp-vs-fd": {"jvp"}}


def check(case: Case, stages: tuple[str, ...] | set[str] = STAGES) -> None:
    """Run the oracles of `stages` on `case`; raise OracleFailure with the details."""
    import pytest

    import s2sgrad
    from s2sgrad import pipeline
    from s2sgrad.ir.interp import run

    prog, args = case.program, case.args
    nf = len(prog.float_params)
    n = len(prog.params)
    argnums = tuple(range(nf))
    tol = _fd_tol(case.biggest)
    problems: list[tuple[str, str]] = []
    results: dict[str, Any] = {}

    def same(a: Any, b: float) -> bool:
        return a == pytest.approx(b, rel=1e-12, abs=1e-12)

    f = load(prog)
    try:
        probe = Probe(prog)
        value = f(*args)
        assert isinstance(value, float), f"the program returned {value!r}"
        for stage in STAGES:
            if stage not in stages:
                continue
            try:
                if stage == "interpreter":  # 2. the reference interpreter against Python
                    got = run(pipeline.lower(f), *args)
                    if not same(got, [value]):
                        problems.append(("interpreter", f"interpreter {got} != python {value}"))
                elif stage == "grad":  # 1. reverse mode against central differences
                    grads = s2sgrad.grad(f, argnums=argnums)(*args)
                    fd = s2sgrad.numerical_grad(f, *args, argnums=argnums)
                    for i, (g, w) in enumerate(zip(grads, fd)):
                        if not _close(g, w, 1e-5, tol) and \
                                not _fd_confirms(f, probe, case, unit(n, i), g):
                            problems.append(("grad", f"grad wrt {prog.params[i]}: s2sgrad "
                                                     f"{g!r}, finite differences {w!r}"))
                elif stage == "jvp":
                    out, jv = results["jvp"] = s2sgrad.jvp(f, args, case.v)
                    if not same(out, value):
                        problems.append(("jvp-value", f"jvp value {out!r} != python {value!r}"))
                    fdv = _directional_fd(f, args, nf, case.v, EPS)
                    if not _close(jv, fdv, 1e-5, tol) and \
                            not _fd_confirms(f, probe, case, case.v, jv):
                        problems.append(("jvp-vs-fd", f"jvp {jv!r}, directional finite "
                                                      f"difference {fdv!r}"))
                else:
                    out, pullback = s2sgrad.vjp(f, *args)
                    results["vjp"] = pullback(case.u)
                    if not same(out, value):
                        problems.append(("vjp-value", f"vjp value {out!r} != python {value!r}"))
            except Exception as exc:  # noqa: BLE001 -- a crash is a failure of this stage
                problems.append((f"{stage}:{type(exc).__name__}",
                                 f"{stage} raised {type(exc).__name__}: {exc}"))
        if "jvp" in results and "vjp" in results:  # 3. forward mode against reverse mode
            jv, ut_j = results["jvp"][1], results["vjp"]
            lhs = case.u * jv
            terms = [ut_j[i] * case.v[i] for i in argnums]
            rhs = sum(terms)
            scale = abs(lhs) + sum(abs(t) for t in terms)
            if not _close(lhs, rhs, 1e-9, 1e-12 + 1e-10 * scale):
                problems.append(("jvp-vs-vjp", f"<u, J v> = {lhs!r} (jvp) but "
                                               f"<pullback(u), v> = {rhs!r} (vjp)"))
        if problems:
            raise OracleFailure("\n".join(text for _, text in problems) + f"\nat {case!r}",
                                {kind for kind, _ in problems})
    finally:
        unload(f)


# -- reduction: a failing program made small ------------------------------------------------------
def failure(case: Case, stages: tuple[str, ...] | set[str] = STAGES) -> set[str]:
    """The kinds of failure of `check(case, stages)`; empty if it passes."""
    try:
        check(case, stages)
    except OracleFailure as exc:
        return exc.kinds
    return set()


def _expr_alts(node: Any):
    """Smaller expressions or conditions to put in place of `node`."""
    if isinstance(node, Expr):
        for f in fields(node):
            child = getattr(node, f.name)
            if isinstance(child, Expr):
                yield child
            elif isinstance(child, list):
                yield from (c for c in child if isinstance(c, Expr))
        if not isinstance(node, (Num, Name, Raw)):
            yield Num(1.0)
    elif isinstance(node, Cmp) and len(node.ops) > 1:
        yield Cmp(node.operands[:2], node.ops[:1])
    elif isinstance(node, BoolOp):
        yield from node.items
    elif isinstance(node, Not):
        yield node.item
    yield from _field_alts(node)


def _field_alts(node: Any):
    """`node` with one part of one field made smaller."""
    for f in fields(node):
        val = getattr(node, f.name)
        if isinstance(val, (Expr, Cond)):
            for alt in _expr_alts(val):
                yield replace(node, **{f.name: alt})
        elif isinstance(val, list) and val and all(isinstance(x, (Expr, Cond)) for x in val):
            for k, x in enumerate(val):
                for alt in _expr_alts(x):
                    yield replace(node, **{f.name: val[:k] + [alt] + val[k + 1:]})
        elif isinstance(val, list) and val and all(isinstance(x, Stmt) for x in val):
            for blk in _block_alts(val):
                yield replace(node, **{f.name: blk})
        elif isinstance(val, list) and val and all(isinstance(x, list) for x in val):
            for k, body in enumerate(val):  # If.bodies
                for blk in _block_alts(body):
                    yield replace(node, **{f.name: val[:k] + [blk] + val[k + 1:]})


def _stmt_alts(s: Stmt):
    """Statement lists to splice in place of `s`."""
    if isinstance(s, If):
        yield from (b for b in s.bodies)
        if s.orelse:
            yield s.orelse
            yield [replace(s, orelse=[])]
        for k in range(1, len(s.tests)):
            yield [replace(s, tests=s.tests[:k] + s.tests[k + 1:],
                           bodies=s.bodies[:k] + s.bodies[k + 1:])]
    elif isinstance(s, For):
        yield s.body
        if isinstance(s.iterable, list) and len(s.iterable) > 1:
            yield [replace(s, iterable=s.iterable[:1])]
    elif isinstance(s, _Seq):
        yield [item for x in s.items for item in (x.body if isinstance(x, While) else [x])]
    yield from ([alt] for alt in _field_alts(s))


def _block_alts(block: list[Stmt]):
    for k in range(len(block)):
        yield block[:k] + block[k + 1:] or [Pass()]
    for k, s in enumerate(block):
        for repl in _stmt_alts(s):
            yield block[:k] + list(repl) + block[k + 1:] or [Pass()]


def _retry(case: Case, body: list[Stmt], helper_body: list[Stmt] | None = None
           ) -> Case | None:
    """The case with a new body (or helper body), if the program is valid and smooth at the
    same point."""
    old = case.program
    helper = old.helper if helper_body is None else replace(old.helper, body=helper_body)
    prog = Program(old.name, old.float_params, old.int_param, body, helper)
    if f"{HELPER}(" not in prog.render(False):
        prog.helper = None  # no longer called
    prog.finish()
    nf, n = len(prog.float_params), len(prog.params)
    builtin = {"math", "float", "abs", "min", "max", "range", "True", HELPER}
    if _free_names(prog.source, prog.name) - builtin or \
            prog.helper and _free_names(prog.source, HELPER) - builtin:
        return None  # a name read but never assigned: a global to s2sgrad
    try:
        biggest = smooth(Probe(prog), case.args, nf, [unit(n, i) for i in range(nf)] + [case.v])
        ns: dict[str, Any] = {"math": math}
        exec(compile(prog.source, "<reduce>", "exec"), ns)
        if not isinstance(ns[prog.name](*case.args), float):
            return None
    except (Reject, SyntaxError, NameError, TypeError):
        return None
    return Case(prog, case.args, case.v, case.u, biggest)


def _free_names(source: str, name: str) -> set[str]:
    tree = next(f for f in ast.parse(source).body if f.name == name)
    bound = {a.arg for a in tree.args.args}
    loads = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loads if isinstance(node.ctx, ast.Load) else bound).add(node.id)
    return loads - bound


def reduce_case(case: Case, budget: int = 3000) -> Case:
    """A smaller program failing at the same point in the same way (greedy, first fit; after
    a success the search goes on from where it was, then passes repeat until none helps)."""
    want = failure(case)
    assert want, "the case does not fail"
    stages = {s for kind in want for s in _NEEDS.get(kind, {kind.split(":")[0]})}
    progress, skip = True, 0
    while progress and budget > 0:
        progress = False
        prog = case.program
        alts = itertools.chain(
            ((body, None) for body in _block_alts(prog.body)),
            ((prog.body, hbody) for hbody in (_block_alts(prog.helper.body)
                                              if prog.helper else ())))
        for k, (body, hbody) in enumerate(alts):
            if k < skip:
                continue
            budget -= 1
            if budget <= 0:
                break
            smaller = _retry(case, body, hbody)
            if smaller is not None and failure(smaller, stages) & want:
                case, progress, skip = smaller, True, k
                break
        else:
            if skip:
                progress, skip = True, 0
    return case


# -- the command-line driver: every failure of a batch, not only the first -------------------------
def main(argv: list[str]) -> int:
    import time

    if argv and argv[0] == "reduce":
        for seed in argv[1:]:
            case = draw_case(RandomChooser(int(seed)))
            small = reduce_case(case)
            print(f"--- seed {seed}: {sorted(failure(small))}\n{small!r}", flush=True)
        return 0
    count = int(argv[0]) if argv else 1000
    first = int(argv[1]) if len(argv) > 1 else 0
    ran = skipped = 0
    failures = []
    start = time.perf_counter()
    for seed in range(first, first + count):
        case = draw_case(RandomChooser(seed))
        if case is None:
            skipped += 1
            continue
        ran += 1
        try:
            check(case)
        except OracleFailure as exc:
            failures.append(seed)
            print(f"--- seed {seed}: {sorted(exc.kinds)}\n{exc}", flush=True)
    print(f"{ran} programs checked, {skipped} without a smooth point, {len(failures)} failed "
          f"in {time.perf_counter() - start:.1f} s; failing seeds: {failures}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
