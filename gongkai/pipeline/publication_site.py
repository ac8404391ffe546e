"""The Datasette metadata written next to a publication database, so a website team can serve it
read-only as it is: `datasette serve --immutable pub.sqlite -m pub.metadata.yml` (docs/publication-schema.md).

Written as JSON, which is YAML too: gongkai needs no YAML library, and Datasette reads either.
"""
from __future__ import annotations

import json
from pathlib import Path

FACETS = ["attribute_name", "topic", "issuer"]      # 公开方式 / 主题分类 / 发布机构


def metadata_path(out: Path) -> Path:
    return out.with_name(out.stem + ".metadata.yml")


def metadata(out: Path) -> dict:
    documents = {
        "title": "政府信息公开目录",
        "description": "已公开的政府信息：主动公开文件含区分处理后的正文，依申请公开文件仅列目录。"
                       "索引号 index_no，主题分类 topic，发布机构 issuer，成文日期 date，发布日期 publish_date，"
                       "文号 doc_number，公开方式 attribute_name，附件 attachments。",
        "facets": FACETS,
        "sort_desc": "publish_date",
        "label_column": "title",
    }
    hidden = {"hidden": True}
    return {
        "title": "政府信息公开 · publication database",
        "description": "Written by `gongkai publish`; only what may be published (docs/publication-schema.md).",
        "databases": {out.stem: {"tables": {
            "documents": documents,
            "documents_fts": {**hidden, "description": "全文索引 (FTS5 trigram) over title and masked body"},
            "anchors": hidden, "meta": hidden,
        }}},
    }


def write_metadata(out: Path) -> Path:
    path = metadata_path(out)
    path.write_text(json.dumps(metadata(out), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path
