"""The directory's read model on both databases: free-text search with Polish diacritics
folded, search by district (also the districts an institution serves) and category, REGON
uniqueness, the seed loaded twice, and the read model rebuilt from the events when its shape
changed."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Column, Date, DateTime, MetaData, String, Table, Uuid, insert, text

from services.directory.adapters.tables import READ_MODEL_VERSION
from services.directory.application import handlers
from services.directory.application.seed import load_seed_into
from services.directory.bootstrap import DirectoryApp, build_app, build_runtime
from services.directory.domain.assistant import DeactivateAssistant, RegisterAssistant
from services.directory.domain.institution import (
    ChangeInstitution,
    CloseInstitution,
    RegisterInstitution,
    RegonAlreadyRegistered,
)
from services.directory.seed import seed_institutions
from services.directory.settings import DirectorySettings
from shared.domain.clock import FixedClock
from shared.events.directory import (
    AssistantRegistered,
    DeactivationReason,
    EmploymentForm,
    InstitutionCategory,
    InstitutionDetails,
)
from shared.eventstore import Aggregate, EventMetadata, EventStore, kernel_metadata
from shared.runtime.database import create_engine, create_schema
from shared.runtime.service import ServiceRuntime

pytestmark = pytest.mark.integration

OCHOTA, WLOCHY, MOKOTOW, LODZ = "1465068", "1465178", "1465058", "1061011"
METADATA = EventMetadata(actor="admin:test", correlation_id="directory-search")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def institution(**changes: Any) -> InstitutionDetails:
    fields: dict[str, Any] = {
        "name": "PORADNIA Psychologiczno-Pedagogiczna nr 9",
        "category": "diagnostic_centre",
        "regon": "123456785",
        "address": {"street": "ul. Szczęśliwicka 56", "postal_code": "02-353"},
        "district": OCHOTA,
        "also_serves": [WLOCHY],
        "competence": ["diagnoza psychologiczna", "opinie o potrzebie kształcenia specjalnego"],
    }
    fields.update(changes)
    return InstitutionDetails.model_validate(fields)


async def _runtime(url: str) -> ServiceRuntime:
    runtime = build_runtime(DirectorySettings(database_url=url), clock=FixedClock(NOW))
    await runtime.start(relay=False, worker=False)
    return runtime


@pytest.fixture
async def app(db_url: str) -> AsyncIterator[DirectoryApp]:
    runtime = await _runtime(db_url)
    yield build_app(runtime)
    await runtime.stop()


async def register_institution(
    app: DirectoryApp, details: InstitutionDetails, metadata: EventMetadata = METADATA
) -> uuid.UUID:
    command = RegisterInstitution(details)
    return await app.runner.run(handlers.register_institution, command, metadata)


async def search_institutions(app: DirectoryApp, **query: Any) -> list[dict[str, Any]]:
    return await app.queries.search_institutions(**query)


async def names(app: DirectoryApp, **query: Any) -> list[str]:
    return [row["name"] for row in await search_institutions(app, **query)]


async def test_free_text_search_ignores_case_and_polish_diacritics(
    app: DirectoryApp,
) -> None:
    await register_institution(app, institution())
    await register_institution(
        app,
        institution(
            name="Ośrodek Interwencji Kryzysowej w Łodzi",
            category="crisis_intervention",
            regon="192598184",
            address={"street": "ul. Piotrkowska 12", "postal_code": "90-001", "city": "Łódź"},
            district=LODZ,
            also_serves=[],
            competence=["przemoc domowa", "hostel"],
        ),
        metadata=METADATA,
    )
    poradnia, oik = (
        "PORADNIA Psychologiczno-Pedagogiczna nr 9",
        ("Ośrodek Interwencji Kryzysowej w Łodzi"),
    )
    assert await names(app, text="poradnia") == [poradnia]
    assert await names(app, text="lodz") == [oik]
    assert await names(app, text="ŁÓDŹ") == [oik]
    assert await names(app, text="osrodek lodzi") == [oik]
    assert await names(app, text="szczesliwicka") == [poradnia]  # the address
    assert await names(app, text="ksztalcenia specjalnego") == [poradnia]  # competence
    assert await names(app, text="wlochy") == [poradnia]  # a district it serves
    assert await names(app, text="interwencja kryzysowa") == [oik]  # the category
    assert await names(app, text="poradnia hostel") == []  # every word must match
    assert await names(app, text="") == [oik, poradnia]  # ordered by folded name
    # LIKE wildcards typed by a user are plain characters.
    assert await names(app, text="%") == [oik, poradnia]
    assert await names(app, text="_oradnia") == []


async def test_search_by_district_finds_the_institutions_serving_it(
    app: DirectoryApp,
) -> None:
    await register_institution(app, institution())
    court = institution(
        name="Sąd Rejonowy dla Warszawy-Mokotowa, III Wydział Rodzinny i Nieletnich",
        category="family_court",
        regon="12345678512347",
        district=MOKOTOW,
        also_serves=["1465138", "1465168"],
        competence=["sprawy opiekuńcze"],
    )
    await register_institution(app, court)
    assert await names(app, district=OCHOTA) == [institution().name]
    assert await names(app, district=WLOCHY) == [institution().name]
    assert await names(app, district="1465138") == [court.name]
    assert await names(app, district="1465188") == []
    assert await names(app, category=InstitutionCategory.FAMILY_COURT) == [court.name]
    assert await names(
        app, district="1465168", category=InstitutionCategory.FAMILY_COURT, text="sad"
    ) == [court.name]
    assert await names(app, district=MOKOTOW, category=InstitutionCategory.SCHOOL) == []


async def test_an_update_and_a_closure_show_in_the_search(app: DirectoryApp) -> None:
    institution_id = await register_institution(app, institution())
    changes = {"district": MOKOTOW, "also_serves": (), "name": "Poradnia nr 9 (Mokotów)"}
    await app.runner.run(
        handlers.change_institution, ChangeInstitution(institution_id, changes), METADATA
    )
    assert await names(app, district=OCHOTA) == []
    assert await names(app, district=MOKOTOW, text="mokotow") == ["Poradnia nr 9 (Mokotów)"]
    row = await app.queries.institution(institution_id)
    assert row["address"]["street"] == "ul. Szczęśliwicka 56"  # untouched by the change
    closure = CloseInstitution(institution_id, reason="likwidacja", closed_on=date(2026, 11, 1))
    await app.runner.run(handlers.close_institution, closure, METADATA)
    assert await names(app, text="poradnia") == []
    assert await names(app, text="poradnia", include_closed=True) == ["Poradnia nr 9 (Mokotów)"]
    row = await app.queries.institution(institution_id)
    assert row["closed"] and row["closed_on"] == date(2026, 11, 1)


async def test_one_regon_names_one_institution(app: DirectoryApp) -> None:
    first = await register_institution(app, institution())
    with pytest.raises(RegonAlreadyRegistered) as refused:
        await register_institution(app, institution(name="Inna nazwa"))
    assert refused.value.params["institution_id"] == first
    other = await register_institution(app, institution(regon="192598184", name="Druga"))
    with pytest.raises(RegonAlreadyRegistered):
        await app.runner.run(
            handlers.change_institution,
            ChangeInstitution(other, {"regon": "123456785"}),
            METADATA,
        )
    # Nothing of the refused commands was stored.
    async with app.runtime.engine.connect() as conn:
        stored = await app.runtime.store.read_all(conn)
    assert [e.event_type for _, e in stored] == ["InstitutionRegistered", "InstitutionRegistered"]
    assert await names(app) == ["Druga", institution().name]


async def test_the_seed_loads_once_however_often_it_is_run(app: DirectoryApp) -> None:
    first = await load_seed_into(app, metadata=METADATA)
    assert first.created == len(seed_institutions())
    second = await load_seed_into(app, metadata=METADATA)
    assert (second.created, second.already_present) == (0, first.created)
    everything = await search_institutions(app, limit=500)
    assert len(everything) == first.created
    ochota = await names(app, district=OCHOTA)
    assert len(ochota) >= 2
    assert await names(app, text="poradnia psychologiczno-pedagogiczna szczesliwicka") == [
        "Poradnia Psychologiczno-Pedagogiczna nr 9 w Warszawie"
    ]
    courts = await names(app, district="1465138", category=InstitutionCategory.FAMILY_COURT)
    assert courts == [
        "Sąd Rejonowy dla Warszawy-Mokotowa w Warszawie, III Wydział Rodzinny i Nieletnich"
    ]


async def test_assistants_by_district_and_activity(app: DirectoryApp) -> None:
    ids = {}
    for last_name, district in (("Nowak", OCHOTA), ("Kowalska", OCHOTA), ("Zieliński", MOKOTOW)):
        registration = RegisterAssistant(
            first_name="Anna",
            last_name=last_name,
            district=district,
            employment_form=EmploymentForm.EMPLOYMENT_CONTRACT,
            works_since=date(2025, 1, 1),
        )
        ids[last_name] = await app.runner.run(handlers.register_assistant, registration, METADATA)
    deactivation = DeactivateAssistant(ids["Nowak"], reason=DeactivationReason.RESIGNED)
    await app.runner.run(handlers.deactivate_assistant, deactivation, METADATA)
    row = await app.queries.assistant(ids["Nowak"])
    assert (row["active"], row["ended_on"], row["end_reason"]) == (
        False,
        date(2026, 11, 23),
        "resigned",
    )

    async def last_names(**query: Any) -> list[str]:
        return [r["last_name"] for r in await app.queries.assistants(**query)]

    assert await last_names(district=OCHOTA) == ["Kowalska", "Nowak"]
    assert await last_names(district=OCHOTA, active=True) == ["Kowalska"]
    assert await last_names(active=False) == ["Nowak"]
    assert await last_names() == ["Kowalska", "Nowak", "Zieliński"]


async def test_a_read_model_of_an_older_shape_is_rebuilt_from_the_events(db_url: str) -> None:
    """A directory database from before institutions: the assistants table without the terms
    of employment and no version row. At start the read model is rebuilt from the events."""
    old = MetaData()
    Table(
        "assistants",
        old,
        Column("assistant_id", Uuid, primary_key=True),
        Column("first_name", String(100), nullable=False),
        Column("last_name", String(100), nullable=False),
        Column("district", String(7), nullable=False, index=True),
        Column("employment_form", String(40), nullable=False),
        Column("works_since", Date, nullable=False),
        Column("registered_at", DateTime(timezone=True), nullable=False),
    )
    engine = create_engine(db_url)
    assistant_id = uuid.uuid4()
    await create_schema(engine, kernel_metadata, old)
    async with engine.begin() as conn:
        await EventStore().append(
            conn,
            Aggregate("assistant", assistant_id, OCHOTA),
            0,
            [
                AssistantRegistered(
                    first_name="Ewa",
                    last_name="Stara",
                    district=OCHOTA,
                    employment_form=EmploymentForm.CIVIL_LAW_CONTRACT,
                    works_since=date(2024, 5, 1),
                )
            ],
            METADATA,
        )
        await conn.execute(
            insert(old.tables["assistants"]).values(
                assistant_id=assistant_id,
                first_name="Ewa",
                last_name="Stara",
                district=OCHOTA,
                employment_form="civil_law_contract",
                works_since=date(2024, 5, 1),
                registered_at=NOW,
            )
        )
    await engine.dispose()

    runtime = await _runtime(db_url)
    try:
        app = build_app(runtime)
        row = await app.queries.assistant(assistant_id)
        assert row["last_name"] == "Stara"
        assert row["active"] is True and row["working_time"] is None
        await register_institution(app, institution())
        async with runtime.engine.connect() as conn:
            version = (await conn.execute(text("SELECT version FROM read_model_version"))).scalar()
        assert version == READ_MODEL_VERSION
    finally:
        await runtime.stop()

    # A second start finds the read model current and leaves it as it is.
    runtime = await _runtime(db_url)
    try:
        app = build_app(runtime)
        assert len(await search_institutions(app)) == 1
        assert [r["assistant_id"] for r in await app.queries.assistants()] == [assistant_id]
    finally:
        await runtime.stop()


def test_the_seed_command_loads_into_the_directory_database_once(sqlite_url: str) -> None:
    """`python -m services.directory seed`, as an operator or the demo runs it."""
    env = {**os.environ, "DIRECTORY_DATABASE_URL": sqlite_url}
    count = len(seed_institutions())
    for expected in (f"dodano {count}, już były 0", f"dodano 0, już były {count}"):
        result = subprocess.run(
            [sys.executable, "-m", "services.directory", "seed"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert expected in result.stdout
