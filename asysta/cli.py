"""The operator's command line. Every subcommand prints a Rich table, or with `--json` one JSON
document on stdout for scripts. Exit codes (also in the README):

0 done; 1 a check failed or something asked for was not found; 2 a setting is missing or
invalid (or the command line is wrong); 3 Redis, a database or a service could not be reached;
4 refused (a development-only command outside development, an erasure without --yes).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, TypeVar

import httpx
import redis.asyncio as aioredis
import typer
from alembic.util import CommandError
from redis.exceptions import RedisError
from rich.console import Console
from rich.table import Table
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from asysta import locate
from shared.messaging import dead_letters as dl
from shared.messaging.sealing import BusKeys
from shared.messaging.streams import PRODUCERS
from shared.migrations.runner import current_revision, upgrade
from shared.runtime.database import create_engine
from shared.runtime.logging import configure_logging
from shared.runtime.metrics import read_group_lag, read_outbox
from shared.web.auth import Role, issue_token

OK, FAILED, NOT_CONFIGURED, UNREACHABLE, REFUSED = 0, 1, 2, 3, 4

app = typer.Typer(
    name="asysta",
    help="Asysta: polecenia operatora (stan, zaległości, martwe wiadomości, odbudowa).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
dead_letters_app = typer.Typer(help="Martwe wiadomości: lista, podgląd, ponowienie, usunięcie.")
outbox_app = typer.Typer(help="Outbox: zdarzenia czekające na publikację.")
app.add_typer(dead_letters_app, name="dead-letters")
app.add_typer(outbox_app, name="outbox")

console = Console()
errors = Console(stderr=True)
T = TypeVar("T")


class State:
    json = False


state = State()


class Unreachable(Exception):
    """Redis, a database or a service did not answer (exit code 3)."""


@app.callback()
def _options(
    json_output: Annotated[
        bool, typer.Option("--json", help="jeden dokument JSON na stdout (dla skryptów)")
    ] = False,
) -> None:
    state.json = json_output
    # Log lines (warnings and errors only) go to stderr: stdout is the command's answer.
    configure_logging("asysta", level="WARNING", json=json_output)


def _run(coro: Coroutine[Any, Any, T]) -> T:
    try:
        return asyncio.run(coro)
    except locate.NotConfigured as exc:
        errors.print(f"[red]Brak ustawień:[/red] {exc}")
        raise typer.Exit(NOT_CONFIGURED) from exc
    except (RedisError, OSError, SQLAlchemyError, httpx.HTTPError, Unreachable) as exc:
        errors.print(f"[red]Brak połączenia:[/red] {type(exc).__name__}: {exc}")
        raise typer.Exit(UNREACHABLE) from exc


def _emit(rows: list[dict[str, Any]], title: str, columns: list[str] | None = None) -> None:
    if state.json:
        print(json.dumps(rows, ensure_ascii=False, default=str))
        return
    columns = columns or (list(rows[0]) if rows else [])
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("" if row.get(c) is None else str(row.get(c)) for c in columns))
    console.print(table)


async def _with_redis(use: Callable[[aioredis.Redis, str], Coroutine[Any, Any, T]]) -> T:
    url = locate.redis_url()
    prefix = locate.settings_of("reporting").stream_prefix
    client = aioredis.from_url(url)
    try:
        return await use(client, prefix)
    finally:
        await client.aclose()


# ---- lag ---------------------------------------------------------------------------------


@app.command()
def lag() -> None:
    """Każda grupa konsumentów: zaległość (lag), niepotwierdzone (pending), martwe wiadomości."""

    async def read(client: aioredis.Redis, prefix: str) -> list[dict[str, Any]]:
        return [row.as_dict() for row in await read_group_lag(client, prefix)]

    rows = _run(_with_redis(read))
    _emit(rows, "Grupy konsumentów")


# ---- outbox ------------------------------------------------------------------------------


@outbox_app.command("status")
def outbox_status() -> None:
    """Zdarzenia czekające w outboxie każdej usługi i wiek najstarszego."""

    async def read() -> list[dict[str, Any]]:
        rows = []
        for service in PRODUCERS:
            engine = create_engine(locate.settings_of(service).database_url, pooled=False)
            try:
                async with engine.connect() as conn:
                    waiting, age = await read_outbox(conn, datetime.now(UTC))
            finally:
                await engine.dispose()
            rows.append({"service": service, "waiting": waiting, "oldest_age_s": round(age, 1)})
        return rows

    _emit(_run(read()), "Outbox")


# ---- migrate ---------------------------------------------------------------------------


@app.command()
def migrate() -> None:
    """Schemat bazy każdej usługi do bieżącej wersji (migracje Alembic), przed startem nowej
    wersji usług. Bezpieczne do powtórzenia: baza już aktualna zostaje bez zmian."""

    async def run() -> list[dict[str, Any]]:
        rows = []
        for service in locate.SERVICES:
            settings = locate.settings_of(service)  # a missing setting is exit code 2
            engine = create_engine(settings.database_url, pooled=False)
            try:
                done = await upgrade(engine, locate.migrations_of(service))
            except (RuntimeError, CommandError) as exc:
                # A migration refused (nothing of it was applied: one transaction).
                errors.print(f"[red]Migracja bazy {service} nie powiodła się:[/red] {exc}")
                raise typer.Exit(FAILED) from exc
            finally:
                await engine.dispose()
            rows.append(
                {
                    "service": service,
                    "before": done.before or "",
                    "after": done.after,
                    "changed": done.changed,
                }
            )
        return rows

    _emit(_run(run()), "Migracje", ["service", "before", "after", "changed"])


# ---- check -------------------------------------------------------------------------------


@app.command()
def check() -> None:
    """Ustawienia, bazy danych (i czy ich schemat jest aktualny) i Redis."""

    async def probe() -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for service in locate.SERVICES:
            try:
                settings = locate.settings_of(service)
            except locate.NotConfigured as exc:
                rows.append({"what": f"{service}: settings", "ok": False, "detail": str(exc)})
                continue
            rows.append({"what": f"{service}: settings", "ok": True, "detail": ""})
            engine = create_engine(settings.database_url, pooled=False)
            try:
                async with engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))
                    revision = await conn.run_sync(current_revision, service)
                rows.append(
                    {
                        "what": f"{service}: database",
                        "ok": True,
                        "detail": locate.redacted(settings.database_url),
                    }
                )
                head = locate.migrations_of(service).head()
                rows.append(
                    {
                        "what": f"{service}: schema",
                        "ok": revision == head,
                        "detail": f"{revision or 'brak'} (wymagana {head})"
                        + ("" if revision == head else ": uruchom `asysta migrate`"),
                    }
                )
            except (SQLAlchemyError, OSError) as exc:
                rows.append(
                    {"what": f"{service}: database", "ok": False, "detail": type(exc).__name__}
                )
            finally:
                await engine.dispose()
        try:
            url = locate.redis_url()
            client = aioredis.from_url(url)
            try:
                await client.ping()
                rows.append({"what": "redis", "ok": True, "detail": locate.redacted(url)})
            finally:
                await client.aclose()
        except locate.NotConfigured as exc:
            rows.append({"what": "redis", "ok": False, "detail": str(exc)})
        except (RedisError, OSError) as exc:
            rows.append({"what": "redis", "ok": False, "detail": type(exc).__name__})
        return rows

    rows = _run(probe())
    _emit(rows, "Stan wdrożenia", ["what", "ok", "detail"])
    if not all(row["ok"] for row in rows):
        raise typer.Exit(FAILED)


# ---- dead letters ------------------------------------------------------------------------


async def _letters(client: aioredis.Redis, prefix: str) -> list[dl.DeadLetter]:
    return await dl.list_dead_letters(client, prefix)


def _chosen(letters: list[dl.DeadLetter], ids: list[str], every: bool) -> list[dl.DeadLetter]:
    if not ids and not every:
        errors.print("Podaj identyfikatory z `asysta dead-letters list` albo --all.")
        raise typer.Exit(NOT_CONFIGURED)
    chosen = letters if every else [x for x in letters if x.entry_id in ids]
    missing = set(ids) - {x.entry_id for x in chosen}
    if missing:
        errors.print(f"Nie ma takich martwych wiadomości: {', '.join(sorted(missing))}")
        raise typer.Exit(FAILED)
    return chosen


@dead_letters_app.command("list")
def dead_letters_list() -> None:
    """Wszystkie martwe wiadomości (bez treści zdarzeń)."""
    letters = _run(_with_redis(_letters))
    _emit(
        [letter.summary() for letter in letters],
        f"Martwe wiadomości: {len(letters)}",
        ["id", "group", "stream", "event_type", "aggregate", "version", "deliveries", "error"],
    )


@dead_letters_app.command("show")
def dead_letters_show(entry_id: Annotated[str, typer.Argument(help="id z listy")]) -> None:
    """Jedna martwa wiadomość: skąd, ile prób, ostatni błąd, koperta zdarzenia (bez treści)."""
    letters = _run(_with_redis(_letters))
    found = [x for x in letters if x.entry_id == entry_id]
    if not found:
        errors.print(f"Nie ma martwej wiadomości {entry_id}")
        raise typer.Exit(FAILED)
    letter = found[0]
    # The envelope's ids and codes, not its payload (personal fields travel in it).
    envelope = {k: v for k, v in (letter.event or {}).items() if k != "payload"}
    detail = {**letter.summary(), "dead_letter_stream": letter.dead_letter_stream, **envelope}
    if state.json:
        print(json.dumps(detail, ensure_ascii=False, default=str))
        return
    table = Table(title=f"Martwa wiadomość {entry_id}", show_header=False)
    for key, value in detail.items():
        table.add_row(key, "" if value is None else str(value))
    console.print(table)


@dead_letters_app.command("replay")
def dead_letters_replay(
    ids: Annotated[list[str] | None, typer.Argument(help="id z listy")] = None,
    every: Annotated[bool, typer.Option("--all", help="wszystkie")] = False,
    group: Annotated[str | None, typer.Option(help="tylko martwe wiadomości tej grupy")] = None,
    timeout: Annotated[float, typer.Option(help="ile sekund czekać na odpowiedź grupy")] = 30.0,
) -> None:
    """Z powrotem do grupy, która je odrzuciła; mówi, co się stało z każdą (kod 1, gdy któraś
    nie została zastosowana)."""

    async def go(client: aioredis.Redis, prefix: str) -> list[dl.ReplayOutcome]:
        keys = BusKeys(client, prefix, locate.settings_of("reporting").master_key())
        letters = await dl.list_dead_letters(client, prefix, group=group, keys=keys)
        chosen = _chosen(letters, ids or [], every)
        return await dl.replay(client, chosen, prefix=prefix, keys=keys, timeout=timeout)

    outcomes = _run(_with_redis(go))
    _emit(
        [{"id": o.letter.entry_id, "outcome": o.outcome, "error": o.error or ""} for o in outcomes],
        "Ponowione",
        ["id", "outcome", "error"],
    )
    if not all(o.applied for o in outcomes):
        raise typer.Exit(FAILED)


@dead_letters_app.command("drop")
def dead_letters_drop(
    ids: Annotated[list[str] | None, typer.Argument(help="id z listy")] = None,
    every: Annotated[bool, typer.Option("--all", help="wszystkie")] = False,
) -> None:
    """Usuń martwe wiadomości bez ponawiania (np. zdarzenie, którego nikt nie potrzebuje)."""

    async def go(client: aioredis.Redis, prefix: str) -> int:
        chosen = _chosen(await _letters(client, prefix), ids or [], every)
        drop = getattr(dl, "drop", None)
        if drop is not None:
            return int(await drop(client, chosen))
        dropped = 0
        for letter in chosen:
            dropped += int(await client.xdel(letter.dead_letter_stream, letter.entry_id))
        return dropped

    count = _run(_with_redis(go))
    _emit([{"dropped": count}], "Usunięte")


# ---- reporting, families, tokens ---------------------------------------------------------


@app.command()
def rebuild(
    in_place: Annotated[
        bool,
        typer.Option(
            "--in-place",
            help="Opróżnij i wypełnij bieżące projekcje zamiast budować nowe i je podmienić.",
        ),
    ] = False,
) -> None:
    """Odbuduj projekcje raportowania z kanałów zdarzeń usług (pasek postępu, czas do końca).

    Na PostgreSQL nowe tabele powstają obok bieżących, które służą raportom do podmiany."""
    env = dict(os.environ)
    # A rebuild reads the feeds over HTTP; Redis, if known, is passed on but not needed.
    with contextlib.suppress(locate.NotConfigured):
        env["REDIS_URL"] = locate.redis_url()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "services.reporting",
            "rebuild",
            *(["--in-place"] if in_place else []),
        ],
        env=env,
        check=False,
    )
    if state.json:
        print(json.dumps({"exit_code": result.returncode}))
    if result.returncode:
        raise typer.Exit(UNREACHABLE if result.returncode == 1 else result.returncode)


def _operator_token(role: Role, subject: str) -> str:
    settings = locate.settings_of("referrals")
    return issue_token(
        settings.signing_secret(),
        subject=subject,
        role=role,
        districts=["*"],
        audience=settings.jwt_audience,
        ttl=timedelta(minutes=5),
    )


def _call(service: str, method: str, path: str, token: str, **kwargs: Any) -> httpx.Response:
    try:
        response = httpx.request(
            method,
            f"{locate.service_url(service)}{path}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
            **kwargs,
        )
    except httpx.HTTPError as exc:
        errors.print(f"[red]Brak połączenia z {service}:[/red] {type(exc).__name__}")
        raise typer.Exit(UNREACHABLE) from exc
    if response.status_code >= 400:
        errors.print(f"[red]{service} odpowiada {response.status_code}:[/red] {response.text}")
        raise typer.Exit(FAILED)
    return response


@app.command("erase-family")
def erase_family(
    family_id: Annotated[str, typer.Argument(help="identyfikator rodziny (UUID)")],
    reason: Annotated[str, typer.Option(help="podstawa usunięcia")],
    yes: Annotated[bool, typer.Option("--yes", help="potwierdzam: nieodwracalne")] = False,
    subject: Annotated[str, typer.Option(help="kto usuwa (do audytu)")] = "operator",
) -> None:
    """Usuń dane osobowe rodziny we wszystkich usługach (zniszczenie kluczy). Nieodwracalne."""
    if not yes:
        errors.print("Usunięcie jest nieodwracalne: powtórz z --yes.")
        raise typer.Exit(REFUSED)
    response = _call(
        "referrals",
        "POST",
        f"/families/{family_id}/erasure",
        _operator_token(Role.ADMIN, subject),
        json={"reason": reason},
    )
    _emit([response.json()], "Usunięcie danych rodziny")


@app.command()
def retention(
    older_than_years: Annotated[
        int | None, typer.Option(help="lata od zakończenia pracy (domyślnie ustawienie usługi)")
    ] = None,
) -> None:
    """Rodziny po okresie przechowywania danych (do przeglądu i `erase-family`)."""
    params = {} if older_than_years is None else {"older_than_years": older_than_years}
    response = _call(
        "casework", "GET", "/retention", _operator_token(Role.ADMIN, "operator"), params=params
    )
    _emit(response.json(), "Rodziny po okresie przechowywania")


@app.command()
def token(
    role: Annotated[Role, typer.Option(help="rola")] = Role.HEAD,
    district: Annotated[list[str] | None, typer.Option(help="TERC dzielnicy, * = miasto")] = None,
    subject: Annotated[str, typer.Option(help="sub tokenu")] = "demo",
    hours: Annotated[int, typer.Option(help="ważność w godzinach")] = 8,
) -> None:
    """Token użytkownika demonstracyjnego. Tylko w środowisku deweloperskim."""
    settings = locate.settings_of("referrals")
    if settings.environment != "development":
        errors.print("Tokeny demonstracyjne tylko przy ASYSTA_ENV=development.")
        raise typer.Exit(REFUSED)
    value = issue_token(
        settings.signing_secret(),
        subject=subject,
        role=role,
        districts=district or ["1465068"],
        audience=settings.jwt_audience,
        ttl=timedelta(hours=hours),
    )
    if state.json:
        print(json.dumps({"token": value, "role": role.value, "subject": subject}))
    else:
        print(value)


def main(argv: list[str] | None = None) -> int:
    try:
        # Without standalone mode click answers an Exit's code instead of raising it.
        result = app(args=argv, prog_name="asysta", standalone_mode=False)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except locate.NotConfigured as exc:
        errors.print(f"[red]Brak ustawień:[/red] {exc}")
        return NOT_CONFIGURED
    except Exception as exc:  # click's usage errors
        from click.exceptions import ClickException

        if isinstance(exc, ClickException):
            exc.show()
            return NOT_CONFIGURED
        raise
    return result if isinstance(result, int) else OK
