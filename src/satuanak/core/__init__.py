"""Pure domain code (no Django): identifiers, rules and helpers shared by every app."""
