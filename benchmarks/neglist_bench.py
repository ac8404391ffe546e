"""Benchmark: the negative-list matcher against the obvious way (one alternation regex of all phrases).

    .venv/bin/python benchmarks/neglist_bench.py [--repeat N] [--json]

Texts: corpus/docs/*.txt when present, else generated 公文-like text (fixed seed).
Lists: the default list, and a generated 1,000-entry list (fixed seed) built from
realistic phrases, with shared terms, cooccur conditions, exclusions, doc_types and
a few regexes. Both contenders run the same evaluation after finding the terms;
only the term-finding pass differs (Aho-Corasick vs `re` alternation, which cannot
report overlapping occurrences and so finds fewer hits). Reports chars/s and hits.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from gongkai.pipeline.detect.negative_list import NegativeList, load_negative_list  # noqa: E402
from gongkai.pipeline.detect.negative_list_match import Matcher, _to_original, join_cjk_lines  # noqa: E402

SEED = 20260522
SUBJECTS = ["局机关", "本单位", "市财政局", "县审计局", "区教育局", "镇人民政府", "市卫生健康委", "县应急管理局",
            "市统计局", "开发区管委会", "市自然资源局", "县住房和城乡建设局"]
MATTERS = ["预算调整", "人员分流", "专项资金分配", "干部考察", "项目选址", "征收补偿", "信访积案化解", "安全隐患排查",
           "债务化解", "招商引资谈判", "国有资产处置", "执法检查", "绩效考核", "机构编制调整", "审计整改",
           "土地出让", "医疗救助", "校舍改造", "河道治理", "应急物资调拨"]
FORMS = ["方案（讨论稿）", "情况专报", "会议记录", "内部意见", "请示（草稿）", "工作台账", "测算明细", "人员名单",
         "工作底稿", "初步意见", "汇报提纲", "风险评估"]
# Words that really occur in 公文: they make the generated list fire on real text, and overlap the phrases above.
COMMON = ["专项资金", "安全生产", "征收", "请示", "会议纪要", "整改", "审计", "预算", "考核", "隐患", "补偿",
          "名单", "资金", "项目", "评估", "台账", "督查", "排查", "信访", "调整"]
DOC_TYPES = ["请示", "报告", "函", "纪要", "通知"]
FILLER = ["为深入贯彻落实上级部署，进一步做好有关工作，现就有关事项通知如下。", "各单位要提高认识，加强领导，压实责任。",
          "请各单位认真贯彻执行。", "严格按照规定程序办理，确保工作质量。", "有关情况请及时报送市政府办公室。"]


def generated_list_toml(n_entries: int = 1000, seed: int = SEED) -> str:
    """A valid negative-list TOML of n realistic entries (fixed seed)."""
    rnd = random.Random(seed)
    blocks = ['[list]\nname = "bench 1000"\nagency = "bench"\nversion = "1"\nsources = ["generated"]\n']
    for k in range(n_entries):
        blocks.append(_entry_toml(k, rnd))
    return "\n".join(blocks)


def _phrase(rnd: random.Random) -> str:
    body = rnd.choice(MATTERS) + rnd.choice(FORMS)
    return rnd.choice(SUBJECTS) + body if rnd.random() < 0.5 else body


def _entry_toml(k: int, rnd: random.Random) -> str:
    lines = [f'[[entry]]\nid = "GEN-{k:04d}"\nitem = "生成事项{k}"\nsituation = "基准测试生成的情形"',
             'ground = "条例第十六条第二款"\nreason_code = "process_info"\nseverity = "medium"\nsource = "generated"']
    kind = rnd.random()
    if kind < 0.02:
        matter = rnd.choice(MATTERS)
        lines.append(f"regex = ['{matter}[^。\\n]{{0,10}}(?:明细|台账)']")
        match = f"{matter}工作台账"
    elif kind < 0.12:
        a, b = rnd.sample(COMMON, 2)
        lines.append(f'cooccur = {{ all = ["{a}", "{b}"], window = {rnd.choice([40, 80, 150])} }}')
        match = f"{a}和{b}"
    else:
        phrases = [_phrase(rnd) for _ in range(rnd.randint(2, 4))]
        if rnd.random() < 0.1:
            phrases.append(rnd.choice(COMMON))
        lines.append("phrases = [" + ", ".join(f'"{p}"' for p in dict.fromkeys(phrases)) + "]")
        match = f"附件：{phrases[0]}"
    if rnd.random() < 0.2:
        lines.append('exclude = ["向社会公开", "印发实施"]')
    if rnd.random() < 0.1:
        lines.append(f'doc_types = ["{rnd.choice(DOC_TYPES)}"]')
    lines.append(f'examples = {{ match = ["{match}"], no_match = ["请各单位认真贯彻执行。"] }}\n')
    return "\n".join(lines)


def load_generated_list(n_entries: int = 1000, seed: int = SEED) -> NegativeList:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.toml"
        path.write_text(generated_list_toml(n_entries, seed), encoding="utf-8")
        return load_negative_list([path], include_default=False)


def generated_text(n_chars: int, seed: int = SEED) -> str:
    """公文-like filler with the list's phrases and common words sprinkled in."""
    rnd, parts, size = random.Random(seed), [], 0
    while size < n_chars:
        piece = rnd.choice(FILLER) if rnd.random() < 0.6 else f"{rnd.choice(COMMON)}方面，附件：{_phrase(rnd)}。"
        parts.append(piece + ("\n" if rnd.random() < 0.2 else ""))
        size += len(parts[-1])
    return "".join(parts)


