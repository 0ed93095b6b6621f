"""Every refusal casework's rules can give, as its users read it: one catalogue keyed by the
error's code, in Polish and English. Templates are formatted with the error's parameters."""

from __future__ import annotations

from shared.domain.errors import Message

# What a status check was about, for the "not allowed in this state" message.
ACTIONS: dict[str, tuple[str, str]] = {
    "assign": ("przydział asystenta", "assigning an assistant"),
    "consent": ("odnotowanie zgody", "recording consent"),
    "work": ("praca z rodziną", "work with the family"),
    "court_request": ("wezwanie sądu o opinię", "a court's request for an opinion"),
    "close": ("zakończenie pracy", "closing the case"),
    "reopen": ("ponowne otwarcie", "reopening"),
    "transfer": ("przekazanie do innego ośrodka", "a transfer to another centre"),
    "transfer_decision": ("decyzja o przejęciu sprawy", "deciding on a transferred case"),
}

MESSAGES: dict[str, Message] = {
    "case-already-opened": Message("Sprawa już założona", "Case already opened"),
    "case-not-opened": Message(
        "Sprawa nie została założona",
        "Case not opened",
        "Sprawa nie istnieje lub nie została jeszcze założona.",
        "The case does not exist or has not been opened yet.",
    ),
    "wrong-case-status": Message(
        "Niedozwolone w tym stanie sprawy",
        "Not allowed in the case's current state",
        "Sprawa ma stan „{state}”; {action_text} jest możliwe tylko w stanie: {allowed}.",
        "The case is {state}; {action_text} is only possible when it is: {allowed}.",
    ),
    "already-assigned": Message(
        "Asystent już przydzielony",
        "Assistant already assigned",
        "Ten asystent już prowadzi tę rodzinę.",
        "This assistant already works with this family.",
    ),
    "work-not-started": Message(
        "Praca z rodziną się nie rozpoczęła",
        "Work with the family has not started",
        "Praca z rodziną zaczyna się po przydzieleniu asystenta i odebraniu pisemnej zgody "
        "rodziny (nie dotyczy skierowań z sądu i małoletnich rodziców).",
        "Work starts once an assistant is assigned and the family's written consent is "
        "recorded (not needed on court orders and for minor parents).",
    ),
    "consent-already-recorded": Message("Zgoda już odnotowana", "Consent already recorded"),
    "date-out-of-range": Message(
        "Nieprawidłowa data",
        "Date out of range",
        "Data „{field}” ({value}) musi przypadać między {earliest} a {latest}.",
        "The date '{field}' ({value}) must be between {earliest} and {latest}.",
    ),
    "deadline-before-request": Message("Termin przed datą wezwania", "Deadline before the request"),
    "unknown-court-request": Message("Nie ma takiego wezwania sądu", "No such court request"),
    "opinion-already-submitted": Message("Opinia już złożona", "Opinion already submitted"),
    "monitoring-period-over": Message(
        "Okres monitorowania minął",
        "Monitoring period is over",
        "Monitorowanie rodziny trwało do {until}; ponowne objęcie wsparciem wymaga nowego "
        "zgłoszenia.",
        "Monitoring lasted until {until}; further support needs a new referral.",
    ),
    "decline-without-reason": Message(
        "Odmowa bez uzasadnienia",
        "Declined without a reason",
        "Odmowa przejęcia sprawy wymaga podania powodu.",
        "Declining a transferred case needs a reason.",
    ),
    "transfer-to-same-district": Message(
        "Przekazanie do tej samej dzielnicy", "Transfer to the same district"
    ),
    "caseload-limit-reached": Message(
        "Limit rodzin asystenta osiągnięty",
        "Caseload limit reached",
        "Asystent prowadzi już {active} rodzin; ustawowy limit to {limit} (art. 15 ust. 4 "
        "ustawy o wspieraniu rodziny). Wybierz innego asystenta.",
        "The assistant already works with {active} families; the statutory limit is {limit}. "
        "Choose another assistant.",
    ),
    "assistant-of-another-district": Message(
        "Asystent z innej dzielnicy",
        "Assistant of another district",
        "Asystent pracuje w ośrodku {assistant_district}, a rodzina należy do {district}.",
        "The assistant works for {assistant_district}; the family belongs to {district}.",
    ),
    "assistant-not-working": Message(
        "Asystent nie pracuje",
        "Assistant not working",
        "Ten asystent zakończył pracę w ośrodku; wybierz innego asystenta.",
        "This assistant no longer works for the centre; choose another one.",
    ),
    "incomplete-device-record": Message(
        "Niepełny zapis z urządzenia",
        "Incomplete record from a device",
        "Zapis rodzaju „{kind}” wymaga pól: {missing}.",
        "A record of kind '{kind}' needs: {missing}.",
    ),
    "held-record-already-decided": Message(
        "Zapis już rozstrzygnięty",
        "Record already decided",
        "Ten zapis do wyjaśnienia został już rozstrzygnięty ({status}).",
        "This held record was already decided ({status}).",
    ),
    "record-already-in-case": Message(
        "Zapis już jest w sprawie",
        "Record already in the case",
        "Ten zapis z urządzenia jest już w aktach tej sprawy.",
        "This record from a device is already in the case file.",
    ),
}
