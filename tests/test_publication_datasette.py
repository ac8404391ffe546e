"""Issue 13 point 3: the publication database served read-only by Datasette with the metadata
publish writes next to it — a page and the JSON API read over 127.0.0.1."""
from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from gongkai.pipeline import publish as publishing
from gongkai.pipeline import store
from gongkai.pipeline.publication_site import metadata_path
from gongkai.records import HeaderFields
from tests.helpers import add_item

pytestmark = pytest.mark.slow       # a Datasette server as a subprocess
DATASETTE = Path(sys.executable).with_name("datasette")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str, deadline: float) -> str:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as resp:
                return resp.read().decode("utf-8")
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_datasette_serves_the_publication_database_with_its_facets(tmp_path):
    if not DATASETTE.exists() and not shutil.which("datasette"):
        pytest.skip("datasette is not installed (pip install -e '.[test]')")
    db = store.connect(tmp_path / "work.sqlite")
    add_item(db, "b", "关于道路养护的通知\n各单位：请做好道路养护。", needs_review=False,
             fields=HeaderFields(title="关于道路养护的通知", issuer="临江市交通运输局", date="2026-11-02"))
    pub = tmp_path / "pub.sqlite"
    publishing.publish(db, "b", pub, "王敏")
    meta = metadata_path(pub)
    assert meta.exists()
    port = free_port()
    server = subprocess.Popen([str(DATASETTE if DATASETTE.exists() else shutil.which("datasette")), "serve",
                               "--immutable", str(pub), "-m", str(meta), "-h", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        page = fetch(f"http://127.0.0.1:{port}/pub/documents", deadline)
        assert "政府信息公开目录" in page and "关于道路养护的通知" in page
        api = json.loads(fetch(f"http://127.0.0.1:{port}/pub/documents.json?_shape=objects", deadline))
        assert [r["title"] for r in api["rows"]] == ["关于道路养护的通知"]
        assert api["rows"][0]["attribute_name"] == "主动公开" and api["rows"][0]["issuer"] == "临江市交通运输局"
        facets = api["facet_results"]
        assert {"attribute_name", "issuer", "topic"} <= set(facets)
        assert [v["value"] for v in facets["issuer"]["results"]] == ["临江市交通运输局"]
    finally:
        server.terminate()
        try:
            server.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.communicate(timeout=15)
