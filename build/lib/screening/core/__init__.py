"""Pure-Python core: no Flask imports."""
