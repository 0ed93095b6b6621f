"""The web app without the services: its catalogue and dates, sign-in rules, CSRF, the
session cookie, the OIDC claims mapping; and the services' /docs served from the repo."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from cryptography.fernet import InvalidToken
from fastapi.testclient import TestClient

from services.web.app import create_app
from services.web.catalogue import LABELS, label, text
from services.web.families import family_name
from services.web.formatting import deadline, local_time, long_date, plural_pl
from services.web.session import fernet_for
from services.web.settings import WebSettings
from services.web.signin import user_from_claims
from shared.web.auth import TokenVerifier
from shared.web.http import create_app as create_service_app

SECRET = "a-session-secret-of-at-least-32-characters!"


def web(environment: str = "development", **settings: object) -> TestClient:
    config = WebSettings(
        environment=environment,  # type: ignore[arg-type]
        session_secret=SECRET,  # type: ignore[arg-type]
        referrals_url="http://127.0.0.1:9",
        casework_url="http://127.0.0.1:9",
        directory_url="http://127.0.0.1:9",
        reporting_url="http://127.0.0.1:9",
        **settings,  # type: ignore[arg-type]
    )
    return TestClient(create_app(config), follow_redirects=False)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def test_codes_have_polish_and_english_labels_and_unknown_codes_show_as_themselves() -> None:
    assert label("referral_status", "awaiting_decision") == "czeka na decyzję kierownika"
    assert label("referral_status", "awaiting_decision", "en") == "awaiting the head's decision"
    assert label("visit_topic", "budget") == "budżet domowy"
    assert label("source", "school") == "zawiadomienie szkoły"  # a short name of a kind
    assert label("employment_form", "employment_contract") == "umowa o pracę"
    assert label("closure_reason", "a_new_code") == "a_new_code"
    assert text("nav.my_families") == "Moje rodziny"
    assert all(len(pair) == 2 and all(pair) for kind in LABELS.values() for pair in kind.values())


def test_dates_and_deadlines_read_as_a_polish_office_writes_them() -> None:
    today = date(2026, 12, 1)
    assert long_date(date(2026, 12, 1)) == "1 grudnia 2026"
    assert long_date("2027-03-05", "en") == "5 March 2027"
    assert local_time("2026-07-01T10:05:00+00:00") == "1 lipca 2026, 12:05"  # summer time
    assert local_time("2026-12-01T10:05:00Z") == "1 grudnia 2026, 11:05"
    soon = deadline("2026-12-04", today)
    late = deadline(date(2026, 11, 28), today)
    assert soon is not None and soon.words == "za 3 dni" and not soon.overdue
    assert late is not None and late.words == "3 dni po terminie" and late.overdue
    one = deadline("2026-11-30", today, "en")
    assert one is not None and one.words == "1 day overdue"


def test_polish_plurals() -> None:
    forms = ("działanie", "działania", "działań")
    assert [plural_pl(n, *forms) for n in (1, 2, 5, 12, 22, 25)] == [
        "działanie",
        "działania",
        "działań",
        "działań",
        "działania",
        "działań",
    ]


def test_a_family_is_named_by_its_first_adult_and_its_children() -> None:
    members = [
        {"role": "child", "first_name": "Kacper", "last_name": "Nowak"},
        {"role": "parent", "first_name": "Katarzyna", "last_name": "Nowak"},
        {"role": "child", "first_name": "Zuzanna", "last_name": "Nowak"},
    ]
    assert family_name(members) == "Katarzyna Nowak (2 dzieci)"
    assert family_name(members[:2]) == "Katarzyna Nowak (1 dziecko)"
    assert family_name(members, "en") == "Katarzyna Nowak (2 children)"


def test_demo_sign_in_works_in_development_and_sets_a_protected_encrypted_cookie() -> None:
    with web() as client:
        page = client.get("/signin")
        assert "Kierownik OPS Ochota" in page.text
        response = client.post(
            "/signin/dev",
            data={"csrf_token": csrf_of(page.text), "user": "head:1465068", "next": "/head"},
        )
        assert response.status_code == 303 and response.headers["location"] == "/head"
        cookie = response.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert "Secure" not in cookie  # plain http in development
        value = cookie.split(";")[0].split("=", 1)[1]
        # Encrypted: only the app's key opens it, and what it holds is not in the cookie as
        # written (a Fernet token is random base64, so no fixed substring test would be sound).
        inside = json.loads(fernet_for(SECRET).decrypt(value.encode()))
        assert inside["user"]["role"] == "head"
        token = inside["user"]["token"]
        assert token.startswith("eyJ") and token not in value
        with pytest.raises(InvalidToken):
            fernet_for("another-secret-of-at-least-32-characters").decrypt(value.encode())


def test_demo_sign_in_is_refused_outside_development() -> None:
    with web("test") as client:
        page = client.get("/signin")
        assert "Kierownik OPS Ochota" not in page.text
        response = client.post(
            "/signin/dev", data={"csrf_token": csrf_of(page.text), "user": "head:1465068"}
        )
        assert response.status_code == 403
        assert "tylko w wersji deweloperskiej" in response.text


def test_a_form_without_its_csrf_token_is_refused_and_pages_need_a_sign_in() -> None:
    with web() as client:
        client.get("/signin")
        refused = client.post("/signin/dev", data={"user": "head:1465068"})
        assert refused.status_code == 403
        assert "Formularz wygasł" in refused.text
        response = client.get("/head")
        assert response.status_code == 303
        assert response.headers["location"].startswith("/signin")


def test_cookies_are_secure_outside_development() -> None:
    with web("test") as client:
        response = client.get("/signin")
        assert "Secure" in response.headers["set-cookie"]


def test_settings_refuse_a_missing_session_secret_and_production_without_oidc() -> None:
    with pytest.raises(ValueError, match="WEB_SESSION_SECRET"):
        WebSettings(environment="test")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="WEB_OIDC"):
        WebSettings(environment="production", session_secret=SECRET)  # type: ignore[arg-type]


def test_the_provider_claims_map_to_the_person_by_configurable_names() -> None:
    settings = WebSettings(oidc_role_claim="asysta_role", oidc_districts_claim="terc")
    claims = {"sub": "u-1", "asysta_role": "head", "terc": ["1465068"], "name": "Anna Nowak"}
    user = user_from_claims(settings, claims, "access-token")
    assert user is not None
    assert (user.subject, user.role, user.districts, user.name, user.token) == (
        "u-1",
        "head",
        ("1465068",),
        "Anna Nowak",
        "access-token",
    )
    assert user_from_claims(settings, {"sub": "u-2", "asysta_role": "service"}, "t") is None
    assert user_from_claims(settings, {"sub": "u-3"}, "t") is None


def test_every_asset_is_served_by_the_app_itself() -> None:
    with web() as client:
        page = client.get("/signin")
        sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert sources and all(s.startswith("/") or s.startswith("#") for s in sources)
        for asset in ("/static/vendor/htmx-2.0.11.min.js", "/static/vendor/axe-4.14.1.min.js"):
            assert client.get(asset).status_code == 200


def test_a_services_docs_work_offline() -> None:
    async def lifespan(_app: object):  # type: ignore[no-untyped-def]
        yield

    import contextlib

    app = create_service_app(
        title="t",
        description="d",
        lifespan=contextlib.asynccontextmanager(lifespan),
        token_verifier=TokenVerifier(secret="x" * 32, public_key=None, audience="asysta"),
    )
    with TestClient(app) as client:
        for path in ("/docs", "/redoc"):
            html = client.get(path).text
            assert "/docs-assets/" in html
            assert "cdn." not in html and "fonts.googleapis" not in html
        for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js"):
            assert client.get(f"/docs-assets/{asset}").status_code == 200


@pytest.mark.parametrize("user", ["city", "school", "court", "admin"])
def test_who_may_not_read_a_familys_file_gets_no_document_of_it_whatever_the_address(
    user: str,
) -> None:
    case, referral = "3f2a9c1b-0000-4000-8000-000000000001", "5d1e0000-0000-4000-8000-000000000002"
    with web() as client:
        page = client.get("/signin")
        signed = client.post("/signin/dev", data={"csrf_token": csrf_of(page.text), "user": user})
        assert signed.status_code == 303
        for address in (
            f"/cases/{case}/documents/work_plan.pdf?version=1",
            f"/cases/{case}/documents/case_file.html",
            f"/cases/{case}/documents/decision.pdf",
            f"/referrals/{referral}/documents/decision.pdf",
        ):
            # Refused by the web app itself: the services (unreachable here) are not asked.
            response = client.get(address)
            assert response.status_code == 403, address
            assert "Nie masz uprawnień do tej strony." in response.text
            assert response.headers["content-type"].startswith("text/html")


def test_an_unknown_document_or_format_is_a_page_not_found() -> None:
    with web() as client:
        page = client.get("/signin")
        client.post("/signin/dev", data={"csrf_token": csrf_of(page.text), "user": "head:1465068"})
        for address in (
            "/cases/3f2a9c1b-0000-4000-8000-000000000001/documents/love_letter.pdf",
            "/cases/3f2a9c1b-0000-4000-8000-000000000001/documents/work_plan.docx",
            "/cases/3f2a9c1b-0000-4000-8000-000000000001/documents/work_plan.pdf?version=0",
        ):
            response = client.get(address)
            assert response.status_code == 404, address
            assert "Nie znaleziono." in response.text
