"""Reading a posted form into a service's request body, with the errors beside each field.

A form that fails comes back filled in (`values`), with a message per field (`errors`, keyed
by the field's HTML name) and an error summary linking to each field. Messages come from the
web app's own checks first, then from the service's 422 problem details, mapped back to the
form's field names."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from starlette.datastructures import FormData
from stdnum.pl import pesel as stdnum_pesel

from services.web.catalogue import text
from services.web.clients import ApiError


@dataclass
class Form:
    data: FormData
    lang: str
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in self.data:
            items = self.data.getlist(key)
            out[key] = items if len(items) > 1 else items[0]
        return out

    def message(self, key: str) -> str:
        """A catalogue text in the form's language."""
        return text(key, self.lang)

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def get(self, name: str, *, required: bool = False) -> str:
        value = str(self.data.get(name) or "").strip()
        if required and not value:
            self.fail(name, text("error.required", self.lang))
        return value

    def optional(self, name: str) -> str | None:
        return self.get(name) or None

    def many(self, name: str, *, required: bool = False) -> list[str]:
        values = [str(v).strip() for v in self.data.getlist(name) if str(v).strip()]
        if required and not values:
            self.fail(name, text("error.choose", self.lang))
        return values

    def day(self, name: str, *, required: bool = False) -> str | None:
        value = self.get(name, required=required)
        if not value:
            return None
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            self.fail(name, text("error.date", self.lang))
            return None

    def number(self, name: str, *, required: bool = False) -> int | None:
        value = self.get(name, required=required)
        if not value:
            return None
        try:
            return int(value)
        except ValueError:
            self.fail(name, text("error.number", self.lang))
            return None

    def pesel(self, name: str) -> str | None:
        value = self.get(name).replace(" ", "")
        if not value:
            return None
        if not stdnum_pesel.is_valid(value):
            self.fail(name, text("error.pesel", self.lang))
        return value

    @property
    def ok(self) -> bool:
        return not self.errors

    def absorb(self, error: ApiError, field_names: dict[str, str] | None = None) -> None:
        """Put a service's answer beside the fields it names (`field_names` maps the API's
        field path to the form's name; unknown paths go to the top of the form)."""
        names = field_names or {}
        found = error.field_errors()
        for path, message in found.items():
            self.fail(names.get(path, path.replace(".", "-")) if path else "_form", message)
        if not found:
            self.fail("_form", error.detail or error.title or text("error.service", self.lang))


def form_context(form: Form | None) -> dict[str, Any]:
    if form is None:
        return {"values": {}, "errors": {}}
    return {"values": form.values, "errors": form.errors}
