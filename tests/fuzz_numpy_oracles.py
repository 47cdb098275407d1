"""Oracles for the random NumPy programs of `fuzz_numpy.py`, and the command-line driver.

A case is a program and a point where it is smooth: the probe (the program with every
comparison, abs, maximum, minimum and max reduction recorded) must see no switching point
within a relative margin, the same decisions at points moved along two directions by the
steps the oracles use, and a finite value below `LIMIT`. There:

1. the value s2sgrad's `jvp` and `vjp` return equals Python's;
2. `grad` with respect to every argument equals central differences (float64, per element,
   confirmed with other steps before a mismatch counts), and has each argument's structure,
   shapes, and writable arrays;
3. <u, J v> from `jvp` equals <pullback(u), v> from `vjp`, and `jvp` equals a directional
   difference;
4. on a subset, `hvp` equals central differences of the gradient;
5. no call changes an argument.

`check(case)` classifies the program: PASS, REFUSED (an S2SGradError: a clear refusal),
WRONG (an oracle disagreed) or EXCEPTION (any other exception).

    python -m tests.fuzz_numpy 2000 [first_seed]   # N seeded programs; table of constructs
    python -m tests.fuzz_numpy reduce 65 191        # shrink the programs of these seeds
"""

from __future__ import annotations

import copy
import math
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import numpy as np

from . import fuzz_numpy as gen
from .fuzz_numpy_exprs import Chooser
from .fuzz_programs import RandomChooser, chance, load, unload

MARGIN = 1e-3   # smallest relative distance of a comparison or kink from its switching point
LIMIT = 1e6     # largest |value| of the program
EPS = 1e-6      # step of the gradient's central differences
H = 1e-4        # step of the Hessian's central differences (of the gradient)
HEADER = "import numpy as np\n\n\n"


class Reject(Exception):
    """The point is not smooth enough for finite differences."""


class Recorder:
    """The probe's `_K`: the smallest relative gap to a switching point, and the decisions."""

    def __init__(self) -> None:
        self.margin = math.inf
        self.decisions: list[bytes] = []

    def note(self, gap: Any, a: Any, b: Any, decision: Any) -> None:
        gap = np.abs(np.asarray(gap, dtype=float))
        scale = 1.0 + max(float(np.max(np.abs(a), initial=0.0)),
                          float(np.max(np.abs(b), initial=0.0)))
        if gap.size:
            self.margin = min(self.margin, float(np.min(gap)) / scale)
        self.decisions.append(np.asarray(decision).tobytes())

    def gt(self, a: Any, b: Any) -> Any:
        out = a > b
        self.note(np.subtract(a, b), a, b, out)
        return out

    def abs(self, a: Any) -> Any:
        self.note(a, a, 0.0, np.asarray(a) > 0)
        return np.abs(a)

    def maximum(self, a: Any, b: Any) -> Any:
        self.note(np.subtract(a, b), a, b, np.asarray(a) > b)
        return np.maximum(a, b)

    def minimum(self, a: Any, b: Any) -> Any:
        self.note(np.subtract(a, b), a, b, np.asarray(a) > b)
        return np.minimum(a, b)

    def max(self, a: Any, axis: int | None = None, keepdims: bool = False) -> Any:
        arr = np.asarray(a)
        flat = arr.reshape(-1) if axis is None else arr
        ax = 0 if axis is None else axis
        if flat.shape[ax] > 1:
            top = np.sort(flat, axis=ax)
            gap = np.take(top, -1, axis=ax) - np.take(top, -2, axis=ax)
            self.note(gap, arr, 0.0, np.argmax(flat, axis=ax))
        return np.max(a, axis=axis, keepdims=keepdims)


# -- pytrees of arguments -------------------------------------------------------------------------
def leaves(tree: Any) -> list[Any]:
    if isinstance(tree, dict):
        return [x for v in tree.values() for x in leaves(v)]
    if isinstance(tree, (tuple, list)):
        return [x for v in tree for x in leaves(v)]
    return [tree]


def rebuild(tree: Any, items: list[Any]) -> Any:
    """A tree of `tree`'s structure whose leaves are `items` (consumed from the front)."""
    if isinstance(tree, dict):
        return {k: rebuild(v, items) for k, v in tree.items()}
    if isinstance(tree, (tuple, list)):
        return type(tree)(rebuild(v, items) for v in tree)
    return items.pop(0)


