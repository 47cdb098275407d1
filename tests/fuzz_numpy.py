"""Random NumPy programs for the fuzz tests (`tests/test_fuzz_numpy.py`).

`generate(chooser)` builds one program as source text: one to three float64 array parameters
of a few shapes (sometimes a float parameter, sometimes a tuple, list or dict of arrays),
then statements over a small vocabulary of shapes, so that every expression has a known
shape: broadcasting, elementwise math (sin, cos, tanh, exp, log and sqrt of positive
values, abs, maximum, minimum, where with a comparison), reductions with `axis` and
`keepdims` (sum, mean, max, prod, var), boolean masks, fancy indexing, slice reads, writes
into copies (`y = x * 1.5; y[1:3] += w`), stack/concatenate/vstack, `@` and `np.dot`,
transposes and reshapes, `for` over `range`, data-dependent `while` loops bounded by a
counter, `if` on data, and calls to a generated helper function with defaults, keyword
arguments and a tuple return.

Every program is rendered twice, as in `fuzz_programs.py`: the plain source that s2sgrad
compiles, and a *probe* in which every comparison, abs, maximum, minimum and max reduction
goes through a recorder (`_K`), which gives the smallest relative distance to a switching
point and the decisions taken (see `fuzz_numpy_oracles.smooth`). The chooser machinery
(`weighted`, `chance`, `RandomChooser`) is `fuzz_programs`'s. The expressions are built in
`fuzz_numpy_exprs.py`, the statements and programs here; the oracles are in
`fuzz_numpy_oracles.py`.

    python -m tests.fuzz_numpy 2000 [first_seed]   # run programs, print the construct table
    python -m tests.fuzz_numpy reduce 65 191        # shrink the programs of these seeds
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from .fuzz_numpy_exprs import HELPER, SHAPES, Chooser, E, ExprGenerator, Shape, fmt, size
from .fuzz_programs import chance, weighted

PARAM_SHAPES: tuple[Shape, ...] = ((3,), (2, 3), (3, 3), (4,), (2,))


@dataclass
class Param:
    name: str
    kind: str                  # "float", "array", "tuple", "list", "dict"
    shapes: list[Shape]        # one per leaf


@dataclass
class Program:
    name: str
    params: list[Param]
    source: str
    probe_source: str
    tags: set[str]

    def __repr__(self) -> str:
        return self.source


class Generator(ExprGenerator):
    """A function body: expressions (ExprGenerator) and statements."""

    # -- statements --------------------------------------------------------------------------
    def bind(self, name: str, e: E) -> None:
        self.lines.add(self.indent, f"{name} = {e.src}", f"{name} = {e.probe}")
        self.scope[name] = e.shape
        if e.fresh or e.shape == ():
            self.owned.add(name)
        else:
            self.owned.discard(name)

    def stmt(self, depth: int = 2) -> None:
        kind = weighted(self.ch, [
            (6, "assign"), (3, "setitem"), (2 if self.owned else 0, "aug"), (2, "for"),
            (1, "while"), (1, "if"), (2 if self.helper else 0, "call")])
        getattr(self, "s_" + kind)(depth)

    def s_assign(self, depth: int) -> None:
        shape = weighted(self.ch, [(3, s) if s else (2, s) for s in SHAPES])
        self.bind(self.new_name(), self.expr(shape, depth))

    def target(self) -> tuple[str, Shape]:
        """A name holding a fresh array, made by copying one in scope (`y = x * 1.5`)."""
        arrays = sorted(n for n, s in self.scope.items() if s)
        if not arrays:
            self.bind(self.new_name(), self.expr(self.pick(list(SHAPES[1:])), 1))
            arrays = [f"{self.prefix}{self.count}"]
        src = self.pick(arrays)
        name = self.new_name()
        copy = self.pick([f"{src} * 1.5", f"{src}.copy()", f"np.array({src})", f"{src} + 0.0"])
        self.bind(name, E(copy, copy, self.scope[src]))
        return name, self.scope[name]

    INDEXES: dict[int, list[tuple[str, object]]] = {
        1: [("[1:3]", "slice"), ("[0]", ()), ("[::2]", "slice"), ("[[0, 1]]", "fancy"),
            ("[-1]", ()), ("[1:]", "slice")],
        2: [("[:, 1]", "col"), ("[0]", "row"), ("[1, 0]", ()), ("[1:, :2]", "block"),
            ("[:, 0]", "col"), ("[[1, 0]]", "rows")],
    }

    def s_setitem(self, depth: int) -> None:
        name, shape = self.target()
        index, form = self.pick(self.INDEXES[len(shape)])
        probe_index = index
        view = _index_shape(shape, index)
        op = weighted(self.ch, [(3, "="), (3, "+="), (1, "-="), (1, "*=")])
        self.tags.add("setitem" + op)
        if form == "fancy" or form == "rows":
            self.tags.add("fancy-write")
        if len(shape) == 1 and chance(self.ch, 15):  # a boolean mask write
            self.tags.add("mask-write")
            c = self.const()
            index, probe_index, view = f"[{name} > {c.src}]", f"[_K.gt({name}, {c.probe})]", ()
        value = self.expr(self.sub_shape(view), depth - 1)
        self.lines.add(self.indent, f"{name}{index} {op} {value.src}",
                       f"{name}{probe_index} {op} {value.probe}")

    def s_aug(self, depth: int) -> None:
        name = self.pick(sorted(self.owned))
        op = weighted(self.ch, [(3, "+="), (2, "-="), (2, "*=")])
        self.tags.add("aug")
        value = self.expr(self.sub_shape(self.scope[name]), depth - 1)
        self.lines.add(self.indent, f"{name} {op} {value.src}", f"{name} {op} {value.probe}")

    def update(self, depth: int) -> None:
        """Rebind a name in scope to a value of the same shape (a loop-carried value)."""
        name = self.pick(sorted(self.scope))
        e = self.expr(self.scope[name], depth)
        if chance(self.ch, 50):
            e = fmt(f"(0.5 * np.tanh({name}) + {{0}})", e, shape=e.shape)
        self.bind(name, e)

    def s_for(self, depth: int) -> None:
        self.tags.add("for")
        k = self.ch.integer(1, 3)
        self.lines.add(self.indent, f"for i in range({k}):")
        self.indent += 1
        rows = sorted(n for n, s in self.scope.items() if s and s[0] >= k and n in self.owned)
        if rows and chance(self.ch, 40):
            self.tags.add("setitem-loop")
            name = self.pick(rows)
            value = self.expr(self.scope[name][1:], 1)
            op = self.pick(["=", "+="])
            self.lines.add(self.indent, f"{name}[i] {op} {value.src}",
                           f"{name}[i] {op} {value.probe}")
        for _ in range(self.ch.integer(1, 2)):
            self.update(1)
        self.indent -= 1

    def s_while(self, depth: int) -> None:
        self.tags.add("while")
        name = self.pick(sorted(self.scope))
        bound, c = self.ch.integer(1, 4), self.pick(["0.0", "1.0", "3.0", "-1.0"])
        owned = set(self.owned)
        self.lines.add(self.indent, "q = 0")
        self.lines.add(self.indent, f"while q < {bound} and np.sum({name}) < {c}:",
                       f"while q < {bound} and _K.gt({c}, np.sum({name})):")
        self.indent += 1
        self.update(1)
        self.lines.add(self.indent, "q += 1")
        self.indent -= 1
        self.owned &= owned  # the loop may not run

    def s_if(self, depth: int) -> None:
        self.tags.add("if")
        cond = self.expr((), 1)
        c = self.const()
        self.lines.add(self.indent, f"if {cond.src} > {c.src}:",
                       f"if _K.gt({cond.probe}, {c.probe}):")
        name = self.pick(sorted(self.scope))
        fresh = True
        for branch in range(2):
            if branch:
                self.lines.add(self.indent, "else:")
            self.indent += 1
            self.bind(name, self.expr(self.scope[name], 1))
            fresh = fresh and name in self.owned
            self.indent -= 1
        if not fresh:
            self.owned.discard(name)

    def s_call(self, depth: int) -> None:
        self.tags.update({"helper", "tuple-return"})
        call = self.call_args(1)
        a, b = self.new_name(), self.new_name()
        self.lines.add(self.indent, f"{a}, {b} = {call.src}", f"{a}, {b} = {call.probe}")
        for n, s in zip((a, b), self.helper[1]):
            self.scope[n] = s
            self.owned.discard(n)

    def result(self) -> E:
        """The scalar returned: reductions of the last names bound, weighted."""
        names = list(self.scope)[-3:]
        terms = []
        for n in names[-self.ch.integer(1, len(names)):]:
            form = self.pick(["np.sum({0})", "np.mean({0} * {0})", "np.sum(np.sin({0}))"])
            terms.append(form.format(n) if self.scope[n] else n)
        text = " + ".join(terms)
        return E(text, text, ())


def _index_shape(shape: Shape, index: str) -> Shape:
    import numpy as np

    view = eval(f"z{index}", {"z": np.zeros(shape)})  # noqa: S307 -- our own index text
    return view.shape if view.shape in SHAPES else ()


# -- whole programs ---------------------------------------------------------------------------
def _params(ch: Chooser, tags: set[str]) -> list[Param]:
    names = iter(("x", "y", "z"))
    params = [Param(next(names), "array", [PARAM_SHAPES[ch.integer(0, len(PARAM_SHAPES) - 1)]])
              for _ in range(ch.integer(1, 3))]
    if chance(ch, 30):
        params.append(Param("s", "float", [()]))
        tags.add("float-param")
    if chance(ch, 20):
        kind = ("tuple", "list", "dict")[ch.integer(0, 2)]
        shapes = [PARAM_SHAPES[ch.integer(0, len(PARAM_SHAPES) - 1)] for _ in range(2)]
        params.append(Param("p", kind, shapes))
        tags.add("pytree-" + kind)
    if any(len(p.shapes[0]) == 2 for p in params if p.kind == "array"):
        tags.add("2d-param")
    return params


def _unpack(g: Generator, p: Param) -> None:
    if p.kind in ("float", "array"):
        g.scope[p.name] = p.shapes[0]
        return
    keys = ["0", "1"] if p.kind != "dict" else ['"w"', '"b"']
    if p.kind != "dict" and chance(g.ch, 50):
        g.lines.add(1, f"p0, p1 = {p.name}")
    else:
        for k, key in enumerate(keys):
            g.lines.add(1, f"p{k} = {p.name}[{key}]")
    g.scope.update({"p0": p.shapes[0], "p1": p.shapes[1]})


def _helper(ch: Chooser, tags: set[str]) -> tuple[list[str], list[str], tuple]:
    """The helper's plain and probe lines, and (argument shapes, result shapes)."""
    shapes = [SHAPES[ch.integer(1, len(SHAPES) - 1)] for _ in range(2)]
    g = Generator(ch, tags, prefix="h")
    g.scope = {"a": shapes[0], "b": shapes[1]}
    for _ in range(ch.integer(0, 2)):
        g.stmt(1)
    outs = [g.expr(SHAPES[ch.integer(0, len(SHAPES) - 1)], 1) for _ in range(2)]
    outs[0] = fmt("scale * {0} + shift", outs[0], shape=outs[0].shape)
    g.lines.add(1, f"return {outs[0].src}, {outs[1].src}",
                f"return {outs[0].probe}, {outs[1].probe}")
    head = "({}a, b, scale=1.5, shift=0.0):"
    return ([f"def {HELPER}" + head.format("")] + g.lines.plain,
            [f"def probe_{HELPER}" + head.format("")] + g.lines.probe,
            (shapes, [o.shape for o in outs]))


def generate(ch: Chooser, name: str = "f") -> Program:
    tags: set[str] = set()
    helper = _helper(ch, tags) if chance(ch, 25) else None
    params = _params(ch, tags)
    g = Generator(ch, tags, helper=helper[2] if helper else None)
    for p in params:
        _unpack(g, p)
    for _ in range(ch.integer(1, 4)):
        g.stmt()
    out = g.result()
    g.lines.add(1, f"return {out.src}", f"return {out.probe}")
    args = ", ".join(p.name for p in params)
    plain = [f"def {name}({args}):"] + g.lines.plain
    probe = [f"def probe({args}):"] + g.lines.probe
    if helper:
        plain, probe = helper[0] + ["", ""] + plain, helper[1] + ["", ""] + probe
    return Program(name, params, "\n".join(plain) + "\n", "\n".join(probe) + "\n", tags)


def main(argv: list[str]) -> int:
    from . import fuzz_numpy_oracles as oracles

    return oracles.main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
