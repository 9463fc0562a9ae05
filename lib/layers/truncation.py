"""Placeholder: filled by the truncation scenario."""

__all__: list[str] = []
