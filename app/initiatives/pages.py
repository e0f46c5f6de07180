"""Dashboard pages about initiatives."""

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