def moved(args: tuple, d: tuple, t: float) -> tuple:
    """args + t * d, leaf by leaf, as new arrays."""
    return tuple(rebuild(a, [x + t * y if isinstance(x, np.ndarray) else float(x + t * y)
                             for x, y in zip(leaves(a), leaves(b))])
                 for a, b in zip(args, d))


def inner(a: tuple, b: tuple) -> float:
    return sum(float(np.sum(np.asarray(x) * np.asarray(y)))
               for x, y in zip(leaves(a), leaves(b)))


def same_structure(got: Any, like: Any) -> bool:
    """`got` has `like`'s containers, keys and leaf shapes; its arrays are writable."""
    if isinstance(like, dict):
        return type(got) is dict and list(got) == list(like) and \
            all(same_structure(got[k], like[k]) for k in like)
    if isinstance(like, (tuple, list)):
        return type(got) is type(like) and len(got) == len(like) and \
            all(same_structure(g, x) for g, x in zip(got, like))
    if isinstance(like, np.ndarray):
        return isinstance(got, np.ndarray) and got.shape == like.shape and \
            got.dtype == np.float64
    return np.ndim(got) == 0


def read_only(tree: Any) -> bool:
    return any(isinstance(x, np.ndarray) and not x.flags.writeable for x in leaves(tree))


# -- cases ----------------------------------------------------------------------------------------
@dataclass
class Case:
    program: gen.Program
    args: tuple
    v: tuple            # a tangent of the arguments' structure
    u: float            # a cotangent of the output
    hessian: bool       # also check hvp

    def __repr__(self) -> str:
        return f"Case(args={self.args!r},\n     v={self.v!r}, u={self.u!r})\n{self.program.source}"


def _draw_arg(ch: Chooser, p: gen.Param) -> Any:
    items = [np.array([ch.real(-2.0, 2.0) for _ in range(gen.size(s))]).reshape(s)
             if s else ch.real(-2.0, 2.0) for s in p.shapes]
    if p.kind in ("float", "array"):
        return items[0]
    if p.kind == "dict":
        return {"w": items[0], "b": items[1]}
    return tuple(items) if p.kind == "tuple" else list(items)


def probe_of(program: gen.Program) -> Callable[..., Recorder]:
    """Run the probe at a point; return its recorder (with `.value` set)."""
    ns: dict[str, Any] = {"np": np}
    exec(compile(program.probe_source, "<probe>", "exec"), ns)  # noqa: S102 -- generated

    def run(*args: Any) -> Recorder:
        ns["_K"] = rec = Recorder()
        with np.errstate(all="ignore"):
            rec.value = ns["probe"](*copy.deepcopy(args))
        return rec

    return run


def smooth(run: Callable[..., Recorder], args: tuple, dirs: list[tuple]) -> None:
    """Raise Reject unless the program is smooth at `args` along `dirs` (see the module)."""
    base = run(*args)
    if not (np.ndim(base.value) == 0 and abs(float(base.value)) < LIMIT):
        raise Reject(f"value {base.value!r}")
    if base.margin < MARGIN:
        raise Reject(f"within {base.margin:.2g} of a switching point")
    for d in dirs:
        for t in (H, -H, 4 * EPS, -4 * EPS):
            if run(*moved(args, d, t)).decisions != base.decisions:
                raise Reject("a decision changes within the steps")
    value = lambda *a: run(*a).value  # noqa: E731
    g1 = np.concatenate([np.ravel(x) for x in leaves(fd_grad(value, args, EPS))])
    g4 = np.concatenate([np.ravel(x) for x in leaves(fd_grad(value, args, 4 * EPS))])
    if not _close(g1, g4, 1e-5, 1e-6 * (1.0 + abs(float(base.value)))).all():
        raise Reject("central differences with two steps disagree")


def draw_case(ch: Chooser, tries: int = 3) -> Case | None:
    """A program and a point where it is smooth, or None (no smooth point in `tries`)."""
    program = gen.generate(ch)
    try:
        run = probe_of(program)
    except SyntaxError:
        return None
    for _ in range(tries):
        args = tuple(_draw_arg(ch, p) for p in program.params)
        v = tuple(_draw_arg(ch, p) for p in program.params)
        u = ch.real(0.25, 1.0) * (1 if chance(ch, 50) else -1)
        try:
            smooth(run, args, [v, moved(v, args, 1.0)])
        except (Reject, FloatingPointError, ValueError, IndexError):
            continue
        return Case(program, args, v, u, chance(ch, 25))
    return None


