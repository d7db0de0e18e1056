"""The platform area."""
