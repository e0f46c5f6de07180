"""/favicon.ico: browsers ask for it whatever the page links; it is the dashboard's icon."""

from fastapi import APIRouter
from fastapi.responses import Response

from app.web import STATIC_DIR

router = APIRouter(include_in_schema=False)
ICON = (STATIC_DIR / "favicon.svg").read_bytes()


@router.get("/favicon.ico")
def favicon() -> Response:
    """The SVG icon (every current browser takes an SVG at this address)."""
    return Response(
        ICON, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"}
    )
