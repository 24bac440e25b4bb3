"""Rule-based safety net: tell described emergency signs from questions.

The intent classifier learns ``urgent_symptoms`` from examples, but a missed
emergency is the worst mistake the bot can make, so this module decides the
question with readable rules that do not depend on training data. It is pure
(no Rasa, no I/O); the patterns are compiled once, on first use.

Two things are decided separately:

1. **Which signs are mentioned** — one pattern function per family below
   (bleeding, fever, pain, vomiting blood, confusion, jaundice, breathlessness,
   fainting, black stools, abdominal swelling). Each pattern accepts common
   typos and a few words in Spanish, French, Hindi (Latin script), Arabic and
   Chinese, because many patients are not native English speakers.
2. **Whether a sign is described as happening** or only asked about. A
   mention is urgent when a person is said to have it now or recently ("my
   dad *is bleeding*", "she *fainted*", "fever 39 since the procedure", "can't
   breathe", "blood in vomit!!"); it is not urgent when the sentence only asks
   or speculates ("can it cause bleeding?", "is fever normal after
   cryoablation?", "what if I get pain later?"). When a message does both
   ("is it normal that my father is bleeding now?"), the description wins.

Each mention is judged in its sentence and clause, by these tiers in order:

a. a person (or a part of one) is said to have the sign — "my dad is
   bleeding", "he fainted", "his eyes turned yellow" — not after "if" or a
   question word, and not as a habit or old history ("bleeds easily", "two
   years ago"): **urgent**, even inside a question;
b. talk about the treatment in general or a hypothesis (risk, chance, cause,
   common, if, what if, worried about, patients, during the procedure):
   **not urgent**;
c. a cue of now (now, today, since yesterday, since the procedure, won't
   stop), a measured temperature, a cry for help, or "what should I do":
   **urgent**;
d. a question (question mark, or starts with can / is / what / how …):
   **not urgent**;
e. personal words (my, he, dad), severity, sudden onset, "!", a word in
   another language, or wording that is an event in itself ("blood coming
   out", "can't breathe"): **urgent**;
f. a bare mention ("vomitting blood", "high fever") is a cry, **urgent** —
   except a sign the FAQ discusses next to the treatment's name ("bleeding
   after cryoablation", a search phrase): **unclear**.

Negated mentions ("no fever", "he is not bleeding") are ignored.

Pain, jaundice and a swollen belly are common, long-standing findings in
people with liver tumours ("my father has jaundice, can he have it?"), so for
these three a description alone is not enough: it also needs a sign of
acuity (severe, sudden, new, since or after a procedure, now).

``unclear`` means a sign (or a personal account of the present) is there but
neither rule decides; the Rasa component then keeps the model's prediction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any, Callable, Dict, List, Pattern, Tuple

URGENT = "urgent"
NOT_URGENT = "not_urgent"
UNCLEAR = "unclear"

#: Families that people with liver disease may have for months: urgent only
#: with a cue of acuity (see module docstring).
ACUITY_FAMILIES = frozenset({"pain", "jaundice", "abdominal_swelling"})


@dataclass(frozen=True)
class UrgencyResult:
    """What :func:`assess_urgency` found in one message.

    Attributes:
        level: ``"urgent"``, ``"not_urgent"`` or ``"unclear"``.
        signs: families of signs mentioned (not negated), in order of
            appearance, e.g. ``("bleeding", "fever")``.
        matched: the text spans that mentioned them, as typed.

    """

    level: str
    signs: Tuple[str, ...] = ()
    matched: Tuple[str, ...] = ()

    @property
    def is_urgent(self) -> bool:
        """True when the message describes an emergency sign."""
        return self.level == URGENT

    def as_dict(self) -> Dict[str, Any]:
        """Return a JSON-friendly copy (what the Rasa component outputs)."""
        return {
            "level": self.level,
            "signs": list(self.signs),
            "matched": list(self.matched),
        }


def _compile(*alternatives: str) -> Pattern[str]:
    return re.compile("|".join(f"(?:{a})" for a in alternatives))


# --------------------------------------------------------------------------
# Sign families: one pattern per family, applied to lower-cased text.
# --------------------------------------------------------------------------


@cache
def bleeding_pattern() -> Pattern[str]:
    """Bleeding, from a wound or anywhere else.

    Examples: "I'm bleeding", "my dad is bleading from the wound", "blood
    coming out of the puncture site", "blood on the dressing", "coughing up
    blood", "blood in his urine", "haemorrhage", "sangrado", "saignement",
    "khoon aa raha hai", "نزيف", "出血".

    Not: "blood test", "blood vessels", "blood pressure" (no bleeding verb).
    """
    return _compile(
        r"\bbl+e+a?d+(?:ing|in|s|ed)?\b",
        r"\bbleeed\w*|\bbleding\b|\bblooding\b",
        r"\bh(?:a)?emorr?h?ag\w*",
        r"\bblood(?:y)?\s+(?:is\s+|was\s+)?(?:coming|oozing|pouring|dripping|"
        r"leaking|flowing|gushing|spurting|everywhere|soaked|won'?t stop)",
        r"\b(?:soaked|covered)\s+(?:in|with)\s+blood",
        r"\b(?:leaking|oozing|dripping|pouring|gushing|spurting)\s+(?:some\s+|a lot of"
        r"\s+|fresh\s+)?blood",
        r"\b(?:a\s+)?lots?\s+of\s+blood|\blos(?:ing|t)\s+(?:a lot of\s+|much\s+)?blood",
        r"\bblood\s+(?:on|in|from|out\s+of)\s+(?:the\s+|his\s+|her\s+|my\s+)?"
        r"(?:[\w-]+\s+)?"
        r"(?:bandage|dressing|sheets?|bed|pillow|clothes|shirt|urine|pee|stools?|"
        r"poo|poop|motions?|sputum|spit|cough|wound|nose|mouth|gums|drain|tube|"
        r"site|toilet)",
        r"\b(?:coughing|coughed|spitting|spat|peeing|passing|passed)\s+(?:up\s+)?"
        r"(?:some\s+|a lot of\s+|fresh\s+)?blood",
        r"\bbloody\s+(?:urine|stools?|poo|motions?|discharge|cough|sputum)",
        r"\bnose\s?bleeds?\b",
        # Spanish, French, Hindi in Latin script
        r"\bsangrado\b|\bsangrando\b|\bsangra\b|\bhemorragia\b",
        r"\bsangre\s+(?:en|por|de)\b",
        r"\bsaign\w*|\bh[ée]morragie\b",
        r"\bkh(?:oo|u)n\b(?!\s+(?:ki|ka|ke)\s+(?:jaanch|janch|test|report|ja?ach))",
        # Arabic, Chinese (no word boundaries there)
        r"نزيف|ينزف|تنزف|نزف",
        r"出血|流血",
    )


@cache
def fever_pattern() -> Pattern[str]:
    """Fever, chills, a high temperature.

    Examples: "high fever", "feaver since morning", "fever 39.5", "temp 102",
    "temperature of 40", "burning up", "shivering", "chills and rigors",
    "fièvre", "fiebre", "bukhar", "حمى", "发烧".

    Not: "yellow fever" (a vaccine question), "temperature of the ice-ball".
    """
    return _compile(
        r"(?<!yellow )\bf(?:e+a?|ie)v(?:e|a)?r(?:s|ish)?\b",
        r"(?<!yellow )\bfevr\b",
        r"\bhigh\s+(?:temp|temperature|temprature)\b",
        r"\btemp(?:e?ra?ture)?\s*(?:is\s+|of\s+|=|:)?\s*(?:3[89]|4[0-2]|10[0-5])\b",
        r"\bburning\s+up\b",
        r"\bshiver(?:ing|s)?\b|\bchills\b|\brigou?rs\b|\bshaking\s+with\s+cold\b",
        r"\bfi[eè]vre\b|\bfiebre\b|\bbukh?aa?r\b|\btez\s+bukhar\b",
        r"حمى|حمّى|سخونة|حرارة\s*(?:عالية|مرتفعة)",
        r"发烧|发热|高烧",
    )


@cache
def pain_pattern() -> Pattern[str]:
    """Pain (urgent only when severe, sudden, or since a procedure).

    Examples: "severe pain in my belly", "terrible stomach ache", "it hurts so
    much", "he is in a lot of pain since the ablation", "pian", "stomach is
    paining", "dolor fuerte", "douleur", "bahut dard", "ألم شديد", "剧痛".
    """
    return _compile(
        r"\bpain(?:s|ful|ing|n)?\b|\bpian\b|\bpein\b",
        r"\b(?:stomach|stomache|tummy|belly|head|back|chest)\s?ache\b",
        r"\baching\b|\bhurt(?:s|ing)?\b",
        r"\bdard\b|\bdouleurs?\b|\bdolor(?:es)?\b",
        r"ألم|الم|وجع",
        r"疼|痛",
    )


@cache
def vomiting_blood_pattern() -> Pattern[str]:
    """Vomiting blood.

    Examples: "she is vomiting blood", "vomitting blood", "blood in vomit!!",
    "threw up blood", "vomit with blood", "coffee ground vomit",
    "haematemesis", "khoon ki ulti", "vomitando sangre", "vomit du sang",
    "قيء دم", "吐血".
    """
    return _compile(
        r"\b(?:vom+it+\w*|vomt\w*|throw(?:ing|s|n)?\s+up|threw\s+up|puk\w*|"
        r"sick|ulti)\b[^.?!\n]{0,25}?\b(?:blood|bloody|khoon|khun)\b",
        r"\bblood(?:y)?\s+(?:in\s+(?:the\s+|his\s+|her\s+|my\s+)?)?"
        r"(?:vom+it+\w*|sick|ulti)\b",
        r"\bcoffee[- ]?grounds?\b",
        r"\bh(?:a)?ematemesis\b",
        r"\bkh(?:oo|u)n\s+(?:ki|ka)\s+ult(?:i|iyan)\b",
        r"\bvomit(?:ando|a|o)\s+sangre\b|\bv[oó]mitos?\s+(?:con|de)\s+sangre\b",
        r"\bvomi\w*\s+du\s+sang\b",
        r"(?:قيء|تقيؤ|تقيئ|استفراغ|يتقيأ|تتقيأ)\s*(?:ال)?دم",
        r"吐血|呕血",
    )


@cache
def confusion_pattern() -> Pattern[str]:
    """Confusion or unusual drowsiness (possible liver encephalopathy).

    Examples: "he's very confused and sleepy", "mom is confuse since
    yesterday", "talking nonsense", "very drowsy", "can't wake him up", "she
    doesn't recognise us", "disoriented", "confundido", "désorienté",
    "意识模糊".

    Not: "I'm confused about the criteria", "sorry for the confusion".
    """
    return _compile(
        r"(?<!i am )(?<!i'm )(?<!im )(?<!i was )(?<!i feel )(?<!i get )"
        r"(?<!we are )(?<!for the )(?<!any )(?<!avoid )"
        r"\bconfus(?:ed|ion|e)\b(?!\s+(?:me|us|about|by|with|between|regarding|on|over|"
        r"as to|which|what|why|how|whether|if)\b)",
        r"\bdisorient\w*|\bdelirious\b|\bdelirium\b|\bencephalopath\w*",
        r"\bdrows(?:y|iness)\b",
        r"\b(?:very|so|too|extremely|really|unusually)\s+sleepy\b",
        r"\b(?:sleeping|sleepy)\s+all\s+(?:the\s+)?(?:time|day)\b",
        r"\b(?:not|hard to|cannot|can't|cant|can not|unable to|difficult to|"
        r"won'?t|will not|doesn'?t|does not)\s+wak(?:e|ing)\b",
        r"\bnot\s+making\s+(?:any\s+)?sense\b",
        r"\btalking\s+(?:nonsense|rubbish|strange(?:ly)?|weird(?:ly)?|gibberish)\b",
        r"\b(?:doesn'?t|does not|didn'?t|did not|not)\s+recogni[sz](?:e|ing)\b",
        r"\bbehaving\s+(?:strange(?:ly)?|odd(?:ly)?|weird(?:ly)?)\b",
        r"\bconfundid[oa]\b|\bd[ée]sorient[ée]e?\b",
        r"مشوش|ارتباك|تشوش",
        r"意识模糊|神志不清|糊涂|嗜睡",
    )


@cache
def jaundice_pattern() -> Pattern[str]:
    """Yellow skin or eyes (urgent when new, e.g. after a procedure).

    Examples: "his eyes turned yellow after the ablation", "her skin is
    getting yellow", "yellow eyes since yesterday", "jaundice", "jondice",
    "peeliya", "ictère", "ictericia", "يرقان", "黄疸".
    """
    return _compile(
        r"\bja?u?nd[iy][cs]e?d?\b|\bjondi[cs]e\b|\bjaundis\b",
        r"\bicterus\b|\bict[eè]re\b|\bictericia\b|\bp(?:ee|i)li?y?a\b",
        r"\b(?:skin|eyes?|face|body|urine|nails)\s+(?:is\s+|are\s+|has\s+|have\s+)?"
        r"(?:looks?\s+|looking\s+|became\s+|become\s+|turned\s+|turning\s+|gone\s+|"
        r"going\s+|getting\s+|got\s+|goes\s+|been\s+|went\s+)?(?:very\s+|so\s+|"
        r"a bit\s+|bit\s+|more\s+|quite\s+|really\s+|all\s+|slightly\s+)?yell?ow",
        r"\b(?:turn(?:ed|ing|s)?|became|become|becomes|becoming|gone|going|getting|"
        r"got|went)\s+"
        r"(?:very\s+|so\s+|a bit\s+|more\s+|all\s+)?yell?ow",
        r"\b(?:is|are|was|looks?|looking|all)\s+(?:very\s+|so\s+|quite\s+|a bit\s+|"
        r"really\s+)?yell?ow\b(?!\s+fever)",
        r"\byell?ow(?:ish)?\s+(?:skin|eyes?|colou?r|tinge)\b|\byellowing\b",
        r"يرقان|اصفرار",
        r"黄疸|发黄|变黄",
    )


@cache
def breathlessness_pattern() -> Pattern[str]:
    """Difficulty breathing.

    Examples: "can't breathe properly", "short of breath", "he is breathless",
    "trouble breathing", "breathing very fast", "gasping for air", "no puede
    respirar", "essoufflé", "saans nahi aa rahi", "ضيق تنفس", "呼吸困难".
    """
    return _compile(
        r"\bshort(?:ness)?\s+(?:of\s+)?brea?th?\b|\bout\s+of\s+brea?th\b",
        r"\bbreathless\w*|\bbreathlesness\b",
        r"\b(?:difficult(?:y)?|trouble|problems?|hard|struggl\w*|unable|cannot|"
        r"can'?t|can not|not able|issues?)\s+(?:in\s+|to\s+|with\s+|for\s+)?"
        r"(?:brea?th(?:e|ing|in)?|breth\w*)\b",
        r"\b(?:not|stopped|isn'?t|is not)\s+breathing\b",
        r"\b(?:hardly|barely|can\s+hardly|can\s+barely)\s+brea?th(?:e|ing)?\b",
        r"\bbreathing\s+(?:is\s+)?(?:very\s+|so\s+|really\s+)?(?:fast|hard|heavy|"
        r"heavily|difficult\w*|noisy|laboured|labored|shallow|problems?|trouble)",
        r"\bgasping\b|\bsuffocat\w*|\bchoking\b",
        r"\bno\s+puede\s+respirar\b|\bfalta\s+de\s+aire\b",
        r"\bdificultad\s+para\s+respirar\b",
        r"\bessouffl\w*|\bdu\s+mal\s+[àa]\s+respirer\b|\bne\s+peut\s+pas\s+respirer\b",
        r"\bsaa?ns\s+(?:nahi|nahin|lene|phool|fool|ruk|ki\s+taklee?f)\w*",
        r"ضيق\s*(?:في\s*)?(?:ال)?تنفس|صعوبة\s*(?:في\s*)?(?:ال)?تنفس",
        r"لا\s*يستطيع\s*التنفس",
        r"呼吸困难|喘不过气|气短|气喘",
    )


@cache
def fainting_pattern() -> Pattern[str]:
    """Fainting, collapse, loss of consciousness.

    Examples: "he fainted", "she passed out in the bathroom", "dad collapsed",
    "feeling faint", "unconscious", "not responding", "blacked out",
    "behosh ho gaye", "se desmayó", "évanoui", "إغماء", "晕倒".
    """
    return _compile(
        r"\bfaint(?:ed|ing|s|d)?\b",
        r"\bpass(?:ed|es|ing)?\s+out\b",
        r"\bcollaps(?:ed|ing|es|d|e)?\b",
        r"\bun(?:c)?on(?:s|c)?cious\w*|\blost\s+consciousness\b|\bunresponsive\b",
        r"\bnot\s+respond(?:ing)?\b|\bblack(?:ed)?\s+out\b",
        r"\bfell\s+(?:down\s+)?(?:unconscious|senseless)\b|\bdizzy\s+and\s+fell\b",
        r"\bbehosh\w*|\bbehos\b",
        r"\bdesmay\w*|[ée]vanoui\w*|\bperdu\s+connaissance\b",
        r"إغماء|اغماء|أغمي|اغمي|فقد\s*الوعي",
        r"晕倒|昏倒|昏迷|晕厥",
    )


@cache
def black_stools_pattern() -> Pattern[str]:
    """Black or tarry stools (possible bleeding in the gut).

    Examples: "black stools", "his poo is black", "tarry motions", "stool
    turned black", "melena", "kali potty", "heces negras", "selles noires",
    "براز أسود", "黑便".
    """
    stool = (
        r"(?:stools?|poo|poop|motions?|potty|f(?:a)?eces|tatti|latrine|shit|"
        r"bowel\s+movements?)"
    )
    return _compile(
        rf"\b(?:bla?c?k|dark\s+black|tarry|tar[- ]like|blackish)\s+{stool}\b",
        rf"\b{stool}\s+(?:is\s+|are\s+|was\s+|were\s+|looks?\s+|looking\s+|"
        r"turned\s+|became\s+|has\s+become\s+|have\s+become\s+|coming\s+)?"
        r"(?:very\s+|so\s+|all\s+|completely\s+)?(?:bla?c?k|tarry|like\s+tar)\b",
        r"\bm(?:a)?el(?:a)?ena\b",
        r"\bka(?:a)?l[ia]\s+(?:potty|tatti|latrine)\b",
        r"\bheces\s+negras\b|\bselles\s+noires\b",
        r"براز\s*أسود|براز\s*اسود",
        r"黑便|柏油样便",
    )


@cache
def abdominal_swelling_pattern() -> Pattern[str]:
    """Abdominal swelling (urgent when sudden or after a procedure).

    Examples: "his belly is swollen suddenly", "stomach getting bigger and
    tight since the ablation", "swollen tummy", "abdominal distension",
    "ascites", "pet phool gaya", "vientre hinchado", "ventre gonflé",
    "انتفاخ البطن", "腹胀".
    """
    belly = r"(?:belly|stomach|stomache|abdomen|tummy|abdominal|pet)"
    return _compile(
        rf"\b{belly}\s+(?:is\s+|has\s+|got\s+|became\s+|getting\s+|gets\s+|looks\s+|"
        r"is\s+getting\s+|has\s+become\s+|has\s+gotten\s+|went\s+)?(?:very\s+|so\s+|"
        r"really\s+|more\s+|suddenly\s+|quickly\s+|all\s+)?(?:hard\s+and\s+|"
        r"tight\s+and\s+)?(?:swoll?en|swelling|"
        r"bloated|distended|bigger|huge|blown\s+up|puffed|tight\s+and\s+swoll?en)",
        rf"\b{belly}\s+(?:has\s+|had\s+|is\s+)?swell(?:ed|s|ing)?(?:\s+up)?\b",
        rf"\bswoll?en\s+{belly}\b|\bswelling\s+(?:in|of)\s+(?:the\s+|my\s+|his\s+|"
        rf"her\s+)?{belly}\b",
        r"\babdominal\s+(?:swelling|distension|distention)\b|\bascites\b",
        r"\bpet\s+(?:phool|fool|ful|fula|phula)\w*",
        r"\b(?:vientre|abdomen|barriga)\s+hinchad[oa]\b|\bventre\s+gonfl\w*",
        r"انتفاخ\s*(?:في\s*)?(?:ال)?بطن",
        r"腹胀|肚子胀|腹水",
    )


#: Signs the FAQ discusses as risks of the treatment: a bare mention of one
#: beside the treatment's name may be a search phrase rather than a cry.
_FAQ_FAMILIES = frozenset(
    {"bleeding", "fever", "pain", "jaundice", "abdominal_swelling"}
)

#: Family name -> pattern function, in the order signs are reported.
FAMILIES: Dict[str, Callable[[], Pattern[str]]] = {
    "bleeding": bleeding_pattern,
    "fever": fever_pattern,
    "pain": pain_pattern,
    "vomiting_blood": vomiting_blood_pattern,
    "confusion": confusion_pattern,
    "jaundice": jaundice_pattern,
    "breathlessness": breathlessness_pattern,
    "fainting": fainting_pattern,
    "black_stools": black_stools_pattern,
    "abdominal_swelling": abdominal_swelling_pattern,
}


# --------------------------------------------------------------------------
# Context cues: is the sign described as happening, or asked about?
# --------------------------------------------------------------------------

_RELATIVE = (
    r"(?:dad|daddy|father|papa|pappa|abba|mom|mum|mommy|mummy|mother|mama|maa|ammi|"
    r"husband|wife|son|daughter|brother|sister|uncle|aunt|aunty|auntie|"
    r"grandfather|grandmother|grandpa|grandma|granny|nana|nani|dada|dadi|"
    r"patient|baby|friend|child|kid|father-in-law|mother-in-law|relative)"
)
_BODY = (
    r"(?:wound|site|puncture|cut|incision|dressing|bandage|skin|eyes?|stomach|"
    r"belly|abdomen|tummy|urine|stools?|poo|motions?|drain|scar|tube|side|chest|"
    r"liver|nose|mouth|face|temperature|temp|fever)"
)
_POSSESSIVE = r"(?:my|his|her|their|our|mi|mis|mon|ma|mes|su|sus)"
# A subject that can only be a person or a part of one. Contracted forms
# carry their own verb ("i'm bleeding").
_SUBJECT_WITH_VERB = (
    r"(?:i'm|im|i've|ive|he's|hes|she's|shes|they're|theyre|we're|it's|its|"
    rf"{_RELATIVE}'s)"
)
_SUBJECT = (
    rf"(?:i|he|she|they|we|it|u|{_RELATIVE}|the\s+{_RELATIVE}|the\s+{_BODY}|"
    rf"{_POSSESSIVE}(?:\s+[\w'-]+){{1,4}}?)"
)
_VERB = (
    r"(?:am|is|are|was|were|be|been|being|has|have|had|having|keeps?|kept|"
    r"started|starts?|starting|began|begins?|got|gets?|getting|feels?|felt|"
    r"feeling|looks?|looked|looking|seems?|seemed|turned|turning|became|becomes?|"
    r"becoming|gone|going|went|developed|develops?|developing|running|runs?|"
    r"suffering|suffers?|suffered|complaining|complains?|complained|experiencing|"
    r"experienced|noticed|noticing|see|saw|seeing|shows?|showing|showed|"
    r"coughing|spitting|throwing|threw|vomiting|vomited|bleeding|ha|hai|tiene|"
    r"tengo|est[aá]|a|ai)"
)
_FILLER = (
    r"(?:a|an|the|some|very|really|so|too|quite|extremely|high|severe|bad|heavy|"
    r"heavily|badly|little|bit|lot|lots|of|terrible|terribly|still|again|now|just|"
    r"suddenly|also|constant|constantly|continuous|continuously|mild|slight|"
    r"slightly|more|much|sharp|strong|intense|unbearable|persistent|non-stop|"
    r"nonstop|fresh|bright|red|dark|from|in|with|his|her|my|their|stomach|belly|"
    r"abdominal|chest|right|left|upper|lower|side|like|kind|sort|horrible|awful|"
    r"excruciating|worst|fast|rapidly|and|on|up|out|off|\d+(?:[.,]\d+)?)"
)
_STRONG_PREFIX = re.compile(
    rf"(?:^|[^\w'])(?P<subj>{_SUBJECT_WITH_VERB}|{_SUBJECT})"
    rf"(?P<tail>(?:\s+(?:{_VERB}|{_FILLER}))*)\s*$"
)
_VERB_WORD = re.compile(rf"\b{_VERB}\b")
# A sign that is the subject of reading, hearing or asking ("my brother read
# about bleeding", "my son heard of fever after it") is talked about, not had.
_REPORTED = re.compile(
    r"\b(?:read|reads|reading|heard|hears|hearing|asked|asks|asking|googled|"
    r"searched|learnt|learned|saw\s+(?:online|on\s+\w+)|talk(?:s|ed|ing)?|"
    r"mention(?:s|ed)?|told\s+(?:me|us|him|her))\s+(?:about|of|on)\b"
    r"[^.?!]{0,40}$"
)
_POSSESSIVE_END = re.compile(rf"(?:^|[^\w']){_POSSESSIVE}\s+$")
# Words that, just before a subject, make the sentence a question or a condition
# ("can my dad bleed", "if he has a fever").
_BLOCKING_BEFORE_SUBJECT = re.compile(
    r"\b(?:can|could|will|would|should|shall|may|might|must|do|does|did|is|are|"
    r"was|were|am|if|whether|when|whenever|once|unless|suppose|in case)\s*$"
)
_FINITE_START = re.compile(
    r"^(?:am|is|are|was|were|has|have|had|looks?|looked|turned|turning|became|"
    r"becoming|getting|got|gone|going|went|fainted|faints|faintd|collapsed|collapses|"
    r"collapsd|passed|passes|blacked|cannot|can'?t|can not|unable|not|stopped|"
    r"vomited|vomits|threw|throws|bled|bleeds|keeps|kept|started|feels?|felt|"
    r"seems?|hurts?|aches|coughing|coughed|spitting|peeing|passing|\w+ing)\b"
)
_FINITE_INSIDE = re.compile(
    r"\b(?:is|are|was|were|has|have|looks?|looking|turned|turning|became|getting|"
    r"got|gone|going|went|coming)\b"
)
# Signs worded as an event or a state in themselves ("blood coming out",
# "can't breathe", "fainted").
_SELF_DESCRIBING = re.compile(
    r"\b(?:coming|oozing|pouring|dripping|leaking|flowing|gushing|spurting|"
    r"everywhere|soaked|covered|won'?t stop|cannot|can'?t|can not|unable|"
    r"not breathing|stopped breathing|fainted|faintd|passed out|blacked out|"
    r"collapsed|collapsd|vomited|threw up|turned|became|bled|coughing|coughed|"
    r"spitting|paining|not responding|not making sense|talking|behaving)\b"
)

# Talk about the treatment in general, a condition, a fear, a past history.
_GENERAL = re.compile(
    r"\b(?:risks?|risky|chances?|odds|likel(?:y|ihood)|possib(?:le|ility|ly)|"
    r"probab\w*|complications?|side[- ]?effects?|adverse|cause[sd]?|causing|"
    r"leads?\s+to|results?\s+in|common(?:ly)?|rare(?:ly)?|frequen\w*|how\s+often|"
    r"percent\w*|rates?|typical(?:ly)?|usual(?:ly)?|normally|expect(?:ed)?|"
    r"prevent\w*|avoid\w*|reduce[sd]?|worr(?:y|ied|ies|ying)|afraid|scared|"
    r"fears?|fearful|terrified|frightened|concern(?:s|ed)?|nervous|anxious|"
    r"questions?|tell\s+me|"
    r"informat\w*|explain\w*|what\s+is|what\s+are|what's|whats|meaning|means|"
    r"signs?\s+of|symptoms?\s+of|warning\s+signs?|what\s+if|in\s+case|suppose|"
    r"supposing|imagine|whenever|later|in\s+(?:the\s+)?future|long[- ]term|"
    r"patients|people|someone|somebody|anyone|anybody|others|history\s+of|"
    r"easily|prone\s+to|tends?\s+to|hypothetical\w*|compared|than|versus|vs|"
    r"know\s+(?:about|more)|learn|read|heard|understand|ago|last\s+(?:year|month)|"
    r"in\s+the\s+past|previously|years?\s+back|"
    r"during\s+(?:the\s+)?(?:procedure|ablation|cryo\w*|operation|treatment|"
    r"freez\w*|session)|riesgo|risque|complicaci[oó]n|خطر|风险|可能|会不会)\b"
    r"|(?<!sure )(?<!know )(?<!wonder )(?<!wondering )\bif\b|风险|可能|会不会|خطر"
)
# Cues that a sign is happening now (they outweigh a question form).
_NOW = re.compile(
    r"\b(?:right\s+now|now|currently|at\s+the\s+moment|at\s+present|this\s+"
    r"(?:morning|evening|afternoon|night)|tonight|today|yesterday|last\s+night|"
    r"just\s+now|since\s+(?:yesterday|last\s+night|this\s+morning|morning|"
    r"evening|night|then|monday|tuesday|wednesday|thursday|friday|saturday|"
    r"sunday|\d+\s*(?:hours?|hrs?|days?|am|pm|o'?clock)|(?:one|two|three|four|"
    r"five|a\s+few|few|a\s+couple\s+of|couple\s+of)\s+(?:hours|days)|"
    r"(?:(?:the|his|her|my|our)\s+)?(?:procedure|operation|ablation|surgery|"
    r"treatment|discharge|cryo\w*|tace)(?!\s+(?:is|was|uses|has|takes|can|will|"
    r"does|involves|causes|needs|requires)\b)|(?:coming|getting|returning)\s+"
    r"home|discharge|(?:he|she|i|we|they|(?:my|his|her)\s+\w+)\s+(?:came|got|went|"
    r"returned|had|was\s+discharged|left|woke|started))|won'?t\s+stop|"
    r"will\s+not\s+stop|doesn'?t\s+stop|does\s+not\s+stop|not\s+stopping|keeps|"
    r"kept|abhi|ahora|maintenant|depuis|desde)\b"
    r"|现在|الآن"
)
_TEMPERATURE = re.compile(
    r"\b(?:3[89](?:[.,]\d)?|4[0-2](?:[.,]\d)?|10[0-5](?:[.,]\d)?)\s*"
    r"(?:°\s*[cf]?|deg\w*|c\b|f\b)?"
)
_CRY = re.compile(
    r"^\W*(?:help|please\s+help|pls\s+help|plz\s+help|sos|emergency|urgent)\b"
    r"|\b(?:help|emergency|urgent)\s*!|\bhelp\s+(?:me|us|him|her)\s*(?:please|pls)?"
    r"\W*$|\bneed\s+help\s+(?:now|urgently|asap|fast)\b|\bbachao\b|\bayuda\b|"
    r"\bau\s+secours\b|救命|النجدة"
)
# "What should I do?" asked about a sign is a description asking for advice.
_ACTION = re.compile(
    r"\bwhat\s+(?:should|do|can|shall|must)\s+(?:i|we)\s+do\b|\bwhat\s+to\s+do\b|"
    r"\bwhere\s+(?:should|do|can)\s+(?:i|we)\s+go\b|\bshould\s+(?:i|we)\s+(?:go|"
    r"take|call|come|rush|bring)\b|\b(?:go|take\s+him|take\s+her|rush)\s+to\s+"
    r"(?:the\s+)?"
    r"(?:hospital|er|emergency|a&e|casualty|doctor)\b|\bcall\s+(?:an\s+)?ambulance\b|"
    r"\bis\s+(?:this|it)\s+(?:an\s+)?emergency\b|\bhow\s+(?:can\s+i|do\s+i|to)\s+"
    r"stop\b|\bplease\s+advise\b|\bpls\s+advise\b|\bkya\s+kar(?:u|un|ein|e)\b|"
    r"\bwhat\s+now\b"
)
_QUESTION_START = re.compile(
    r"^\W*(?:can(?!')|could|will|would|should|shall|may|might|must|is|are|am|was|were|"
    r"do|does|did|what|how|why|when|where|which|who|whom|whose|any|est-ce|هل)\b"
)
_QUESTION_MARK = re.compile(r"[?？؟¿]|吗")
# A description with the subject left out, as many people type: "have fever
# and chills", "got pain since the procedure".
_SUBJECTLESS = re.compile(
    r"^\W*(?:got|have|having|has|feeling|feel|felt|developed|running|started|"
    r"passing|coughing|suffering|still)\b"
)
_PERSONAL = re.compile(
    rf"\b(?:i|i'm|im|i've|ive|me|my|he|he's|she|she's|him|his|her|they|their|we|"
    rf"our|us|{_RELATIVE}|mi|mis|mon|ma|mes|tengo|tiene|j'ai|il|elle|mujhe|"
    r"mera|meri|mere|unko|usko|ko)\b|我|他|她|爸|妈|أبي|أمي|والدي|والدتي|زوجي|زوجتي"
)
_SEVERITY = re.compile(
    r"\b(?:severe|severly|severely|sever|serious|very\s+bad|really\s+bad|so\s+bad|"
    r"terrible|terribly|horrible|awful|unbearable|extreme|extremely|intense|"
    r"excruciating|worst|strong|sharp|a\s+lot|lots|so\s+much|too\s+much|very\s+"
    r"much|heavy|heavily|killing|cannot\s+(?:bear|stand|tolerate|sleep)|can'?t\s+"
    r"(?:bear|stand|tolerate|sleep)|crying|screaming|10\s*/\s*10|bahut|bohot|"
    r"bahot|tez|zyada|jyada|fuerte|intenso|mucho|forte|tr[eè]s|non-?stop)\b"
    r"|شديد|剧|很|厉害"
)
_ONSET = re.compile(
    r"\b(?:sudden(?:ly)?|new|started|starting|began|turned|turning|became|become|"
    r"becoming|"
    r"getting|gone|going|worse|worsening|increasing|rapidly|quickly|fast|yellowing|"
    r"again|gaya|gayi|gaye)\b"
)
_PROCEDURE_CONTEXT = re.compile(
    r"\b(?:after|since|post|following)[\s-]+(?:the\s+|his\s+|her\s+|my\s+|our\s+)?"
    r"(?:procedure|operation|ablation|surgery|treatment|cryo\w*|tace|rfa|biopsy|"
    r"discharge|op)\b|\bpost[- ]?op\w*"
)
_TOPIC = re.compile(
    r"\b(?:cryo\w*|ablation|ablate|procedure|treatment|therapy|tace|rfa|"
    r"radiofrequency|surgery|operation|resection|transplant|biopsy|tumou?rs?|"
    r"cancer|hcc|normal|ok|okay|safe)\b"
)
_NEGATION = frozenset(
    {
        "no",
        "not",
        "never",
        "without",
        "nor",
        "neither",
        "none",
        "don't",
        "dont",
        "doesn't",
        "doesnt",
        "didn't",
        "didnt",
        "isn't",
        "isnt",
        "wasn't",
        "wasnt",
        "hasn't",
        "hasnt",
        "haven't",
        "havent",
        "hadn't",
        "hadnt",
        "aren't",
        "arent",
        "nahi",
        "nahin",
        "sin",
        "sans",
        "لا",
        "ليس",
        "بدون",
    }
)
# A habit or an old event, not something happening now ("bleeds easily",
# "had bleeding after a biopsy two years ago").
_HABIT_OR_PAST = re.compile(
    r"\b(?:easily|prone\s+to|tends?\s+to|history\s+of|ago|last\s+(?:year|month)|"
    r"in\s+the\s+past|previously|years?\s+back|usually|often|always|sometimes|"
    r"every\s+time|whenever|chronic|long[- ]standing|for\s+(?:many\s+|several\s+"
    r"|\d+\s+)?(?:months|years)|for\s+a\s+long\s+time)\b"
)
_EXCLAMATION = re.compile(r"[!！]")
_CJK_NEGATION = re.compile(r"(?:不|没有?|无)\s*$")
_TOKEN = re.compile(r"[\w']+")
_SENTENCE_END = re.compile(r"[?!;\n。？！؟]+|\.(?!\d)")
_CLAUSE_END = re.compile(
    r"[,，،:]|\s[-–—]\s|\b(?:but|however|although|though|because|and\s+then)\b"
)


def _prepare(text: str) -> str:
    """Lower-case ``text`` keeping every character at its offset.

    Spans found in the result can then be cut from the original text.
    """
    out = []
    for char in text:
        if char in "’‘`´":
            out.append("'")
            continue
        lower = char.lower()
        out.append(lower if len(lower) == 1 else char)
    return "".join(out)


def _spans(
    text: str, separator: Pattern[str], start: int, end: int, keep: bool = False
) -> List[Tuple[int, int]]:
    """(start, end) of the pieces of ``text[start:end]`` between separators.

    With ``keep``, each piece includes the separator that ends it (a sentence
    keeps its question mark).
    """
    pieces = []
    cursor = start
    for sep in separator.finditer(text, start, end):
        if sep.start() > cursor:
            pieces.append((cursor, sep.end() if keep else sep.start()))
        cursor = sep.end()
    if cursor < end:
        pieces.append((cursor, end))
    return pieces


def _containing(spans: List[Tuple[int, int]], position: int) -> Tuple[int, int]:
    for start, end in spans:
        if start <= position < end:
            return start, end
    return spans[-1] if spans else (0, 0)


def _negated(prefix: str) -> bool:
    """Whether one of the last three words before a sign negates it."""
    if _CJK_NEGATION.search(prefix):
        return True
    tokens = _TOKEN.findall(prefix)[-3:]
    for i, token in enumerate(tokens):
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        if token in _NEGATION and following != "sure":
            return True
    return False


def _strong_description(prefix: str, sign: str) -> bool:
    """Tell whether a person is said to have the sign: "my dad is bleeding".

    Args:
        prefix: the clause up to the sign.
        sign: the matched sign text.

    """
    if _REPORTED.search(prefix):
        # "my brother read about bleeding": the sign is what someone read,
        # heard or asked about, not what a person has.
        return False
    if _POSSESSIVE_END.search(prefix):
        # "his eyes turned yellow": the subject is inside the match.
        before = prefix[: _POSSESSIVE_END.search(prefix).start()]
        return bool(_FINITE_INSIDE.search(sign)) and not _blocked(before)
    found = _STRONG_PREFIX.search(prefix)
    if not found:
        return False
    if _blocked(prefix[: found.start("subj")]):
        return False
    tail = found.group("tail").strip()
    subject = found.group("subj")
    if re.fullmatch(_SUBJECT_WITH_VERB, subject):
        return True
    if _VERB_WORD.search(tail):
        return True
    # Subject directly followed by the sign: "he fainted", "my dad bleeding",
    # "my father's eyes are yellow".
    return not tail and bool(_FINITE_START.search(sign) or _FINITE_INSIDE.search(sign))


def _blocked(before_subject: str) -> bool:
    """Tell whether a question word or a condition comes before the subject."""
    if _BLOCKING_BEFORE_SUBJECT.search(before_subject):
        return True
    return bool(re.search(r"\b(?:what\s+if|in\s+case|if|suppose)\b", before_subject))


def _is_foreign(sign: str) -> bool:
    """Tell whether a sign is written in another language (never parsed)."""
    if any(ord(c) > 0x24F for c in sign):
        return True
    return bool(
        re.search(
            r"\b(?:sangr\w*|hemorragia|saign\w*|h[ée]morragie|kh(?:oo|u)n|fi[eè]vre|"
            r"fiebre|bukh?aa?r|dard|douleurs?|dolor\w*|ulti|confundid[oa]|"
            r"d[ée]sorient\w*|ict[eè]re|ictericia|p(?:ee|i)li?y?a|respir\w*|"
            r"essouffl\w*|saa?ns|behosh?\w*|desmay\w*|[ée]vanoui\w*|heces|selles|"
            r"potty|tatti|pet|vientre|barriga|ventre|hinchad\w*)\b",
            sign,
        )
    )


class _Cues:
    """Cue lookups on one message, memoised per (pattern, span).

    A message naming many signs in one long sentence would otherwise have the
    same sentence scanned again for every mention.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._memo: Dict[Tuple[int, int, int], bool] = {}

    def __call__(self, pattern: Pattern[str], span: Tuple[int, int]) -> bool:
        key = (id(pattern), span[0], span[1])
        if key not in self._memo:
            self._memo[key] = bool(pattern.search(self.text[span[0] : span[1]]))
        return self._memo[key]


