"""The screenings area."""
