"""Telemetry: the process's metrics and its health, for operators and their tools."""
