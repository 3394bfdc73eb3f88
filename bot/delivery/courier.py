"""The courier: hands one delivery to the transport the way its kind and lane ask."""

from __future__ import annotations

from bot.delivery.feedback import feedback_for
from bot.delivery.limiter import PaidCharge
from bot.delivery.outbox import Outbox
from bot.delivery.outcomes import FirstAlertUnsent
from bot.delivery.story_edits import edit_feedback
from bot.delivery.transports import ButtonTransport, ReachTransport, Rejected, Transport
from bot.ledger_values import DeliveryKind
from bot.storage import deliveries as store
from bot.storage.deliveries import Delivery
from bot.telemetry.metrics import PAID_MESSAGES, STARS_SPENT


class Courier:
    """Sends alerts (with feedback buttons, in topics, on the paid lane) and edits stories."""

    def __init__(self, transport: Transport, outbox: Outbox, *, paid_from: str | None) -> None:
        """`paid_from`: alerts of this priority or above go on the paid broadcast lane."""
        self._transport = transport
        self._outbox = outbox
        self._paid_rank = None if paid_from is None else store.priority_rank(paid_from)
        self._paid_charge = PaidCharge()
        self.paid_sent = 0

    def paid(self, delivery: Delivery) -> bool:
        """Whether the delivery goes on the paid broadcast lane (alerts only: edits cannot)."""
        return (
            self._paid_rank is not None
            and delivery.kind == DeliveryKind.ALERT
            and store.priority_rank(delivery.priority) <= self._paid_rank
        )

    async def carry(self, delivery: Delivery) -> int | None:
        """Send or edit; returns the message's id. Raises the transport's SendErrors."""
        if delivery.kind == DeliveryKind.EDIT:
            return await self._edit(delivery)
        return await self._deliver(delivery)

    async def _edit(self, delivery: Delivery) -> int:
        """Edit the chat's first alert of the story; returns that message's id."""
        if delivery.edit_of is None:
            if delivery.edit_waits:
                raise FirstAlertUnsent
            raise Rejected("the story's first alert was not delivered: nothing to edit")
        transport = self._transport
        if delivery.edit_alert is not None and isinstance(transport, ButtonTransport):
            # Telegram drops the keyboard of a message edited without one: redraw it.
            feedback = await self._outbox.db(edit_feedback, delivery.chat_id, delivery.edit_alert)
            await transport.edit(
                delivery.chat_id, delivery.edit_of, delivery.text, feedback=feedback
            )
        else:
            await transport.edit(delivery.chat_id, delivery.edit_of, delivery.text)
        return delivery.edit_of

    async def _deliver(self, delivery: Delivery) -> int | None:
        """Send one delivery; an alert gets its feedback buttons where the transport has them."""
        transport = self._transport
        feedback = feedback_for(delivery.id, delivery.kind, delivery.rules)
        paid = self.paid(delivery)
        if isinstance(transport, ReachTransport) and (paid or delivery.thread_id is not None):
            message_id = await transport.send(
                delivery.chat_id,
                delivery.text,
                silent=delivery.silent,
                feedback=feedback,
                thread_id=delivery.thread_id,
                paid=paid,
            )
            if paid:
                self.paid_sent += 1
                PAID_MESSAGES.inc()
                STARS_SPENT.inc(self._paid_charge.charge())
            return message_id
        if feedback is not None and isinstance(transport, ButtonTransport):
            return await transport.send(
                delivery.chat_id, delivery.text, silent=delivery.silent, feedback=feedback
            )
        return await transport.send(delivery.chat_id, delivery.text, silent=delivery.silent)
