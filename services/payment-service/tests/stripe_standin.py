"""A local stand-in for the few Stripe API calls payment-service makes, speaking Stripe's wire
format (form-encoded requests, JSON objects, Stripe's error bodies, `Idempotency-Key` replay).

Why not `localstripe` (PyPI, 1.15.10)? It installs, but confirming a PaymentIntent with a
`payment_method` answers 500 "Not implemented", it knows neither `pm_card_chargeDeclined` nor
`pm_card_authenticationRequired`, and it ignores idempotency keys. Stripe is a paid third party,
so a stand-in is acceptable; the real `stripe` client does all the talking to it.

Behaviour follows https://docs.stripe.com/api and https://docs.stripe.com/testing: test payment
methods succeed, decline (402 `card_error` carrying the intent) or require an action; a refund
larger than what is left is refused; a replayed idempotency key returns the first response, and
the same key with other parameters is an `idempotency_error`; an unpaid intent can be canceled,
after which it cannot be confirmed.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

API_KEY = "sk_test_shopkit_local"

DECLINES = {
    "pm_card_chargeDeclined": ("generic_decline", "Your card was declined."),
    "pm_card_chargeDeclinedInsufficientFunds": (
        "insufficient_funds",
        "Your card has insufficient funds.",
    ),
}
SUCCEEDS = {"pm_card_visa", "pm_card_mastercard"}
NEEDS_ACTION = {"pm_card_authenticationRequired"}


def _id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:24]}"


@dataclass
class Recorded:
    method: str
    path: str
    params: dict[str, str]
    idempotency_key: str | None


@dataclass
class StripeStandIn:
    intents: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunded: dict[str, int] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    _replies: dict[str, tuple[dict[str, str], int, bytes]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(
        self, method: str, path: str, params: dict[str, str], key: str | None
    ) -> tuple[int, bytes, bool]:
        """(status, body, replayed)"""
        with self._lock:
            self.requests.append(Recorded(method, path, params, key))
            if key is not None and method == "POST" and key in self._replies:
                first_params, status, body = self._replies[key]
                if first_params != params:
                    return (
                        400,
                        _error(
                            "idempotency_error",
                            "Keys for idempotent requests can only be used with the same "
                            "parameters they were first used with.",
                        ),
                        False,
                    )
                return status, body, True
            status, obj = self._route(method, path, params)
            body = json.dumps(obj).encode()
            if key is not None and method == "POST" and status < 500:
                self._replies[key] = (params, status, body)
            return status, body, False

    def _route(self, method: str, path: str, params: dict[str, str]) -> tuple[int, Any]:
        parts = path.strip("/").split("/")
        if method == "POST" and parts == ["v1", "payment_intents"]:
            return self._create_intent(params)
        if len(parts) >= 3 and parts[:2] == ["v1", "payment_intents"]:
            intent = self.intents.get(parts[2])
            if intent is None:
                return 404, _missing("payment_intent", parts[2], "intent")
            if method == "GET" and len(parts) == 3:
                return 200, intent
            if method == "POST" and parts[3:] == ["confirm"]:
                return self._confirm(intent, params)
            if method == "POST" and parts[3:] == ["cancel"]:
                return self._cancel(intent, params)
        if method == "POST" and parts == ["v1", "refunds"]:
            return self._refund(params)
        return 404, _error("invalid_request_error", f"Unrecognized request URL ({method}: {path}).")

    def _create_intent(self, params: dict[str, str]) -> tuple[int, Any]:
        try:
            amount = int(params["amount"])
            currency = params["currency"]
        except (KeyError, ValueError):
            return 400, _error("invalid_request_error", "Missing required param: amount.", "amount")
        if amount < 1:
            return 400, _error("invalid_request_error", "Amount must be at least 1.", "amount")
        intent = {
            "id": _id("pi"),
            "object": "payment_intent",
            "amount": amount,
            "amount_received": 0,
            "currency": currency,
            "status": "requires_payment_method",
            "payment_method": None,
            "payment_method_types": [params.get("payment_method_types[0]", "card")],
            "latest_charge": None,
            "last_payment_error": None,
            "next_action": None,
            "client_secret": None,
            "metadata": {
                k[len("metadata[") : -1]: v for k, v in params.items() if k.startswith("metadata[")
            },
            "created": int(time.time()),
            "livemode": False,
        }
        intent["client_secret"] = f"{intent['id']}_secret_{uuid.uuid4().hex[:16]}"
        self.intents[intent["id"]] = intent
        return 200, intent

    def _confirm(self, intent: dict[str, Any], params: dict[str, str]) -> tuple[int, Any]:
        if intent["status"] not in ("requires_payment_method", "requires_confirmation"):
            return 400, _error(
                "invalid_request_error",
                f"This PaymentIntent's status is {intent['status']}; it cannot be confirmed.",
                code="payment_intent_unexpected_state",
            )
        method = params.get("payment_method") or intent["payment_method"]
        if method not in SUCCEEDS | NEEDS_ACTION | set(DECLINES):
            return 400, _missing("payment_method", str(method), "payment_method")
        intent["payment_method"] = method
        if method in NEEDS_ACTION:
            intent["status"] = "requires_action"
            intent["next_action"] = {"type": "use_stripe_sdk", "use_stripe_sdk": {}}
            return 200, intent
        charge = _id("ch")
        intent["latest_charge"] = charge
        if method in DECLINES:
            decline_code, message = DECLINES[method]
            error = {
                "type": "card_error",
                "code": "card_declined",
                "decline_code": decline_code,
                "message": message,
                "charge": charge,
            }
            intent["status"] = "requires_payment_method"
            intent["last_payment_error"] = error
            return 402, {"error": {**error, "payment_intent": intent}}
        intent["status"] = "succeeded"
        intent["amount_received"] = intent["amount"]
        return 200, intent

    def _cancel(self, intent: dict[str, Any], params: dict[str, str]) -> tuple[int, Any]:
        """https://docs.stripe.com/api/payment_intents/cancel: only an unpaid intent."""
        cancellable = (
            "requires_payment_method",
            "requires_capture",
            "requires_confirmation",
            "requires_action",
            "processing",
        )
        if intent["status"] not in cancellable:
            return 400, _error(
                "invalid_request_error",
                "You cannot cancel this PaymentIntent because it has a status of "
                f"{intent['status']}. Only a PaymentIntent with one of the following statuses "
                f"may be canceled: {', '.join(cancellable)}.",
                code="payment_intent_unexpected_state",
            )
        intent["status"] = "canceled"
        intent["cancellation_reason"] = params.get("cancellation_reason")
        intent["canceled_at"] = int(time.time())
        return 200, intent

    def _refund(self, params: dict[str, str]) -> tuple[int, Any]:
        intent = self.intents.get(params.get("payment_intent", ""))
        if intent is None:
            return 400, _missing(
                "payment_intent", params.get("payment_intent", ""), "payment_intent"
            )
        if intent["status"] != "succeeded":
            return 400, _error(
                "invalid_request_error",
                "This PaymentIntent does not have a successful charge to refund.",
                code="charge_not_refundable",
            )
        left = intent["amount_received"] - self.refunded.get(intent["id"], 0)
        amount = int(params.get("amount", left))
        if amount > left:
            return 400, _error(
                "invalid_request_error",
                f"Refund amount ({amount}) is greater than unrefunded amount on charge ({left})",
                "amount",
                code="amount_too_large",
            )
        self.refunded[intent["id"]] = self.refunded.get(intent["id"], 0) + amount
        refund = {
            "id": _id("re"),
            "object": "refund",
            "amount": amount,
            "currency": intent["currency"],
            "payment_intent": intent["id"],
            "charge": intent["latest_charge"],
            "status": "succeeded",
            "created": int(time.time()),
        }
        self.refunds[refund["id"]] = refund
        return 200, refund


