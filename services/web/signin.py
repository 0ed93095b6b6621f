"""Signing in and out.

- Production: OpenID Connect, authorization code with PKCE (S256), through Authlib's Starlette
  client. The person's subject, role and districts come from the ID token's claims (names
  configurable); the provider's access token is what the web app forwards to the services,
  which verify it with ASYSTA_JWT_PUBLIC_KEY.
- Development only: a page listing the demo users; the web app signs an HS256 token for the
  one chosen, with the suite's development secret, as `make run` did for the banner's tokens.

An assistant signs in as themself: their token names their login (an assistant registered
without one, by their id), and each service resolves it to the assistant the directory links
to it. The web app asks the directory who that is (`GET /assistants/me`, with the person's own
token) only to know which families to list; it is refused sign-in if no assistant is linked.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlparse

from authlib.integrations.starlette_client import OAuth, OAuthError
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from services.web.clients import Api, ApiError, Services
from services.web.kernel import User, checked_form, render, settings_of
from services.web.settings import WebSettings
from shared.domain.districts import district_name
from shared.runtime.logging import get_logger
from shared.web.auth import Role, issue_token

log = get_logger(__name__)
router = APIRouter()

CITY_USERS: list[tuple[str, str, str, list[str], str]] = [
    # key, role, subject, districts, name
    ("school", "school", "123456785", ["1465068"], "Szkoła Podstawowa nr 12 (pedagog)"),
    ("court", "court", "SR-Warszawa-Ochota", ["*"], "Sąd Rejonowy, III Wydział Rodzinny"),
    ("city", "city_analyst", "city-analyst", ["*"], "Analityk Biura Pomocy Społecznej"),
    ("admin", "admin", "admin", ["*"], "Administrator systemu"),
]


def oauth_client(settings: WebSettings) -> Any:
    oauth = OAuth()
    oauth.register(
        "city",
        server_metadata_url=settings.oidc_metadata_url,
        client_id=settings.oidc_client_id,
        client_secret=(
            settings.oidc_client_secret.get_secret_value() if settings.oidc_client_secret else None
        ),
        client_kwargs={"scope": settings.oidc_scope, "code_challenge_method": "S256"},
    )
    return oauth.create_client("city")


def _dev_token(settings: WebSettings, subject: str, role: str, districts: list[str]) -> str:
    return issue_token(
        settings.signing_secret(),
        subject=subject,
        role=Role(role),
        districts=districts,
        audience=settings.jwt_audience,
        ttl=timedelta(hours=settings.session_hours),
    )


async def demo_users(request: Request) -> list[dict[str, Any]]:
    """Development only: per demo district its head, social worker and assistants (read from
    the directory with a short-lived head token of that district), then the city-wide users."""
    settings = settings_of(request)
    services: Services = request.app.state.services
    groups: list[dict[str, Any]] = []
    for district in settings.demo_districts():
        name = district_name(district)
        users = [
            {"key": f"head:{district}", "label": f"Kierownik OPS {name}", "role": "head"},
            {
                "key": f"social_worker:{district}",
                "label": f"Pracownik socjalny OPS {name}",
                "role": "social_worker",
            },
        ]
        head = Api(services, _dev_token(settings, f"head-{district}", "head", [district]), "pl")
        try:
            assistants = await head.get("directory", "/assistants", district=district)
        except ApiError:
            assistants = []
        for a in assistants:
            if a.get("active", True):
                # A demo assistant signs in by their login, as with the city's provider.
                users.append(
                    {
                        "key": f"assistant:{district}:{a.get('login') or a['assistant_id']}",
                        "label": f"{a['first_name']} {a['last_name']}",
                        "role": "assistant",
                    }
                )
        groups.append({"title": name, "district": district, "users": users})
    groups.append(
        {
            "title": None,
            "district": "",
            "users": [{"key": k, "label": n, "role": r} for k, r, _, _, n in CITY_USERS],
        }
    )
    return groups


def _safe_next(value: str | None) -> str:
    # Only a path of this app: never an open redirect to another site.
    if not value or not value.startswith("/") or value.startswith("//") or urlparse(value).netloc:
        return "/"
    return value


@router.get("/signin")
async def signin_page(request: Request, next: str | None = None) -> Response:
    settings = settings_of(request)
    groups = await demo_users(request) if settings.development else []
    return render(
        request,
        "signin.html",
        {"groups": groups, "oidc": settings.oidc_enabled, "next": _safe_next(next)},
    )


@router.post("/signin/dev")
async def signin_dev(request: Request) -> Response:
    settings = settings_of(request)
    if not settings.development:
        return render(request, "error.html", {"message_key": "signin.refused"}, status_code=403)
    form = await checked_form(request)
    key = str(form.get("user") or "")
    chosen: User | None = None
    for group in await demo_users(request):
        for candidate in group["users"]:
            if candidate["key"] != key:
                continue
            chosen = _dev_user(settings, key, candidate["label"])
    if chosen is None:
        return render(request, "error.html", {"message_key": "signin.failed"}, status_code=400)
    return await _signed_in(request, chosen, _safe_next(str(form.get("next") or "/")))


def _dev_user(settings: WebSettings, key: str, name: str) -> User:
    role, _, rest = key.partition(":")
    for city_key, city_role, subject, districts, _ in CITY_USERS:
        if key == city_key:
            return User(
                subject,
                city_role,
                tuple(districts),
                name,
                _dev_token(settings, subject, city_role, districts),
            )
    district, _, login = rest.partition(":")
    subject = login if role == "assistant" else f"{role}-{district}"
    token = _dev_token(settings, subject, role, [district])
    return User(subject, role, (district,), name, token, login=login if login else "")


async def linked_assistant(request: Request, user: User) -> User | None:
    """An assistant as the services know them: the directory resolves their token's login to
    their record (None when no assistant is linked to it); other people as they are."""
    if user.role != Role.ASSISTANT.value:
        return user
    services: Services = request.app.state.services
    try:
        me = await Api(services, user.token, "pl").get("directory", "/assistants/me")
    except ApiError as exc:
        if exc.status in (403, 404):
            log.warning("web.assistant_not_linked")
            return None
        raise
    return User(
        str(me["assistant_id"]),
        user.role,
        user.districts,
        user.name,
        user.token,
        login=user.login or str(me.get("login") or ""),
    )


async def _signed_in(request: Request, user: User, next_url: str) -> Response:
    linked = await linked_assistant(request, user)
    if linked is None:
        return render(request, "error.html", {"message_key": "signin.not_linked"}, status_code=403)
    return _start_session(request, linked, next_url)


def _start_session(request: Request, user: User, next_url: str) -> Response:
    request.session.clear()
    request.session["user"] = user.as_session()
    log.info("web.signed_in", role=user.role)
    return RedirectResponse(next_url, status_code=303)


@router.get("/signin/oidc")
async def signin_oidc(request: Request) -> Response:
    settings = settings_of(request)
    if not settings.oidc_enabled:
        return render(
            request, "error.html", {"message_key": "signin.not_configured"}, status_code=404
        )
    base = (settings.public_url or str(request.base_url)).rstrip("/")
    client = oauth_client(settings)
    response: Response = await client.authorize_redirect(request, f"{base}/auth/callback")
    return response


@router.get("/auth/callback")
async def oidc_callback(request: Request) -> Response:
    settings = settings_of(request)
    if not settings.oidc_enabled:
        return render(request, "error.html", {"message_key": "signin.failed"}, status_code=404)
    client = oauth_client(settings)
    try:
        token = await client.authorize_access_token(request)
    except OAuthError as exc:
        log.warning("web.oidc_failed", error=exc.error)
        return render(request, "error.html", {"message_key": "signin.failed"}, status_code=400)
    claims = dict(token.get("userinfo") or {})
    user = user_from_claims(settings, claims, str(token.get("access_token", "")))
    if user is None:
        return render(request, "error.html", {"message_key": "signin.bad_claims"}, status_code=403)
    return await _signed_in(request, user, "/")


def user_from_claims(settings: WebSettings, claims: dict[str, Any], token: str) -> User | None:
    """The person from the provider's claims (names from settings); None when the account has
    no Asysta role."""
    role = claims.get(settings.oidc_role_claim)
    if isinstance(role, list):
        role = next((r for r in role if r in Role.__members__.values()), None)
    if role not in {r.value for r in Role} or role == Role.SERVICE.value or not token:
        return None
    districts = claims.get(settings.oidc_districts_claim) or []
    if isinstance(districts, str):
        districts = [d.strip() for d in districts.split(",") if d.strip()]
    subject = str(claims.get(settings.oidc_subject_claim) or "")
    if not subject:
        return None
    name = str(claims.get(settings.oidc_name_claim) or subject)
    # An assistant's login as the directory links it (e.g. preferred_username); the directory
    # resolves it at sign-in (see linked_assistant).
    login = str(claims.get(settings.oidc_login_claim) or subject) if role == "assistant" else ""
    return User(subject, str(role), tuple(str(d) for d in districts), name, token, login=login)


@router.post("/signout")
async def signout(request: Request) -> Response:
    await checked_form(request)
    request.session.clear()
    return RedirectResponse("/signin", status_code=303)
