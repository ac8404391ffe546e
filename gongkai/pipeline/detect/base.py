"""The detector contract and its one registry.

A detector is a pure function `DetectInput -> list[Hit]`. Each detector module
registers a *factory* under a name; the factory receives the DetectConfig and
returns the detector (so a negative list can be compiled once per process,
the way spaCy builds components from factories). Detectors registered with
`post=True` run after the others and see their hits (conflicts need them).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gongkai.records import HeaderFields, Hit


@dataclass(frozen=True)
class DetectInput:
    text: str                                   # the stored text; hits index into it
    fields: HeaderFields = field(default_factory=HeaderFields)
    prior_hits: tuple[Hit, ...] = ()            # only filled for post detectors


@dataclass
class DetectConfig:
    """What detector factories may read. `negative_list` is a compiled list (see negative_list.py)."""

    negative_list: Any = None
    options: dict = field(default_factory=dict)


Detector = Callable[[DetectInput], list[Hit]]
Factory = Callable[[DetectConfig], Detector]


class DetectorRegistry:
    def __init__(self) -> None:
        self._factories: dict[str, tuple[Factory, bool]] = {}

    def register(self, name: str, *, post: bool = False) -> Callable[[Factory], Factory]:
        def deco(factory: Factory) -> Factory:
            self._factories[name] = (factory, post)
            return factory
        return deco

    def load_external(self, specs: tuple[str, ...] | list[str] = ()) -> None:
        """Register detectors from outside the package: the `gongkai.detectors` entry points of installed
        packages, and `module:factory` specs. Their hit kinds need no declaration: an unknown kind is
        routed to review (gongkai.records.evidence_kind)."""
        from importlib import import_module
        from importlib.metadata import entry_points

        for ep in entry_points(group="gongkai.detectors"):
            if ep.name not in self._factories:
                self._factories[ep.name] = (ep.load(), False)
        for spec in specs:
            module, sep, attr = spec.partition(":")
            if not sep or not module or not attr:
                raise ValueError(f"{spec!r} is not module:factory")
            if spec not in self._factories:
                self._factories[spec] = (getattr(import_module(module), attr), False)

    def names(self) -> list[str]:
        return list(self._factories)

    def build(self, config: DetectConfig, names: list[str] | None = None) -> "Detectors":
        chosen = names or self.names()
        unknown = [n for n in chosen if n not in self._factories]
        if unknown:
            raise KeyError(f"unknown detector(s): {', '.join(unknown)}; known: {', '.join(self.names())}")
        plain = [(n, self._factories[n][0](config)) for n in chosen if not self._factories[n][1]]
        post = [(n, self._factories[n][0](config)) for n in chosen if self._factories[n][1]]
        return Detectors(plain, post)


class Detectors:
    """The built detectors of one process: call it on a document's text and fields."""

    def __init__(self, plain: list[tuple[str, Detector]], post: list[tuple[str, Detector]]) -> None:
        self.plain, self.post = plain, post

    def __call__(self, text: str, fields: HeaderFields | None = None) -> list[Hit]:
        doc = DetectInput(text=text, fields=fields or HeaderFields())
        hits: list[Hit] = []
        for _, detector in self.plain:
            hits.extend(detector(doc))
        if self.post:
            doc = DetectInput(text=text, fields=doc.fields, prior_hits=tuple(hits))
            for _, detector in self.post:
                hits.extend(detector(doc))
        return sorted(set(hits), key=lambda h: (h.start, h.end, h.kind, h.rule_id))


registry = DetectorRegistry()
