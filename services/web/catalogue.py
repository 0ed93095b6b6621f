"""Every text a person reads in the web app, in Polish and English; the labels of the codes
the services answer with (statuses, sources, closure reasons, visit topics, roles, ...) are
read from shared/domain/labels.py, the catalogue the exports and the documents use too.

`text(key, lang)` and `label(kind, code, lang)`. An unknown code is shown as itself rather
than breaking a page, so a new code in a service shows up (untranslated) instead of a 500.
"""

from __future__ import annotations

from typing import Literal

from shared.domain import labels as shared_labels

Language = Literal["pl", "en"]
LANGUAGES: tuple[Language, ...] = ("pl", "en")

# The labels of codes come from the one catalogue, shared/domain/labels.py (the exports and
# the documents read it too). The web app's templates name a few kinds by shorter names.
KIND_ALIASES: dict[str, str] = {
    "source": "referral_source",
    "topic": "visit_topic",
    "place": "visit_place",
}


def _kind(kind: str) -> str:
    return KIND_ALIASES.get(kind, kind)


# kind -> code -> (Polish, English): a read-only view of the shared catalogue, aliases included.
LABELS: dict[str, dict[str, tuple[str, str]]] = {
    **{kind: dict(codes) for kind, codes in shared_labels.LABELS.items()},
    **{alias: dict(shared_labels.LABELS[kind]) for alias, kind in KIND_ALIASES.items()},
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
    "assistant_email.heading": ("Adres e-mail asystenta", "Assistant's e-mail address"),
    "assistant_email.label": ("E-mail", "E-mail"),
    "assistant_email.hint": (
        "Służbowy adres, na który co rano idzie zestawienie przypomnień (np. "
        "anna.nowak@ops.waw.pl). Puste pole usuwa adres.",
        "The work address the morning digest of reminders goes to (e.g. "
        "anna.nowak@ops.waw.pl). Empty removes it.",
    ),
    "assistant_email.none": ("brak", "none"),
    "assistant_email.change": ("Zmień e-mail", "Change e-mail"),
    "assistant_email.save": ("Zapisz adres e-mail", "Save the e-mail address"),
    "assistant_email.saved": (
        "Zapisano adres e-mail asystenta.",
        "The assistant's e-mail address was saved.",
    ),
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
    "search.title": ("Szukaj rodziny", "Find a family"),
    "search.label": ("Nazwisko lub PESEL", "Surname or PESEL"),
    "search.hint": (
        "Początek nazwiska (polskie litery nieobowiązkowe: „Wojcik” znajdzie „Wójcik”) "
        "albo 11 cyfr numeru PESEL członka rodziny.",
        "The beginning of a surname (Polish letters optional: “Wojcik” finds “Wójcik”) "
        "or the 11 digits of a family member's PESEL.",
    ),
    "search.button": ("Szukaj", "Search"),
    "search.scope": (
        "Wyniki obejmują tylko rodziny, do których masz dostęp.",
        "Only families you may see are listed.",
    ),
    "search.none": (
        "Nic nie znaleziono. Sprawdź pisownię nazwiska albo wpisz numer PESEL.",
        "Nothing found. Check the spelling of the surname or type a PESEL.",
    ),
    "search.none_pesel": (
        "Nic nie znaleziono dla tego numeru PESEL. Sprawdź numer albo wpisz nazwisko.",
        "Nothing found for this PESEL. Check the number or type the surname.",
    ),
    "search.new_referral": (
        "Rodziny nie ma w Asyście? Przyjmij nowe zgłoszenie",
        "The family is not in Asysta? Take a new referral",
    ),
    "search.type_more": (
        "Wpisz co najmniej 2 litery nazwiska albo 11 cyfr PESEL.",
        "Type at least 2 letters of the surname or the 11 digits of a PESEL.",
    ),
    "search.case": ("sprawa", "case"),
    "search.family_id": (
        "Identyfikator rodziny (do usunięcia danych)",
        "Family id (for erasure)",
    ),
    "search.referral": ("zgłoszenie", "referral"),
    "surname": ("Nazwisko", "Surname"),
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
    # Work in the field with no network, and the review of what did not apply (offline.py).
    "nav.offline": ("Praca w terenie", "Field work"),
    "nav.review": ("Do wyjaśnienia", "To clarify"),
    "offline.heading": ("Praca w terenie", "Field work"),
    "offline.intro": (
        "Ta strona działa także bez internetu. Zapisy zostają na tym urządzeniu i zostaną "
        "wysłane, gdy wróci sieć.",
        "This page also works without internet. Records stay on this device and are sent when "
        "the network is back.",
    ),
    "offline.synced": ("Ostatnia synchronizacja", "Last sync"),
    "offline.waiting": ("Czeka na wysłanie", "Waiting to be sent"),
    "offline.send_now": ("Wyślij teraz", "Send now"),
    "offline.online": ("Połączono z siecią", "Online"),
    "offline.offline": ("Brak sieci: zapisy zostają na urządzeniu", "Offline: records stay here"),
    "offline.log_visit": ("Zapisz wizytę", "Save the visit"),
    "offline.add_note": ("Zapisz notatkę do planu", "Save the note"),
    "offline.add_consent": ("Zapisz zgodę", "Save the consent"),
    "offline.visit": ("Wizyta", "Visit"),
    "offline.note": ("Notatka do planu", "Note to the plan"),
    "offline.consent": ("Zgoda podpisana na papierze", "Consent signed on paper"),
    "offline.when": ("Data i godzina", "Date and time"),
    "offline.minutes": ("Czas trwania (minuty)", "Duration (minutes)"),
    "offline.place": ("Miejsce", "Place"),
    "offline.present": ("Kto był obecny (po przecinku)", "Who was present (comma-separated)"),
    "offline.topics": ("Tematy", "Topics"),
    "offline.text": ("Notatka", "Note"),
    "offline.signed_by": ("Kto podpisał (po przecinku)", "Who signed (comma-separated)"),
    "offline.signed_on": ("Data podpisania", "Signed on"),
    "offline.no_families": (
        "Nie masz rodzin w pracy. Rodziny przydziela kierownik ośrodka.",
        "You have no active families. The head of the centre assigns families.",
    ),
    "offline.bad_body": ("Nieprawidłowe dane do wysłania", "Invalid data to send"),
    "offline.case_file": ("Akta sprawy", "Case file"),
    "offline.mark": ("Do pracy w terenie", "For field work"),
    "offline.keeps_all": (
        "Na tym urządzeniu zostają akta wszystkich Twoich aktywnych rodzin.",
        "The case files of all your active families stay on this device.",
    ),
    "offline.keeps_marked": (
        "Na tym urządzeniu zostają akta tylko rodzin oznaczonych „do pracy w terenie”; "
        "odznaczenie usuwa je z urządzenia.",
        "Only the case files of families marked “for field work” stay on this device; "
        "unmarking removes them.",
    ),
    "review.heading": ("Do wyjaśnienia", "To clarify"),
    "review.intro": (
        "Zapisy z urządzeń, które po dotarciu nie pasowały już do stanu sprawy. Nic nie "
        "zostało pominięte: dołącz zapis do właściwej sprawy albo odrzuć go z uzasadnieniem.",
        "Records from devices that no longer fitted the case when they arrived. Nothing was "
        "dropped: apply each to the right case or discard it with a reason.",
    ),
    "review.empty": ("Nie ma nic do wyjaśnienia.", "Nothing to clarify."),
    "review.apply": ("Dołącz do sprawy", "Apply to a case"),
    "review.discard": ("Odrzuć zapis", "Discard the record"),
    "review.confirm_apply": ("Potwierdzam: dołącz do sprawy", "Confirm: apply to the case"),
    "review.confirm_discard": ("Potwierdzam: odrzuć zapis", "Confirm: discard the record"),
    "review.applied": ("Zapis dołączono do sprawy.", "The record was applied to the case."),
    "review.discarded": ("Zapis odrzucono.", "The record was discarded."),
    "review.reason": ("Powód", "Reason"),
    "review.kind": ("Rodzaj", "Kind"),
    "review.case": ("Sprawa", "Case"),
    "review.device_time": ("Czas na urządzeniu", "Time on the device"),
    "review.server_time": ("Dotarło na serwer", "Arrived at the server"),
    "review.target": ("Sprawa, do której dołączyć", "Case to apply it to"),
    "review.discard_reason": ("Dlaczego odrzucasz", "Why you discard it"),
    "review.decided": ("Rozstrzygnięte", "Decided"),
    "review.status": ("Stan", "Status"),
    "review.content": ("Treść", "Content"),
    "review.back": ("Wróć do listy", "Back to the list"),
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
    return shared_labels.label(_kind(kind), str(code), "en" if lang == "en" else "pl")


def choices(kind: str, lang: str = "pl") -> list[tuple[str, str]]:
    """(code, label) pairs of a kind, in the catalogue's order, for a select or checkboxes."""
    return list(shared_labels.labels(_kind(kind), "en" if lang == "en" else "pl").items())
