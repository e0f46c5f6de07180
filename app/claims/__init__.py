"""Claims: one actor's position on one object, at one time, according to one source."""
