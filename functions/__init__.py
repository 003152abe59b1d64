"""Thin trigger adapters (one Blueprint per trigger family): parse, call shared/, map the result."""
