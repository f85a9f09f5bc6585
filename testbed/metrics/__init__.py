"""Measurement and statistics for testbed runs."""
