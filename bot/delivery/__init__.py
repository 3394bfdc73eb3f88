"""Delivery: the ledger of alerts owed to chats, the rate limiter, the sender and transports."""
