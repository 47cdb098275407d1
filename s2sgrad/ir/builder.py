"""Small tools for transforms that build IR: substitution of atoms in a block."""

from __future__ import annotations

from .core import Assign, Atom, Block, For, If, Var, While, atoms_read


def substitute(block: Block, mapping: dict[Var, Atom]) -> None:
    """Replace reads of the keys of `mapping` throughout `block`, in place."""
    if not mapping:
        return

    def sub(atoms: list[Atom]) -> list[Atom]:
        return [mapping.get(a, a) if isinstance(a, Var) else a for a in atoms]

    for s in block:
        if isinstance(s, Assign):
            s.args = sub(s.args)
            s.kwargs = dict(zip(s.kwargs, sub(list(s.kwargs.values()))))
        elif isinstance(s, If):
            s.cond = sub([s.cond])[0]
            s.then_results, s.else_results = sub(s.then_results), sub(s.else_results)
            substitute(s.then, mapping)
            substitute(s.orelse, mapping)
        else:
            s.inits, s.next = sub(s.inits), sub(s.next)
            if isinstance(s, For):
                s.start, s.stop, s.step = sub([s.start, s.stop, s.step])
            else:
                s.cond = sub([s.cond])[0]
                substitute(s.cond_block, mapping)
            substitute(s.body, mapping)


def defined_in(block: Block) -> set[Var]:
    """Every variable a block defines, nested blocks included."""
    out: set[Var] = set()
    for s in block:
        out.update(s.outs)
        if isinstance(s, If):
            out |= defined_in(s.then) | defined_in(s.orelse)
        elif isinstance(s, (For, While)):
            out.update(s.carried)
            if isinstance(s, For):
                out.add(s.index)
            else:
                out |= defined_in(s.cond_block)
            out |= defined_in(s.body)
    return out


def clone(block: Block) -> Block:
    """A copy of the statement structure; `Var`s and `Const`s are shared (immutable)."""
    out: Block = []
    for s in block:
        if isinstance(s, Assign):
            out.append(Assign(list(s.outs), s.prim, list(s.args), dict(s.kwargs), s.loc,
                              s.adjoint, s.inplace))
        elif isinstance(s, If):
            out.append(If(s.cond, clone(s.then), clone(s.orelse), list(s.then_results),
                          list(s.else_results), list(s.outs), s.loc))
        elif isinstance(s, For):
            out.append(For(s.start, s.stop, s.step, s.index, list(s.carried), list(s.inits),
                           clone(s.body), list(s.next), list(s.outs), s.reverse, s.loc))
        else:
            out.append(While(list(s.carried), list(s.inits), clone(s.cond_block), s.cond,
                             clone(s.body), list(s.next), list(s.outs), s.loc))
    return out


def reads(s: object) -> set[Var]:
    """Every variable a statement reads, nested blocks included."""
    out = {a for a in atoms_read(s) if isinstance(a, Var)}  # type: ignore[arg-type]
    if isinstance(s, If):
        out |= block_reads(s.then, s.then_results) | block_reads(s.orelse, s.else_results)
        out.add(s.cond) if isinstance(s.cond, Var) else None
    elif isinstance(s, (For, While)):
        out |= block_reads(s.body, s.next)
        if isinstance(s, While):
            out |= block_reads(s.cond_block, [s.cond])
    return out


def block_reads(block: Block, tail: list[Atom]) -> set[Var]:
    """Every variable `block` and the atoms `tail` it yields read."""
    out = {a for a in tail if isinstance(a, Var)}
    for s in block:
        out |= reads(s)
    return out
