"""Search: one box over actors, initiatives, sources and evidence text."""
