"""Replications and their execution."""
