"""Shared pytest configuration: `--fuzz` runs the long property-based fuzz test, and the
persistent cache of generated code goes to a fresh directory for each run, so no test
reads an entry a previous run (or the user) wrote."""

import os
import tempfile

os.environ["S2SGRAD_CACHE_DIR"] = tempfile.mkdtemp(prefix="s2sgrad-test-cache-")


def pytest_addoption(parser):
    parser.addoption("--fuzz", action="store_true", default=False,
                     help="run 10,000 random programs in tests/test_fuzz.py instead of 200 "
                          "(the environment variable S2SGRAD_FUZZ=1 does the same)")
