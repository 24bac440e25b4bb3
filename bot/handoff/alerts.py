"""The urgent-ticket alert: a webhook for a team chat or a pager.

When a ticket is urgent (possible emergency signs), the console's background
worker posts to ``ALERT_WEBHOOK_URL`` so that someone is alerted even when no
console is open. The body holds **no health data** and nothing that
identifies the patient: only the link to the ticket (which needs a console
sign-in), its priority and its channel::

    {"text": "Urgent ticket waiting in the coordinator console: https://…/console/tickets/12",
     "url": "https://…/console/tickets/12", "priority": "urgent", "channel": "socketio"}

``text`` makes it work as-is with Slack- or Mattermost-style incoming
webhooks. With ``ALERT_WEBHOOK_SECRET`` set, the raw body is signed:
``X-Alert-Signature: sha256=<hex HMAC-SHA256>``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Any, Dict, Optional

from bot.handoff.relay import HttpClient

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Alert-Signature"
#: The only keys the webhook body ever has.
BODY_KEYS = frozenset({"text", "url", "priority", "channel"})


def ticket_url(console_url: str, ticket_id: int) -> str:
    """The console's page of a ticket.

    >>> ticket_url("https://console.example.org/", 12)
    'https://console.example.org/console/tickets/12'
    """
    return f"{console_url.rstrip('/')}/console/tickets/{int(ticket_id)}"


def alert_body(
    *, console_url: str, ticket_id: int, priority: str, channel: str
) -> Dict[str, Any]:
    """The webhook's JSON body (see the module docstring): no health data."""
    url = ticket_url(console_url, ticket_id)
    label = "Urgent" if priority == "urgent" else priority.capitalize()
    return {
        "text": f"{label} ticket waiting in the coordinator console: {url}",
        "url": url,
        "priority": priority,
        "channel": channel,
    }


def signature(body: bytes, secret: str) -> str:
    """``sha256=<hex>`` of the raw body with the shared secret."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


async def send_alert(
    client: HttpClient,
    webhook_url: str,
    body: Dict[str, Any],
    secret: Optional[str] = None,
    timeout: float = 10.0,
) -> bool:
    """POST the alert; True when the webhook answered 2xx.

    Never raises: an unreachable webhook is logged (without the body) and
    retried later by the worker.
    """
    raw = json.dumps(body, separators=(",", ":"), sort_keys=True).encode("utf-8")
    headers = {"Content-Type": "application/json"}
    if secret:
        headers[SIGNATURE_HEADER] = signature(raw, secret)
    try:
        result = await client.request(
            "POST", webhook_url, data=raw, headers=headers, timeout=timeout
        )
    except (OSError, TimeoutError) as error:
        logger.warning("alert webhook unreachable: %s", type(error).__name__)
        return False
    if not 200 <= result.status < 300:
        logger.warning("alert webhook answered %s", result.status)
        return False
    return True