def _error(kind: str, message: str, param: str | None = None, code: str | None = None) -> Any:
    error: dict[str, Any] = {"type": kind, "message": message}
    if param:
        error["param"] = param
    if code:
        error["code"] = code
    return {"error": error}


def _missing(kind: str, ident: str, param: str) -> Any:
    return _error(
        "invalid_request_error", f"No such {kind}: '{ident}'", param, code="resource_missing"
    )


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _serve(self, method: str) -> None:
        if self.headers.get("Authorization") != f"Bearer {API_KEY}":
            self._reply(401, _error("invalid_request_error", "Invalid API Key provided."), False)
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        path, _, query = self.path.partition("?")
        params = dict(parse_qsl(body or query, keep_blank_values=True))
        status, payload, replayed = self.server.stripe.handle(
            method, path, params, self.headers.get("Idempotency-Key")
        )
        self._reply(status, payload, replayed)

    def do_POST(self) -> None:
        self._serve("POST")

    def do_GET(self) -> None:
        self._serve("GET")

    def _reply(self, status: int, payload: Any, replayed: bool) -> None:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Request-Id", f"req_{uuid.uuid4().hex[:14]}")
        if replayed:
            self.send_header("Idempotent-Replayed", "true")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read `StripeStandIn.requests` instead."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    stripe: StripeStandIn


class StripeServer:
    """The stand-in on a free local port, in a thread, for `with StripeServer() as server:`."""

    def __init__(self) -> None:
        self.state = StripeStandIn()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.stripe = self.state
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> StripeServer:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
