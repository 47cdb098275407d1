"""The package's layers: every module imports only from its own layer or below, the imports
form no cycle, and no module uses another module's private names.

Each module is read with `ast` (nothing is imported). Imports inside functions count, as
they are dependencies all the same; imports under `if TYPE_CHECKING:` do not. The layers,
lowest first, are `LAYERS`; docs/architecture.md draws them.
"""

from __future__ import annotations

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "s2sgrad"

LAYERS = [  # lowest first; a module belongs to the longest prefix that names it
    ["s2sgrad.errors", "s2sgrad.runtime", "s2sgrad.version"],
    ["s2sgrad.ir", "s2sgrad.pytree"],
    ["s2sgrad.rules"],
    ["s2sgrad.frontend"],
    ["s2sgrad.analysis"],
    ["s2sgrad.transforms"],
    ["s2sgrad.backend"],
    ["s2sgrad.pipeline"],
    ["s2sgrad.api"],
    ["s2sgrad.tools"],
    ["s2sgrad", "s2sgrad.__main__"],
]


class Module:
    """One module's imports: (target module, line, inside a function, imported names)."""

    def __init__(self, name: str, path: pathlib.Path, text: str | None = None):
        self.name, self.path = name, path
        self.tree = ast.parse(text if text is not None else path.read_text())
        self.is_package = path.name == "__init__.py"
        self.imports: list[tuple[str, int, list[str]]] = []
        self.aliases: dict[str, str] = {}  # a local name -> the s2sgrad module it is
        self._walk(self.tree, False)

    def _walk(self, node: ast.AST, typing_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if isinstance(child, ast.ImportFrom):
                self._from(child)
            elif isinstance(child, ast.Import):
                for a in child.names:
                    if a.name.startswith("s2sgrad"):
                        self.imports.append((a.name, child.lineno, []))
                        self.aliases[a.asname or a.name] = a.name
            self._walk(child, typing_only)

    def _from(self, node: ast.ImportFrom) -> None:
        if node.level:
            here = self.name.split(".") if self.is_package else self.name.split(".")[:-1]
            base = ".".join(here[:len(here) - node.level + 1] +
                            ([node.module] if node.module else []))
        else:
            base = node.module or ""
        if not base.startswith("s2sgrad"):
            return
        names = [a.name for a in node.names]
        self.imports.append((base, node.lineno, names))
        for a in node.names:
            self.aliases[a.asname or a.name] = f"{base}.{a.name}"


def modules(package: pathlib.Path = PACKAGE) -> dict[str, Module]:
    out = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        name = ".".join(parts)
        out[name] = Module(name, path)
    return out


def layer(name: str) -> int:
    best, found = -1, None
    for i, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (name == prefix or name.startswith(prefix + ".")) and len(prefix) > best:
                best, found = len(prefix), i
    assert found is not None, f"{name} is in no layer"
    return found


def targets(mod: Module, known: dict[str, Module]) -> list[tuple[str, int]]:
    """The s2sgrad modules `mod` imports (`from pkg import sub` imports the module `sub`)."""
    out = []
    for base, line, names in mod.imports:
        subs = [f"{base}.{n}" for n in names if f"{base}.{n}" in known]
        for target in subs or [base]:
            while target not in known and "." in target:
                target = target.rsplit(".", 1)[0]
            if target != mod.name:
                out.append((target, line))
    return out


def upward_imports(known: dict[str, Module]) -> list[str]:
    return [f"{m.path.relative_to(PACKAGE.parent)}:{line}: {m.name} (layer {layer(m.name)}) "
            f"imports {t} (layer {layer(t)})"
            for m in known.values() for t, line in targets(m, known)
            if layer(t) > layer(m.name)]


def cycles(known: dict[str, Module]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    graph = {name: sorted({t for t, _ in targets(m, known)}) for name, m in known.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def private_uses(known: dict[str, Module]) -> list[str]:
    """`from m import _x` and `m._x` where `m` is another s2sgrad module."""
    out = []
    for m in known.values():
        where = m.path.relative_to(PACKAGE.parent)
        for base, line, names in m.imports:
            out += [f"{where}:{line}: {m.name} imports {base}.{n}" for n in names
                    if _private(n) and base != m.name]
        for node in ast.walk(m.tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and \
                    _private(node.attr):
                target = m.aliases.get(node.value.id)
                if target in known and target != m.name:
                    out.append(f"{where}:{node.lineno}: {m.name} uses {target}.{node.attr}")
    return out


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def test_no_module_imports_from_a_layer_above_its_own():
    assert upward_imports(modules()) == []


def test_the_imports_form_no_cycle():
    assert cycles(modules()) == []


def test_no_module_uses_another_modules_private_names():
    assert private_uses(modules()) == []


# -- the checks find what they are for ---------------------------------------------------------
def with_module(known: dict[str, Module], name: str, text: str) -> dict[str, Module]:
    path = PACKAGE.parent / (name.replace(".", "/") + ".py")
    return {**known, name: Module(name, path, text)}


def test_the_checks_find_an_upward_import_a_cycle_and_a_private_name():
    known = modules()
    up = with_module(known, "s2sgrad.ir.extra", "from ..api import transformed\n")
    assert any("s2sgrad.ir.extra (layer 1) imports s2sgrad.api.transformed (layer 8)" in line
               for line in upward_imports(up))
    loop = with_module(with_module(known, "s2sgrad.ir.first", "from . import second\n"),
                       "s2sgrad.ir.second", "def f():\n    from . import first\n")
    assert ["s2sgrad.ir.first", "s2sgrad.ir.second"] in cycles(loop)
    private = with_module(known, "s2sgrad.ir.extra",
                          "from . import core\nfrom .core import _same\nx = core._same\n")
    found = private_uses(private)
    assert any("imports s2sgrad.ir.core._same" in line for line in found)
    assert any("uses s2sgrad.ir.core._same" in line for line in found)


@pytest.mark.parametrize("name", sorted(modules()))
def test_every_module_has_a_layer(name):
    assert layer(name) >= 0