# -- the oracles ----------------------------------------------------------------------------------
@dataclass
class Outcome:
    kind: str                       # "pass", "refused", "wrong" or "exception"
    problems: list[tuple[str, str]] = field(default_factory=list)  # (kind: stage, text)

    @property
    def failed(self) -> bool:
        return self.kind in ("wrong", "exception")


def _close(a: Any, b: Any, rtol: float, atol: float) -> np.ndarray:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return np.abs(a - b) <= atol + rtol * np.maximum(np.abs(a), np.abs(b))


def fd_grad(f: Callable[..., Any], args: tuple, eps: float) -> tuple:
    """Central differences of scalar `f` for every element of every leaf of `args`."""
    out = []
    for i, arg in enumerate(args):
        items = leaves(arg)
        grads = []
        for k, x in enumerate(items):
            g = np.zeros(np.shape(x))
            for j in range(g.size):
                d = [np.zeros(np.shape(y)) if isinstance(y, np.ndarray) else 0.0 for y in items]
                if isinstance(x, np.ndarray):
                    d[k].flat[j] = 1.0
                else:
                    d[k] = 1.0
                dt = tuple(rebuild(a, list(d)) if n == i else rebuild(a, [0.0 * np.asarray(y)
                           for y in leaves(a)]) for n, a in enumerate(args))
                g.flat[j] = (float(f(*moved(args, dt, eps))) -
                             float(f(*moved(args, dt, -eps)))) / (2 * eps)
            grads.append(g if isinstance(x, np.ndarray) else float(g))
        out.append(rebuild(arg, grads))
    return tuple(out)


def _grad_problems(f: Callable, case: Case, grads: tuple, value: float) -> list[tuple]:
    problems: list[tuple[str, str]] = []
    for i, (g, a) in enumerate(zip(grads, case.args)):
        if not same_structure(g, a):
            return [("wrong:grad-structure", f"gradient {i} is {g!r} for {a!r}")]
    if read_only(grads):
        problems.append(("wrong:grad-read-only", "a gradient array is not writable"))
    atol = 1e-6 * (1.0 + abs(value))
    got = np.concatenate([np.ravel(x) for x in leaves(grads)])
    bad = None
    for eps in (EPS, 1e-5, 1e-4, 1e-7):
        want = np.concatenate([np.ravel(x) for x in leaves(fd_grad(f, case.args, eps))])
        bad = ~_close(got, want, 1e-5, atol)
        if not bad.any():
            return problems
        if eps == EPS:
            first = want
    return problems + [("wrong:grad", f"grad {got[bad]} but central differences {first[bad]} "
                           f"(elements {np.flatnonzero(bad)} of the flattened gradients)")]


def _jvp_vjp_problems(f: Callable, case: Case, value: float, jvp_out: tuple,
                      ct: tuple) -> list[tuple]:
    problems = []
    (jout, jv), vout = jvp_out, ct[0]
    for name, out in (("jvp", jout), ("vjp", vout)):
        if not _close(out, value, 1e-9, 1e-12):
            problems.append((f"wrong:{name}-value", f"{name} value {out!r}, python {value!r}"))
    for eps in (EPS, 1e-5, 1e-4):
        fd = (float(f(*moved(case.args, case.v, eps))) -
              float(f(*moved(case.args, case.v, -eps)))) / (2 * eps)
        if _close(jv, fd, 1e-5, 1e-6 * (1.0 + abs(value))):
            break
    else:
        problems.append(("wrong:jvp", f"jvp {jv!r}, directional difference {fd!r}"))
    for i, (c, a) in enumerate(zip(ct[1], case.args)):
        if not same_structure(c, a):
            problems.append(("wrong:vjp-structure", f"cotangent {i} is {c!r} for {a!r}"))
    if read_only(ct[1]):
        problems.append(("wrong:vjp-read-only", "a cotangent array is not writable"))
    lhs, rhs = case.u * float(jv), inner(ct[1], case.v)
    scale = abs(lhs) + inner(tuple(np.abs(x) for x in leaves(ct[1])),
                             tuple(np.abs(x) for x in leaves(case.v)))
    if not any("structure" in k for k, _ in problems) and \
            not _close(lhs, rhs, 1e-8, 1e-12 + 1e-9 * scale):
        problems.append(("wrong:jvp-vs-vjp", f"<u, J v> = {lhs!r} but <vjp(u), v> = {rhs!r}"))
    return problems


