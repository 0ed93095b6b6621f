"""Every text a person reads in the web app, in Polish and English, and the labels of the
codes the services answer with (statuses, sources, closure reasons, visit topics, roles, ...).

One catalogue for the templates and the exports: `text(key, lang)` and `label(kind, code,
lang)`. An unknown code is shown as itself rather than breaking a page, so a new code in a
service shows up (untranslated) instead of a 500.
"""

from __future__ import annotations

from typing import Literal

Language = Literal["pl", "en"]
LANGUAGES: tuple[Language, ...] = ("pl", "en")

# kind -> code -> (Polish, English)
LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "service": {
        "referrals": ("zgłoszenia", "referrals"),
        "casework": ("praca z rodzinami", "casework"),
        "directory": ("rejestr asystentów i instytucji", "directory"),
        "reporting": ("raporty", "reporting"),
    },
    "replay_outcome": {
        "applied": ("przetworzona", "applied"),
        "failed": ("ponownie nieudana", "failed again"),
        "no answer": ("brak odpowiedzi", "no answer"),
    },
    "role": {
        "social_worker": ("pracownik socjalny", "social worker"),
        "assistant": ("asystent rodziny", "family assistant"),
        "head": ("kierownik ośrodka", "head of the centre"),
        "city_analyst": ("analityk miasta", "city analyst"),
        "school": ("szkoła", "school"),
        "court": ("sąd", "court"),
        "admin": ("administrator", "administrator"),
    },
    "referral_status": {
        "awaiting_interview": ("czeka na wywiad", "awaiting interview"),
        "awaiting_decision": ("czeka na decyzję", "awaiting decision"),
        "granted": ("przyznano asystenta", "assistant granted"),
        "declined": ("odmowa", "declined"),
        "linked": ("dołączono do innej sprawy", "linked to another case"),
        "being_handled": ("w toku", "being handled"),
        "opinion_issued": ("opinia wydana", "opinion issued"),
        "received": ("przyjęto", "received"),
    },
    "source": {
        "social_worker": ("wniosek pracownika socjalnego", "social worker's request"),
        "school": ("powiadomienie szkoły", "school's notification"),
        "institution": ("powiadomienie instytucji", "institution's notification"),
        "court_order": ("postanowienie sądu", "court order"),
        "family": ("wniosek rodziny", "family's own request"),
        "za_zyciem": ("„Za życiem”", "“Za życiem” (For Life)"),
        "minor_parent": ("małoletni rodzic", "minor parent"),
    },
    "case_status": {
        "waiting": ("czeka na asystenta", "waiting for an assistant"),
        "active": ("w pracy z asystentem", "active"),
        "monitoring": ("monitorowanie", "monitoring"),
        "closed": ("zakończona", "closed"),
        "transfer_pending": ("przekazanie do innego ośrodka", "transfer pending"),
    },
    "closure_reason": {
        "goals_achieved": ("osiągnięcie celów", "goals achieved"),
        "no_cooperation_or_no_effects": (
            "brak współpracy lub brak efektów",
            "no cooperation or no effects",
        ),
        "change_of_method": ("zmiana metody pracy", "change of method"),
        "moved_away": ("przeprowadzka", "moved away"),
        "child_placed_in_foster_care": (
            "umieszczenie dziecka w pieczy zastępczej",
            "child placed in foster care",
        ),
        "other": ("inny powód", "other"),
    },
    "visit_topic": {
        "budget": ("trening budżetowy", "budget training"),
        "household": ("prowadzenie domu", "household"),
        "parenting": ("wychowanie dzieci", "parenting"),
        "health_hygiene": ("zdrowie i higiena", "health and hygiene"),
        "school": ("sprawy szkolne", "school"),
        "job_search": ("szukanie pracy", "job search"),
        "official_matters": ("sprawy urzędowe", "official matters"),
        "leisure": ("czas wolny", "leisure"),
    },
    "visit_place": {
        "home": ("dom rodziny", "family's home"),
        "centre": ("ośrodek", "centre"),
        "school": ("szkoła", "school"),
        "other": ("inne miejsce", "elsewhere"),
    },
    "member_role": {
        "parent": ("rodzic", "parent"),
        "guardian": ("opiekun prawny", "guardian"),
        "child": ("dziecko", "child"),
        "pregnant_woman": ("kobieta w ciąży", "pregnant woman"),
        "other": ("inna osoba", "other"),
    },
    "employment_form": {
        "employment_contract": ("umowa o pracę", "employment contract"),
        "civil_law_contract": ("umowa cywilnoprawna", "civil-law contract"),
    },
    "working_time": {
        "full_time": ("pełny etat", "full time"),
        "part_time": ("część etatu", "part time"),
    },
    "institution_category": {
        "family_counselling": ("poradnictwo rodzinne", "family counselling"),
        "specialist_counselling": ("poradnictwo specjalistyczne", "specialist counselling"),
        "diagnostic_centre": ("placówka diagnostyczna", "diagnostic centre"),
        "day_support_centre": ("placówka wsparcia dziennego", "day support centre"),
        "crisis_intervention": ("interwencja kryzysowa", "crisis intervention"),
        "school": ("szkoła", "school"),
        "family_court": ("sąd rodzinny", "family court"),
        "health_care": ("ochrona zdrowia", "health care"),
        "police": ("policja", "police"),
        "ngo": ("organizacja pozarządowa", "NGO"),
    },
    "school_problem": {
        "school_duty_absence": ("niespełnianie obowiązku szkolnego", "school duty not met"),
        "neglect_suspected": ("podejrzenie zaniedbania", "suspected neglect"),
        "behaviour": ("trudności wychowawcze", "behaviour"),
        "other": ("inny problem", "other"),
    },
    "court_kind": {
        "obligation_to_cooperate": (
            "zobowiązanie do współpracy z asystentem",
            "order to cooperate with an assistant",
        ),
        "opinion_request": ("wezwanie o opinię asystenta", "request for the assistant's opinion"),
    },
    "sent_status": {
        "awaiting_interview": ("przyjęte, w toku (wywiad środowiskowy)", "received, being handled"),
        "awaiting_decision": (
            "przyjęte, czeka na decyzję kierownika",
            "received, awaiting decision",
        ),
        "granted": ("przyznano rodzinie asystenta", "an assistant was granted"),
        "declined": ("ośrodek odmówił przydziału asystenta", "declined"),
        "linked": ("dołączone do sprawy prowadzonej już przez ośrodek", "joined to an open case"),
        "forwarded_to_case": ("przekazane asystentowi rodziny", "passed to the family's assistant"),
        "opinion_issued": ("opinia wydana", "opinion issued"),
    },
    "decision": {
        "granted": ("przyznać asystenta", "grant an assistant"),
        "declined": ("odmówić", "decline"),
    },
}

