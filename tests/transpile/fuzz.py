"""Transpile fuzzing: random scalar and NumPy programs (the generators of `tests/fuzz_programs`
and `tests/fuzz_numpy`), written out by `s2sgrad.tools.transpile` and run as modules of their own
in a subprocess where `import s2sgrad` fails, compared with `s2sgrad.grad`, `value_and_grad`
and `jvp` at the same point (rtol 1e-12).

Every third program is transpiled with no `--args` (floats taken as floats, arrays sent to
the generic twins); the others with `--args` naming the kinds of the point's values. A
program that `s2sgrad.grad` itself refuses is skipped; one that `transpile` refuses counts
as refused, by cause.

    python -m tests.transpile.fuzz 1000 [first_seed]    # print the outcome table
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import s2sgrad
from s2sgrad.errors import S2SGradError
from s2sgrad.tools.transpile import TranspileError, transpile

from .. import fuzz_numpy_oracles as oracles
from .. import fuzz_programs as fp

RTOL, ATOL = 1e-12, 1e-13

RUNNER = r'''
import importlib.abc, pickle, runpy, sys


class NoS2SGrad(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.partition(".")[0] == "s2sgrad":
            raise ImportError("s2sgrad is blocked here")
        return None


sys.meta_path.insert(0, NoS2SGrad())
jobs = pickle.load(open(sys.argv[1], "rb"))
out = []
for path, name, args, tangents in jobs:
    try:
        ns = runpy.run_path(path)
        out.append(("ok", ns["grad_" + name](*args), ns["value_and_grad_" + name](*args),
                    ns["jvp_" + name](*args, **tangents)))
    except TypeError as exc:  # the guard: a kind the module was not generated for
        guarded = "but this module was generated for" in str(exc)
        out.append(("guard" if guarded else "crash", f"TypeError: {exc}"))
    except Exception as exc:
        out.append(("crash", f"{type(exc).__name__}: {exc}"))
pickle.dump(out, open(sys.argv[2], "wb"))
'''


@dataclass
class Outcome:
    counts: dict[str, int] = field(default_factory=dict)
    refused: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def add(self, kind: str) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1


def spec_of(value: Any) -> str:
    """The `--args` kind of a value."""
    if isinstance(value, np.ndarray):
        return f"array({', '.join(map(str, value.shape))})"
    if isinstance(value, dict):
        return "dict(" + ", ".join(f"{k}={spec_of(v)}" for k, v in value.items()) + ")"
    if isinstance(value, (list, tuple)):
        items = ", ".join(spec_of(v) for v in value)
        return f"[{items}]" if isinstance(value, list) else f"({items}{',' * (len(value) == 1)})"
    return type(value).__name__


def draw(seed: int) -> tuple[Any, tuple, tuple[int, ...], tuple, str] | None:
    """(function, point, argnums, tangents, kind) of program `seed`: scalar for even seeds,
    NumPy for odd ones; None when no smooth point was found."""
    ch = fp.RandomChooser(seed)
    if seed % 2 == 0:
        case = fp.draw_case(ch, name=f"f{seed}")
        if case is None:
            return None
        n = len(case.program.float_params)
        return fp.load(case.program), case.args, tuple(range(n)), tuple(case.v[:n]), "scalar"
    case = oracles.draw_case(ch)
    if case is None:
        return None
    fn = fp.load(case.program, oracles.HEADER)
    return fn, case.args, tuple(range(len(case.args))), case.v, "numpy"


def expected(fn: Any, args: tuple, nums: tuple[int, ...], tangents: tuple) -> tuple:
    full = [tangents[nums.index(i)] if i in nums else 0.0 for i in range(len(args))]
    return (s2sgrad.grad(fn, argnums=nums)(*args),
            s2sgrad.value_and_grad(fn, argnums=nums)(*args),
            s2sgrad.jvp(fn, args, full))


def cause(exc: Exception) -> str:
    """A refusal's kind: its message up to the first quote or colon after its location."""
    text = str(exc).splitlines()[0]
    text = text.split(": ", 1)[1] if text.count(":") >= 3 else text
    return text.split("'")[0].split("(")[0].strip()[:60]


