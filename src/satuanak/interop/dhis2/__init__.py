"""DHIS2 aggregate export: our per-desa flag counts as a `dataValueSets` payload for the
district's (or province's) DHIS2. mapping.py is pure (figures + mapping -> payload, checks);
services.py reads the tables; docs/interop/dhis2.md says how to configure and send it."""
