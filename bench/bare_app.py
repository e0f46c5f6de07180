"""A bare FastAPI app returning a small JSON: the ceiling for cached reads in bench/positions.py."""

import argparse

import uvicorn
from fastapi import FastAPI

app = FastAPI()


@app.get("/")
def ping() -> dict[str, object]:
    """A small JSON object, from a plain `def` endpoint (a worker thread), as Posture's are."""
    return {"ok": True, "as_of": "2025-06-30", "cells": 0}


def main() -> None:
    """Serve the app as `posture serve` does: uvicorn.run, one process, default settings."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args()
    uvicorn.run(app, host=args.host, port=args.port)


if __name__ == "__main__":
    main()
