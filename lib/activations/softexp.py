"""Placeholder: filled by the softexp scenario."""

__all__: list[str] = []