def hvp_problems(case: Case, gf: Callable, hv: Any) -> list[tuple]:
    """hvp against central differences of the gradient: steps H, H / 4 and H / 16, and the
    Richardson extrapolations of consecutive pairs (exact to fourth order), so a point of
    large third derivatives (sin(x ** 8)) is not called wrong for the differences' error."""
    hv = hv if len(case.args) > 1 else (hv,)
    got = np.concatenate([np.ravel(x) for x in leaves(tuple(hv))])
    steps = [_gradient_difference(case, gf, h) for h in (H, H / 4, H / 16)]
    estimates = steps + [(16.0 * fine - coarse) / 15.0
                         for coarse, fine in zip(steps, steps[1:])]
    bad = np.ones(got.shape, bool)
    for want in estimates:
        scale = 1.0 + float(np.max(np.abs(want), initial=0.0))
        bad &= ~_close(got, want, 1e-4, 1e-5 * scale)
    if not bad.any():
        return []
    return [("wrong:hvp", f"hvp {got[bad]}, differences of the gradient {estimates[-1][bad]}")]


def _gradient_difference(case: Case, gf: Callable, h: float) -> np.ndarray:
    plus, minus = gf(*moved(case.args, case.v, h)), gf(*moved(case.args, case.v, -h))
    return (np.concatenate([np.ravel(x) for x in leaves(plus)]) -
            np.concatenate([np.ravel(x) for x in leaves(minus)])) / (2 * h)


def _stages(f: Callable, case: Case, value: float) -> Iterator[tuple[str, Callable]]:
    """(stage, thunk returning its problems), in order."""
    import s2sgrad

    argnums = tuple(range(len(case.args)))
    gf = s2sgrad.grad(f, argnums=argnums)
    jv: list = []
    yield "grad", lambda: _grad_problems(f, case, gf(*case.args), value)

    def jvp_vjp() -> list:
        jv.append(s2sgrad.jvp(f, case.args, case.v))
        out, pullback = s2sgrad.vjp(f, *case.args)
        return _jvp_vjp_problems(f, case, value, jv[0], (out, pullback(case.u)))
    yield "jvp/vjp", jvp_vjp
    if case.hessian:
        yield "hvp", lambda: hvp_problems(case, gf, s2sgrad.hvp(f, case.args, case.v))


def check(case: Case) -> Outcome:
    """Run every oracle on `case`; the outcome lists what disagreed or raised."""
    from s2sgrad import S2SGradError

    f = load(case.program, HEADER)
    saved = copy.deepcopy(case.args)
    problems: list[tuple[str, str]] = []
    try:
        value = float(f(*copy.deepcopy(case.args)))
        for stage, thunk in _stages(f, case, value):
            try:
                problems += thunk()
            except S2SGradError as exc:
                problems.append((f"refused:{stage}", f"{type(exc).__name__}: {exc}"))
                break
            except Exception as exc:  # noqa: BLE001 -- a crash is an outcome
                problems.append((f"exception:{stage}", f"{type(exc).__name__}: {exc}"))
            if not all(np.array_equal(a, b) for a, b in zip(leaves(saved), leaves(case.args))):
                problems.append((f"wrong:{stage}-mutates", f"{stage} changed an argument"))
    finally:
        unload(f)
    kinds = {k.split(":")[0] for k, _ in problems}
    kind = next((k for k in ("exception", "wrong", "refused") if k in kinds), "pass")
    return Outcome(kind, problems)


def describe(case: Case, outcome: Outcome) -> str:
    return "\n".join(f"{k}: {text}" for k, text in outcome.problems) + f"\nat {case!r}"


