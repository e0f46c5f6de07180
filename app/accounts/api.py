"""Account endpoints: /api/v1/me, /api/v1/users and /api/v1/tokens (admins only)."""

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from app.accounts import service
from app.accounts.deps import BEARER_CHALLENGE, AuthDep, RequireAdmin
from app.accounts.schemas import (
    Me,
    TokenCreate,
    TokenCreated,
    TokenRead,
    UserCreate,
    UserRead,
    UserUpdate,
)
from app.db import SessionDep
from app.errors import (
    API_RESPONSES,
    WRITE_RESPONSES,
    Conflict,
    Forbidden,
    NotFound,
    Unauthorized,
    problem_responses,
)
from app.listing import IdPath, Page, PagingDep, QueryText, page_of
from app.openapi import LOCATION_HEADER, record_links

router = APIRouter(prefix="/api/v1", tags=["accounts"], responses=API_RESPONSES)

USER = "/api/v1/users/{username}"
USER_LINKS = {"GetUser": ("get", USER), "UpdateUser": ("patch", USER)}
# Reading users and tokens needs the admin role.
ADMIN_ONLY = problem_responses(Forbidden)


@router.get("/me", response_model=Me)
def me(auth: AuthDep) -> Me:
    """The user the request is made as (401 when nobody)."""
    if auth is None:
        raise Unauthorized("Nobody is signed in.", headers=BEARER_CHALLENGE)
    return Me(**service.user_read(auth.user).model_dump(), authenticated_by=auth.via)


@router.get(
    "/users", response_model=Page[UserRead], dependencies=[RequireAdmin], responses=ADMIN_ONLY
)
def list_users(session: SessionDep, asked: PagingDep) -> Page[UserRead]:
    """Every user, by username."""
    items, total = service.user_page(session, asked)
    return page_of(items, total, asked)


@router.post(
    "/users",
    response_model=UserRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=[RequireAdmin],
    responses={
        201: {
            "description": "The user as added.",
            "headers": LOCATION_HEADER,
            "links": record_links("username", "$response.body#/username", reads=USER_LINKS),
        },
        **WRITE_RESPONSES,
        **problem_responses(Conflict),
    },
)
def create_user(data: UserCreate, session: SessionDep, response: Response) -> UserRead:
    """Add a user (409 when the username is taken)."""
    user = service.create_user(session, data)
    response.headers["Location"] = f"/api/v1/users/{user.username}"
    return service.user_read(user)


@router.get(
    "/users/{username}",
    response_model=UserRead,
    dependencies=[RequireAdmin],
    responses={**ADMIN_ONLY, **problem_responses(NotFound)},
)
def get_user(username: str, session: SessionDep) -> UserRead:
    """One user."""
    return service.user_read(service.require_user(session, username))


@router.patch(
    "/users/{username}",
    response_model=UserRead,
    dependencies=[RequireAdmin],
    responses={**WRITE_RESPONSES, **problem_responses(NotFound, Conflict)},
)
def update_user(username: str, data: UserUpdate, session: SessionDep) -> UserRead:
    """Change a user's role, name or password, or disable it (its sessions end at once)."""
    return service.user_read(service.update_user(session, username, data))


@router.get(
    "/tokens",
    response_model=Page[TokenRead],
    dependencies=[RequireAdmin],
    responses={**ADMIN_ONLY, **problem_responses(NotFound)},
)
def list_tokens(
    session: SessionDep,
    asked: PagingDep,
    username: Annotated[QueryText | None, Query(description="Only this user's tokens.")] = None,
) -> Page[TokenRead]:
    """API tokens (their prefixes; a token itself is shown only when created)."""
    items, total = service.token_page(session, asked, username)
    return page_of(items, total, asked)


@router.post(
    "/tokens",
    response_model=TokenCreated,
    status_code=status.HTTP_201_CREATED,
    dependencies=[RequireAdmin],
    responses={
        201: {
            "description": "The token (shown this once) and its details.",
            "links": record_links(
                "token_id",
                "$response.body#/id",
                reads={"RevokeToken": ("delete", "/api/v1/tokens/{token_id}")},
            ),
        },
        **WRITE_RESPONSES,
    },
)
def create_token(data: TokenCreate, session: SessionDep) -> TokenCreated:
    """A new token for a user: `token` is in this response only, so keep it."""
    return service.create_token(session, data.username, data.name)


@router.delete(
    "/tokens/{token_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[RequireAdmin],
    responses={**ADMIN_ONLY, **problem_responses(NotFound)},
)
def revoke_token(token_id: IdPath, session: SessionDep) -> Response:
    """Revoke a token: it stops working at once (it stays listed, marked revoked)."""
    service.revoke_token(session, token_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
