"""What `posture serve` sets up around uvicorn: logging and the metrics folder.

Nothing here imports prometheus-client: the workers must import it only after
PROMETHEUS_MULTIPROC_DIR is set.
"""

import copy
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's logging, plus the JSON access lines of `posture.access` on stdout, bare.

    `posture serve` turns uvicorn's own access log off: these lines replace it.
    """
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["json_line"] = {"format": "%(message)s"}
    config["handlers"]["posture_access"] = {
        "formatter": "json_line",
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stdout",
    }
    config["loggers"]["posture.access"] = {
        "handlers": ["posture_access"],
        "level": "INFO",
        "propagate": False,
    }
    # Posture's other messages (readiness failures) beside uvicorn's, on stderr.
    config["loggers"]["app"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


@contextmanager
def metrics_folder(workers: int, enabled: bool) -> Iterator[Path | None]:
    """The folder prometheus-client's multiprocess mode shares between workers.

    PROMETHEUS_MULTIPROC_DIR when set (created if missing, emptied of the last run's
    files); otherwise, with several workers, a new temporary folder removed afterwards;
    with one worker and none set, no folder (metrics stay in the process).
    """
    given = os.environ.get(MULTIPROC_ENV)
    if not enabled or (not given and workers == 1):
        yield None
        return
    if given:
        folder = Path(given)
        folder.mkdir(parents=True, exist_ok=True)
        # Values of a previous run's processes would be added to this run's.
        for stale in folder.glob("*.db"):
            stale.unlink()
        yield folder
        return
    folder = Path(tempfile.mkdtemp(prefix="posture-metrics-"))
    os.environ[MULTIPROC_ENV] = str(folder)
    try:
        yield folder
    finally:
        del os.environ[MULTIPROC_ENV]
        shutil.rmtree(folder, ignore_errors=True)
