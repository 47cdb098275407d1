"""Compiled code, reused only while everything it was built from is unchanged.

What a program was built from is its dependencies, `Deps`: triples `(scope, name, value)`,
each either a dict's entry (a module's globals; `ABSENT`, a key that must stay missing) or
an attribute (a closure cell's contents, a function's code or defaults, an object's
attribute, the rules' generation). `fresh(deps)` tests by identity that every one still
names the same object. A `Cache` keeps each entry with its dependencies and gives it back
only while they are fresh, so every place that reuses compiled code (the lowered SSA, leaf
programs, derivatives of derivatives, vector-mode programs and plans, Hessian-vector
products, each transformation's specializations) decides staleness the same way. The
dispatchers do not look up a cache on each call: their guards test the same dependencies in
generated code (`api/dispatch.py`), and a changed rule closes them (`rules.registry`).

Building an entry holds `COMPILE_LOCK`, which also serializes arming dispatchers; a lookup
that finds a fresh entry takes no lock.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Iterator

from ..frontend.parse import ABSENT

Deps = tuple[tuple[Any, str, Any], ...]
GONE = object()  # what a dependency that can no longer be read reads
# held while compiling and while a dispatcher is re-armed (never by calls that pass a guard)
COMPILE_LOCK = threading.RLock()


def current(scope: Any, name: str) -> Any:
    """What a dependency reads now (`ABSENT` for a missing key, `GONE` for a failed read)."""
    if type(scope) is dict:
        return scope.get(name, ABSENT)
    try:
        return getattr(scope, name)
    except Exception:  # an emptied cell, a deleted attribute, a property that raises
        return GONE


def fresh(deps: Deps) -> bool:
    """Whether every dependency still names the same object."""
    return all(current(scope, name) is value for scope, name, value in deps)


class Cache:
    """Values by key, each with the dependencies it was built from; `make` builds what is
    missing or stale. Reading it as a mapping (`cache[key]`, `key in cache`, `len`) sees
    every entry, stale or not; `get` and `make` see only fresh ones."""

    def __init__(self) -> None:
        self._entries: dict[Any, tuple[Any, Deps]] = {}  # one tuple: readers see both

    def get(self, key: Any, default: Any = None) -> Any:
        entry = self._entries.get(key)
        return entry[0] if entry is not None and fresh(entry[1]) else default

    def entry(self, key: Any) -> tuple[Any, Deps] | None:
        """`(value, deps)` while fresh, else None: one call on the paths that run often."""
        entry = self._entries.get(key)
        return entry if entry is not None and fresh(entry[1]) else None

    def is_fresh(self, key: Any) -> bool:
        entry = self._entries.get(key)
        return entry is not None and fresh(entry[1])

    def deps(self, key: Any) -> Deps:
        entry = self._entries.get(key)
        return () if entry is None else entry[1]

    def put(self, key: Any, value: Any, deps: Deps) -> Any:
        self._entries[key] = (value, deps)
        return value

    def make(self, key: Any, build: Callable[[], tuple[Any, Deps]]) -> Any:
        """The fresh value for `key`, built (under `COMPILE_LOCK`) if there is none."""
        return self.make_entry(key, build)[0]

    def make_entry(self, key: Any, build: Callable[[], tuple[Any, Deps]]
                   ) -> tuple[Any, Deps]:
        """`(value, deps)` for `key`, built (under `COMPILE_LOCK`) if not fresh."""
        entry = self._entries.get(key)
        if entry is not None and fresh(entry[1]):
            return entry
        with COMPILE_LOCK:
            entry = self._entries.get(key)
            if entry is None or not fresh(entry[1]):
                entry = self._entries[key] = build()
        return entry

    def __getitem__(self, key: Any) -> Any:
        return self._entries[key][0]

    def __contains__(self, key: Any) -> bool:
        return key in self._entries

    def __iter__(self) -> Iterator[Any]:
        return iter(list(self._entries))

    def __len__(self) -> int:
        return len(self._entries)
