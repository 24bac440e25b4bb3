"""The screening on a phone, in the real widget: lay answers, read-back, result.

A relative types the answers the way people do, taps and types buttons, sees
every value read back with "All correct" / "Change something", corrects one,
and gets a result that ends with next-step buttons. Screenshots for review:
``test-output/screenshots/screening-*.png``.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from bot.console.devservers import ServerSet
from tests.browser.widget_helpers import (
    REPLY_MS,
    ask,
    bot_bubbles,
    open_chat,
    screenshot,
)


def _quick_titles(page: Page) -> list:
    return [t.strip() for t in page.locator(".cw-quick button").all_text_contents()]


def _until(page: Page, text: str) -> None:
    expect(bot_bubbles(page).last).to_contain_text(text, timeout=REPLY_MS)


def test_a_screening_on_a_phone(phone_page: Page, servers: ServerSet) -> None:
    page = phone_page
    open_chat(page, servers)
    ask(page, "could my father have this treatment?")
    _until(page, "Do you agree?")
    page.locator(".cw-quick button", has_text="Yes, I agree").click()
    _until(page, "What is the diagnosis?")
    ask(page, "he has liver cancer")
    _until(page, "Did the cancer start in the liver itself")
    ask(page, "started in the liver")
    _until(page, "How many tumours")
    ask(page, "HCC, just one tumour of 28 mm, bilirubin 1.1 mg/dl, plt 1.5 lakh")
    _until(page, "Do you know the Child-Pugh class?")
    ask(page, "no idea")
    _until(page, "Shall we do that")
    ask(page, "Yes, work it out")  # the button's title, typed
    _until(page, "What is your albumin?")
    ask(page, "I think it was 31")
    _until(page, "What is your INR?")
    ask(page, "1.4")
    _until(page, "fluid in the belly")
    ask(page, "no, he is not confused")
    _until(page, "fluid in the belly")
    ask(page, "yes, a small amount")
    _until(page, "please check what I have noted")
    check = bot_bubbles(page).last
    expect(check).to_contain_text("confusion or drowsiness: none")
    expect(check).to_contain_text("fluid in the belly: mild")
    expect(check).to_contain_text(
        "Child-Pugh B7 (worked out from the answers given; "
        "the doctors may grade it differently)"
    )
    expect(check).to_contain_text("largest tumour 2.8 cm (you typed 28 mm)")
    assert _quick_titles(page) == ["All correct", "Change something"]
    screenshot(page, "screening-read-back-phone")

    page.locator(".cw-quick button", has_text="Change something").click()
    _until(page, "What would you like to change?")
    ask(page, "sorry, platelets are 80k")
    _until(page, "please check what I have noted")
    expect(bot_bubbles(page).last).to_contain_text("platelets 80,000 per µL")
    page.locator(".cw-quick button", has_text="All correct").click()
    _until(page, "send your scans and reports")
    result = bot_bubbles(page).filter(has_text="criteria I could check")
    expect(result).to_contain_text("the distance from the bile duct and the BCLC stage")
    notes = bot_bubbles(page).filter(has_text="Good to know")
    expect(notes).to_contain_text("(B7) was worked out from the answers given")
    titles = _quick_titles(page)
    assert {"Documents to send", "Talk to a coordinator", "Change an answer"} <= set(
        titles
    )
    screenshot(page, "screening-result-phone")

    # Said again after the result: read as a restatement, not as "no".
    ask(page, "no wait, he has never been confused, please fix that")
    _until(page, "That matches what I have already")
    expect(bot_bubbles(page).last).to_contain_text("confusion or drowsiness: none")
