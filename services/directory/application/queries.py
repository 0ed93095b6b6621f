"""What the directory's API reads: assistants, institutions and the search of institutions by
district, category and free text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.directory.adapters.tables import assistants, institution_districts, institutions
from services.directory.domain.text_search import query_terms
from shared.domain.errors import NotFound
from shared.events.directory import InstitutionCategory


def _as_dict(row: Any) -> dict[str, Any]:
    data = dict(row._mapping)
    data.pop("search_text", None)
    data.pop("sort_name", None)
    data["address"] = {
        "street": data.pop("street"),
        "postal_code": data.pop("postal_code"),
        "city": data.pop("city"),
    }
    data["closed"] = data["closed_on"] is not None
    return data


@dataclass(frozen=True)
class DirectoryQueries:
    engine: AsyncEngine

    async def assistants(
        self, *, district: str | None = None, active: bool | None = None
    ) -> list[dict[str, Any]]:
        query = select(assistants).order_by(
            assistants.c.last_name, assistants.c.first_name, assistants.c.assistant_id
        )
        if district is not None:
            query = query.where(assistants.c.district == district)
        if active is not None:
            query = query.where(assistants.c.active == active)
        async with self.engine.connect() as conn:
            rows = await conn.execute(query)
            return [dict(row._mapping) for row in rows]

    async def holder(self, login: str) -> UUID | None:
        """The assistant who signs in with `login` (compared in lower case), if any."""
        async with self.engine.connect() as conn:
            found = (
                await conn.execute(
                    select(assistants.c.assistant_id).where(
                        assistants.c.login == login.strip().lower()
                    )
                )
            ).scalar()
        return found

    async def assistant(self, assistant_id: UUID) -> dict[str, Any]:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(assistants).where(assistants.c.assistant_id == assistant_id)
                )
            ).first()
        if row is None:
            raise NotFound(entity="assistant", id=assistant_id)
        return dict(row._mapping)

    async def institution(self, institution_id: UUID) -> dict[str, Any]:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(institutions).where(institutions.c.institution_id == institution_id)
                )
            ).first()
        if row is None:
            raise NotFound(entity="institution", id=institution_id)
        return _as_dict(row)

    async def institution_by_regon(self, regon: str) -> UUID | None:
        async with self.engine.connect() as conn:
            found: UUID | None = (
                await conn.execute(
                    select(institutions.c.institution_id).where(institutions.c.regon == regon)
                )
            ).scalar()
        return found

    async def search_institutions(
        self,
        *,
        district: str | None = None,
        category: InstitutionCategory | None = None,
        text: str | None = None,
        include_closed: bool = False,
        limit: int = 100,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        """Institutions serving `district` (seated there or serving it too), of `category`,
        whose name, address, districts or competence contain every word of `text`, whatever
        the case and the diacritics; ordered by name."""
        conditions: list[ColumnElement[bool]] = []
        if district is not None:
            conditions.append(
                institutions.c.institution_id.in_(
                    select(institution_districts.c.institution_id).where(
                        institution_districts.c.district == district
                    )
                )
            )
        if category is not None:
            conditions.append(institutions.c.category == InstitutionCategory(category).value)
        for term in query_terms(text or ""):
            # Stored words are each preceded by a space: this finds a word beginning with it.
            conditions.append(institutions.c.search_text.contains(" " + term, autoescape=True))
        if not include_closed:
            conditions.append(institutions.c.closed_on.is_(None))
        query = (
            select(institutions)
            .where(and_(True, *conditions))
            .order_by(institutions.c.sort_name, institutions.c.institution_id)
            .limit(limit)
            .offset(offset)
        )
        async with self.engine.connect() as conn:
            rows = await conn.execute(query)
            return [_as_dict(row) for row in rows]