# -- the command-line driver ----------------------------------------------------------------------
def table(results: list[tuple[set[str], Outcome]]) -> str:
    """Per construct: programs using it, and the share refused, wrong and crashed."""
    count, by = Counter(), {k: Counter() for k in ("refused", "wrong", "exception")}
    for tags, outcome in results:
        for t in tags:
            count[t] += 1
            if outcome.kind in by:
                by[outcome.kind][t] += 1
    lines = [f"{'construct':<16}{'programs':>9}{'refused':>9}{'wrong':>7}{'crash':>7}"]
    for t, n in sorted(count.items(), key=lambda kv: -kv[1]):
        lines.append(f"{t:<16}{n:>9}{by['refused'][t] / n:>9.1%}{by['wrong'][t]:>7}"
                     f"{by['exception'][t]:>7}")
    return "\n".join(lines)


def refusal_reasons(results: list[tuple[set[str], Outcome]]) -> Counter:
    """The first line of each refusal's message, without its file:line:column."""
    return Counter(re.sub(r"\S+\.py:\d+:\d+: ", "", text.split("\n")[0])[:110]
                   for _, o in results for k, text in o.problems if k.startswith("refused"))


def main(argv: list[str]) -> int:
    if argv and argv[0] == "reduce":
        for seed in argv[1:]:
            case = draw_case(RandomChooser(int(seed)))
            small = reduce_case(case)
            print(f"--- seed {seed}\n{describe(small, check(small))}", flush=True)
        return 0
    count = int(argv[0]) if argv else 1000
    first = int(argv[1]) if len(argv) > 1 else 0
    results, skipped, failures = [], 0, []
    start = time.perf_counter()
    for seed in range(first, first + count):
        case = draw_case(RandomChooser(seed))
        if case is None:
            skipped += 1
            continue
        outcome = check(case)
        results.append((case.program.tags, outcome))
        if outcome.failed:
            failures.append(seed)
            print(f"--- seed {seed}: {outcome.kind}\n{describe(case, outcome)}", flush=True)
    elapsed = time.perf_counter() - start
    kinds = Counter(o.kind for _, o in results)
    print(table(results))
    print("refusals:", *(f"  {n:5d}  {r}" for r, n in refusal_reasons(results).most_common(15)),
          sep="\n")
    print(f"{len(results)} programs checked ({skipped} without a smooth point) "
          f"in {elapsed:.1f} s: "
          f"{dict(kinds)}; refused {kinds['refused'] / max(len(results), 1):.1%}; "
          f"failing seeds: {failures}")
    return 1 if failures else 0


# -- reduction: a failing program made small (lines of the plain and probe texts correspond) -----
def _variants(program: gen.Program) -> Iterator[tuple[list[str], list[str]]]:
    """The program without one statement line, or with one term less in its result."""
    plain, probe = program.source.split("\n"), program.probe_source.split("\n")
    for k, line in enumerate(plain):
        text = line.strip()
        if text.startswith("return ") and " + " in text:
            lead = line[:line.index("return ")]
            terms, pterms = text[7:].split(" + "), probe[k].strip()[7:].split(" + ")
            for j in range(len(terms)):
                yield (plain[:k] + [lead + "return " + " + ".join(terms[:j] + terms[j + 1:])]
                       + plain[k + 1:],
                       probe[:k] + [lead + "return " + " + ".join(pterms[:j] + pterms[j + 1:])]
                       + probe[k + 1:])
        elif text and not text.startswith(("def ", "return ")) and text != "q += 1":
            yield plain[:k] + plain[k + 1:], probe[:k] + probe[k + 1:]


def reduce_case(case: Case) -> Case:
    """A smaller program failing in the same way at the same point (greedy, to a fixpoint)."""
    problems = check(case).problems
    want = {k for k, t in problems if not k.startswith("refused")} or \
        {k for k, _ in problems}
    progress = True
    while progress:
        progress = False
        for plain, probe in _variants(case.program):
            p = gen.Program(case.program.name, case.program.params, "\n".join(plain),
                            "\n".join(probe), case.program.tags)
            try:
                compile(p.source, "<reduce>", "exec")
                smooth(probe_of(p), case.args, [case.v])
                smaller = Case(p, case.args, case.v, case.u, case.hessian)
                if {k for k, _ in check(smaller).problems} & want:
                    case, progress = smaller, True
                    break
            except Exception:  # noqa: BLE001 -- an invalid or non-smooth candidate
                continue
    return case