class RegexPeer(Matcher):
    """The obvious way: one alternation regex of every term, longest first, on the line-joined text.

    It sees the same terms as the automaton (line-break variants aside: it joins
    CJK line breaks first, as the stored text would need) and feeds the same
    evaluation, so the two differ only in how the terms are found.
    """

    def __init__(self, entries) -> None:
        super().__init__(entries)
        terms = sorted((k for k in self.keys() if "\n" not in k), key=len, reverse=True)
        self._rx = re.compile("|".join(map(re.escape, terms))) if terms else None

    def occurrences(self, text: str):
        if self._rx is None:
            return
        joined, cuts = join_cjk_lines(text)
        for m in self._rx.finditer(joined):
            start, last = _to_original(m.start(), cuts), _to_original(m.end() - 1, cuts)
            yield self.key_index(text[start:last + 1]), start, last + 1


def texts() -> tuple[list[str], str]:
    docs = sorted((REPO / "corpus" / "docs").glob("*.txt"))
    if docs:
        return [p.read_text(encoding="utf-8") for p in docs], f"corpus/docs ({len(docs)} files)"
    return [generated_text(3000, SEED + k) for k in range(100)], "generated text (100 × 3,000 chars)"


def _timed_hits(matcher: Matcher, docs: list[str]) -> tuple[float, int]:
    t0 = time.perf_counter()
    hits = sum(len(matcher.scan(doc)) for doc in docs)
    return time.perf_counter() - t0, hits


def measure(contenders: dict[str, Matcher], docs: list[str], repeat: int) -> dict[str, tuple[float, int]]:
    """Best-of-`repeat` chars/s of each contender, and its hits; runs interleave so load drift hits both alike."""
    best = {name: (float("inf"), 0) for name in contenders}
    for _ in range(repeat):
        for name, matcher in contenders.items():
            seconds, hits = _timed_hits(matcher, docs)
            best[name] = (min(best[name][0], seconds), hits)
    chars = sum(map(len, docs))
    return {name: (chars / seconds, hits) for name, (seconds, hits) in best.items()}


def run(repeat: int) -> dict:
    docs, source = texts()
    t0 = time.perf_counter()
    lists = {"default": load_negative_list(), "generated_1000": load_generated_list()}
    load_s = time.perf_counter() - t0
    result = {"texts": source, "chars": sum(map(len, docs)), "load_both_lists_s": round(load_s, 3)}
    for name, neglist in lists.items():
        timing = measure({"automaton": Matcher(neglist.entries), "regex": RegexPeer(neglist.entries)}, docs, repeat)
        (ours_cps, ours_hits), (peer_cps, peer_hits) = timing["automaton"], timing["regex"]
        result[name] = {"entries": len(neglist.entries), "automaton_chars_per_s": round(ours_cps),
                        "automaton_hits": ours_hits, "regex_chars_per_s": round(peer_cps), "regex_hits": peer_hits,
                        "speedup": round(ours_cps / peer_cps, 2)}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9, help="runs per contender; the best is kept")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    args = parser.parse_args()
    result = run(args.repeat)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return
    print(f"texts: {result['texts']}, {result['chars']:,} chars; lists loaded and checked in {result['load_both_lists_s']} s")
    print(f"{'list':<16}{'entries':>8}{'automaton c/s':>16}{'hits':>8}{'regex c/s':>14}{'hits':>8}{'speedup':>9}")
    for name in ("default", "generated_1000"):
        r = result[name]
        print(f"{name:<16}{r['entries']:>8}{r['automaton_chars_per_s']:>16,}{r['automaton_hits']:>8}"
              f"{r['regex_chars_per_s']:>14,}{r['regex_hits']:>8}{r['speedup']:>8}×")


if __name__ == "__main__":
    main()
