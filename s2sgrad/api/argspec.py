"""Example arguments for the command line: the `--args` grammar, shared by every command.

The text is a Python call's argument list, read with `ast` (nothing is evaluated):

    ARGS  := ITEM ("," ITEM)*             positional items first, then NAME=SPEC
    SPEC  := NUMBER                       that value; 3 is an int, 3.0 or 0.3 a float
           | "float" | "int" | "bool"     a value of that type
           | "array"                      a float64 array of any shape
           | "array(" DIMS ["," "dtype=" NAME] ")"   e.g. array(3,4); array() is 0-d
           | "dict(" NAME "=" SPEC, ... ")" | "{" STRING ":" SPEC, ... "}"
           | "list(" SPEC, ... ")" | "[" SPEC, ... "]"
           | "tuple(" SPEC, ... ")" | "(" SPEC, ... ")"

A parameter the text does not name takes its kind from its annotation (`float`, `int`,
`bool`, `np.ndarray`), then from its default value; a parameter with none of these is a
float (`UNNAMED`). `transpile` and `show` use the kinds, `check` draws values of them.
"""

from __future__ import annotations

import ast
import inspect
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .. import pytree
from ..analysis.kinds import ANY, Aval, FLOAT, ValueKind, aval_of
from ..errors import S2SGradError

_SCALARS = {"float": float, "int": int, "bool": bool}
_ANNOTATIONS = {"float": "float", "int": "int", "bool": "bool", "ndarray": "array",
                "np.ndarray": "array", "numpy.ndarray": "array"}


class ArgSpecError(S2SGradError):
    """`--args` text that does not follow the grammar, or names no parameter."""


@dataclass(frozen=True)
class Kind:
    """A leaf named by its kind: `type` is float, int, bool or array; an array's `shape`
    is None for any shape. `named` is False for a float nobody named (`UNNAMED`)."""

    type: str
    shape: tuple[int, ...] | None = None
    dtype: str = "float64"
    named: bool = True

    def aval(self) -> Aval:
        if self.type != "array":
            return aval_of(_SCALARS[self.type](0)) if self.type != "float" else FLOAT
        return ANY if self.shape is None else Aval(ValueKind.ARRAY, self.shape, self.dtype)

    def text(self) -> str:
        if self.type != "array":
            return self.type
        if self.shape is None:
            return "array"
        dims = ", ".join(map(str, self.shape))
        return f"array({dims}{', ' if dims else ''}dtype={self.dtype})" \
            if self.dtype != "float64" else f"array({dims})"

    def example(self, rng: np.random.Generator) -> Any:
        """A value of this kind for `check`: floats in (0.1, 0.9), ints in 1..4."""
        if self.type == "float":
            return round(float(rng.uniform(0.1, 0.9)), 4)
        if self.type == "int":
            return int(rng.integers(1, 5))
        if self.type == "bool":
            return True
        if self.shape is None:
            raise ArgSpecError("an array of any shape has no example value",
                               hint='name its shape, e.g. --args "x=array(3,4)"')
        return rng.uniform(0.1, 0.9, size=self.shape).astype(self.dtype)


UNNAMED = Kind("float", named=False)


def unnamed(spec: Any) -> bool:
    """Whether nobody named this argument's kind (it was guessed)."""
    return isinstance(spec, Kind) and not spec.named


def parse(text: str) -> tuple[list[Any], dict[str, Any]]:
    """The positional and named specs of `--args` text (a spec is a pytree whose leaves are
    numbers and `Kind`s)."""
    try:
        call = ast.parse(f"_({text})", mode="eval").body
    except SyntaxError:
        raise ArgSpecError(f"cannot read --args {text!r}", hint=_HINT) from None
    assert isinstance(call, ast.Call)
    if any(isinstance(a, ast.Starred) for a in call.args) or \
            any(k.arg is None for k in call.keywords):
        raise ArgSpecError(f"--args {text!r}: * and ** are not part of the grammar",
                           hint=_HINT)
    _unique([k.arg for k in call.keywords], text)
    return [_spec(a) for a in call.args], {k.arg: _spec(k.value) for k in call.keywords}


def _unique(keys: list[Any], text: str) -> None:
    repeated = sorted({repr(k) for k in keys if keys.count(k) > 1})
    if repeated:
        raise ArgSpecError(f"--args {text!r} names {', '.join(repeated)} twice", hint=_HINT)


_HINT = 'write it as a call\'s arguments: --args "x=array(3,4), w=float, k=3"'


def _spec(node: ast.expr) -> Any:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = _spec(node.operand)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return -value
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return node.value
    if isinstance(node, ast.Name) and node.id in (*_SCALARS, "array"):
        return Kind(node.id)
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [_spec(e) for e in node.elts]
        return items if isinstance(node, ast.List) else tuple(items)
    if isinstance(node, ast.Dict) and all(isinstance(k, ast.Constant) and
                                          isinstance(k.value, str) for k in node.keys):
        _unique([k.value for k in node.keys], ast.unparse(node))  # type: ignore[union-attr]
        return {k.value: _spec(v) for k, v in zip(node.keys, node.values)}  # type: ignore
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return _call(node.func.id, node)
    raise ArgSpecError(f"--args: cannot read {ast.unparse(node)!r}", hint=_HINT)


