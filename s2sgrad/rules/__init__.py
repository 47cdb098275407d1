"""Derivative rules, grouped by namespace. Importing this package registers them all."""

from . import math, operators  # noqa: F401
