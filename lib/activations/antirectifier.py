"""Placeholder: filled by the antirectifier scenario."""

__all__: list[str] = []
