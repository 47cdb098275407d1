"""Size of s2sgrad's reverse sweep against a hand-written one, in statements.

    python benchmarks/bench_statements.py            # the table, under a second
    python benchmarks/bench_statements.py --show     # and both reverse sweeps of each case
    python benchmarks/bench_statements.py --json out.json

For each case of benchmarks/workloads_statements.py it compiles the gradient (calling it
once at the case's arguments, so the code is the specialization for them), reads its
source with `s2sgrad.source`, and compares it with the hand-written gradient in the same
style (the rules are in workloads_statements.py), after checking that both compute the
same gradient. Target: s2sgrad's count <= 1.2 x the hand-written count.

What is counted, on the Python ast of each function:

- the reverse sweep is the top-level statement at or after the first `# adjoint of:`
  comment (generated) or `# reverse sweep` comment (hand-written), every top-level
  statement after it, and the assignments of constants only (adjoint seeds and zeros,
  `bx, ba = 1.0, 0.0`) directly before it;
- statements: the simple statements (assignments, augmented assignments, expressions,
  `return`) in the reverse sweep, nested ones included, each counted once as written (a
  statement in a loop body counts once, not once per iteration);
- control: the compound statements (`for`, `while`, `if`) in the reverse sweep, reported
  separately and not in the statement count;
- operations: the operators, comparisons and calls in the reverse sweep;
- whole function: the simple statements of the whole gradient, forward sweep included.

`--quick` checks the gradients at the case's arguments only (instead of four points).
The statements of each generated sweep that a known kind of optimization would remove
are listed below the table (see `findings`), as a diagnosis of the cases over target.
"""

from __future__ import annotations

import argparse
import ast
import inspect
import json
import os
import re
import sys
import textwrap
from dataclasses import asdict, dataclass
from typing import Any, Callable

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import numpy as np  # noqa: E402

import _timing as T  # noqa: E402
from workloads_statements import CASES, Case  # noqa: E402

import s2sgrad  # noqa: E402

TARGET = 1.2
REL_TOL = 1e-10
MARKER = re.compile(r"^\s*# (adjoint of:|reverse sweep)")
OPERATIONS = (ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.Call)
COMPOUND = (ast.For, ast.While, ast.If, ast.With, ast.Try, ast.FunctionDef)


@dataclass
class Counts:
    """What the module docstring says is counted, for one function."""

    statements: int
    control: int
    operations: int
    whole_function: int


# -- counting -------------------------------------------------------------------------------

def function_def(text: str) -> ast.FunctionDef:
    """The (first) function defined in `text`."""
    return next(n for n in ast.parse(textwrap.dedent(text)).body
                if isinstance(n, ast.FunctionDef))


def reverse_sweep(text: str) -> list[ast.stmt]:
    """The top-level statements of the reverse sweep of the function in `text`."""
    text = textwrap.dedent(text)
    marker = next(i for i, line in enumerate(text.splitlines(), 1) if MARKER.match(line))
    body = function_def(text).body
    start = next(i for i, s in enumerate(body) if s.end_lineno >= marker)
    while start > 0 and _assigns_constants(body[start - 1]):
        start -= 1
    return body[start:]


def _assigns_constants(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Assign) and all(
        isinstance(n, (ast.Constant, ast.Tuple, ast.Load, ast.UnaryOp, ast.USub))
        for n in ast.walk(stmt.value))


def _simple(stmts: list[ast.stmt]) -> list[ast.stmt]:
    """The simple statements among `stmts` and inside the compound ones, in order."""
    out: list[ast.stmt] = []
    for s in stmts:
        if isinstance(s, COMPOUND):
            for field in ("body", "orelse", "finalbody"):
                out += _simple(getattr(s, field, []))
        else:
            out.append(s)
    return out


def count(text: str) -> Counts:
    sweep = reverse_sweep(text)
    simple = _simple(sweep)
    control = sum(isinstance(n, COMPOUND) for s in sweep for n in ast.walk(s))
    ops = sum(isinstance(n, OPERATIONS) for s in sweep for n in ast.walk(s))
    return Counts(len(simple), control, ops, len(_simple(function_def(text).body)))


# -- diagnosis ------------------------------------------------------------------------------

def findings(text: str) -> list[tuple[str, str]]:
    """(kind, statement) for each statement of the reverse sweep that a known optimization
    would remove or shorten:

    - "single-use": `t = e` where `t` is read once, by the next statement of the same
      block (not the return): folding `e` into that statement saves one;
    - "copy": `a = b` (copy propagation);
    - "plus-minus": `a + -b` left for `a - b` (sign folding);
    - "shape helper": a call to `unbroadcast` or `np.broadcast_to`: a candidate only, to
      read by eye, since it is needed when the shapes differ (`unbroadcast(g, b)` sums
      `g` over the axes `b` was broadcast along) and removable when they agree.
    """
    reads: dict[str, int] = {}
    for n in ast.walk(function_def(text)):
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load):
            reads[n.id] = reads.get(n.id, 0) + 1
    out = []
    for block in _blocks(reverse_sweep(text)):
        for s, nxt in zip(block, block[1:] + [None]):
            kind = _finding(s, nxt, reads)
            if kind:
                out.append((s.lineno, kind, ast.unparse(s)))
    return [(kind, stmt) for _, kind, stmt in sorted(out)]


def _blocks(stmts: list[ast.stmt]) -> list[list[ast.stmt]]:
    """`stmts` and every block nested in them."""
    out = [stmts]
    for s in stmts:
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(s, field, None)
            if isinstance(s, COMPOUND) and inner:
                out += _blocks(inner)
    return out


