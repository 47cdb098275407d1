"""The random generators a function draws from, so that one derivative call draws as one
call of the function does.

Where s2sgrad must run a function, or its forward sweep, more than once in one call (to
learn its output's structure, or one forward sweep per column of a Jacobian), it saves the
states of the generators the function can reach and rewinds them between the runs, so
every run sees the numbers one call of the function would draw, and the generators are
left as that one call leaves them: NumPy's and `random`'s global generators, and every
generator object (`np.random.Generator`, `RandomState`, a bit generator, `random.Random`)
among the values the function read when it was compiled (globals, closure cells,
attributes) or is passed.
"""

from __future__ import annotations

import random
from typing import Any, Iterable

import numpy as np

_STATEFUL = (np.random.RandomState, np.random.BitGenerator, random.Random)


def draws(prim: Any) -> bool:
    """Whether calling `prim` draws from a generator or touches the clock (`time.sleep`),
    so that a program keeps the call even where no value it makes is read: dropping a draw
    would shift every number drawn after it."""
    owner = getattr(prim, "__self__", None)
    if isinstance(owner, (np.random.Generator, *_STATEFUL)):
        return True
    return getattr(prim, "__module__", None) in ("time", "random", "numpy.random",
                                                 "numpy.random.mtrand")


class Rewind:
    """The generators' states when made; `rewind()` puts them back."""

    def __init__(self, values: Iterable[Any] = ()):
        owners: dict[int, Any] = {id(np.random): np.random, id(random): random}
        for value in values:
            owner = getattr(value, "__self__", value)  # `rng.normal` read as a global
            if isinstance(owner, np.random.Generator):
                owner = owner.bit_generator
            if isinstance(owner, _STATEFUL):
                owners[id(owner)] = owner
        self.saved = [(owner, _state(owner)) for owner in owners.values()]

    def rewind(self) -> None:
        for owner, state in self.saved:
            _restore(owner, state)


def _state(owner: Any) -> Any:
    if owner is np.random or isinstance(owner, np.random.RandomState):
        return owner.get_state()
    if owner is random or isinstance(owner, random.Random):
        return owner.getstate()
    return owner.state


def _restore(owner: Any, state: Any) -> None:
    if owner is np.random or isinstance(owner, np.random.RandomState):
        owner.set_state(state)
    elif owner is random or isinstance(owner, random.Random):
        owner.setstate(state)
    else:
        owner.state = state
