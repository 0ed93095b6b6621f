"""What users read when the referrals service refuses something: one catalogue keyed by error
code, in Polish and English (templates over the error's parameters)."""

from __future__ import annotations

from shared.domain.errors import Message

MESSAGES: dict[str, Message] = {
    "referral-already-exists": Message("Zgłoszenie już istnieje", "Referral already exists"),
    "referral-dated-in-future": Message(
        "Data z przyszłości",
        "Dated in the future",
        "Data {value} jest późniejsza niż dzisiejsza.",
        "The date {value} is after today.",
    ),
    "referral-already-decided": Message(
        "Zgłoszenie już rozpatrzone",
        "Referral already decided",
        "O tym zgłoszeniu już zdecydowano (stan: {state}).",
        "This referral was already decided (status: {state}).",
    ),
    "interview-required": Message(
        "Najpierw wywiad środowiskowy",
        "Family interview required first",
        "Zgłoszenie ze szkoły lub innej instytucji wymaga wywiadu środowiskowego pracownika "
        "socjalnego, zanim kierownik podejmie decyzję.",
        "A school's or institution's notification needs a social worker's family interview "
        "before the head decides.",
    ),
    "interview-not-needed": Message(
        "Wywiad nie jest oczekiwany",
        "No interview expected",
        "To zgłoszenie nie czeka na wywiad środowiskowy (stan: {state}).",
        "This referral is not waiting for a family interview (status: {state}).",
    ),
    "decline-needs-reason": Message(
        "Brak uzasadnienia odmowy",
        "A refusal needs a reason",
        "Odmowa przydzielenia asystenta wymaga podania uzasadnienia.",
        "Declining to grant an assistant requires a reason.",
    ),
    "obligatory-referral-cannot-be-declined": Message(
        "Zgłoszenie obligatoryjne",
        "Obligatory referral",
        "Zgłoszenia z postanowienia sądu i dotyczącego małoletniego rodzica opuszczającego "
        "placówkę nie można odrzucić: asystent przysługuje z mocy prawa.",
        "A court order or a minor parent leaving a facility cannot be declined: the law grants "
        "an assistant.",
    ),
    "notification-reference-reused": Message(
        "Ten znak sprawy już wykorzystano",
        "Reference already used",
        "Powiadomienie o znaku {reference} już przyjęto z inną treścią. Nadaj nowy znak albo "
        "wyślij dokładnie to samo powiadomienie.",
        "A notification with reference {reference} was already received with other content. "
        "Use a new reference or send exactly the same notification.",
    ),
    "opinion-request-needs-deadline": Message(
        "Brak terminu na opinię",
        "No deadline for the opinion",
        "Wezwanie o opinię o rodzinie musi podawać termin (pole deadline).",
        "A request for an opinion on the family must give a deadline (field deadline).",
    ),
    "no-active-case-for-opinion": Message(
        "Brak aktywnej sprawy rodziny",
        "No active case for the family",
        "Ośrodek nie prowadzi pracy asystenta z tą rodziną (według numerów PESEL), więc nie "
        "może wydać opinii w sprawie {signature}.",
        "The centre has no assistant working with this family (by PESEL), so it cannot give "
        "an opinion in case {signature}.",
    ),
}
