"""A patient chats with the assistant through the website widget (real servers).

Every reply that reaches the page here travels to the socket.io room of the
patient's session: with Rasa 3.6.21's own channel (``enter_room`` not awaited)
none would arrive, so each of these tests also proves that fix.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from widget_helpers import (
    GREETING,
    REPLY_MS,
    ask,
    bot_bubbles,
    launcher,
    open_chat,
    rasa_api,
    screenshot,
    session_id,
    stored_state,
    textbox,
    texts,
    user_bubbles,
)

from bot.console.devservers import ServerSet


def _user_texts_in_tracker(servers: ServerSet, sid: str) -> list:
    tracker = rasa_api(servers, "GET", f"/conversations/web:{sid}/tracker")
    return [e.get("text") for e in tracker["events"] if e.get("event") == "user"]


def _greetings_in_tracker(servers: ServerSet, sid: str) -> int:
    tracker = rasa_api(servers, "GET", f"/conversations/web:{sid}/tracker")
    return sum(
        1
        for e in tracker["events"]
        if e.get("event") == "bot" and GREETING.search(e.get("text") or "")
    )


def test_greeting_quick_reply_and_faq_answer(page: Page, servers: ServerSet) -> None:
    open_chat(page, servers)
    greeting = page.locator(".cw-msg--bot").first
    # The disclaimer is the first thing a patient reads, with a timestamp.
    expect(greeting).to_contain_text(GREETING)
    expect(greeting.locator("time")).to_have_attribute(
        "datetime", re.compile(r"^\d{4}-\d\d-\d\dT")
    )
    replies = page.locator(".cw-quick button")
    expect(replies.first).to_be_visible()
    title = replies.first.inner_text().strip()

    bots_before = bot_bubbles(page).count()
    replies.first.click()
    # The patient sees the button's title, never its payload.
    expect(user_bubbles(page).last).to_contain_text(title)
    assert not texts(user_bubbles(page))[-1].startswith("/")
    expect(bot_bubbles(page).nth(bots_before)).to_be_visible(timeout=REPLY_MS)

    # Record whether the typing indicator shows while the reply is on its way.
    page.evaluate(
        """() => {
          const t = document.getElementById('cryo-chat-widget').shadowRoot
            .querySelector('.cw-typing');
          window.__typingSeen = false;
          new MutationObserver(() => { if (!t.hidden) window.__typingSeen = true; })
            .observe(t, {attributes: true, attributeFilter: ['hidden']});
        }"""
    )
    answer = ask(page, "what is cryoablation?")
    expect(answer).to_contain_text(re.compile(r"\bice", re.IGNORECASE))
    expect(page.locator(".cw-typing")).to_be_hidden()
    assert page.evaluate("window.__typingSeen") is True
    screenshot(page, "desktop-conversation")


def test_reload_shows_history_without_a_second_greeting(
    page: Page, servers: ServerSet
) -> None:
    open_chat(page, servers)
    ask(page, "what is cryoablation?")
    before = texts(page.locator(".cw-msg .cw-bubble"))
    assert sum(bool(GREETING.search(t)) for t in before) == 1
    sid = session_id(page)

    page.reload()
    # Still open (per tab), same conversation, same messages, in order.
    expect(textbox(page)).to_be_visible()
    expect(page.locator(".cw-msg .cw-bubble")).to_have_count(len(before))
    assert texts(page.locator(".cw-msg .cw-bubble")) == before
    assert session_id(page) == sid

    ask(page, "what is cryoablation?")
    # Anything the server sent on reconnecting (a wrong greeting, a replayed
    # duplicate) came before this reply on the same socket: waiting for the
    # reply is waiting for it, however slow the machine.
    after = texts(page.locator(".cw-msg .cw-bubble"))
    assert after[: len(before)] == before
    assert sum(bool(GREETING.search(t)) for t in after) == 1
    assert session_id(page) == sid
    assert _greetings_in_tracker(servers, sid) == 1


def test_second_tab_continues_the_same_conversation(
    page: Page, servers: ServerSet
) -> None:
    open_chat(page, servers)
    ask(page, "what is cryoablation?")
    other = page.context.new_page()
    other.goto(servers.console_url + "/")
    launcher(other).click()
    expect(other.locator(".cw-msg .cw-bubble")).to_have_count(
        page.locator(".cw-msg .cw-bubble").count()
    )
    assert session_id(other) == session_id(page)

    bots_in_first = bot_bubbles(page).count()
    ask(other, "How long does the procedure take?")
    # The first tab shows the patient's message and the reply too.
    expect(user_bubbles(page).last).to_contain_text("How long does the procedure take?")
    expect(bot_bubbles(page).nth(bots_in_first)).to_be_visible(timeout=REPLY_MS)
    other.close()


def test_rasa_restart_mid_conversation(page: Page, servers: ServerSet) -> None:
    open_chat(page, servers)
    ask(page, "what is cryoablation?")
    sid = session_id(page)

    servers.kill_rasa()
    status = page.locator(".cw-status")
    expect(status).to_contain_text("Reconnecting…", timeout=10_000)

    # Written while the server is down: kept, marked, sent later.
    bots_before = bot_bubbles(page).count()
    box = textbox(page)
    box.fill("Is cryoablation painful?")
    box.press("Enter")
    expect(page.locator(".cw-msg--user").last).to_contain_text("Waiting to send")
    expect(status).to_contain_text("1 message waiting to be sent")
    screenshot(page, "desktop-offline")

    servers.start_rasa()
    expect(status).to_be_hidden(timeout=REPLY_MS)
    expect(bot_bubbles(page).nth(bots_before)).to_be_visible(timeout=REPLY_MS)
    expect(page.locator(".cw-msg--user").last).not_to_contain_text("Waiting to send")

    # Same conversation; the message reached Rasa exactly once.
    assert session_id(page) == sid
    assert _user_texts_in_tracker(servers, sid).count("Is cryoablation painful?") == 1
    assert texts(user_bubbles(page)).count("Is cryoablation painful?") == 1

    page.reload()
    expect(page.locator(".cw-msg--user")).to_have_count(2)
    assert texts(user_bubbles(page)) == [
        "what is cryoablation?",
        "Is cryoablation painful?",
    ]


def test_html_in_messages_is_shown_as_text(page: Page, servers: ServerSet) -> None:
    page.add_init_script("window.__xss = 0")
    open_chat(page, servers)
    attack = '<img src=x onerror="window.__xss=1">'
    box = textbox(page)
    box.fill(attack)
    box.press("Enter")
    expect(user_bubbles(page).last).to_contain_text(attack)

    # The same from the server side (as a coordinator reply could carry it).
    sid = session_id(page)
    rasa_api(
        servers,
        "POST",
        f"/conversations/web:{sid}/tracker/events?output_channel=socketio&execute_side_effects=true",
        [{"event": "bot", "text": f"Echo: {attack} <b>bold?</b>"}],
    )
    expect(bot_bubbles(page).last).to_contain_text(f"Echo: {attack} <b>bold?</b>")
    # Rendered as text: no element was created (whether or not an image load
    # would have failed yet), so nothing can run.
    images = page.evaluate(
        "document.getElementById('cryo-chat-widget').shadowRoot"
        ".querySelectorAll('img, b').length"
    )
    assert images == 0
    assert page.evaluate("window.__xss") == 0


def test_coordinator_messages_and_notices(page: Page, servers: ServerSet) -> None:
    open_chat(page, servers)
    sid = session_id(page)
    events = [
        {
            "event": "bot",
            "data": {"custom": {"type": "coordinator_joined", "name": "Anna"}},
        },
        {
            "event": "bot",
            "text": "Hello, I am Anna. I have read your questions.\n\n"
            "- I will call you today\n- see **our guide** at https://example.org/guide",
            "metadata": {"from": "coordinator", "name": "Anna"},
        },
        {
            "event": "bot",
            "data": {"custom": {"type": "coordinator_left", "name": "Anna"}},
        },
    ]
    rasa_api(
        servers,
        "POST",
        f"/conversations/web:{sid}/tracker/events?output_channel=socketio&execute_side_effects=true",
        events,
    )
    notices = page.locator(".cw-notice")
    expect(notices.first).to_contain_text(
        "Anna, a coordinator, joined the conversation"
    )
    expect(notices.last).to_contain_text("Anna left the conversation")
    coordinator = page.locator(".cw-msg--coordinator")
    expect(coordinator).to_have_count(1)
    expect(coordinator.locator(".cw-who")).to_have_text("Anna · Coordinator")
    expect(coordinator.locator("strong")).to_have_text("our guide")
    expect(coordinator.locator("li")).to_have_count(2)
    link = coordinator.locator("a")
    expect(link).to_have_attribute("href", "https://example.org/guide")
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    screenshot(page, "desktop-coordinator")


def test_talk_to_a_coordinator_button(page: Page, servers: ServerSet) -> None:
    open_chat(page, servers)
    bots = bot_bubbles(page).count()
    # One place in the widget: its menu (the greeting may suggest it too).
    page.get_by_role("button", name="Menu").click()
    page.locator(".cw-menu").get_by_role("button", name="Talk to a coordinator").click()
    expect(page.locator(".cw-menu")).to_be_hidden()
    expect(user_bubbles(page).last).to_contain_text("Talk to a coordinator")
    expect(bot_bubbles(page).nth(bots)).to_be_visible(timeout=REPLY_MS)
    tracker = rasa_api(servers, "GET", f"/conversations/web:{session_id(page)}/tracker")
    assert tracker["latest_message"]["intent"]["name"] == "request_human"


def test_clear_conversation_starts_afresh(page: Page, servers: ServerSet) -> None:
    open_chat(page, servers)
    ask(page, "what is cryoablation?")
    old = session_id(page)
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("button", name="Clear conversation").click()
    # Nothing is deleted before the patient confirms.
    expect(page.locator(".cw-confirm")).to_contain_text("Delete this conversation")
    assert "what is cryoablation?" in str(stored_state(page))
    page.get_by_role("button", name="Delete").click()
    expect(page.locator(".cw-msg")).to_have_count(1, timeout=REPLY_MS)
    expect(bot_bubbles(page).first).to_contain_text(GREETING)
    assert session_id(page) not in ("", old)
    assert "what is cryoablation?" not in str(stored_state(page))


def test_error_state_when_the_server_is_unreachable(
    page: Page, servers: ServerSet
) -> None:
    # The network refuses every connection to the chat server.
    page.route_web_socket(re.compile(r"/socket\.io/"), lambda ws: ws.close())
    page.route(
        re.compile(r"/socket\.io/"), lambda route: route.abort("connectionrefused")
    )
    page.goto(servers.console_url + "/")
    launcher(page).click()
    status = page.locator(".cw-status")
    expect(status).to_contain_text("Can't reach the assistant", timeout=REPLY_MS)
    expect(status.get_by_role("button", name="Try again now")).to_be_visible()
    box = textbox(page)
    box.fill("hello?")
    box.press("Enter")
    expect(page.locator(".cw-msg--user").last).to_contain_text("Waiting to send")
    expect(page.locator(".cw-msg--bot")).to_have_count(0)


def test_page_from_another_origin_is_refused(page: Page, servers: ServerSet) -> None:
    # Same console, but "localhost" is not on the allow-list (127.0.0.1 is).
    page.goto(f"http://localhost:{servers.console_port}/")
    launcher(page).click()
    expect(page.locator(".cw-status")).to_contain_text(
        "Can't reach the assistant", timeout=REPLY_MS
    )
    expect(page.locator(".cw-msg")).to_have_count(0)


def test_works_over_long_polling_with_one_cors_header(
    page: Page, servers: ServerSet
) -> None:
    # Where WebSockets are blocked socket.io uses HTTP long polling, whose CORS
    # headers must be right: one Allow-Origin (python-engineio's), although
    # Rasa also runs with --cors, which would add a second one browsers reject.
    page.add_init_script("window.CryoChatConfig = {transports: ['polling']}")
    polls = []
    page.on(
        "response",
        lambda r: polls.append(r) if "transport=polling" in r.url else None,
    )
    open_chat(page, servers)
    answer = ask(page, "what is cryoablation?")
    expect(answer).to_contain_text(re.compile(r"\bice", re.IGNORECASE))
    assert polls, "the conversation did not go over long polling"
    allow = polls[-1].headers_array()
    origins = [h for h in allow if h["name"].lower() == "access-control-allow-origin"]
    assert [h["value"] for h in origins] == [servers.console_url]
