"""Small timing helpers shared by the benchmark scripts in this directory.

`measure(fn, args)` times `fn(*args)` the way `timeit` does, with three differences that
matter for comparing functions that take anywhere from 100 ns to 1 ms:

- the inner loop count is chosen automatically, so that one repeat takes about
  `target_s` seconds (30 ms by default; a calibrated repeat took between 2/3 and 5/3 of
  that, so 20-50 ms, unless a single call is slower);
- the call inside the loop is compiled for the exact number of arguments and reads the
  function and its arguments as local variables, so the harness adds the same small, fixed
  cost (one loop step) to every function it times;
- the result is the median over the repeats, which ignores the occasional slow repeat
  (another process, a frequency change) instead of averaging it in; the best repeat and
  all samples are kept too.

`measure_interleaved` does the same for several functions at once, taking turns, so that
their ratios are steady on a busy machine. `set_clock("cpu")` times with the process's CPU
time instead of elapsed time. `format_table` and `print_table` lay out rows of formatted
cells in aligned columns; `fmt_time`, `fmt_ratio` and `verdict` format the cells.
"""

from __future__ import annotations

import gc
import os
import statistics
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

TARGET_S = 0.030   # aim for this much time per repeat; a calibrated repeat takes between
                   # 2/3 and 5/3 of it (20-50 ms for the default)


@dataclass
class Timing:
    """The result of `measure`: seconds per call (median over repeats) and the raw data."""

    median: float
    loops: int
    samples: list[float] = field(default_factory=list)  # seconds per call, one per repeat

    @property
    def best(self) -> float:
        return min(self.samples)

    @property
    def spread(self) -> float:
        """(max - min) / median over the repeats: how noisy this measurement was."""
        return (max(self.samples) - min(self.samples)) / self.median if self.median else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"median_s": self.median, "best_s": self.best, "loops": self.loops,
                "repeats": len(self.samples), "samples_s": self.samples}


_LOOPERS: dict[int, Callable[..., float]] = {}


CLOCKS: dict[str, Callable[[], float]] = {
    "wall": time.perf_counter,      # elapsed time, what timeit reports
    "cpu": time.process_time,       # CPU time of this process: leaves out the time the
}                                   # process waits while others run (a shared machine)
_clock = CLOCKS["wall"]


def set_clock(name: str) -> None:
    """Time with the "wall" clock (the default) or the "cpu" clock of this process."""
    global _clock
    _clock = CLOCKS[name]
    _LOOPERS.clear()


def _looper(nargs: int) -> Callable[..., float]:
    """`run(loops, fn, args)`: call fn(a0, ..., a{nargs-1}) `loops` times, return seconds.

    The arguments are unpacked into locals once, outside the loop, so each iteration costs
    one `for` step plus the call itself, whatever the function."""
    if nargs not in _LOOPERS:
        names = ", ".join(f"a{i}" for i in range(nargs))
        unpack = f"    {names}{',' if nargs == 1 else ''} = args\n" if nargs else ""
        text = (f"def run(loops, fn, args, _clock=_clock, _range=range):\n{unpack}"
                f"    t0 = _clock()\n"
                f"    for _ in _range(loops):\n"
                f"        fn({names})\n"
                f"    return _clock() - t0\n")
        ns: dict[str, Any] = {"_clock": _clock}
        exec(compile(text, f"<benchmarks._timing looper {nargs}>", "exec"), ns)
        _LOOPERS[nargs] = ns["run"]
    return _LOOPERS[nargs]


def calibrate(fn: Callable[..., Any], args: Sequence[Any] = (),
              target_s: float = TARGET_S) -> int:
    """The inner loop count that makes one repeat of `fn(*args)` take about `target_s`."""
    run = _looper(len(args))
    args = tuple(args)
    low, high = target_s * 2 / 3, target_s * 5 / 3
    loops = 1
    for _ in range(30):                       # a guard against a machine too noisy to settle
        elapsed = run(loops, fn, args)
        if low <= elapsed <= high or (elapsed > high and loops == 1):
            return loops
        if elapsed < target_s / 100:          # far too short to extrapolate: grow fast
            loops *= 10
        else:                                 # jump straight to the target
            loops = max(1, round(loops * target_s / elapsed))
    return loops


