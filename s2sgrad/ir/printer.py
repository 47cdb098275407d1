"""Print the IR as readable text: operators infix, calls by their Python names.

    x_3 = for i in range(0, n, 1) carry(x_1 = x):
        u1 = a * x_1
        next(x_2)
"""

from __future__ import annotations

import operator
from typing import Any

from .. import runtime
from .core import Assign, Atom, Block, For, Function, If, Stmt, While

INFIX = {
    operator.add: "+", operator.sub: "-", operator.mul: "*", operator.truediv: "/",
    operator.floordiv: "//", operator.mod: "%", operator.pow: "**", operator.matmul: "@",
    operator.lt: "<", operator.le: "<=", operator.gt: ">", operator.ge: ">=",
    operator.eq: "==", operator.ne: "!=", operator.and_: "&", operator.or_: "|",
    operator.xor: "^", operator.lshift: "<<", operator.rshift: ">>",
    operator.is_: "is", operator.is_not: "is not",
    runtime.logical_and: "and", runtime.logical_or: "or",
}
PREFIX = {operator.neg: "-", operator.pos: "+", operator.not_: "not ", operator.invert: "~"}


def prim_name(prim: Any) -> str:
    """How a primitive is spelled in text: `math.sin`, `abs`, `np.tanh`."""
    if isinstance(prim, type(runtime.method("x"))):
        return f"the method .{prim.name}()"
    if isinstance(prim, type(runtime.attr("x"))):
        return f"the attribute .{prim.name}"
    module = getattr(prim, "__module__", None) or ""
    name = getattr(prim, "__qualname__", None) or getattr(prim, "__name__", repr(prim))
    if module in ("builtins", "") or module.startswith("s2sgrad"):
        return name
    if module == "numpy.linalg":
        return "np.linalg." + name
    if module.startswith("numpy"):
        return "np." + name
    return f"{module.split('.')[-1].lstrip('_')}.{name}"


def format_assign(s: Assign) -> str:
    args = [repr(a) for a in s.args]
    if s.prim in INFIX and len(args) == 2:
        rhs = f"{args[0]} {INFIX[s.prim]} {args[1]}"
    elif s.prim in PREFIX and len(args) == 1:
        rhs = f"{PREFIX[s.prim]}{args[0]}"
    else:
        args += [f"{k}={v!r}" for k, v in s.kwargs.items()]
        rhs = f"{prim_name(s.prim)}({', '.join(args)})"
    return f"{', '.join(map(repr, s.outs))} = {rhs}"


def _atoms(atoms: list[Atom]) -> str:
    return ", ".join(map(repr, atoms))


def _lines(block: Block, depth: int) -> list[str]:
    out: list[str] = []
    for s in block:
        out += _stmt(s, "    " * depth, depth)
    return out


def _stmt(s: Stmt, pad: str, depth: int) -> list[str]:
    lhs = f"{_atoms(s.outs)} = " if s.outs else ""
    if isinstance(s, Assign):
        return [pad + format_assign(s)]
    if isinstance(s, If):
        return [f"{pad}{lhs}if {s.cond!r}:", *_lines(s.then, depth + 1),
                f"{pad}    yield({_atoms(s.then_results)})", f"{pad}else:",
                *_lines(s.orelse, depth + 1), f"{pad}    yield({_atoms(s.else_results)})"]
    carry = ", ".join(f"{c!r} = {i!r}" for c, i in zip(s.carried, s.inits))
    if isinstance(s, For):
        rng = f"range({s.start!r}, {s.stop!r}, {s.step!r})"
        head = f"{pad}{lhs}for {s.index!r} in {'reversed(' + rng + ')' if s.reverse else rng}"
        return [f"{head} carry({carry}):", *_lines(s.body, depth + 1),
                f"{pad}    next({_atoms(s.next)})"]
    assert isinstance(s, While)
    return [f"{pad}{lhs}while carry({carry}):", f"{pad}    cond:",
            *_lines(s.cond_block, depth + 2), f"{pad}        yield({s.cond!r})",
            *_lines(s.body, depth + 1), f"{pad}    next({_atoms(s.next)})"]


def format_function(fn: Function) -> str:
    head = f"def {fn.name}({', '.join(p.name for p in fn.params)}):"
    return "\n".join([head, *_lines(fn.body, 1), f"    return {_atoms(fn.results)}"])


