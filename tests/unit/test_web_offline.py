"""The web app's offline parts without the services: the manifest and the service worker, the
device key released to a signed-in assistant's session and forgotten at sign-out, and the
outbox route's checks (sign-in, role, CSRF, body)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from pydantic import ValidationError

from services.web import offline
from services.web.session import COOKIE_NAME, fernet_for
from services.web.settings import WebSettings
from tests.unit.test_web import SECRET, web

ASSISTANT = str(uuid.uuid4())


def session_cookie(role: str = "assistant", subject: str = ASSISTANT) -> str:
    session = {
        "user": {
            "subject": subject,
            "role": role,
            "districts": ["1465068"],
            "name": "Teresa Test",
            "token": "not-used-here",
        },
        "csrf": "the-csrf-token",
    }
    return fernet_for(SECRET).encrypt(json.dumps(session).encode()).decode()


def test_the_manifest_and_the_service_worker_make_the_assistants_pages_an_app() -> None:
    with web() as client:
        manifest = client.get("/manifest.webmanifest")
        assert manifest.status_code == 200
        assert manifest.headers["content-type"].startswith("application/manifest+json")
        assert manifest.json()["start_url"] == "/assistant/offline"
        worker = client.get("/sw.js")
        assert worker.status_code == 200
        assert worker.headers["service-worker-allowed"] == "/"
        assert worker.headers["cache-control"] == "no-cache"
        assert "asysta-pages-v1" in worker.text
        for asset in ("offline.js", "register.js", "offline.css"):
            assert client.get(f"/static/offline/{asset}").status_code == 200


def test_the_device_key_is_released_to_the_session_and_forgotten_at_sign_out() -> None:
    with web() as client:
        client.cookies.set(COOKIE_NAME, session_cookie())
        first = client.get("/assistant/offline/key")
        assert first.status_code == 200 and first.headers["cache-control"] == "no-store"
        assert first.json()["owner"] == ASSISTANT
        again = client.get("/assistant/offline/key")
        assert again.json()["key"] == first.json()["key"]  # one key per session
        out = client.post("/signout", data={"csrf_token": "the-csrf-token"})
        assert out.status_code == 303
        # A new session gets a new key: the old one is gone with the old session.
        client.cookies.clear()
        client.cookies.set(COOKIE_NAME, session_cookie())
        assert client.get("/assistant/offline/key").json()["key"] != first.json()["key"]


def test_the_outbox_route_needs_an_assistant_their_csrf_token_and_a_list_of_records() -> None:
    with web() as client:
        assert client.post("/assistant/offline/send", json={"records": []}).status_code == 303
        client.cookies.set(COOKIE_NAME, session_cookie(role="head", subject="head-1465068"))
        headers = {"X-CSRF-Token": "the-csrf-token"}
        head = client.post("/assistant/offline/send", json={"records": []}, headers=headers)
        assert head.status_code == 403
        client.cookies.set(COOKIE_NAME, session_cookie())
        no_token = client.post("/assistant/offline/send", json={"records": []})
        assert no_token.status_code == 403
        bad = client.post("/assistant/offline/send", content=b"not json", headers=headers)
        assert bad.status_code == 400
        assert bad.json()["title"] == "Nieprawidłowe dane do wysłania"
        not_a_list = client.post("/assistant/offline/send", json={"records": 3}, headers=headers)
        assert not_a_list.status_code == 400


def test_the_setting_says_which_families_the_device_keeps_and_the_page_tells_its_script(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert WebSettings(session_secret=SECRET).offline_families == "all"  # type: ignore[arg-type]
    monkeypatch.setenv("WEB_OFFLINE_FAMILIES", "marked")
    assert WebSettings(session_secret=SECRET).offline_families == "marked"  # type: ignore[arg-type]
    monkeypatch.setenv("WEB_OFFLINE_FAMILIES", "some")
    with pytest.raises(ValidationError):
        WebSettings(session_secret=SECRET)  # type: ignore[arg-type]
    monkeypatch.delenv("WEB_OFFLINE_FAMILIES")

    async def one_family(_page: object) -> list[dict[str, Any]]:
        family = {"case_id": str(uuid.uuid4()), "family": "Anna Polna", "version": 3}
        return [{**family, "last_visit_on": None, "visits": 0}]

    monkeypatch.setattr(offline, "_active_families", one_family)
    for mode, marks, says in (
        ("all", 0, "wszystkich Twoich aktywnych rodzin"),
        ("marked", 1, "tylko rodzin oznaczonych"),
    ):
        with web(offline_families=mode) as client:
            client.cookies.set(COOKIE_NAME, session_cookie())
            page = client.get("/assistant/offline")
            assert page.status_code == 200
            assert f'data-families="{mode}"' in page.text
            assert says in page.text
            # With "marked", each family has its labelled mark, described by what it does.
            assert page.text.count('class="field-work-mark"') == marks
            if marks:
                assert 'aria-describedby="kept-families"> Do pracy w terenie</label>' in page.text
