"""FAQ topics: short titles for quick replies, and the clarifying question's choices.

The topic keys are the contract of ``spec/faq_topics.md``; the answers live in
``data/responses/faq.yml``. The titles here label the buttons of the
clarifying question, so a patient sees "Risks and side effects", not a key.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Sequence, Tuple

TOPIC_TITLES: Dict[str, str] = {
    "what_is_cryoablation": "What cryoablation is",
    "who_is_it_for": "Who it is for",
    "success_rate": "How well it works",
    "survival": "Life expectancy",
    "tumour_size": "Tumour size",
    "risks": "Risks and side effects",
    "cryoshock": "Cryoshock",
    "procedure_steps": "The steps of treatment",
    "preparation_imaging": "Scans before treatment",
    "anaesthesia": "Anaesthesia",
    "freeze_thaw": "How the freezing is done",
    "ice_ball_monitoring": "Is all the tumour frozen?",
    "approaches": "Through the skin or surgery",
    "recovery": "Recovery and going home",
    "procedure_duration": "How long it takes",
    "pain": "Pain",
    "cryo_vs_rfa": "Cryoablation or RFA",
    "near_blood_vessels": "Tumour near blood vessels",
    "guidelines": "Is it a standard treatment",
    "cost": "Cost",
    "tace_combination": "Combining with TACE",
    "cirrhosis": "Cirrhosis",
    "transplant_bridging": "Liver transplant",
    "tract_seeding": "Spread along the needle path",
    "liver_metastases": "Cancer spread to the liver",
    "selection_criteria": "Who is a candidate",
    "bile_duct": "Tumour near the bile duct",
    "low_platelets": "Low platelets",
    "bilirubin": "High bilirubin",
    "how_cancerfax_helps": "How CancerFax helps",
    "treatment_abroad": "Treatment in China or India",
    "records_needed": "Documents to send",
    "guarantee": "Guarantees",
}

#: The clarifying question's last button: none of the topics offered.
CLARIFY_OTHER = {"title": "Something else", "payload": "/request_human"}

#: The retrieval intent of FAQ topics.
RETRIEVAL_INTENT = "faq"


def clarify_buttons(parse_data: Mapping[str, Any], count: int = 2) -> List[dict]:
    """Quick replies for the ``count`` most likely FAQ topics of a message.

    Args:
        parse_data: the latest message's NLU result (``tracker.latest_message``).
        count: how many topics to offer.

    Returns:
        Buttons ``{"title": ..., "payload": "/faq/<key>"}``, best first; empty
        when the message carries no topic ranking.
    """
    selector = (parse_data.get("response_selector") or {}).get(RETRIEVAL_INTENT) or {}
    buttons: List[dict] = []
    for entry in selector.get("ranking") or []:
        key = str(entry.get("intent_response_key", "")).split("/", 1)[-1]
        if key in TOPIC_TITLES and all(b["payload"] != f"/faq/{key}" for b in buttons):
            buttons.append({"title": TOPIC_TITLES[key], "payload": f"/faq/{key}"})
        if len(buttons) == count:
            break
    return buttons


#: Offered when there is no ranking to go by (an FAQ button that no longer
#: exists): the two broadest topics.
STARTER_TOPICS = ("what_is_cryoablation", "selection_criteria")


def starter_buttons() -> List[dict]:
    """Quick replies for :data:`STARTER_TOPICS`, for a clarifying question."""
    return [
        {"title": TOPIC_TITLES[key], "payload": f"/faq/{key}"} for key in STARTER_TOPICS
    ]


def uncovered_subject_text(subjects: Sequence[str]) -> str:
    """How the bot names uncovered subjects ("that question" if none is known).

    >>> uncovered_subject_text(["diet", "insurance"])
    'food and diet or insurance'
    """
    from bot.nlp.scope import UNCOVERED_SUBJECTS

    names = [UNCOVERED_SUBJECTS[s] for s in subjects if s in UNCOVERED_SUBJECTS]
    return " or ".join(names) if names else "that question"


def followup_replies(values: Sequence[str]) -> List[Tuple[str, Dict[str, Any]]]:
    """The replies after the main FAQ answer, from ``faq_followup`` entity values.

    Args:
        values: ``"faq/<topic>"`` (a second question) or
            ``"not_covered/<subject>[+<subject>]"`` (an uncovered part).

    Returns:
        ``(response name, variables)`` pairs; the variables may include
        ``buttons`` for a second topic.
    """
    replies: List[Tuple[str, Dict[str, Any]]] = []
    for value in values:
        kind, _, rest = value.partition("/")
        if kind == RETRIEVAL_INTENT and rest in TOPIC_TITLES:
            title = TOPIC_TITLES[rest]
            replies.append(
                (
                    "utter_faq_followup_second",
                    {
                        "title": title[0].lower() + title[1:],
                        "buttons": [{"title": title, "payload": f"/faq/{rest}"}],
                    },
                )
            )
        elif kind == "not_covered":
            subject = uncovered_subject_text(rest.split("+"))
            replies.append(("utter_faq_followup_uncovered", {"subject": subject}))
    return replies
