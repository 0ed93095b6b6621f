"""The daily digest through a real SMTP server in-process (aiosmtpd): one message per person,
in Polish, naming families only by case number and initials; nothing sent twice, not on a
second run the same day, not after a restart; a message decided and never marked sent goes
out again as the same message."""

from __future__ import annotations

import asyncio
import email
import email.policy
import ssl
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from ipaddress import ip_address
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import func, select

from services.reporting.adapters.mail import LogTransport, MailTransport, SmtpTransport
from services.reporting.adapters.tables import digest_messages, digest_sent
from services.reporting.application.digest import LEASE
from services.reporting.bootstrap import build_digest, build_reporting, daily_digest_job
from services.reporting.settings import ReportingSettings
from shared.domain.clock import FixedClock
from tests.integration.test_tasks import NOW, OCHOTA, apply_history, scenario

pytestmark = pytest.mark.integration

HEAD = "kierownik.ochota@ops.example.pl"
EWA, ADAM = "ewa@ops.example.pl", "adam@ops.example.pl"


class CrashAfterSending:
    """The SMTP server takes the message, then the process dies (for one recipient)."""

    needs_recipient = True

    def __init__(self, transport: MailTransport, recipient: str) -> None:
        self.transport, self.recipient = transport, recipient

    async def send(self, message: EmailMessage) -> None:
        await self.transport.send(message)
        if message["To"] == self.recipient:
            raise ConnectionResetError("the process died here")


