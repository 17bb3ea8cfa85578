"""Text handling shared by every check that reads untrusted text (classification, injection detection, guard)."""

from assistant.text.normalize import View, inspection_views, normalize

__all__ = ["View", "inspection_views", "normalize"]
