"""The expressions of the random NumPy programs (see fuzz_numpy.py): each has a known shape
among SHAPES, a plain rendering and a probe rendering."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from .fuzz_programs import chance, weighted

Shape = tuple
SHAPES: tuple[Shape, ...] = ((), (2,), (3,), (4,), (2, 3), (3, 2), (3, 3))
CONSTANTS = (0.5, 1.5, 2.0, -1.0, 0.25, 3.0, -0.5, 0.1)
HELPER = "helper"


class Chooser(Protocol):
    """The random decisions (fuzz_programs.RandomChooser, test_fuzz.HypothesisChooser)."""

    def integer(self, lo: int, hi: int) -> int: ...

    def real(self, lo: float, hi: float) -> float: ...


@dataclass
class E:
    """An expression: its plain text, its probe text, its shape, and whether it is a new
    array (not a view or a name), so that writing into it cannot touch an argument."""
    src: str
    probe: str
    shape: Shape
    fresh: bool = True


def fmt(template: str, *parts: E, shape: Shape, probe: str | None = None,
        fresh: bool = True) -> E:
    """`template` with `{0}`, `{1}`, ... filled by the parts (probe text: `probe`)."""
    return E(template.format(*(p.src for p in parts)),
             (probe or template).format(*(p.probe for p in parts)), shape, fresh)


def size(shape: Shape) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


@dataclass
class Lines:
    plain: list[str] = field(default_factory=list)
    probe: list[str] = field(default_factory=list)

    def add(self, indent: int, src: str, probe: str | None = None) -> None:
        self.plain.append("    " * indent + src)
        self.probe.append("    " * indent + (src if probe is None else probe))


class ExprGenerator:
    """Expressions over the names in scope of one function body (with their shapes), and
    the lines written so far."""

    def __init__(self, ch: Chooser, tags: set[str], prefix: str = "v",
                 helper: tuple[list[Shape], list[Shape]] | None = None):
        self.ch = ch
        self.tags = tags
        self.prefix = prefix
        self.helper = helper           # (argument shapes, result shapes) of the helper
        self.scope: dict[str, Shape] = {}
        self.owned: set[str] = set()   # names bound to arrays this function made
        self.lines = Lines()
        self.count = 0
        self.indent = 1

    def pick(self, options: list) -> object:
        return options[self.ch.integer(0, len(options) - 1)]

    def new_name(self) -> str:
        self.count += 1
        return f"{self.prefix}{self.count}"

    def const(self) -> E:
        c = repr(self.pick(list(CONSTANTS)))
        return E(f"({c})" if c.startswith("-") else c, f"({c})", (), False)

    # -- leaves and shapes -------------------------------------------------------------------
    def leaf(self, shape: Shape) -> E:
        names = [n for n, s in self.scope.items() if s == shape]
        if names and not chance(self.ch, 10):
            n = self.pick(names)
            return E(n, n, shape, False)
        if shape == () and (chance(self.ch, 40) or not self.scope):
            return self.const()
        near = self.adapters(shape)
        if near:
            return self.pick(near)
        inner = self.leaf(())
        return fmt(f"({{0}} * np.ones({shape}))", inner, shape=shape)

    def adapters(self, shape: Shape) -> list[E]:
        """Expressions of this shape one step away from a name in scope."""
        out = []
        for n, s in self.scope.items():
            if s == shape[::-1] and len(s) == 2:
                out.append(E(f"{n}.T", f"{n}.T", shape, False))
            elif s and size(s) == size(shape) and len(shape) > 0:
                out.append(E(f"{n}.reshape({shape})", f"{n}.reshape({shape})", shape, False))
            out += [E(f"{n}{i}", f"{n}{i}", shape, False) for src, i in self.slices(shape)
                    if src == s]
            out += [E(f"np.sum({n}, axis={k})", f"np.sum({n}, axis={k})", shape)
                    for src, k in self.reductions(shape) if src == s]
            if shape == () and s:
                out.append(E(f"np.sum({n})", f"np.sum({n})", ()))
        return out

    def sub_shape(self, shape: Shape) -> Shape:
        """A shape that broadcasts to `shape`."""
        options = [(6, shape), (2, ())]
        if len(shape) == 2:
            options.append((2, shape[1:]))
        s = weighted(self.ch, options)
        if s != shape and s != ():
            self.tags.add("broadcast")
        return s

    # -- expressions -------------------------------------------------------------------------
    def expr(self, shape: Shape, depth: int) -> E:
        if depth <= 0:
            return self.leaf(shape)
        d = depth - 1
        nd = len(shape)
        kind = weighted(self.ch, [
            (4, "leaf"), (6, "binary"), (4, "unary"), (1, "div"), (2, "kink"), (1, "where"),
            (3 if nd == 0 or self.reductions(shape) else 0, "reduce"),
            (2 if self.products(shape) else 0, "matmul"),
            (1 if nd == 2 else 0, "transpose"), (2 if nd >= 1 and shape[0] <= 3 else 0, "stack"),
            (1 if nd == 1 or shape == (3, 3) else 0, "concat"), (1 if nd >= 1 else 0, "fancy"),
            (2 if self.slices(shape) else 0, "slice"), (2 if nd == 0 else 0, "mask"),
            (1 if nd == 2 else 0, "normalize"), (2 if self.helper_gives(shape) else 0, "call"),
            (1 if nd == 2 else 0, "column")])
        return getattr(self, "x_" + kind)(shape, d)

    def x_leaf(self, shape: Shape, d: int) -> E:
        return self.leaf(shape)

    def x_binary(self, shape: Shape, d: int) -> E:
        op = self.pick(["+", "-", "*"])
        a, b = self.expr(shape, d), self.expr(self.sub_shape(shape), d)
        if chance(self.ch, 30):
            a, b = b, a
        return fmt(f"({{0}} {op} {{1}})", a, b, shape=shape)

    def positive(self, shape: Shape, d: int) -> E:
        """An expression that is at least 0.25 everywhere."""
        e = self.expr(shape, d)
        return self.pick([fmt("(1.0 + {0} * {0})", e, shape=shape),
                          fmt("(2.0 + np.sin({0}))", e, shape=shape),
                          fmt("np.exp(np.tanh({0}))", e, shape=shape)])

    def x_unary(self, shape: Shape, d: int) -> E:
        fn = self.pick(["sin", "tanh", "cos", "exp", "log", "sqrt"])
        self.tags.add(fn)
        if fn in ("log", "sqrt"):
            return fmt(f"np.{fn}({{0}})", self.positive(shape, d), shape=shape)
        if fn == "exp":
            return fmt("np.exp(np.sin({0}))", self.expr(shape, d), shape=shape)
        return fmt(f"np.{fn}({{0}})", self.expr(shape, d), shape=shape)

    def x_div(self, shape: Shape, d: int) -> E:
        self.tags.add("divide")
        return fmt("({0} / {1})", self.expr(shape, d), self.positive(self.sub_shape(shape), d),
                   shape=shape)

    def x_kink(self, shape: Shape, d: int) -> E:
        fn = self.pick(["abs", "maximum", "minimum"])
        self.tags.add(fn)
        if fn == "abs":
            return fmt("np.abs({0})", self.expr(shape, d), shape=shape, probe="_K.abs({0})")
        a, b = self.expr(shape, d), self.expr(self.sub_shape(shape), d)
        return fmt(f"np.{fn}({{0}}, {{1}})", a, b, shape=shape,
                   probe=f"_K.{fn}({{0}}, {{1}})")

    def x_where(self, shape: Shape, d: int) -> E:
        self.tags.add("where")
        a, c = self.expr(shape, d), self.const()
        x, y = self.expr(shape, d), self.expr(self.sub_shape(shape), d)
        return fmt("np.where({0} > {1}, {2}, {3})", a, c, x, y, shape=shape,
                   probe="np.where(_K.gt({0}, {1}), {2}, {3})")

    def x_reduce(self, shape: Shape, d: int) -> E:
        fn = weighted(self.ch, [(4, "sum"), (3, "mean"), (2, "max"), (1, "prod"), (1, "var")])
        self.tags.add(fn)
        sources = self.reductions(shape)
        if shape == () and (not sources or chance(self.ch, 50)):
            src, axis = self.pick([s for s in SHAPES if s]), None
        else:
            src, axis = self.pick(sources)
        e = self.expr(src, d)
        if fn == "prod":  # keep the product's factors near one
            e = fmt("(1.0 + 0.25 * np.tanh({0}))", e, shape=src)
        arg = "" if axis is None else f", axis={axis}"
        if axis is not None and axis == len(src) - 1 and chance(self.ch, 25):
            arg = ", axis=-1"
        probe = f"_K.max({{0}}{arg})" if fn == "max" else None
        if chance(self.ch, 20) and fn != "var":
            self.tags.add("method")
            return fmt(f"{{0}}.{fn}({arg[2:]})", e, shape=shape, probe=probe)
        return fmt(f"np.{fn}({{0}}{arg})", e, shape=shape, probe=probe)

    def reductions(self, shape: Shape) -> list[tuple[Shape, int]]:
        """(source shape, axis) pairs whose reduction has this shape."""
        return [(s, k) for s in SHAPES for k in range(len(s))
                if len(s) == len(shape) + 1 and s[:k] + s[k + 1:] == shape]

    def x_normalize(self, shape: Shape, d: int) -> E:
        """`v - np.max(v, axis=k, keepdims=True)` on a name `v` of this shape."""
        v = self.leaf(shape)
        fn, axis = self.pick(["mean", "max", "sum"]), self.ch.integer(0, 1)
        self.tags.update({"keepdims", fn})
        probe = "_K.max" if fn == "max" else "np." + fn
        return fmt(f"({{0}} - np.{fn}({{0}}, axis={axis}, keepdims=True))", v, shape=shape,
                   probe=f"({{0}} - {probe}({{0}}, axis={axis}, keepdims=True))")

    def products(self, shape: Shape) -> list[tuple[Shape, Shape]]:
        if shape == ():
            return [((n,), (n,)) for n in (2, 3, 4)]
        if len(shape) == 1:
            return [(a, a[1:]) for a in SHAPES if len(a) == 2 and a[0] == shape[0]]
        return [(a, b) for a in SHAPES for b in SHAPES if len(a) == 2 and len(b) == 2
                and a[0] == shape[0] and b[1] == shape[1] and a[1] == b[0]]

    def x_matmul(self, shape: Shape, d: int) -> E:
        sa, sb = self.pick(self.products(shape))
        a, b = self.expr(sa, d), self.expr(sb, d)
        form = self.pick(["@", "np.dot", "np.matmul"] if shape != () else ["np.dot", "@"])
        self.tags.add("dot" if form == "np.dot" else "matmul")
        if form == "@":
            return fmt("({0} @ {1})", a, b, shape=shape)
        return fmt(f"{form}({{0}}, {{1}})", a, b, shape=shape)

    def x_transpose(self, shape: Shape, d: int) -> E:
        self.tags.add("transpose")
        e = self.expr(shape[::-1], d)
        if chance(self.ch, 50):
            return fmt("{0}.T", e, shape=shape, fresh=False)
        return fmt("np.transpose({0})", e, shape=shape, fresh=False)

    def x_stack(self, shape: Shape, d: int) -> E:
        k, inner = shape[0], shape[1:]
        if len(shape) == 2 and chance(self.ch, 30):
            self.tags.add("vstack" if k == 2 else "stack")
            parts = [self.expr(inner, d) for _ in range(k)]
            fn = "np.vstack" if k == 2 else "np.stack"
            return fmt(f"{fn}([" + ", ".join(f"{{{i}}}" for i in range(k)) + "])",
                       *parts, shape=shape)
        axis = 0
        if len(shape) == 2 and shape[1] <= 3 and chance(self.ch, 30):
            axis, k, inner = 1, shape[1], shape[:1]
        self.tags.add("stack")
        parts = [self.expr(inner, d) for _ in range(k)]
        tail = ", axis=1" if axis else ""
        return fmt("np.stack([" + ", ".join(f"{{{i}}}" for i in range(k)) + f"]{tail})",
                   *parts, shape=shape)

    def part(self, n: int, d: int) -> E:
        """An expression of shape (n,), sliced from a longer one when (n,) is not a shape."""
        if (n,) in SHAPES:
            return self.expr((n,), d)
        return fmt(f"{{0}}[:{n}]", self.expr((3,), d), shape=(n,), fresh=False)

    def x_concat(self, shape: Shape, d: int) -> E:
        self.tags.add("concatenate")
        if shape == (3, 3):
            if chance(self.ch, 50):
                return fmt("np.concatenate([{0}, {1}[:1]])", self.expr((2, 3), d),
                           self.expr((3, 3), d), shape=shape)
            return fmt("np.concatenate([{0}, {1}[:, :1]], axis=1)", self.expr((3, 2), d),
                       self.expr((3, 3), d), shape=shape)
        n = shape[0]
        a = self.ch.integer(1, n - 1)
        return fmt("np.concatenate([{0}, {1}])", self.part(a, d), self.part(n - a, d),
                   shape=shape)

    def x_fancy(self, shape: Shape, d: int) -> E:
        self.tags.add("fancy")
        src = self.pick([s for s in SHAPES if len(s) == len(shape) and s[1:] == shape[1:]])
        idx = [self.ch.integer(0, src[0] - 1) for _ in range(shape[0])]
        if len(set(idx)) < len(idx):
            self.tags.add("fancy-repeat")
        return fmt(f"{{0}}[{idx}]", self.expr(src, d), shape=shape)

    SLICES: dict[Shape, list[tuple[Shape, str]]] = {
        (): [((3,), "[1]"), ((2, 3), "[1, 2]"), ((3,), "[-1]"), ((4,), "[2]")],
        (2,): [((3,), "[1:3]"), ((3,), "[:2]"), ((4,), "[::2]"), ((2, 3), "[:, 1]"),
               ((3, 2), "[2]"), ((2,), "[::-1]")],
        (3,): [((3, 3), "[1]"), ((3, 3), "[:, 2]"), ((2, 3), "[0]"), ((3, 2), "[:, 0]"),
               ((4,), "[1:]"), ((3,), "[::-1]")],
        (4,): [((4,), "[::-1]")],
        (2, 3): [((3, 3), "[1:]"), ((3, 3), "[:2]")],
        (3, 2): [((3, 3), "[:, 1:]"), ((3, 3), "[:, :2]")],
        (3, 3): [((3, 3), "[::-1]")],
    }

    def slices(self, shape: Shape) -> list[tuple[Shape, str]]:
        return self.SLICES.get(shape, [])

    def x_slice(self, shape: Shape, d: int) -> E:
        self.tags.add("slice-read")
        src, index = self.pick(self.slices(shape))
        return fmt(f"{{0}}{index}", self.expr(src, d), shape=shape, fresh=False)

    def x_mask(self, shape: Shape, d: int) -> E:
        """`np.sum(v[v > c])` on a name `v` (a boolean mask; the result has a data-dependent
        length)."""
        self.tags.add("mask")
        v = self.leaf(self.pick([s for s in SHAPES if s]))
        c = self.const()
        fn = self.pick(["sum", "sum", "mean"]) if v.src.isidentifier() else "sum"
        if fn == "mean":  # never empty: the largest element is always taken
            return fmt(f"np.mean({{0}}[{{0}} >= np.max({{0}}) - 0.5])", v, shape=(),
                       probe="np.mean({0}[_K.gt({0}, _K.max({0}) - 0.5)])")
        return fmt("np.sum({0}[{0} > {1}])", v, c, shape=(),
                   probe="np.sum({0}[_K.gt({0}, {1})])")

    def x_column(self, shape: Shape, d: int) -> E:
        """An operand of shape (m, 1) broadcast against (m, n)."""
        self.tags.add("broadcast")
        col = self.expr(shape[:1], d)
        return fmt("({0} * {1}[:, None])", self.expr(shape, d), col, shape=shape)

    def helper_gives(self, shape: Shape) -> bool:
        return self.helper is not None and shape in self.helper[1]

    def call_args(self, d: int) -> str:
        """The helper's arguments as text pairs, sometimes with keywords."""
        shapes = self.helper[0]
        args = [self.expr(s, d) for s in shapes]
        extra = weighted(self.ch, [(3, ""), (1, ", 0.5"), (1, ", shift=0.25"),
                                   (1, ", scale=2.0, shift=-0.5")])
        self.tags.add("helper-kw" if "=" in extra else "helper-default")
        if chance(self.ch, 20) and extra != ", 0.5":  # the second argument by keyword
            self.tags.add("helper-kw")
            text = ", ".join(f"{{{i}}}" if i == 0 else f"b={{{i}}}" for i in range(len(args)))
        else:
            text = ", ".join(f"{{{i}}}" for i in range(len(args)))
        return fmt(f"{HELPER}({text}{extra})", *args, shape=(),
                   probe=f"probe_{HELPER}({text}{extra})")

    def x_call(self, shape: Shape, d: int) -> E:
        self.tags.add("helper")
        call = self.call_args(d)
        k = self.helper[1].index(shape)
        return E(f"{call.src}[{k}]", f"{call.probe}[{k}]", shape, False)
