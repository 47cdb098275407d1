"""Tools on top of the API: the `s2sgrad` command line (`cli`) and `transpile`."""
