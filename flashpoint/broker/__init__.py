"""broker stage."""
