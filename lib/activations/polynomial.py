"""Placeholder: filled by the polynomial scenario."""

__all__: list[str] = []
