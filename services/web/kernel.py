"""What every page of the web app shares: the signed-in person, their calls to the services,
the language, CSRF checks and rendering a template (whole page or one htmx block)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from jinja2_fragments.fastapi import Jinja2Blocks
from starlette.datastructures import FormData

from services.web import catalogue, formatting
from services.web.clients import Api, Services
from services.web.icons import icon
from services.web.settings import WebSettings
from shared.domain.districts import district_name

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
# Who may search families (the header's search box): never the city analyst, a school or a
# court, whose tokens see no family's personal data.
SEARCH_ROLES = ("assistant", "social_worker", "head", "admin")

templates = Jinja2Blocks(directory=str(TEMPLATES))
templates.env.globals.update(
    label=catalogue.label,
    choices=catalogue.choices,
    long_date=formatting.long_date,
    local_time=formatting.local_time,
    district_name=district_name,
    icon=icon,
    search_roles=SEARCH_ROLES,
)


@dataclass(frozen=True)
class User:
    # Who the services know the person as: an assistant's id in the directory (found from
    # their login at sign-in), the token's subject for everyone else.
    subject: str
    role: str
    districts: tuple[str, ...]
    name: str
    token: str
    login: str = ""  # how an assistant signed in (their login at the identity provider)

    @property
    def district(self) -> str:
        """The one district a centre's person works in ('' for the city-wide roles)."""
        real = [d for d in self.districts if d != "*"]
        return real[0] if real else ""

    def as_session(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "role": self.role,
            "districts": list(self.districts),
            "name": self.name,
            "token": self.token,
            "login": self.login,
        }

    @classmethod
    def from_session(cls, data: Any) -> User | None:
        if not isinstance(data, dict):
            return None
        try:
            return cls(
                subject=str(data["subject"]),
                role=str(data["role"]),
                districts=tuple(str(d) for d in data["districts"]),
                name=str(data["name"]),
                token=str(data["token"]),
                login=str(data.get("login", "")),
            )
        except (KeyError, TypeError):
            return None


class NotSignedIn(Exception):
    pass


class Forbidden(Exception):
    pass


class CsrfFailed(Exception):
    pass


def language(request: Request) -> str:
    lang = request.session.get("lang") or request.cookies.get("asysta_lang") or "pl"
    return "en" if lang == "en" else "pl"


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return str(token)


async def checked_form(request: Request) -> FormData:
    """The posted form, after checking its CSRF token against the session's (a hidden field,
    or the X-CSRF-Token header htmx sends)."""
    form = await request.form()
    sent = str(form.get("csrf_token") or request.headers.get("x-csrf-token") or "")
    expected = request.session.get("csrf")
    if not expected or not secrets.compare_digest(sent, str(expected)):
        raise CsrfFailed()
    return form


def settings_of(request: Request) -> WebSettings:
    settings: WebSettings = request.app.state.settings
    return settings


@dataclass
class Page:
    """A request of a signed-in person: who, their API calls, their language."""

    request: Request
    user: User
    api: Api
    lang: str

    def t(self, key: str) -> str:
        return catalogue.text(key, self.lang)

    def render(
        self,
        template: str,
        context: dict[str, Any] | None = None,
        *,
        status_code: int = 200,
        block: str | None = None,
    ) -> Response:
        return render(
            self.request, template, context, status_code=status_code, block=block, user=self.user
        )

    def redirect(self, url: str, *, flash: str | None = None) -> Response:
        if flash:
            self.request.session["flash"] = flash
        return RedirectResponse(url, status_code=303)


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    block: str | None = None,
    user: User | None = None,
) -> Response:
    lang = language(request)
    today = formatting.today_in_warsaw()

    def t(key: str) -> str:
        return catalogue.text(key, lang)

    def deadline(value: Any) -> formatting.Deadline | None:
        return formatting.deadline(value, today, lang)

    base = {
        "request": request,
        "user": user,
        "lang": lang,
        "t": t,
        "deadline": deadline,
        "today": today,
        "csrf": csrf_token(request),
        "flash": request.session.pop("flash", None),
        "development": settings_of(request).development,
        # Reporting's reminders, where the route loaded them (services/web/tasks.py).
        "task_summary": getattr(request.state, "task_summary", None),
        "tasks": getattr(request.state, "tasks", None),
    }
    base.update(context or {})
    if block:
        return templates.TemplateResponse(
            request, template, base, status_code=status_code, block_name=block
        )
    return templates.TemplateResponse(request, template, base, status_code=status_code)


def current_page(request: Request) -> Page:
    user = User.from_session(request.session.get("user"))
    if user is None:
        raise NotSignedIn()
    services: Services = request.app.state.services
    lang = language(request)
    api = Api(
        services,
        user.token,
        lang,
        correlation_id=getattr(request.state, "correlation_id", None),
    )
    return Page(request=request, user=user, api=api, lang=lang)


PageDep = Annotated[Page, Depends(current_page)]


def for_roles(*roles: str) -> Any:
    """A dependency: the page, for the given roles only (the services decide the rest)."""

    def check(page: PageDep) -> Page:
        if page.user.role not in roles:
            raise Forbidden()
        return page

    return Depends(check)