#: How far back from a sign its subject and a negation are looked for.
_PREFIX_CHARS = 160


def _decide_mention(
    cues: _Cues,
    family: str,
    mention: Tuple[int, int],
    sentence: Tuple[int, int],
    clause: Tuple[int, int],
) -> str:
    """``URGENT``, ``NOT_URGENT`` or ``UNCLEAR`` for one mention of a sign."""
    level = _describing(cues, family, mention, sentence, clause)
    if level == URGENT and family in ACUITY_FAMILIES:
        sign = cues.text[mention[0] : mention[1]]
        acute = (
            cues(_SEVERITY, sentence)
            or cues(_ONSET, sentence)
            or _ONSET.search(sign)
            or cues(_PROCEDURE_CONTEXT, sentence)
            or cues(_NOW, sentence)
            or cues(_CRY, (0, len(cues.text)))
            or cues(_EXCLAMATION, sentence)
            # The rest of a message in another language cannot be read for
            # acuity: safety first.
            or _is_foreign(sign)
        )
        if not acute:
            return UNCLEAR
    return level


def _describing(
    cues: _Cues,
    family: str,
    mention: Tuple[int, int],
    sentence: Tuple[int, int],
    clause: Tuple[int, int],
) -> str:
    """Apply the tiers of the module docstring, most decisive first."""
    text = cues.text
    sign = text[mention[0] : mention[1]]
    prefix = text[max(clause[0], mention[0] - _PREFIX_CHARS) : mention[0]]
    history = cues(_HABIT_OR_PAST, clause) and not cues(_NOW, clause)
    if not history and _strong_description(prefix, sign):
        return URGENT
    if history or cues(_GENERAL, clause):
        return NOT_URGENT
    if (
        cues(_NOW, sentence)
        or (family == "fever" and cues(_TEMPERATURE, sentence))
        or cues(_CRY, sentence)
        or cues(_ACTION, sentence)
    ):
        return URGENT
    if (
        cues(_QUESTION_MARK, sentence)
        or cues(_QUESTION_START, clause)
        or cues(_QUESTION_START, sentence)
    ):
        return NOT_URGENT
    if (
        cues(_PERSONAL, sentence)
        or cues(_SUBJECTLESS, clause)
        or cues(_SEVERITY, clause)
        or cues(_ONSET, clause)
        or cues(_EXCLAMATION, sentence)
        or _is_foreign(sign)
        or _SELF_DESCRIBING.search(sign)
    ):
        return URGENT
    # A bare mention ("vomitting blood", "high fever") is a cry, unless it is a
    # sign the FAQ talks about and the treatment is named, as in a search
    # phrase ("bleeding after cryoablation").
    if family in _FAQ_FAMILIES and cues(_TOPIC, sentence):
        return UNCLEAR
    return URGENT


