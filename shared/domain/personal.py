"""Marks the fields of an event that hold a family's personal data.

The marker is metadata on the type: the event store encrypts marked fields with the family's
key before storing, and a destroyed key leaves them unreadable while the rest of the event (and
every count built on it) stays intact.
"""

from __future__ import annotations

from typing import Annotated


class PersonalData:
    """Metadata marker: this field holds personal data of a family."""

    def __repr__(self) -> str:
        return "PersonalData()"


PERSONAL = PersonalData()

ERASED = "[usunięto]"
"""What a personal value reads as once its family's key was destroyed (null where the field
may be empty)."""

PersonalText = Annotated[str, PERSONAL]
