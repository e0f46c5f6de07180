"""Posture: who commits to which role, and which stance, as of any date."""
