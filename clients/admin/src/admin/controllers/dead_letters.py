"""Dead letters: the events each service's consumers gave up on after their retries, and a way
to send one back for another try once its cause is fixed (each service's
`/api/ops/<service>/dead-letters`, admins only)."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.response import Redirect, Template

from admin.deps import provide_api
from admin.gateway import Api, ApiError, GatewayUnavailable
from admin.pages import done, page, refused

PAGE = "/admin/dead-letters"
SHOWN = 20  # dead letters listed per queue


class DeadLettersController(Controller):
    path = PAGE
    dependencies = {"api": Provide(provide_api)}

    @get("/", name="dead_letters")
    async def dead_letters(
        self, request: Request[Any, Any, Any], api: NamedDependency[Api]
    ) -> Template:
        slugs = request.app.state.settings.admin.ops_services
        reports = await asyncio.gather(
            *(api.get(f"/api/ops/{slug}/dead-letters", limit=SHOWN) for slug in slugs),
            return_exceptions=True,
        )  # every service at once: the page waits for the slowest, not for their sum
        services = []
        for slug, report in zip(slugs, reports, strict=True):
            if isinstance(report, GatewayUnavailable):
                if report.status is None:  # the gateway itself: the friendly 503 page
                    raise report
                services.append({"slug": slug, "queues": [], "error": "not answering"})
            elif isinstance(report, ApiError):
                services.append({"slug": slug, "queues": [], "error": report.message})
            elif isinstance(report, BaseException):
                raise report
            else:
                services.append({"slug": slug, "queues": report.get("queues", []), "error": None})
        waiting = sum(q["dead_letters"] for s in services for q in s["queues"])
        return page(
            request,
            "dead_letters.html",
            section="dead_letters",
            services=services,
            waiting=waiting,
            shown=SHOWN,
        )

    @post("/replay", name="dead_letters.replay")
    async def replay(self, request: Request[Any, Any, Any], api: NamedDependency[Api]) -> Redirect:
        form = await request.form()
        slug, queue, message_id = (
            str(form.get(name, "")).strip() for name in ("service", "queue", "message_id")
        )
        if slug not in request.app.state.settings.admin.ops_services or not queue or not message_id:
            return refused(request, PAGE, "Not replayed: choose a dead letter from the list.")
        try:
            await api.post(
                f"/api/ops/{slug}/dead-letters/{quote(queue, safe='')}/"
                f"{quote(message_id, safe='')}/replay"
            )
        except ApiError as exc:
            return refused(request, PAGE, f"Not replayed. {exc.message}")
        return done(request, PAGE, f"Sent back to {queue} for another try")
