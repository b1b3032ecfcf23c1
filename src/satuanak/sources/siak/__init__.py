"""Adapter package; see columns.py and README.md."""
