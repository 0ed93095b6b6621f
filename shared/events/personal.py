"""The personal-data marker, re-exported where the events have always imported it from (it
lives in the domain kernel so that the value types need not import the events package)."""

from shared.domain.personal import ERASED, PERSONAL, PersonalData, PersonalText

__all__ = ["ERASED", "PERSONAL", "PersonalData", "PersonalText"]
