"""Sources: the documents claims are coded from."""
