"""The values a loop's reverse sweep needs, kept on a stack by its forward sweep.

A reverse loop runs its iterations backwards and reads values the forward iteration
computed. As Tapenade's tape of values and Zygote's stacks do, the forward loop pushes
those values at the end of each iteration onto a stack it carries (`stack_push`), and the
reverse loop carries the filled stack and pops them at the start of each of its iterations
(`stack_pop`), which then read the popped copies. A `while` loop with nothing to keep counts
its trips instead, so the reverse loop knows how many to run. The reverse transform calls
these for each loop (`reverse.py`), and a `vjp` pullback pops from copies of the stacks
(`copy_stacks`), so it can run many times.
"""

from __future__ import annotations

import operator

from .. import runtime
from ..analysis import kinds as K
from ..ir.builder import substitute
from ..ir.core import Assign, Atom, Block, Const, For, NameSupply, Stmt, Var, While, free_vars


def push(names: NameSupply, fwd: For | While, needed: list[Var], before: list[Stmt],
         stacks: list[Var]) -> Var:
    """Push `needed` in each iteration of `fwd`, onto a stack made in `before`; return the
    filled stack the loop leaves (also added to `stacks`)."""
    new, param, pushed, out = (names.var("stack") for _ in range(4))
    before.append(Assign([new], runtime.stack_new, []))
    # Push as soon as the last needed value exists, so carried values die early.
    defined_at = {v: j for j, st in enumerate(fwd.body) for v in st.outs}
    at = max((defined_at[v] + 1 for v in needed if v in defined_at), default=0)
    fwd.body.insert(at, Assign([pushed], runtime.stack_push, [param, *needed]))
    _carry(fwd, param, new, pushed, out)
    stacks.append(out)
    return out


def count_trips(names: NameSupply, fwd: While, stacks: list[Var]) -> Var:
    """Count the iterations of `fwd`; return the count the loop leaves."""
    count, nxt, out = names.var("trips"), names.var("trips"), names.var("trips")
    fwd.body.append(Assign([nxt], operator.add, [count, Const(1)]))
    _carry(fwd, count, Const(0), nxt, out)
    stacks.append(out)
    return out


def _carry(fwd: For | While, param: Var, init: Atom, nxt: Var, out: Var) -> None:
    fwd.carried.append(param)
    fwd.inits.append(init)
    fwd.next.append(nxt)
    fwd.outs.append(out)


def pop(names: NameSupply, kinds: K.Avals, rev_b: Block, needed: list[Var],
        r_next: list[Atom]) -> tuple[Var, Var, list[Atom]]:
    """Pop `needed` at the start of the reverse body `rev_b`, whose reads of them (and
    `r_next`'s) become reads of the popped copies. Returns the stack the reverse loop
    carries, the rest it passes on, and `r_next` so rewritten."""
    stack, rest = names.var("stack"), names.var("stack")
    popped = [names.var(v.name) for v in needed]
    for v, p in zip(needed, popped):
        kinds[p] = K.kind(v, kinds)
    rev_b.insert(0, Assign([rest, *popped], runtime.stack_pop, [stack, Const(len(needed))]))
    mapping = dict(zip(needed, popped))
    substitute(rev_b, mapping)
    return stack, rest, [mapping.get(a, a) if isinstance(a, Var) else a for a in r_next]


def copy_stacks(names: NameSupply, stacks: list[Var], forward: Block, sweep: Block,
                grads: list[Atom]) -> Block:
    """Let the reverse sweep pop from copies of the forward sweep's stacks."""
    used = [v for v in stacks if v in free_vars(sweep, grads)]
    copies = [names.var(v.name + "_copy") for v in used]  # own family: never coalesced
    substitute(sweep, dict(zip(used, copies)))
    return [Assign([c], runtime.stack_copy, [v]) for v, c in zip(used, copies)] + sweep
