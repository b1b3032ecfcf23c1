"""Satu Data Anak Bengkayang."""
