"""The `--args` grammar (s2sgrad/argspec.py)."""

import numpy as np
import pytest

from s2sgrad.api import argspec
from s2sgrad.api.argspec import ArgSpecError, Kind

from .transpile import programs


def test_the_grammar():
    positional, named = argspec.parse(
        "0.5, 3, x=array(3,4), w=float, k=int, m=array(2, dtype=float32), "
        "p=dict(W=array(2), b=float), q=[float, (int, -1.5)], r={'a b': bool}, s=array")
    assert positional == [0.5, 3]
    assert named["x"] == Kind("array", (3, 4))
    assert named["m"] == Kind("array", (2,), "float32")
    assert named["p"] == {"W": Kind("array", (2,)), "b": Kind("float")}
    assert named["q"] == [Kind("float"), (Kind("int"), -1.5)]
    assert named["r"] == {"a b": Kind("bool")}
    assert named["s"] == Kind("array")


@pytest.mark.parametrize("text", ["x=", "x=array(-1)", "x=array(3, dtype=int8)",
                                  "x=numpy", "*a", "x=dict(1)"])
def test_text_outside_the_grammar_is_an_error(text):
    with pytest.raises(ArgSpecError):
        argspec.parse(text)


def test_resolve_uses_args_then_annotations_then_defaults():
    specs = argspec.resolve(programs.annotated, "scale=0.25")
    assert specs == [Kind("array"), 0.25, Kind("int")]
    assert argspec.resolve(programs.euler, None) == [argspec.UNNAMED, argspec.UNNAMED, 0.5]
    with pytest.raises(ArgSpecError, match="not a parameter"):
        argspec.resolve(programs.euler, "y=float")
    with pytest.raises(ArgSpecError, match="twice"):
        argspec.resolve(programs.euler, "0.3, x=float")


def test_examples_draw_values_of_the_kinds():
    values = argspec.examples([Kind("array", (2, 3)), {"b": Kind("float")}, 4], seed=1)
    assert values[0].shape == (2, 3) and values[0].dtype == np.float64
    assert isinstance(values[1]["b"], float) and values[2] == 4
    assert argspec.examples([Kind("array", (2, 3))], 1)[0].tolist() == values[0].tolist()


@pytest.mark.parametrize("text", ["x=array(3), x=float", "r={'a': float, 'a': int}",
                                  "p=dict(a=float, a=int)"])
def test_a_name_given_twice_is_an_error(text):
    with pytest.raises(ArgSpecError, match="twice"):
        argspec.parse(text)


def test_values_without_names_go_to_positional_parameters_only():
    assert argspec.resolve(programs.keyword_only, "0.5, k=3") == [0.5, 3]
    with pytest.raises(ArgSpecError, match="name the keyword-only ones"):
        argspec.resolve(programs.keyword_only, "0.5, 3")
