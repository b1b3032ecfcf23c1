"""Models of the app (see the package docstring)."""
