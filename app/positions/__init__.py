"""Positions: the as-of matrix, coalition counts, timelines and changes (codebook section 7)."""
