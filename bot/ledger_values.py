"""The values a delivery's kind, state and priority take, as stored in the ledger."""

from __future__ import annotations

from enum import StrEnum


class DeliveryKind(StrEnum):
    """What a delivery is: only alerts carry feedback buttons."""

    ALERT = "alert"
    NOTICE = "notice"  # to the admins
    DIGEST = "digest"  # held alerts of a chat, together
    EDIT = "edit"  # a story's alert, edited by a later copy


class DeliveryState(StrEnum):
    """Where a delivery is on its way to Telegram."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"
    HELD = "held"  # quiet hours, a mute or digest mode: due with the chat's digest
    DIGESTED = "digested"  # told in a digest instead


class Priority(StrEnum):
    """A rule's priority, lowest first (a low alert is sent silently)."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    CRITICAL = "critical"
