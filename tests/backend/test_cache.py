"""backend/cache.py: an entry is reused while its dependencies name the same objects."""

import threading

from s2sgrad.backend.cache import GONE, Cache, current, fresh
from s2sgrad.frontend.parse import ABSENT


class Holder:
    pass


def test_an_entry_is_rebuilt_when_a_dependency_is_rebound():
    scope = {"scale": 0.5}
    built = []

    def build():
        built.append(scope["scale"])
        return scope["scale"] * 2, ((scope, "scale", scope["scale"]),)

    cache = Cache()
    assert cache.make("k", build) == 1.0
    assert cache.make("k", build) == 1.0 and built == [0.5]
    scope["scale"] = 2.0
    assert cache.get("k") is None and "k" in cache and not cache.is_fresh("k")
    assert cache.make("k", build) == 4.0 and built == [0.5, 2.0]


def test_missing_keys_attributes_and_cells():
    scope, obj = {}, Holder()
    obj.w = w = object()
    deps = ((scope, "absent", ABSENT), (obj, "w", w))
    assert fresh(deps)
    scope["absent"] = 1
    assert not fresh(deps)
    del scope["absent"]
    del obj.w
    assert current(obj, "w") is GONE and not fresh(deps)


def test_threads_build_an_entry_once():
    cache, calls = Cache(), []
    start = threading.Barrier(8)

    def build():
        calls.append(1)
        return object(), ()

    def worker(out):
        start.wait()
        out.append(cache.make("k", build))

    out: list = []
    threads = [threading.Thread(target=worker, args=(out,)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len({id(v) for v in out}) == 1
