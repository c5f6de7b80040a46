"""Deterministic rules, one module per pattern; importing a module registers its rules."""