def _finding(s: ast.stmt, nxt: ast.stmt | None, reads: dict[str, int]) -> str | None:
    if not isinstance(s, ast.Assign) or len(s.targets) != 1:
        return None
    target = s.targets[0]
    if isinstance(s.value, ast.Name):
        return "copy"
    if any(isinstance(n, ast.BinOp) and isinstance(n.op, ast.Add) and
           isinstance(n.right, ast.UnaryOp) and isinstance(n.right.op, ast.USub)
           for n in ast.walk(s.value)):
        return "plus-minus"
    if any(isinstance(n, ast.Call) and ast.unparse(n.func) in ("unbroadcast", "np.broadcast_to")
           for n in ast.walk(s.value)):
        return "shape helper"
    if isinstance(target, ast.Name) and reads.get(target.id) == 1 and \
            nxt is not None and not isinstance(nxt, (ast.Return, *COMPOUND)) and \
            any(isinstance(n, ast.Name) and n.id == target.id for n in ast.walk(nxt)):
        return "single-use"
    return None


# -- the benchmark --------------------------------------------------------------------------

def check_points(case: Case, quick: bool) -> list[tuple]:
    """The case's arguments, and unless `quick` three more with the differentiated
    arguments scaled by 0.9, 1.05 and 1.1."""
    scales = () if quick else (0.9, 1.05, 1.1)
    points = [case.args]
    for k in scales:
        points.append(tuple(a * k if i in case.argnums else a for i, a in enumerate(case.args)))
    return points


def check_gradients(case: Case, grad_fn: Callable[..., Any], quick: bool) -> float:
    """The largest difference between the hand-written and s2sgrad gradients, relative to
    the largest entry of each gradient; AssertionError above REL_TOL."""
    worst = 0.0
    for args in check_points(case, quick):
        hand, auto = case.hand(*args), grad_fn(*args)
        assert len(hand) == len(auto) == len(case.argnums), (case.key, hand, auto)
        for h, g in zip(hand, auto):
            h, g = np.asarray(h, dtype=float), np.asarray(g, dtype=float)
            scale = max(float(np.max(np.abs(g))), 1e-300)
            worst = max(worst, float(np.max(np.abs(h - g))) / scale)
    if worst > REL_TOL:
        raise AssertionError(f"case ({case.key}): the hand-written gradient differs from "
                             f"s2sgrad's by {worst:.1e} relative")
    return worst


def run_case(case: Case, quick: bool) -> dict[str, Any]:
    grad_fn = s2sgrad.grad(case.primal, argnums=case.argnums)
    grad_fn(*case.args)  # source() shows the specialization of the last call
    generated, hand = str(s2sgrad.source(grad_fn)), inspect.getsource(case.hand)
    mine, theirs = count(generated), count(hand)
    ratio = mine.statements / theirs.statements
    return {"key": case.key, "title": case.title,
            "max_rel_diff": check_gradients(case, grad_fn, quick),
            "s2sgrad": asdict(mine), "hand": asdict(theirs), "ratio": ratio,
            "target": [TARGET, ratio <= TARGET], "findings": findings(generated),
            "reverse_sweeps": {"s2sgrad": _sweep_text(generated), "hand": _sweep_text(hand)}}


def _sweep_text(text: str) -> str:
    return "\n".join(ast.unparse(s) for s in reverse_sweep(text))


def main_table(results: list[dict[str, Any]]) -> str:
    headers = ["case", "s2sgrad", "hand", f"ratio (<= {TARGET:g})", "control",
               "operations", "whole function"]
    rows = []
    for r in results:
        m, h = r["s2sgrad"], r["hand"]
        rows.append([f"({r['key']}) {r['title']}", str(m["statements"]), str(h["statements"]),
                     f"{T.fmt_ratio(r['ratio'])} {T.verdict(r['target'][1])}",
                     f"{m['control']} / {h['control']}",
                     f"{m['operations']} / {h['operations']}",
                     f"{m['whole_function']} / {h['whole_function']}"])
    return T.format_table(headers, rows)


def findings_text(results: list[dict[str, Any]]) -> str:
    lines = []
    for r in results:
        if r["findings"]:
            lines.append(f"({r['key']}) {r['title']}"
                         + ("" if r["target"][1] else f": {r['ratio']:.2f}x, over target"))
            lines += [f"    {kind:<13} {stmt}" for kind, stmt in r["findings"]]
    return "\n".join(lines) if lines else "none"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true",
                   help="check the gradients at one point per case instead of four")
    p.add_argument("--show", action="store_true", help="print both reverse sweeps of each case")
    p.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        results = [run_case(case, args.quick) for case in CASES]
    except AssertionError as exc:
        print(f"check failed: {exc}", file=sys.stderr)
        return 1
    print("Statements in the reverse sweep: s2sgrad's generated code against a hand-written "
          "sweep in the same style\n(control: for/while/if; operations: operators, "
          "comparisons, calls; whole function: simple statements, both sweeps)\n")
    print(main_table(results))
    print("\nStatements an optimization would remove (see findings() in this file):")
    print(findings_text(results))
    if args.show:
        for r in results:
            for who in ("s2sgrad", "hand"):
                sweep = textwrap.indent(r["reverse_sweeps"][who], "    ")
                print(f"\n({r['key']}) {who}:\n{sweep}")
    missed = [f"({r['key']})" for r in results if not r["target"][1]]
    print("\ntargets missed: " + (", ".join(missed) if missed else "none"))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"target": TARGET, "quick": args.quick, "results": results}, fh, indent=2)
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
