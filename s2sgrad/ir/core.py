"""The structured-SSA IR.

Grammar::

    Function ::= Function(name, params: [Var], body: Block, results: [Atom])
    Block    ::= [Stmt]
    Stmt     ::= Assign(outs: [Var], prim, args: [Atom], kwargs: {str: Atom})
              |  If(cond: Atom, then: Block, orelse: Block,
                   then_results: [Atom], else_results: [Atom], outs: [Var])
              |  For(start, stop, step: Atom, index: Var, carried: [Var], inits: [Atom],
                    body: Block, next: [Atom], outs: [Var], reverse: bool)
              |  While(carried: [Var], inits: [Atom], cond_block: Block, cond: Atom,
                      body: Block, next: [Atom], outs: [Var])
    Atom     ::= Var | Const

Rules the verifier checks:

- every `Var` is assigned once: as a parameter, an `Assign` out, an `If`/loop out, a loop
  index or a loop-carried block parameter;
- a block sees the variables defined before it in enclosing blocks, never those defined
  inside a sibling or nested block (values leave a block only as results);
- `If.outs` are the φ-nodes of the branch results; loop `outs` are the carried values on
  exit, and `next` gives the carried values for the following iteration.

`prim` is the Python object that is called (`math.sin`, `operator.mul`, a runtime helper).
`For` iterates over `range(start, stop, step)`, backwards when `reverse` is set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Callable, Union

from ..errors import Loc


class Tag(str, Enum):
    """An enum whose members are strings (abstract-value kinds, pytree nodes): they compare
    and hash as their values, and print as them on every Python."""

    __str__ = str.__str__
    __format__ = str.__format__


@dataclass(frozen=True, eq=False)
class Var:
    """An SSA value. Identity is the object; `name` is unique within a function."""

    name: str

    def __repr__(self) -> str:
        return self.name


class _Undefined:
    """The value of a name on a path where Python never assigned it."""

    def __repr__(self) -> str:
        return "UNDEF"

    def __reduce__(self) -> str:
        return "UNDEF"


UNDEF = _Undefined()


@dataclass(frozen=True)
class Const:
    value: Any

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Const)
            and type(self.value) is type(other.value)
            and _same(self.value, other.value)
        )

    def __hash__(self) -> int:
        try:
            return hash((type(self.value), self.value))
        except TypeError:
            return id(self.value)

    def __repr__(self) -> str:
        return repr(self.value)


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a is b or a == b)
    except Exception:  # arrays and other odd constants compare by identity
        return a is b


Atom = Union[Var, Const]


@dataclass
class Assign:
    outs: list[Var]
    prim: Callable[..., Any]
    args: list[Atom]
    kwargs: dict[str, Atom] = field(default_factory=dict)
    loc: Loc | None = None
    adjoint: bool | str = False  # derivative code: "adjoint" or "tangent" (codegen comments it)
    inplace: bool = False  # from `x[i] = v` or `x += y`: Python would update `args[0]`

    @property
    def out(self) -> Var:
        assert len(self.outs) == 1, self
        return self.outs[0]


@dataclass
class If:
    cond: Atom
    then: list["Stmt"]
    orelse: list["Stmt"]
    then_results: list[Atom]
    else_results: list[Atom]
    outs: list[Var]
    loc: Loc | None = None


@dataclass
class For:
    start: Atom
    stop: Atom
    step: Atom
    index: Var
    carried: list[Var]
    inits: list[Atom]
    body: list["Stmt"]
    next: list[Atom]
    outs: list[Var]
    reverse: bool = False
    loc: Loc | None = None


@dataclass
class While:
    carried: list[Var]
    inits: list[Atom]
    cond_block: list["Stmt"]
    cond: Atom
    body: list["Stmt"]
    next: list[Atom]
    outs: list[Var]
    loc: Loc | None = None


Stmt = Union[Assign, If, For, While]
Block = list[Stmt]


@dataclass
class Function:
    name: str
    params: list[Var]
    body: Block
    results: list[Atom]
    loc: Loc | None = None
    # Names the generated Python may not use for its own variables (the user's globals).
    reserved: frozenset[str] = frozenset()
    returns_tuple: bool = False
    defaults: tuple = ()  # default values of the last parameters, as in `__defaults__`
    avals: dict = field(default_factory=dict)  # abstract values, when a transform knows them
    # Split motion (vjp): the first `split` results are the outputs; the function returns
    # them with a pullback that takes the last `split` parameters and returns the rest.
    split: int | None = None
    # Called with the user's arguments before anything else, when the function writes into
    # an argument (`analysis.aliasing.ArgumentsAlias`): Python's result would depend on
    # whether two arguments share memory.
    alias_check: Any = None
    # Per parameter, the user's argument it is or is a leaf of: (name, keyword-only,
    # whether the argument is a container), for messages and hints in the user's terms.
    arguments: tuple = ()


def defined_vars(stmt: Stmt) -> list[Var]:
    """The variables a statement makes visible to the statements after it."""
    return list(stmt.outs)


def atoms_read(stmt: Stmt) -> list[Atom]:
    """The atoms a statement reads from its enclosing scope, nested blocks excluded."""
    if isinstance(stmt, Assign):
        return [*stmt.args, *stmt.kwargs.values()]
    if isinstance(stmt, If):
        return [stmt.cond]
    if isinstance(stmt, For):
        return [stmt.start, stmt.stop, stmt.step, *stmt.inits]
    return list(stmt.inits)


def child_blocks(stmt: Stmt) -> list[Block]:
    if isinstance(stmt, If):
        return [stmt.then, stmt.orelse]
    if isinstance(stmt, For):
        return [stmt.body]
    if isinstance(stmt, While):
        return [stmt.cond_block, stmt.body]
    return []


def walk(block: Block):
    """Every statement in a block and its nested blocks, in program order."""
    for stmt in block:
        yield stmt
        for child in child_blocks(stmt):
            yield from walk(child)


def free_vars(block: Block, results: list[Atom] = ()) -> set[Var]:
    """Variables read in `block` (or by `results`) but defined outside it."""
    defined: set[Var] = set()
    used: set[Var] = set()
    _collect(block, defined, used)
    used.update(a for a in results if isinstance(a, Var))
    return used - defined


def _collect(block: Block, defined: set[Var], used: set[Var]) -> None:
    for stmt in block:
        used.update(a for a in atoms_read(stmt) if isinstance(a, Var))
        defined.update(stmt.outs)
        if isinstance(stmt, If):
            for blk, res in ((stmt.then, stmt.then_results), (stmt.orelse, stmt.else_results)):
                _collect(blk, defined, used)
                used.update(a for a in res if isinstance(a, Var))
        elif isinstance(stmt, (For, While)):
            defined.update(stmt.carried)
            if isinstance(stmt, For):
                defined.add(stmt.index)
            else:
                _collect(stmt.cond_block, defined, used)
                if isinstance(stmt.cond, Var):
                    used.add(stmt.cond)
            _collect(stmt.body, defined, used)
            used.update(a for a in stmt.next if isinstance(a, Var))


class NameSupply:
    """Fresh, readable, unique names: `h`, `h_1`, `h_2`, ... and temporaries `u1`, `u2`."""

    def __init__(self, taken: set[str] | frozenset[str] = frozenset(),
                 user_names: set[str] | frozenset[str] = frozenset()):
        self._taken = set(taken)
        self._user = set(user_names)  # temporaries never take a name the user wrote
        self._temps = 0

    def var(self, hint: str) -> Var:
        name, n = hint, 0
        while name in self._taken:
            n += 1
            name = f"{hint}_{n}"
        self._taken.add(name)
        return Var(name)

    def temp(self, prefix: str = "u") -> Var:
        while True:
            self._temps += 1
            name = f"{prefix}{self._temps}"
            if name not in self._taken and name not in self._user:
                self._taken.add(name)
                return Var(name)

    @classmethod
    def for_function(cls, fn: Function) -> "NameSupply":
        names = set(fn.reserved)
        names.update(v.name for v in fn.params)
        for stmt in walk(fn.body):
            names.update(v.name for v in stmt.outs)
            if isinstance(stmt, (For, While)):
                names.update(v.name for v in stmt.carried)
            if isinstance(stmt, For):
                names.add(stmt.index.name)
        supply = cls(names)
        return supply
