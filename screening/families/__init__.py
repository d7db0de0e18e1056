"""The families area."""
