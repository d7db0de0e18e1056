"""The directory area."""
