"""Child growth: WHO 2006 standards (pure Python + numpy/polars, no Django yet)."""
