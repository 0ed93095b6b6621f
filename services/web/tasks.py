"""The reminders of reporting's task list (`GET /tasks`, `GET /tasks/summary`) on the
assistant's and the head's pages: the list on their start pages, the count in the navigation.

Reporting computes the tasks from the events; a task names a family by the case's number and
its initials only (the list is also the e-mail digest's), so a page that already holds the
family's name shows it instead. Reporting being unavailable never breaks a page: the list
says so and the count is left out.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request

from services.web.clients import Api, ApiError
from services.web.kernel import Page, PageDep, User

# Whose start page has a task list, and which link of the navigation carries its count.
TASK_PAGES = {"assistant": "/assistant/todo", "head": "/head"}


def _district(user: User) -> str | None:
    # A head asks for the district of their centre; an assistant's list is their own.
    return user.district or None if user.role == "head" else None


async def task_summary(api: Api, user: User) -> dict[str, Any] | None:
    """`{"total", "overdue", "due", "by_kind", "href"}` for the navigation, or None."""
    if user.role not in TASK_PAGES:
        return None
    try:
        summary = await api.get("reporting", "/tasks/summary", district=_district(user))
    except ApiError:
        return None
    return {**summary, "href": TASK_PAGES[user.role]}


async def task_list(page: Page) -> list[dict[str, Any]] | None:
    """The person's tasks, overdue first, each with where to go; None if reporting failed."""
    try:
        answer = await page.api.get("reporting", "/tasks", district=_district(page.user))
    except ApiError:
        return None
    items = []
    for task in answer.get("tasks", []):
        if task.get("case_id"):
            href = f"/cases/{task['case_id']}"
            key = str(task["case_id"])
        else:
            href = f"/referrals/{task['referral_id']}"
            key = str(task.get("referral_id"))
        initials = task.get("family_initials")
        items.append(
            {
                **task,
                "href": href,
                "subject_key": key,
                "fallback_name": f"{task['number']} ({initials})" if initials else task["number"],
            }
        )
    return items


# The pages that show the list itself: their menu counts that list, so the count and the list
# read one answer of reporting and always agree.
LISTED_PAGES = frozenset({"/assistant", "/assistant/todo", "/head"})


async def load_task_list(page: PageDep) -> None:
    """A route's dependency: the task list, for the page's `components/task_list.html`, and
    the menu's count of it."""
    tasks = await task_list(page)
    page.request.state.tasks = tasks
    if tasks is not None and page.user.role in TASK_PAGES:
        overdue = sum(1 for task in tasks if task.get("status") == "overdue")
        page.request.state.task_summary = {
            "total": len(tasks),
            "overdue": overdue,
            "due": len(tasks) - overdue,
            "href": TASK_PAGES[page.user.role],
        }


TaskListDep = Depends(load_task_list)


async def load_task_summary(request: Request, page: PageDep) -> None:
    """The navigation's count of the person's tasks, on every full page they load."""
    listed = request.url.path in LISTED_PAGES
    if request.method == "GET" and not request.headers.get("hx-request") and not listed:
        request.state.task_summary = await task_summary(page.api, page.user)


TaskSummaryDep = Depends(load_task_summary)
