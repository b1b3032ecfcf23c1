"""FHIR R4 for SATUSEHAT: a child's record out as a transaction Bundle, measurements in.

- `mapping.py` (pure: no Django) turns plain dataclasses into FHIR JSON and reads foreign
  bundles back into e-PPGBM rows, accounting for every entry.
- `export.py` opens children through the access chokepoints (scoped, audited) and builds the
  bundles; `ingest.py` checks the sender's capability and area and sends the rows through the
  e-PPGBM import, the same path a file takes.

This file imports nothing on purpose: importing `mapping` must not load Django.
See docs/interop/fhir-satusehat.md for the field-by-field mapping.
"""
