"""Writes that name the version they change: the If-Match header with a record's ETag."""

from fastapi.testclient import TestClient

# For a record that does not exist: any version, so that the answer is the 404.
ANY_VERSION = {"If-Match": '"1"'}


def if_match(client: TestClient, url: str) -> dict[str, str]:
    """The If-Match header for a write to the record at `url`: its current ETag."""
    response = client.get(url)
    assert response.status_code == 200, response.text
    return {"If-Match": response.headers["ETag"]}
