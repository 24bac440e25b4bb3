"""`make bench` (widget part): size of the widget and reply time in a real browser.

Starts the action server, Rasa (``models/cryo.tar.gz``) and the console like
the browser tests do (:class:`bot.console.devservers.ServerSet`), opens the
demo page in headless Debian Chromium and measures, inside the page:

* when the launcher became visible and clickable, from navigation start;
* for each of ``--messages`` questions, the time from the form being submitted
  to the first bot message of the reply being in the page and painted
  (``performance.now()`` around a MutationObserver and one animation frame);
  the first question is a warm-up and not counted.

It also prints the size of each file the widget downloads: the source, and
as served (our own scripts without their comment lines, see
:func:`bot.console.assets.compact_js`), raw and gzipped.

Usage: ``python -m scripts.bench_widget [--model PATH] [--messages 20]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import List

from bot.console.assets import AssetStore
from bot.console.devservers import CHROMIUM, CHROMIUM_ARGS, ServerSet  # noqa: E402
from bot.settings import PROJECT_ROOT

QUESTIONS = [
    "what is cryoablation?",
    "how long does the procedure take?",
    "does it hurt?",
    "what are the risks?",
    "how long is the recovery?",
    "can it be combined with TACE?",
    "what documents do you need?",
    "is it possible with cirrhosis?",
]
FILES = [
    ("widget/widget.js", "on page load"),
    ("widget/widget.css", "on page load"),
    ("widget/vendor/socket.io.min.js", "when the chat opens"),
]

# Records, in the page, when the launcher is first visible.
LAUNCHER_PROBE = """
(() => {
  const check = () => {
    const host = document.getElementById('cryo-chat-widget');
    const b = host && host.shadowRoot && host.shadowRoot.querySelector('.cw-launcher');
    if (b && !b.hidden && b.getBoundingClientRect().width > 0) {
      window.__launcherReady = performance.now();
    } else {
      requestAnimationFrame(check);
    }
  };
  requestAnimationFrame(check);
})();
"""

SEND_AND_TIME = """
async (text) => {
  const root = document.getElementById('cryo-chat-widget').shadowRoot;
  const count = () => root.querySelectorAll('.cw-msg--bot').length;
  const before = count();
  const input = root.querySelector('.cw-input');
  const form = root.querySelector('.cw-form');
  return await new Promise((resolve, reject) => {
    let t0 = 0;
    const timer = setTimeout(() => reject(new Error('no reply in 30 s')), 30000);
    const obs = new MutationObserver(() => {
      if (count() > before) {
        obs.disconnect();
        clearTimeout(timer);
        requestAnimationFrame(() => resolve(performance.now() - t0));
      }
    });
    obs.observe(root.querySelector('.cw-log'), {childList: true});
    input.value = text;
    t0 = performance.now();
    form.requestSubmit();
  });
}
"""


def sizes() -> List[tuple]:
    """(file, source bytes, served bytes, served gzipped, when) per widget file."""
    store = AssetStore()
    rows = []
    for name, when in FILES:
        asset = store.get(name)
        if asset is None:
            raise FileNotFoundError(name)
        source = (store.root / name).stat().st_size
        served = len(asset.body)
        rows.append((name.split("/")[-1], source, served, len(asset.gzipped), when))
    return rows


def percentile(values: List[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def measure(model: Path, messages: int) -> dict:
    """Start the servers, drive the browser, return the timings in ms."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="bench-widget-") as tmp:
        with ServerSet(model=model, var_dir=Path(tmp)) as servers:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path=CHROMIUM, args=CHROMIUM_ARGS
                )
                page = browser.new_page(viewport={"width": 1366, "height": 768})
                page.add_init_script(LAUNCHER_PROBE)
                page.goto(servers.console_url + "/")
                page.wait_for_function("window.__launcherReady !== undefined")
                launcher_ms = page.evaluate("window.__launcherReady")
                page.locator(".cw-launcher").click()
                page.locator(".cw-msg--bot").first.wait_for(timeout=30_000)
                times = []
                for i in range(messages + 1):
                    ms = page.evaluate(SEND_AND_TIME, QUESTIONS[i % len(QUESTIONS)])
                    # Wait for the acknowledgement (all replies in) before the
                    # next question, as a patient reading the answer would.
                    page.locator(".cw-typing").wait_for(state="hidden")
                    if i:  # the first is a warm-up
                        times.append(ms)
                    time.sleep(0.1)
                browser.close()
    return {"launcher_ms": launcher_ms, "reply_ms": times}


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model", type=Path, default=PROJECT_ROOT / "models/cryo.tar.gz"
    )
    parser.add_argument("--messages", type=int, default=20)
    args = parser.parse_args(argv)

    print("\nWidget")
    print(f"  {'file':<22}{'source':>10}{'served':>10}{'gzipped':>10}  loaded")
    total = 0
    for name, source, raw, gz, when in sizes():
        print(
            f"  {name:<22}{source / 1024:>8.1f} K{raw / 1024:>8.1f} K"
            f"{gz / 1024:>8.1f} K  {when}"
        )
        if when == "on page load":
            total += gz
    print(f"  {'before the launcher':<22}{'':>20}{total / 1024:>8.1f} K")

    if not Path(CHROMIUM).exists():
        print("  (no /usr/bin/chromium: run `make browser` for the timings)")
        return 1
    result = measure(args.model, args.messages)
    reply = result["reply_ms"]
    print(f"  launcher visible       {result['launcher_ms']:>8.0f} ms after navigation")
    print(
        f"  send -> reply shown    p50 {statistics.median(reply):.0f} ms, "
        f"p95 {percentile(reply, 95):.0f} ms, max {max(reply):.0f} ms "
        f"(n={len(reply)}, in the browser, localhost)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
