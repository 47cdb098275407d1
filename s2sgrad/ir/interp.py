"""A reference interpreter for the IR: the executable meaning of each statement.

Tests run a function through it and through the compiled Python, and compare.
"""

from __future__ import annotations

from typing import Any

from .core import UNDEF, Assign, Atom, Block, Const, For, Function, If, Var, While

Env = dict[Var, Any]


def run(fn: Function, *args: Any) -> list[Any]:
    missing = len(fn.params) - len(args)
    if 0 < missing <= len(fn.defaults):
        args = (*args, *fn.defaults[len(fn.defaults) - missing:])
    env: Env = dict(zip(fn.params, args))
    _block(fn.body, env)
    return [_get(a, env) for a in fn.results]


def _get(atom: Atom, env: Env) -> Any:
    return atom.value if isinstance(atom, Const) else env.get(atom, UNDEF)


def _bind(vars_: list[Var], values: list[Any], env: Env) -> None:
    env.update(zip(vars_, values))


def _block(block: Block, env: Env) -> None:
    for s in block:
        if isinstance(s, Assign):
            kw = {k: _get(v, env) for k, v in s.kwargs.items()}
            value = s.prim(*[_get(a, env) for a in s.args], **kw)
            _bind(s.outs, list(value) if len(s.outs) > 1 else [value], env)
        elif isinstance(s, If):
            taken = bool(_get(s.cond, env))
            _block(s.then if taken else s.orelse, env)
            results = s.then_results if taken else s.else_results
            _bind(s.outs, [_get(a, env) for a in results], env)
        elif isinstance(s, For):
            _bind(s.carried, [_get(a, env) for a in s.inits], env)
            r = range(*[_get(a, env) for a in (s.start, s.stop, s.step)])
            for i in reversed(r) if s.reverse else r:
                env[s.index] = i
                _block(s.body, env)
                _bind(s.carried, [_get(a, env) for a in s.next], env)
            _bind(s.outs, [env[c] for c in s.carried], env)
        else:
            _while(s, env)


def _while(s: While, env: Env) -> None:
    _bind(s.carried, [_get(a, env) for a in s.inits], env)
    while True:
        _block(s.cond_block, env)
        if not _get(s.cond, env):
            break
        _block(s.body, env)
        _bind(s.carried, [_get(a, env) for a in s.next], env)
    _bind(s.outs, [env[c] for c in s.carried], env)
