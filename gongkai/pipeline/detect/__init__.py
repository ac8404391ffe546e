"""Detect: secrecy and internal marks, personal data, commercial secrets, the negative list, conflicts.

Importing this package registers the built-in detectors in `registry`.
"""
from gongkai.pipeline.detect.base import DetectConfig, DetectInput, Detectors, registry

from gongkai.pipeline.detect import secrecy, personal, commercial, negative_list, scope, conflict  # noqa: F401,E402  (registration)

__all__ = ["DetectConfig", "DetectInput", "Detectors", "registry"]
