"""List a model's training texts (SHA-256, see corpus.text_sha256) in its gongkai.json.

`gongkai train` records them itself; this fills them in for a model trained before it did,
from the corpus it was trained on less the hold-out the metadata lists (the counts must match).
Usage: python tools/training_hashes.py [models/default] [corpus]
"""
import json
import sys
from collections import Counter
from pathlib import Path

from gongkai.pipeline.classify.corpus import load_corpus, text_sha256
from gongkai.pipeline.classify.session import _relative


def main() -> int:
    model = Path(sys.argv[1] if len(sys.argv) > 1 else "models/default")
    corpus = Path(sys.argv[2] if len(sys.argv) > 2 else "corpus")
    meta_file = model / "gongkai.json"
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    held = set(meta.get("holdout", []))
    trained = [e for e in load_corpus(corpus) if _relative(e.path) not in held]
    if dict(Counter(e.label for e in trained)) != meta["examples"]:
        print(f"{corpus} less the hold-out is not what {model} was trained on: {Counter(e.label for e in trained)}")
        return 1
    meta["training_sha256"] = sorted({text_sha256(e.text) for e in trained})
    meta_file.write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"{model}: {len(meta['training_sha256'])} training texts listed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
