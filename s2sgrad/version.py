"""The version of s2sgrad (the disk cache keys its entries by it)."""

__version__ = "0.1.0"
