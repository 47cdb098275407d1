"""The full Jacobian as one program: `Function -> Function`.

Reverse mode runs one reverse sweep per output, forward mode one tangent sweep per input.
Rather than calling a pullback m times (or a JVP n times) through Python, this pass builds
each sweep with the transform itself, seeded with a unit vector: the reverse transform seeds
output k with 1.0 and leaves the other outputs' adjoints symbolic zeros; the forward
transform gives input i a tangent and the others symbolic zeros. Zeros therefore never
reach the generated code. The sweeps are then renamed apart and concatenated, and common
subexpression elimination merges the primal statements they share, so straight-line and
branching code computes the primal once. (Each sweep of a function with loops keeps its own
forward loop: the sweeps' loops store different values.)

Results: the primal outputs, then the Jacobian row by row: for each output, its derivative
with respect to each input in `wrt`. Outputs must be scalars (`ScalarOutputsOnly` otherwise).
"""

from __future__ import annotations

from dataclasses import replace

from ..analysis import kinds as K
from ..ir.builder import defined_in, substitute
from ..ir.core import Atom, Block, Const, For, Function, If, NameSupply, Var, While
from .cse import cse
from .forward import forward
from .reverse import reverse


class ScalarOutputsOnly(Exception):
    """The fused program needs scalar outputs; callers fall back to one sweep per call."""


def jacobian(fn: Function, wrt: list[int], param_kinds: list[K.Aval], mode: str) -> Function:
    """One program computing the outputs of `fn` and its full Jacobian (see module doc)."""
    n_out = len(fn.results)
    avals = dict(fn.avals) or K.infer(fn, list(param_kinds))
    if not all(isinstance(r, Const) or K.is_scalar(r, avals) for r in fn.results) or \
            not all(param_kinds[i].kind == K.SCALAR for i in wrt):
        raise ScalarOutputsOnly(fn.name)
    if mode == "reverse":
        parts = [reverse(replace(fn, results=[fn.results[k]], returns_tuple=False), wrt,
                         list(param_kinds)) for k in range(n_out)]
    else:
        parts = [_unit_tangent(forward(fn, [i], list(param_kinds))) for i in wrt]
    names = NameSupply.for_function(parts[0])
    body: Block = list(parts[0].body)
    avals = dict(parts[0].avals)
    tails = [parts[0].results]
    for part in parts[1:]:
        mapping = {v: names.var(v.name) for v in defined_in(part.body)
                   if v not in set(fn.params)}
        _rename(part.body, mapping)
        substitute(part.body, mapping)
        avals.update({mapping.get(v, v): a for v, a in part.avals.items()
                      if isinstance(v, Var)})
        body += part.body
        tails.append([mapping.get(a, a) if isinstance(a, Var) else a for a in part.results])
    if mode == "reverse":  # tails[k] = [output k, d output k / d each input]
        results = [t[0] for t in tails] + [g for t in tails for g in t[1:]]
    else:  # tails[j] = [outputs, d each output / d input j]: transpose to rows
        results = list(tails[0][:n_out]) + [t[n_out + o] for o in range(n_out)
                                             for t in tails]
    program = replace(fn, name=f"jacobian_{fn.name}", params=list(fn.params), body=body,
                      results=results, returns_tuple=True, avals=avals, split=None,
                      alias_check=None, arguments=())
    return cse(program)


def _unit_tangent(program: Function) -> Function:
    """A JVP program whose one tangent parameter is fixed to 1.0."""
    tangent = program.params[-1]
    substitute(program.body, {tangent: Const(1.0)})
    results = [Const(1.0) if a is tangent else a for a in program.results]
    return replace(program, params=program.params[:-1], results=results)


def _rename(block: Block, mapping: dict[Var, Atom]) -> None:
    """Rename the variables `block` defines (reads are renamed by `substitute`)."""
    def new(vs: list[Var]) -> list[Var]:
        return [mapping.get(v, v) for v in vs]  # type: ignore[misc]

    for s in block:
        s.outs = new(s.outs)
        if isinstance(s, If):
            _rename(s.then, mapping)
            _rename(s.orelse, mapping)
        elif isinstance(s, (For, While)):
            s.carried = new(s.carried)
            if isinstance(s, For):
                s.index = mapping.get(s.index, s.index)  # type: ignore[assignment]
            else:
                _rename(s.cond_block, mapping)
            _rename(s.body, mapping)
