"""What users read when the directory refuses something: one catalogue keyed by error code,
in Polish and English (templates over the error's parameters)."""

from __future__ import annotations

from shared.domain.errors import Message

MESSAGES: dict[str, Message] = {
    "assistant-already-registered": Message(
        "Asystent już zarejestrowany",
        "Assistant already registered",
        "Ten asystent jest już w rejestrze.",
        "This assistant is already registered.",
    ),
    "part-time-hours-required": Message(
        "Brak wymiaru godzin",
        "Hours missing",
        "Przy zatrudnieniu w niepełnym wymiarze podaj liczbę godzin tygodniowo (1-39).",
        "A part-time post needs its hours per week (1-39).",
    ),
    "working-time-system-on-civil-law-contract": Message(
        "System czasu pracy tylko przy umowie o pracę",
        "Working-time system only under an employment contract",
        "Umowa cywilnoprawna nie ma systemu czasu pracy; usuń pole working_time_system.",
        "A civil-law contract has no working-time system; leave working_time_system out.",
    ),
    "work-ends-before-start": Message(
        "Koniec pracy przed jej początkiem",
        "Work ends before it starts",
        "Data końca pracy ({ends}) jest wcześniejsza niż data jej początku ({starts}).",
        "The end of work ({ends}) is before its start ({starts}).",
    ),
    "end-of-work-in-future": Message(
        "Data zakończenia pracy w przyszłości",
        "End of work in the future",
        "Dezaktywacja zapisuje faktyczne zakończenie pracy ({ended_on}), nie może być "
        "w przyszłości; planowany koniec zapisz w warunkach zatrudnienia (works_until).",
        "Deactivation records the actual end of work ({ended_on}) and cannot be in the future; "
        "record a planned end in the terms of employment (works_until).",
    ),
    "assistant-inactive": Message(
        "Asystent nie pracuje",
        "Assistant not working",
        "Asystent zakończył pracę {ended_on}; najpierw przywróć go do pracy.",
        "The assistant stopped working on {ended_on}; reactivate them first.",
    ),
    "assistant-already-active": Message(
        "Asystent już pracuje",
        "Assistant already working",
        "Asystent jest aktywny; nie ma czego przywracać.",
        "The assistant is active; there is nothing to reactivate.",
    ),
    "invalid-resumption-date": Message(
        "Nieprawidłowa data powrotu do pracy",
        "Invalid date of return to work",
        "Powrót do pracy ({resumed_on}) musi nastąpić po dniu zakończenia pracy ({ended_on}) "
        "i nie później niż dziś.",
        "The return to work ({resumed_on}) must come after the day work ended ({ended_on}) "
        "and not later than today.",
    ),
    "change-before-start-of-work": Message(
        "Zmiana przed początkiem pracy",
        "Change before the start of work",
        "Nowe warunki nie mogą obowiązywać przed początkiem pracy ({starts}).",
        "New terms cannot apply before the start of work ({starts}).",
    ),
    "login-taken": Message(
        "Login już zajęty",
        "Login already taken",
        "Login {login} ma już inny asystent w rejestrze; każdy asystent loguje się własnym "
        "loginem.",
        "Another assistant in the directory has the login {login}; each assistant signs in "
        "with a login of their own.",
    ),
    "invalid-email": Message(
        "Nieprawidłowy adres e-mail",
        "Invalid e-mail address",
        "Adres e-mail asystenta ma postać nazwa@domena.pl (jedna @, domena z kropką, bez spacji).",
        "An assistant's e-mail address reads name@domain.pl (one @, a domain with a dot, no "
        "spaces).",
    ),
    "institution-already-registered": Message(
        "Instytucja już zarejestrowana",
        "Institution already registered",
        "Ta instytucja jest już w rejestrze.",
        "This institution is already registered.",
    ),
    "regon-already-registered": Message(
        "REGON już w rejestrze",
        "REGON already registered",
        "Instytucja o numerze REGON {regon} jest już w rejestrze.",
        "An institution with REGON {regon} is already registered.",
    ),
    "institution-closed": Message(
        "Instytucja zamknięta",
        "Institution closed",
        "Instytucja została zamknięta {closed_on}; jej danych się już nie zmienia.",
        "The institution was closed on {closed_on}; its details are no longer changed.",
    ),
    "closure-in-future": Message(
        "Data zamknięcia w przyszłości",
        "Closure in the future",
        "Zamknięcie zapisuje się, gdy nastąpiło; data {closed_on} jest w przyszłości.",
        "A closure is recorded once it happened; {closed_on} is in the future.",
    ),
}
