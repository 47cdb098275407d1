"""Derivative rules, grouped by namespace. Importing this package registers them all."""

from . import math, operators, dicts  # noqa: F401
from . import numpy, linalg  # noqa: F401  (after operators: numpy reuses its rules)
from . import batched_rules  # noqa: F401  (last: vector mode marks the rules above)
