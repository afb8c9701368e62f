"""Shared test helpers (loopback stand-ins for remote services)."""