def measure(fn: Callable[..., Any], args: Sequence[Any] = (), repeats: int = 15,
            target_s: float = TARGET_S, loops: int | None = None,
            disable_gc: bool = True) -> Timing:
    """Median seconds per call of `fn(*args)` over `repeats` repeats of `loops` calls each.

    `loops` is chosen by `calibrate` unless given. The garbage collector is switched off
    while timing, as `timeit` does, unless `disable_gc` is False. One untimed repeat runs
    first so caches and specializations are warm."""
    run = _looper(len(args))
    args = tuple(args)
    if loops is None:
        loops = calibrate(fn, args, target_s)
    was_enabled = gc.isenabled()
    if disable_gc:
        gc.disable()
    try:
        run(loops, fn, args)
        samples = [run(loops, fn, args) / loops for _ in range(repeats)]
    finally:
        if was_enabled:
            gc.enable()
    return Timing(statistics.median(samples), loops, samples)


def measure_interleaved(fns: dict[str, Callable[..., Any]], args: Sequence[Any] = (),
                        repeats: int = 15, target_s: float = TARGET_S,
                        disable_gc: bool = True) -> dict[str, Timing]:
    """`measure` for several functions of the same arguments, taking turns.

    Each function gets its own loop count; then every round times one repeat of each
    function in turn. A slow patch of the machine (another process, a frequency change)
    then lands on all of them alike, so the ratios of the medians stay steady even when the
    absolute times drift."""
    args = tuple(args)
    run = _looper(len(args))
    loops = {name: calibrate(fn, args, target_s) for name, fn in fns.items()}
    samples: dict[str, list[float]] = {name: [] for name in fns}
    was_enabled = gc.isenabled()
    if disable_gc:
        gc.disable()
    try:
        for name, fn in fns.items():          # one untimed repeat each: warm caches
            run(loops[name], fn, args)
        for _ in range(repeats):
            for name, fn in fns.items():
                samples[name].append(run(loops[name], fn, args) / loops[name])
    finally:
        if was_enabled:
            gc.enable()
    return {name: Timing(statistics.median(s), loops[name], s) for name, s in samples.items()}


def now() -> float:
    """The current reading of the clock chosen with `set_clock`, in seconds."""
    return _clock()


def time_once(action: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds taken by one call of `action()` (for one-off costs such as compilation)."""
    t0 = _clock()
    result = action()
    return _clock() - t0, result


# -- formatting -----------------------------------------------------------------------------

def fmt_time(seconds: float) -> str:
    """A duration with a unit that keeps 3 significant digits: 812 ns, 3.41 us, 12.3 ms."""
    if seconds < 0:
        return "-" + fmt_time(-seconds)
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{_sig3(seconds / scale)} {unit}"
    return f"{_sig3(seconds / 1e-9)} ns"


def _sig3(x: float) -> str:
    return f"{x:.0f}" if x >= 100 else f"{x:.1f}" if x >= 10 else f"{x:.2f}"


def fmt_ratio(r: float) -> str:
    return f"{r:.2f}x"


def verdict(ok: bool) -> str:
    """'met' or 'MISSED' (in capitals, so that it stands out in a table)."""
    return "met" if ok else "MISSED"


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]],
                 align: str | None = None) -> str:
    """Rows of strings in aligned columns under `headers`, with a rule below the header.

    `align` has one character per column: 'l' or 'r' (default: first column left, the
    others right, which suits a name followed by numbers)."""
    ncol = len(headers)
    align = align or "l" + "r" * (ncol - 1)
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(ncol)]

    def line(cells: Sequence[str]) -> str:
        out = [str(c).ljust(w) if a == "l" else str(c).rjust(w)
               for c, w, a in zip(cells, widths, align)]
        return "  ".join(out).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]],
                align: str | None = None, title: str | None = None) -> None:
    if title:
        print(title)
    print(format_table(headers, rows, align))


# -- what every benchmark script reports besides its tables ---------------------------------

def loadavg() -> float | None:
    """The 1-minute load average, or None where the platform has none."""
    try:
        return round(os.getloadavg()[0], 2)
    except (OSError, AttributeError):
        return None


def load_line(before: float | None, after: float | None) -> str:
    return (f"1-minute load average: {before} before, {after} after ({os.cpu_count()} CPUs); "
            "a load near the CPU count makes timings noisy")


def missed_line(missed: Sequence[str]) -> str:
    return "targets missed: " + (", ".join(missed) if missed else "none")


def write_json(path: str, meta: dict[str, Any], results: Any) -> None:
    """`{"meta": ..., "results": ...}`, the meta completed with the machine and the time."""
    import json
    import platform

    meta = {"python": platform.python_version(), "machine": platform.machine(),
            "platform": platform.platform(), "cpus": os.cpu_count(),
            "time": time.strftime("%Y-%m-%dT%H:%M:%S"), **meta}
    with open(path, "w") as fh:
        json.dump({"meta": meta, "results": results}, fh, indent=2)
    print(f"wrote {path}")
