"""Shared pytest configuration: `--fuzz` runs the long property-based fuzz test."""


def pytest_addoption(parser):
    parser.addoption("--fuzz", action="store_true", default=False,
                     help="run 10,000 random programs in tests/test_fuzz.py instead of 200 "
                          "(the environment variable S2SGRAD_FUZZ=1 does the same)")
