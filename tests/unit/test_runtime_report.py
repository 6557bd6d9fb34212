"""`--report`: a self-contained HTML page of the batch, rendered by a real headless browser when one is installed."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ROOT

# Each script uses the shared frame in an op of its own (head(n) differs), so every
# script needs the read itself: none can skip it through a cached consumer.
BODY = 'import pandas as pd\ntrain = pd.read_csv("./input/train.csv")\nprint("rows", len(train.head({rows})))\nprint("RMSE", {value})\n'


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("report")
    base = tmp / "base"
    base.mkdir()
    (base / "input").symlink_to(ROOT / "examples" / "house_prices" / "input")
    scripts = []
    for i in range(3):
        path = tmp / f"s{i}.py"
        path.write_text(BODY.format(rows=i + 1, value=i / 10))
        scripts.append(str(path))
    out = tmp / "results" / "report.html"
    subprocess.run(
        [sys.executable, "-m", "stratum.cli", "--run", *scripts, "--workdir", str(base), "--results", str(tmp / "results"), "--no-cache", "--report", str(out)],
        check=True,
        capture_output=True,
    )
    return out


def test_report_is_self_contained_and_shows_sharing(report: Path) -> None:
    text = report.read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text)  # nothing fetched from anywhere
    assert "3 scripts in" in text
    assert "df.read_csv path=./input/train.csv" in text
    # One row for the read the three scripts share, computed by one and read from the cache by the others.
    ops_table = text[text.index('<table id="ops">'):]
    row = next(r for r in ops_table.split("<tr") if "df.read_csv path=./input/train.csv" in r)
    assert "class='shared'" in row and row.count(": computed</span>") == 1 and row.count(": cache</span>") + row.count(": waited</span>") == 2
    # Each script's prints are its own effects, shown as run by that script alone.
    prints = [r for r in ops_table.split("<tr") if "<code>python.print</code>" in r]
    assert len(prints) == 6 and all(r.count(": ran</span>") == 1 and "class=''" in r for r in prints)


def _browser() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "firefox-esr", "firefox"):
        found = shutil.which(name)
        if found:
            return found
    return None


def test_report_renders_in_a_headless_browser(report: Path, tmp_path: Path) -> None:
    browser = _browser()
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("CI must render the report: .ci/run installs chromium")
        pytest.skip("no headless browser installed (apt-get install chromium)")
    if "firefox" in browser:
        command = [browser, "--headless", "--screenshot", str(tmp_path / "shot.png"), report.as_uri()]
        subprocess.run(command, check=True, capture_output=True, timeout=120, env={**os.environ, "HOME": str(tmp_path)})
        assert (tmp_path / "shot.png").stat().st_size > 0
        return
    flags = ["--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([browser, *flags, "--dump-dom", report.as_uri()], capture_output=True, text=True, timeout=120).stdout
    assert 'id="summary"' in dom and "3 scripts in" in dom
    assert dom.count('class="op"') >= 3  # the graph's nodes made it into the rendered document
    shot = tmp_path / "shot.png"
    subprocess.run([browser, *flags, f"--screenshot={shot}", "--window-size=1000,800", report.as_uri()], capture_output=True, timeout=120)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
