"""Placeholder: filled by the elu scenario."""

__all__: list[str] = []
