"""One function per construct the fence rejects; the offending line is marked `# <-`."""
# flake8: noqa
import math


def uses_try(x):
    try:  # <-
        return x
    except ValueError:
        return 0.0


def uses_with(x):
    with open("f") as fh:  # <-
        return x


def uses_yield(x):
    yield x  # <-


async def uses_async(x):
    return x


def uses_global(x):
    global COUNT  # <-
    return x


def uses_class(x):
    class Inner:  # <-
        pass
    return x


def uses_del(x):
    y = x
    del y  # <-
    return x


def uses_lambda(x):
    f = lambda v: v * 2  # <-
    return f(x)


def uses_listcomp(x):
    return sum([x * i for i in range(3)])  # <-


def uses_raise(x):
    if x < 0:
        raise ValueError("negative")  # <-
    return x


def uses_assert(x):
    assert x > 0  # <-
    return x


def uses_print(x):
    print(x)  # <-
    return x


def uses_walrus(x):
    return (y := x * 2) + y  # <-


def uses_attribute_store(x, obj):
    obj.value = x  # <-
    return x


def uses_import(x):
    import os  # <-
    return x


def uses_nested_def(x):
    def inner(v):  # <-
        return v
    return inner(x)


def uses_for_else(x):
    for i in range(3):  # <-
        x = x * 2
    else:
        x = x + 1
    return x


def uses_star_args(*xs):  # <-
    return xs[0]


def uses_fstring(x):
    label = f"{x}"  # <-
    return x


def supported(x, y=2.0):
    """A docstring is fine."""
    (a, b), c = (x, y), x * y
    total = 0.0
    for i in range(3):
        if i == 1:
            continue
        total += a * b * c
    while total > 10.0:
        total = total / 2.0
        if total < 1.0:
            break
    if total > 100.0:
        return -total
    return math.sin(total)