def run(seeds: range) -> Outcome:
    outcome, jobs, refs = Outcome(), [], []
    work = tempfile.mkdtemp(prefix="s2sgrad-transpile-fuzz-")
    for seed in seeds:
        drawn = draw(seed)
        if drawn is None:
            outcome.add("no smooth point")
            continue
        fn, args, nums, tangents, kind = drawn
        try:
            with np.errstate(all="ignore"):
                ref = expected(fn, args, nums, tangents)
        except S2SGradError:
            outcome.add("refused by s2sgrad.grad")
            continue
        text = None if seed % 3 == 0 else ", ".join(spec_of(a) for a in args)
        try:
            module = transpile(fn, "both", nums, args=text)
        except TranspileError as exc:
            outcome.add("refused by transpile")
            key = cause(exc)
            outcome.refused[key] = outcome.refused.get(key, 0) + 1
            continue
        path = os.path.join(work, f"m{seed}.py")
        with open(path, "w") as fh:
            fh.write(module)
        names = [f"d{p}" for p in list(_params(fn))]
        kw = {names[i]: t for i, t in zip(nums, tangents)}
        jobs.append((path, fn.__name__, args, kw))
        refs.append((seed, kind, text, ref))
    for (seed, kind, text, ref), got in zip(refs, _run_modules(jobs, work)):
        outcome.add(f"{kind}, {'named' if text else 'unnamed'}: " + _compare(got, ref))
        if got[0] != "guard" and not _agrees(got, ref):
            outcome.failures.append(f"seed {seed} ({kind}, --args {text!r}): {got[:2]!r}")
    return outcome


def _params(fn: Any) -> list[str]:
    code = fn.__code__
    return list(code.co_varnames[:code.co_argcount])


def _run_modules(jobs: list, work: str) -> list:
    jobs_file, out_file = os.path.join(work, "jobs.pkl"), os.path.join(work, "out.pkl")
    with open(jobs_file, "wb") as fh:
        pickle.dump(jobs, fh)
    proc = subprocess.run([sys.executable, "-I", "-c", RUNNER, jobs_file, out_file],
                          capture_output=True, text=True, timeout=1800)
    if proc.returncode != 0:
        raise AssertionError(proc.stderr)
    with open(out_file, "rb") as fh:
        return pickle.load(fh)


def _agrees(got: tuple, ref: tuple) -> bool:
    return got[0] == "ok" and all(_close(g, r) for g, r in zip(got[1:], ref))


def _compare(got: tuple, ref: tuple) -> str:
    if got[0] == "guard":
        return "a container refused by the guard (TypeError naming the argument)"
    return "crash" if got[0] != "ok" else "agrees" if _agrees(got, ref) else "DISAGREES"


def _close(a: Any, b: Any) -> bool:
    if isinstance(b, dict):
        return isinstance(a, dict) and a.keys() == b.keys() and all(_close(a[k], b[k])
                                                                     for k in b)
    if isinstance(b, (tuple, list)):
        return isinstance(a, (tuple, list)) and len(a) == len(b) and \
            all(_close(x, y) for x, y in zip(a, b))
    return np.shape(a) == np.shape(b) and bool(np.allclose(a, b, rtol=RTOL, atol=ATOL))


def table(outcome: Outcome) -> str:
    lines = [f"{n:6d}  {k}" for k, n in sorted(outcome.counts.items())]
    lines += ["refused by transpile, by cause:"]
    lines += [f"{n:6d}  {k}" for k, n in sorted(outcome.refused.items(), key=lambda x: -x[1])]
    return "\n".join(lines)


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    first = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    result = run(range(first, first + n))
    print(table(result))
    print(json.dumps(result.failures[:20], indent=1))
    sys.exit(1 if result.failures else 0)
