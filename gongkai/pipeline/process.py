"""The per-document work: one pure function of (file bytes, configuration, model) → record.

Nothing here touches the database, the file system or global state, so the
same function runs in the local process pool today and could run unchanged on
a distributed engine later (see docs/architecture.md).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gongkai.config import DEFAULT_LIMITS, Limits
from gongkai.records import OK, HeaderFields, Hit, ParsedDoc, Proposal


@dataclass(frozen=True)
class Settings:
    """Everything a worker needs to build its Resources; small and picklable."""

    model_path: str | None = None               # None: the shipped default model
    negative_lists: tuple[str, ...] = ()        # office lists, on top of (or instead of) the default
    include_default_list: bool = True
    limits: Limits = DEFAULT_LIMITS
    follow_symlinks: bool = False               # read what links inside the folders point to
    # The lists above as the parent already loaded and checked them: a worker then neither reads nor
    # checks them again (a third of its start-up). Not part of the settings' identity.
    loaded_list: object = field(default=None, compare=False, repr=False)


@dataclass
class Resources:
    """Loaded once per worker: the detectors, the classifier and their versions."""

    settings: Settings
    detectors: object                 # gongkai.pipeline.detect.Detectors
    classifier: object | None         # gongkai.pipeline.classify.model.Classifier
    negative_list_version: str
    model_version: str | None
    negative_list: object = None


@dataclass
class DocumentResult:
    path: str
    sha256: str                 # of the bytes read; of the path when none could be (files.path_identity)
    size: int
    parsed: ParsedDoc
    fields: HeaderFields = field(default_factory=HeaderFields)
    hits: list[Hit] = field(default_factory=list)
    proposal: Proposal = field(default_factory=lambda: Proposal(None, 0.0, True))
    model_version: str | None = None
    negative_list_version: str | None = None


def load_resources(settings: Settings, with_model: bool = True) -> Resources:
    """Compile the negative list and detectors and load the model (slow: once per worker)."""
    from gongkai.pipeline.classify.model import load_classifier
    from gongkai.pipeline.detect import DetectConfig, registry
    from gongkai.pipeline.detect.negative_list import load_negative_list

    neglist = settings.loaded_list or load_negative_list([Path(p) for p in settings.negative_lists],
                                                         include_default=settings.include_default_list)
    detectors = registry.build(DetectConfig(negative_list=neglist))
    classifier = load_classifier(settings.model_path) if with_model else None
    return Resources(settings=settings, detectors=detectors, classifier=classifier,
                     negative_list_version=neglist.version, negative_list=neglist,
                     model_version=classifier.version if classifier else None)


def process_document(data: bytes, path: str, sha256: str, res: Resources) -> DocumentResult:
    """Parse → extract → detect → classify one document. Never raises for bad input."""
    from gongkai.pipeline.ingest import parse

    return process_parsed(parse(data, path, res.settings.limits), path, sha256, len(data), res)


def process_parsed(parsed: ParsedDoc, path: str, sha256: str, size: int,
                   res: Resources) -> DocumentResult:
    """Extract → detect → classify a parsed document (also used for files never read, e.g. too large)."""
    from gongkai.pipeline.classify.not_document import FLAG, is_not_a_document
    from gongkai.pipeline.classify.policy import PolicyInput, decide
    from gongkai.pipeline.extract import extract_fields

    fields = extract_fields(parsed.text) if parsed.text else HeaderFields()
    if parsed.status == OK and FLAG not in parsed.flags and is_not_a_document(parsed.text, fields):
        parsed.flags.append(FLAG)       # reaches the policy as a parser flag: review, never proposed alone
    hits: list[Hit] = res.detectors(parsed.text, fields) if parsed.text else []
    probs = res.classifier.predict(parsed.text) if (res.classifier and parsed.status == OK) else {}
    proposal = decide(PolicyInput(status=parsed.status, error=parsed.error, flags=parsed.flags,
                                  fields=fields, hits=hits, probabilities=probs,
                                  negative_list=res.negative_list,
                                  thresholds=res.classifier.thresholds if res.classifier else {}))
    return DocumentResult(path=path, sha256=sha256, size=size, parsed=parsed, fields=fields,
                          hits=hits, proposal=proposal, model_version=res.model_version,
                          negative_list_version=res.negative_list_version)
