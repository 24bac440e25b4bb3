from bot.dialogue import last_bot_action


def test_last_bot_action_looks_only_since_the_previous_user_message():
    events = [
        {"event": "user", "text": "a"},
        {"event": "action", "name": "utter_faq"},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "b"},
    ]
    assert last_bot_action(events) == "utter_faq"
    assert last_bot_action(events[:1]) is None
    assert last_bot_action([]) is None
    assert last_bot_action(events + [{"event": "user", "text": "c"}]) is None
