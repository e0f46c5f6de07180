"""Contested cells: the cells whose deciding day's claims disagree across sources."""