def _find_mentions(text: str) -> List[Tuple[int, int, str]]:
    """(start, end, family) of every sign mention, in order of position."""
    mentions = []
    for family, pattern_function in FAMILIES.items():
        for found in pattern_function().finditer(text):
            if found.end() > found.start():
                mentions.append((found.start(), found.end(), family))
    mentions.sort()
    return mentions


def assess_urgency(text: str | None) -> UrgencyResult:
    """Decide whether ``text`` describes possible emergency signs.

    Args:
        text: one message as the patient typed it.

    Returns:
        ``urgent`` when at least one sign is described as happening (first or
        third person, now or recently; a question that also describes counts),
        ``not_urgent`` when signs are only asked about or none are present,
        ``unclear`` when a sign is mentioned without either, or a long-standing
        finding (pain, jaundice, swelling) is described without acuity.

    Examples:
        >>> assess_urgency("my dad has a high fever since the procedure").level
        'urgent'
        >>> assess_urgency("is fever normal after cryoablation?").level
        'not_urgent'

    """
    if not text or not text.strip():
        return UrgencyResult(NOT_URGENT)
    lowered = _prepare(text)
    cues = _Cues(lowered)
    sentences = _spans(lowered, _SENTENCE_END, 0, len(lowered), keep=True)
    clauses_of: Dict[Tuple[int, int], List[Tuple[int, int]]] = {}
    levels: List[str] = []
    signs: List[str] = []
    matched: List[str] = []
    for start, end, family in _find_mentions(lowered):
        sentence = _containing(sentences, start)
        if sentence not in clauses_of:
            clauses_of[sentence] = _spans(lowered, _CLAUSE_END, *sentence)
        clause = _containing(clauses_of[sentence] or [sentence], start)
        if _negated(lowered[max(clause[0], start - _PREFIX_CHARS) : start]):
            continue
        if URGENT not in levels:  # one described sign is enough to decide
            levels.append(_decide_mention(cues, family, (start, end), sentence, clause))
        if family not in signs:
            signs.append(family)
        matched.append(text[start:end])

    if URGENT in levels:
        level = URGENT
    elif UNCLEAR in levels:
        level = UNCLEAR
    elif not levels and _personal_account_of_now(lowered):
        # No listed sign, but "my dad had the procedure yesterday and now he
        # ...": let the classifier judge the words the rules do not know.
        level = UNCLEAR
    else:
        level = NOT_URGENT
    return UrgencyResult(level, tuple(signs), tuple(matched))


def _personal_account_of_now(text: str) -> bool:
    """Tell whether ``text`` tells of a person now, asking nothing.

    "my dad had the procedure yesterday and now he is shaking" names no listed
    sign, but the classifier may know the words.
    """
    if not (_PERSONAL.search(text) and _NOW.search(text)):
        return False
    if _GENERAL.search(text) or _QUESTION_MARK.search(text):
        return False
    pieces = _spans(text, _SENTENCE_END, 0, len(text))
    pieces += _spans(text, _CLAUSE_END, 0, len(text))
    return not any(_QUESTION_START.search(text[a:b]) for a, b in pieces)


__all__ = [
    "ACUITY_FAMILIES",
    "FAMILIES",
    "NOT_URGENT",
    "UNCLEAR",
    "URGENT",
    "UrgencyResult",
    "assess_urgency",
]