# key -> (Polish, English)
TEXTS: dict[str, tuple[str, str]] = {
    "app.name": ("Asysta", "Asysta"),
    "app.tagline": ("asystentura rodziny", "family assistance"),
    "nav.skip": ("Przejdź do treści", "Skip to content"),
    "nav.menu": ("Menu główne", "Main menu"),
    "nav.home": ("Start", "Home"),
    "nav.my_families": ("Moje rodziny", "My families"),
    "nav.todo": ("Do zrobienia", "To do"),
    "nav.desk": ("Biurko kierownika", "Head's desk"),
    "nav.referrals": ("Zgłoszenia", "Referrals"),
    "nav.new_referral": ("Nowe zgłoszenie", "New referral"),
    "nav.my_referrals": ("Moje zgłoszenia", "My referrals"),
    "nav.waiting": ("Lista oczekujących", "Waiting list"),
    "nav.caseload": ("Obciążenie asystentów", "Assistants' caseload"),
    "nav.city": ("Widok miasta", "City view"),
    "nav.send": ("Wyślij zgłoszenie", "Send a notification"),
    "nav.sent": ("Wysłane", "Sent"),
    "nav.assistants": ("Asystenci", "Assistants"),
    "nav.institutions": ("Instytucje", "Institutions"),
    "nav.audit": ("Rejestr dostępu", "Audit trail"),
    "nav.erasure": ("Usunięcie danych", "Erasure"),
    "nav.dead_letters": ("Martwe wiadomości", "Dead letters"),
    "assistant_login.heading": ("Login asystenta", "Assistant's login"),
    "assistant_login.label": ("Login", "Login"),
    "assistant_login.hint": (
        "Login u miejskiego dostawcy tożsamości (np. anna.nowak): 2-64 znaki, litery a-z, "
        "cyfry oraz . _ @ -. Każdy asystent ma własny. Puste pole odłącza login.",
        "The login at the city's identity provider (e.g. anna.nowak): 2-64 characters, "
        "letters a-z, digits and . _ @ -. Each assistant has their own. Empty unlinks it.",
    ),
    "assistant_login.none": ("brak", "none"),
    "assistant_login.change": ("Zmień login", "Change login"),
    "assistant_login.save": ("Zapisz login", "Save the login"),
    "assistant_login.saved": ("Zapisano login asystenta.", "The assistant's login was saved."),
    "dead_letters.intro": (
        "Zdarzenia, których usługa nie zdołała przetworzyć po kilku próbach. Treść zdarzeń "
        "(dane rodzin) nie jest tu pokazywana. Po usunięciu przyczyny błędu ponów wiadomość; "
        "usuń ją tylko wtedy, gdy nikt jej nie potrzebuje.",
        "Events a service could not process after several attempts. Their content (families' "
        "data) is not shown here. Once the cause of the error is fixed, replay the message; "
        "drop it only when no one needs it.",
    ),
    "dead_letters.none": (
        "Brak martwych wiadomości: wszystkie zdarzenia zostały przetworzone.",
        "No dead letters: every event was processed.",
    ),
    "dead_letters.unavailable": (
        "Usługa nie odpowiada; jej martwych wiadomości nie da się teraz pokazać.",
        "The service is not answering; its dead letters cannot be shown now.",
    ),
    "dead_letters.gone": (
        "Tej martwej wiadomości już nie ma (mogła zostać ponowiona lub usunięta).",
        "This dead letter is gone (it may have been replayed or dropped).",
    ),
    "dead_letters.drop_heading": ("Usunąć martwą wiadomość?", "Drop the dead letter?"),
    "dead_letters.dropped": (
        "Martwą wiadomość usunięto bez ponawiania.",
        "The dead letter was dropped without a replay.",
    ),
    "dead_letters.results": ("Wynik ponowienia", "Result of the replay"),
    "nav.language": ("English", "Polski"),
    "nav.signout": ("Wyloguj", "Sign out"),
    "nav.signed_in_as": ("Zalogowano jako", "Signed in as"),
    "signin.title": ("Logowanie", "Sign in"),
    "signin.dev_intro": (
        "Wersja deweloperska: wybierz użytkownika demonstracyjnego. "
        "Poza środowiskiem deweloperskim logowanie odbywa się przez miejskiego "
        "dostawcę tożsamości.",
        "Development build: choose a demo user. Outside development you sign in with the "
        "city's identity provider.",
    ),
    "signin.as": ("Zaloguj jako", "Sign in as"),
    "signin.oidc": ("Zaloguj przez konto miejskie", "Sign in with the city account"),
    "signin.refused": (
        "Logowanie użytkowników demonstracyjnych jest dostępne tylko w wersji deweloperskiej.",
        "Demo sign-in is available in development only.",
    ),
    "signin.not_configured": (
        "Logowanie przez dostawcę tożsamości nie jest skonfigurowane (WEB_OIDC_*).",
        "Sign-in with the identity provider is not configured (WEB_OIDC_*).",
    ),
    "signin.failed": ("Logowanie nie powiodło się.", "Sign-in failed."),
    "signin.bad_claims": (
        "Konto nie ma przypisanej roli w Asyście. Skontaktuj się z administratorem.",
        "The account has no Asysta role. Contact the administrator.",
    ),
    "signin.not_linked": (
        "Twój login nie jest powiązany z żadnym asystentem w rejestrze. Poproś administratora "
        "o wpisanie loginu przy Twoich danych (Administracja → Asystenci).",
        "Your login is not linked to any assistant in the directory. Ask the administrator "
        "to enter your login on your record (Administration → Assistants).",
    ),
    "signin.demo_district": ("Dzielnica", "District"),
    "signin.demo_city": ("Miasto i instytucje", "City and institutions"),
    "error.summary": ("Popraw błędy w formularzu", "There is a problem"),
    "error.csrf": (
        "Formularz wygasł lub nie pochodzi z tej strony. Wyślij go jeszcze raz.",
        "The form expired or did not come from this page. Send it again.",
    ),
    "error.forbidden": (
        "Nie masz uprawnień do tej strony.",
        "You are not allowed to see this page.",
    ),
    "error.not_found": ("Nie znaleziono.", "Not found."),
    "error.service": (
        "Usługa nie odpowiada. Spróbuj za chwilę.",
        "A service is not answering. Try again in a moment.",
    ),
    "error.title": ("Nie udało się", "Something went wrong"),
    "error.unexpected": (
        "Wystąpił błąd. Zgłoś administratorowi godzinę i stronę, na której się pojawił.",
        "An error occurred. Tell the administrator the time and the page.",
    ),
    "error.required": ("To pole jest wymagane", "This field is required"),
    "error.date": ("Podaj datę w postaci RRRR-MM-DD", "Enter a date as YYYY-MM-DD"),
    "error.number": ("Podaj liczbę całkowitą", "Enter a whole number"),
    "error.pesel": (
        "Numer PESEL jest nieprawidłowy (11 cyfr z poprawną sumą kontrolną)",
        "The PESEL is not valid (11 digits with a correct check digit)",
    ),
    "error.choose": ("Wybierz co najmniej jedną pozycję", "Choose at least one"),
    "error.members": ("Dodaj co najmniej jedną osobę", "Add at least one person"),
    "error.justification": (
        "Napisz uzasadnienie decyzji",
        "Write the justification of the decision",
    ),
    "error.confirm": (
        "Przepisz dokładnie słowo USUŃ, aby potwierdzić",
        "Type the word USUŃ exactly to confirm",
    ),
    "empty.list": ("Brak pozycji.", "Nothing here."),
    "saved": ("Zapisano.", "Saved."),
    "count": ("Liczba pozycji", "Items"),
    "deadline.today": ("dziś mija termin", "due today"),
    "deadline.in": ("za {n} {days}", "in {n} {days}"),
    "deadline.overdue": ("{n} {days} po terminie", "{n} {days} overdue"),
    "deadline.overdue_label": ("po terminie", "overdue"),
    "days.one": ("dzień", "day"),
    "days.many": ("dni", "days"),
    "family": ("Rodzina", "Family"),
    "children": ("Dzieci", "Children"),
    "status": ("Stan", "Status"),
    "source": ("Źródło", "Source"),
    "district": ("Dzielnica", "District"),
    "assistant": ("Asystent", "Assistant"),
    "days_waited": ("Czeka (dni)", "Waited (days)"),
    "referred_on": ("Data zgłoszenia", "Referred on"),
    "last_visit": ("Ostatnia wizyta", "Last visit"),
    "visits_week": ("Wizyty w tym tygodniu", "Visits this week"),
    "next_assessment": ("Najbliższa ocena", "Next assessment"),
    "flags": ("Uwagi", "Flags"),
    "actions": ("Działania", "Actions"),
    "open": ("Otwórz", "Open"),
    "none": ("brak", "none"),
    "yes": ("tak", "yes"),
    "no": ("nie", "no"),
}


def text(key: str, lang: str = "pl") -> str:
    """The text for `key` in `lang` (Polish when the language is not English)."""
    pair = TEXTS.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "en" else pair[0]


def label(kind: str, code: str | None, lang: str = "pl") -> str:
    """The human label of a service's code, e.g. label("referral_status", "awaiting_decision")."""
    if code is None:
        return ""
    pair = LABELS.get(kind, {}).get(str(code))
    if pair is None:
        return str(code)
    return pair[1] if lang == "en" else pair[0]


def choices(kind: str, lang: str = "pl") -> list[tuple[str, str]]:
    """(code, label) pairs of a kind, in the catalogue's order, for a select or checkboxes."""
    return [(code, pair[1] if lang == "en" else pair[0]) for code, pair in LABELS[kind].items()]
