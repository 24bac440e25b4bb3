"""Handoff latency (part of `make bench`): patient → console, coordinator → widget.

Starts the real action server, Rasa server and console
(:class:`bot.console.devservers.ServerSet`, the product's default console
poll interval), opens the widget (patient) and the console (coordinator, signed
in, ticket claimed) in two contexts of headless Chromium, then measures:

* **patient message → console**: from the moment the patient presses Enter to
  the moment the message's row appears in the coordinator's open conversation
  (a MutationObserver in the console page notes the time);
* **coordinator reply → widget**: from the click on Send to the moment the
  coordinator's bubble appears in the patient's widget.

Both clocks are the machine's wall clock (Python's ``time.time()`` and the
pages' ``Date.now()``). Each direction: a warm-up, then ``--messages`` samples;
p50/p95 by nearest rank. Usage: ``python -m scripts.bench_handoff [--messages N]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

from bot.console.devservers import CHROMIUM, CHROMIUM_ARGS, ServerSet
from bot.settings import PROJECT_ROOT

PASSWORD = "a long benchmark password"

CONSOLE_PROBE = """() => {
  window.__arrivals = {};
  const list = document.getElementById('transcript');
  new MutationObserver(records => {
    for (const r of records) for (const n of r.addedNodes) {
      if (n.classList && n.classList.contains('msg--patient')) {
        const text = n.querySelector('.text').textContent;
        if (!(text in window.__arrivals)) window.__arrivals[text] = Date.now();
      }
    }
  }).observe(list, {childList: true});
}"""

WIDGET_PROBE = """() => {
  window.__arrivals = {};
  const root = document.getElementById('cryo-chat-widget').shadowRoot;
  new MutationObserver(() => {
    for (const n of root.querySelectorAll('.cw-msg--coordinator .cw-bubble')) {
      const text = n.textContent.trim();
      if (!(text in window.__arrivals)) window.__arrivals[text] = Date.now();
    }
  }).observe(root, {childList: true, subtree: true});
}"""


def percentile(values: List[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def _arrival(page, text: str, timeout_s: float = 30.0) -> float:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        # A bubble's text may start with a screen-reader label ("…, said:").
        found = page.evaluate(
            "t => { for (const [k, v] of Object.entries(window.__arrivals))"
            " if (k.endsWith(t)) return v; return null; }",
            text,
        )
        if found:
            return float(found)
        time.sleep(0.01)
    raise TimeoutError(f"not seen: {text}")


def measure(model: Path, messages: int) -> Dict[str, List[float]]:
    """Drive both sides; return the samples in ms."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="bench-handoff-") as tmp:
        servers = ServerSet(
            model=model,
            var_dir=Path(tmp),
            extra_env={"HANDOFF_OPENING_HOURS": "always"},
        )
        with servers:
            servers.add_staff("bench@example.org", PASSWORD, name="Bench")
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path=CHROMIUM, args=CHROMIUM_ARGS
                )
                widget = browser.new_context(
                    viewport={"width": 390, "height": 844}
                ).new_page()
                console = browser.new_context(
                    viewport={"width": 1280, "height": 800}
                ).new_page()

                widget.goto(servers.console_url + "/")
                widget.locator(".cw-launcher").click()
                widget.locator(".cw-msg--bot").first.wait_for(timeout=60_000)
                box = widget.get_by_role("textbox", name="Type your question")
                box.fill("I want to talk to a person")
                box.press("Enter")

                console.goto(servers.console_url + "/console/signin")
                console.get_by_label("E-mail address").fill("bench@example.org")
                console.get_by_label("Password").fill(PASSWORD)
                console.get_by_role("button", name="Sign in").click()
                console.locator("#queue-rows a.open").first.click(timeout=60_000)
                console.get_by_role("button", name="Claim and join the chat").click()
                widget.locator(".cw-notice").last.wait_for(timeout=30_000)
                console.locator("#reply").wait_for()
                console.evaluate(CONSOLE_PROBE)
                widget.evaluate(WIDGET_PROBE)

                inbound: List[float] = []
                for i in range(messages + 1):
                    text = f"patient message {i} at {time.time():.3f}"
                    box.fill(text)
                    sent = time.time() * 1000
                    box.press("Enter")
                    arrived = _arrival(console, text)
                    if i:
                        inbound.append(arrived - sent)
                    time.sleep(0.2)

                outbound: List[float] = []
                reply = console.locator("#reply")
                for i in range(messages + 1):
                    text = f"coordinator reply {i} at {time.time():.3f}"
                    reply.fill(text)
                    sent = time.time() * 1000
                    console.get_by_role("button", name="Send").click()
                    arrived = _arrival(widget, text)
                    if i:
                        outbound.append(arrived - sent)
                    console.locator("#reply-state").filter(has_text="Sent").wait_for()
                    time.sleep(0.2)
                browser.close()
    return {"inbound": inbound, "outbound": outbound}


def _line(label: str, samples: List[float]) -> str:
    return (
        f"  {label:<34} p50 {statistics.median(samples):6.0f} ms, "
        f"p95 {percentile(samples, 95):6.0f} ms, max {max(samples):6.0f} ms "
        f"(n={len(samples)})"
    )


def main(argv: List[str] | None = None) -> int:
    """Measure and print the two figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model", type=Path, default=PROJECT_ROOT / "models/cryo.tar.gz"
    )
    parser.add_argument("--messages", type=int, default=20)
    args = parser.parse_args(argv)
    print("\nCoordinator handoff (real servers on localhost, headless Chromium)")
    if not Path(CHROMIUM).exists():
        print("  (no /usr/bin/chromium: run `make browser` for the timings)")
        return 1
    result = measure(args.model, args.messages)
    print(_line("patient message -> open console", result["inbound"]))
    print(_line("coordinator reply -> widget", result["outbound"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