def _call(name: str, node: ast.Call) -> Any:
    if name == "array":
        dims = [d.value for d in node.args if isinstance(d, ast.Constant)]
        dtype = {k.arg: k.value for k in node.keywords}.get("dtype")
        if len(dims) != len(node.args) or not all(type(d) is int and d >= 0 for d in dims) \
                or len(node.keywords) > 1 or node.keywords and not (
                    isinstance(dtype, ast.Name) and node.keywords[0].arg == "dtype"
                    and dtype.id in ("float64", "float32", "float16")):
            raise ArgSpecError(f"--args: cannot read {ast.unparse(node)!r}",
                               hint="an array is array(3,4) or array(3, dtype=float32)")
        return Kind("array", tuple(dims), dtype.id if dtype is not None else "float64")
    if name == "dict" and not node.args and all(k.arg is not None for k in node.keywords):
        _unique([k.arg for k in node.keywords], ast.unparse(node))
        return {k.arg: _spec(k.value) for k in node.keywords}
    if name in ("list", "tuple") and not node.keywords:
        items = [_spec(a) for a in node.args]
        return items if name == "list" else tuple(items)
    raise ArgSpecError(f"--args: cannot read {ast.unparse(node)!r}", hint=_HINT)


def resolve(fn: Callable[..., Any], text: str | None) -> list[Any]:
    """One spec per parameter of `fn`: from `--args` text, else its annotation, else its
    default value, else `UNNAMED`."""
    params = list(inspect.signature(fn).parameters.values())
    positional, named = parse(text) if text else ([], {})
    names = [p.name for p in params]
    n_positional = sum(p.kind is not p.KEYWORD_ONLY for p in params)
    if len(positional) > n_positional:
        raise ArgSpecError(f"--args gives {len(positional)} values without names, but "
                           f"{_name(fn)}({', '.join(names)}) takes {n_positional} "
                           "positional ones", hint="name the keyword-only ones: k=3")
    for key in named:
        if key not in names:
            raise ArgSpecError(f"--args names {key!r}, which is not a parameter of "
                               f"{_name(fn)}({', '.join(names)})")
        if names.index(key) < len(positional):
            raise ArgSpecError(f"--args gives {key!r} twice")
    out = []
    for i, p in enumerate(params):
        given = positional[i] if i < len(positional) else named.get(p.name, p.empty)
        out.append(given if given is not p.empty else _unnamed(fn, p))
    return out


def _unnamed(fn: Callable[..., Any], p: inspect.Parameter) -> Any:
    kind = _annotation(p.annotation)
    if kind is not None:
        return kind
    if p.annotation is not p.empty and _container(p.annotation):
        raise ArgSpecError(
            f"parameter {p.name!r} of {_name(fn)} is annotated as a container, whose "
            f"structure the annotation does not give",
            hint=f'name it with --args, e.g. --args "{p.name}=dict(W=array(3,4), b=float)"')
    return UNNAMED if p.default is p.empty else p.default


def _annotation(annotation: Any) -> Kind | None:
    if annotation is inspect.Parameter.empty:
        return None
    if isinstance(annotation, str):
        key = annotation.strip()
    else:
        key = getattr(annotation, "__name__", None) if annotation is not np.ndarray \
            else "ndarray"
    if annotation is not np.ndarray and getattr(annotation, "__origin__", None) is np.ndarray:
        key = "ndarray"  # np.typing.NDArray[np.float64]
    if isinstance(key, str) and key.startswith(("NDArray", "npt.NDArray", "np.typing.NDArray")):
        key = "ndarray"
    kind = _ANNOTATIONS.get(key) if isinstance(key, str) else None
    return None if kind is None else Kind(kind)


def _container(annotation: Any) -> bool:
    text = annotation if isinstance(annotation, str) else \
        getattr(annotation, "__name__", "") or str(annotation)
    return text.split("[")[0].strip().lower() in ("dict", "list", "tuple", "typing.dict",
                                                   "typing.list", "typing.tuple")


def _name(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__name__", "the function")


def differentiable(specs: list[Any], nums: tuple[int, ...], fn: Callable[..., Any]
                   ) -> list[Any]:
    """The specs with the numbers of the differentiated arguments as floats; an int or bool
    named for one is an error."""
    params = list(inspect.signature(fn).parameters)
    out = list(specs)
    for i in nums:
        leaves, treedef = pytree.flatten(out[i])
        if any(isinstance(x, Kind) and x.type in ("int", "bool") or isinstance(x, bool)
               for x in leaves):
            raise ArgSpecError(
                f"cannot differentiate {_name(fn)} with respect to {params[i]!r}, whose "
                "kind is named int or bool: only floats and float arrays have a derivative",
                hint="name it as a float (0.5, float, array(3)), or leave it out of argnums")
        if not isinstance(out[i], Kind):
            out[i] = pytree.unflatten(treedef, [float(x) if type(x) is int else x
                                                for x in leaves])
    return out


def leaf_kinds(spec: Any) -> tuple[pytree.Treedef, list[Aval]]:
    """The structure of one parameter's spec and the abstract values of its leaves."""
    leaves, treedef = pytree.flatten(spec)
    return treedef, [leaf.aval() if isinstance(leaf, Kind) else aval_of(leaf)
                     for leaf in leaves]


def examples(specs: list[Any], seed: int) -> list[Any]:
    """Values for `check`: the numbers given, and values drawn for the kinds."""
    rng = np.random.default_rng(seed)
    out = []
    for spec in specs:
        leaves, treedef = pytree.flatten(spec)
        out.append(pytree.unflatten(treedef, [leaf.example(rng) if isinstance(leaf, Kind)
                                              else leaf for leaf in leaves]))
    return out


def describe(value: Any) -> str:
    """A value's kind in the grammar's words (for messages)."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return type(value).__name__
    if isinstance(value, np.ndarray):
        return Kind("array", value.shape, value.dtype.name).text() \
            if value.dtype.kind == "f" else f"array of {value.dtype.name}"
    if type(value) is dict:
        return f"dict({', '.join(f'{k}=...' for k in value)})"
    return type(value).__name__