class Inbox:
    """What the SMTP server received, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        parsed["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(parsed)
        return "250 OK"


@pytest.fixture
async def smtp() -> AsyncIterator[tuple[Inbox, int]]:
    """aiosmtpd's SMTP server on the test's own event loop, on a port the system picks (the
    transport sends from a thread, so the loop is free to answer)."""
    inbox = Inbox()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(inbox), "127.0.0.1", 0)
    try:
        yield inbox, server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


def settings(db_url: str, port: int, ewa: str, adam: str) -> ReportingSettings:
    return ReportingSettings(
        database_url=db_url,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_starttls=False,
        smtp_sender="Asysta <asysta@ops.example.pl>",
        head_emails={OCHOTA: HEAD},
        assistant_emails={ewa: EWA, adam: ADAM},
    )


def body(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


async def test_one_digest_per_person_once(db_url: str, smtp: tuple[Inbox, int]) -> None:
    received, port = smtp
    s = scenario()
    config = settings(db_url, port, str(s.ewa), str(s.adam))
    clock = FixedClock(NOW)
    reporting = build_reporting(config, clock=clock)
    await reporting.runtime.start(relay=False, worker=False)
    await apply_history(reporting, s.history)

    digest = build_digest(config, reporting.runtime, clock)
    assert isinstance(digest.transport, SmtpTransport)
    first = await digest.run()
    assert sorted(first.sent) == sorted(
        [f"assistant:{s.ewa}", f"assistant:{s.adam}", f"head:{OCHOTA}"]
    )
    by_to = {m["To"]: m for m in received.messages}
    assert sorted(by_to) == sorted([EWA, ADAM, HEAD])
    ewa = by_to[EWA]
    assert ewa["Subject"] == "Asysta: przypomnienia na dzień 15.06.2026 (pozycji: 4)"
    text = body(ewa)
    print(f"\n--- digest received by {EWA} ---\nSubject: {ewa['Subject']}\n{text}")
    print(f"--- digest received by {HEAD} ---\nSubject: {by_to[HEAD]['Subject']}")
    print(body(by_to[HEAD]))
    assert "Dzień dobry," in text and "Po terminie:" in text and "Zbliżające się terminy:" in text
    behind = f"AR-{s.behind.hex[:8].upper()} (A.B.)"
    assert f"- {behind}: okresowa ocena sytuacji rodziny; termin 10.06.2026" in text
    assert "opinia dla sądu; termin 20.06.2026, termin za 5 dni" in text
    # Nothing personal beyond numbers and initials: no names, no ids, no court or signature.
    for message in received.messages:
        content = body(message) + str(message["Subject"])
        for secret in ("Zofia", "Wrona", "Anna", "Nowak", "Nsm", "SR dla", str(s.behind)):
            assert secret not in content
    adam = body(by_to[ADAM])
    assert "(pozycji: 1)" in by_to[ADAM]["Subject"]
    assert f"AR-{s.adams.hex[:8].upper()}: okresowa ocena" in adam  # erased: no initials
    head = body(by_to[HEAD])
    assert f"ZG-{s.referral.hex[:8].upper()} (Z.W.): zgłoszenie czeka na decyzję" in head
    assert "rodzina czeka na asystenta" in head

    # A second run the same day sends nothing.
    again = await digest.run()
    assert again.sent == [] and again.resent == []
    assert len(received.messages) == 3

    # Nor after a restart: a new process on the same database.
    await reporting.runtime.stop()
    restarted = build_reporting(config, clock=clock)
    await restarted.runtime.start(relay=False, worker=False)
    after_restart = await build_digest(config, restarted.runtime, clock).run()
    assert after_restart.sent == [] and after_restart.resent == []
    assert len(received.messages) == 3

    # Eleven days later Adam's assessment and Ewa's court opinion are overdue: each person is
    # told of what changed only, in one message of the new day.
    later = FixedClock(NOW + timedelta(days=11))
    next_run = await build_digest(config, restarted.runtime, later).run()
    new = received.messages[3:]
    assert sorted(next_run.sent) == sorted(m["X-Asysta-Person"] for m in new)
    adam_again = [m for m in new if m["To"] == ADAM]
    assert len(adam_again) == 1
    assert "Po terminie:" in body(adam_again[0])
    assert "termin 25.06.2026, po terminie od 1 dnia" in body(adam_again[0])
    ewa_again = [m for m in new if m["To"] == EWA]
    assert len(ewa_again) == 1
    assert "opinia dla sądu; termin 20.06.2026, po terminie od 6 dni" in body(ewa_again[0])
    assert "okresowa ocena" not in body(ewa_again[0])  # announced overdue on the first day
    async with restarted.engine.connect() as conn:
        per_day = (
            await conn.execute(
                select(digest_messages.c.person, func.count())
                .group_by(digest_messages.c.person, digest_messages.c.day)
                .having(func.count() > 1)
            )
        ).all()
        assert per_day == []
        # Once sent, the stored text (initials) is gone; the subject and the date stay.
        bodies = (await conn.execute(select(digest_messages.c.body))).scalars().all()
        assert bodies and set(bodies) == {""}
        recorded = (await conn.execute(select(func.count()).select_from(digest_sent))).scalar()
        assert recorded and recorded >= 6
    await restarted.runtime.stop()


async def test_a_digest_decided_but_never_marked_sent_goes_out_again_as_the_same_message(
    db_url: str, smtp: tuple[Inbox, int]
) -> None:
    """The crash between sending and recording `sent_at`: the restart sends the one message
    again, with its Message-ID, and never decides a second digest for the day."""
    received, port = smtp
    s = scenario()
    config = settings(db_url, port, str(s.ewa), str(s.adam))
    clock = FixedClock(NOW)
    reporting = build_reporting(config, clock=clock)
    await reporting.runtime.start(relay=False, worker=False)
    await apply_history(reporting, s.history)
    smtp_transport = build_digest(config, reporting.runtime, clock).transport
    # The process dies after the SMTP server took Ewa's digest, before `sent_at` is written.
    first = await build_digest(
        config, reporting.runtime, clock, CrashAfterSending(smtp_transport, EWA)
    ).run()
    assert f"assistant:{s.ewa}" not in first.sent
    assert len(received.messages) == 3
    ewa_index = [m["To"] for m in received.messages].index(EWA)
    ewa_id = received.messages[ewa_index]["Message-ID"]
    # Within the lease nobody resends (the deciding replica may still be sending)...
    assert (await build_digest(config, reporting.runtime, clock).run()).resent == []
    # ...after it, one pass does, once.
    later = FixedClock(NOW + LEASE + timedelta(seconds=1))
    result = await build_digest(config, reporting.runtime, later).run()
    assert result.resent == [f"assistant:{s.ewa}"] and result.sent == []
    assert len(received.messages) == 4
    assert received.messages[3]["Message-ID"] == ewa_id
    assert body(received.messages[3]) == body(received.messages[ewa_index])
    assert (await build_digest(config, reporting.runtime, later).run()).resent == []
    assert len(received.messages) == 4
    await reporting.runtime.stop()


async def test_the_daily_job_waits_for_its_hour_and_logs_without_smtp(db_url: str) -> None:
    s = scenario()
    early = FixedClock(NOW.replace(hour=3))  # 05:30 in Warsaw
    config = ReportingSettings(database_url=db_url, digest_hour=7)
    reporting = build_reporting(config, clock=early)
    await reporting.runtime.start(relay=False, worker=False)
    await apply_history(reporting, s.history)
    assert isinstance(build_digest(config, reporting.runtime, early).transport, LogTransport)
    await daily_digest_job(config, reporting.runtime, early).run()
    async with reporting.engine.connect() as conn:
        count = select(func.count()).select_from(digest_messages)
        assert (await conn.execute(count)).scalar() == 0
    await daily_digest_job(config, reporting.runtime, FixedClock(NOW)).run()
    async with reporting.engine.connect() as conn:
        # Logged (no SMTP host) for every person, addresses or not, and marked sent.
        rows = (await conn.execute(select(digest_messages))).all()
    assert len(rows) == 3 and all(r.sent_at is not None for r in rows)
    await reporting.runtime.stop()


def _self_signed(tmp: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that the test trusts (SSL_CERT_FILE), as a city's mail
    server's would be trusted through the system's store."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp / "smtp.pem", tmp / "smtp.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


async def test_starttls_and_login(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The transport as a city's mail server wants it: STARTTLS (the certificate verified),
    then a login (the server requires both before it takes mail)."""
    cert_file, key_file = _self_signed(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert_file, key_file)
    logins: list[tuple[bytes, bytes]] = []

    def authenticate(
        _server: Any, _session: Any, _envelope: Any, _mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        logins.append((data.login, data.password))
        return AuthResult(success=data.password == b"tajne-haslo")

    inbox = Inbox()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(
            inbox,
            hostname="127.0.0.1",
            tls_context=server_tls,
            require_starttls=True,
            authenticator=authenticate,
            auth_required=True,
        ),
        "127.0.0.1",
        0,
    )
    port = server.sockets[0].getsockname()[1]
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@b.pl", "c@d.pl", "Próba"
    message.set_content("Treść")
    try:
        transport = SmtpTransport(
            host="127.0.0.1", port=port, user="asysta", password="tajne-haslo", timeout=10
        )
        await transport.send(message)
        assert [m["Subject"] for m in inbox.messages] == ["Próba"]
        assert logins == [(b"asysta", b"tajne-haslo")]
    finally:
        server.close()
        await server.wait_closed()
