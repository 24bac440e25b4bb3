"""Is a message about cryoablation for liver tumours? A readable domain check.

A statistical model trained on questions about liver cryoablation sees "what
is the success rate", "does it hurt", "how much does it cost" in a question
about a prostate, a wart or fat freezing, and answers the liver question
with confidence. Whether the *subject* is in scope is better decided by
reading what the message names, before any topic is chosen:

1. **Outside the domain**: another organ or cancer as the target ("kidney
   tumour", "prostate cancer", "cryo for lung nodules"), another use of
   freezing (eggs or embryos, fat, warts and skin spots, sports cryotherapy,
   frozen shoulder), animals, a liver disease that is not a tumour (fatty
   liver, hepatitis medicine), or a service CancerFax does not offer (taxis,
   passports, jobs, cosmetics). A message that also names the liver as the
   place of the tumour ("breast cancer spread to the liver", "colon cancer
   operated, now spots in the liver") stays in scope: those are liver
   metastases. Animals and other uses of freezing are outside whatever else
   the message says ("my dog has a liver tumour").
2. **Liver questions the clinical source does not cover**: diet after
   treatment, doses of medicines, insurance, alcohol and smoking, herbal or
   Ayurvedic medicine, going back to work, sport, driving or sex. The bot must
   say that it does not know, never give the nearest answer it has.

:func:`check_scope` only reads; the Rasa component
(:mod:`bot.nlp.intent_topic_classifier`) decides what to do with the verdict,
and :func:`clauses` lets it find the covered part of a mixed message.
The patterns run on lower-cased text; one function per family, each with
examples in its docstring.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Dict, List, Pattern, Tuple

IN_DOMAIN = "in_domain"
OUT_OF_DOMAIN = "out_of_domain"
NOT_COVERED = "not_covered"

#: What the bot says it cannot answer, per uncovered subject (``{subject}``
#: of ``utter_not_covered``).
UNCOVERED_SUBJECTS: Dict[str, str] = {
    "diet": "food and diet",
    "alcohol": "alcohol and smoking",
    "medicine": "medicines and their doses",
    "insurance": "insurance",
    "alternative": "herbal, Ayurvedic or other alternative medicines",
    "activity": "work, sport, driving or sex after treatment",
}


@dataclass(frozen=True)
class ScopeResult:
    """What :func:`check_scope` found in one message.

    Attributes:
        verdict: ``in_domain`` (nothing outside named; the classifier
            decides), ``out_of_domain`` or ``not_covered`` (only a liver
            subject the source does not cover was found).
        outside: families named outside the domain, e.g. ``("other_organ",)``.
        uncovered: uncovered subjects named, e.g. ``("diet", "insurance")``.
        medical: whether the outside subject is medical (another organ or
            cancer), so a coordinator can help (CancerFax coordinates other
            treatments too).
    """

    verdict: str
    outside: Tuple[str, ...] = ()
    uncovered: Tuple[str, ...] = ()
    medical: bool = False

    def as_dict(self) -> Dict[str, object]:
        """Return a JSON-friendly copy (what the Rasa component outputs)."""
        return {
            "verdict": self.verdict,
            "outside": list(self.outside),
            "uncovered": list(self.uncovered),
            "medical": self.medical,
        }


def _compile(*alternatives: str) -> Pattern[str]:
    return re.compile("|".join(f"(?:{a})" for a in alternatives))


_TUMOUR_WORDS = (
    r"(?:cancer\w*|tumou?rs?|tumer\w*|masse?s?|lumps?|nodules?|growths?|"
    r"mets|metasta\w*|secondar\w*|lesions?|carcinoma|fibroids?|cysts?|stones?|"
    r"surgery|operation|biopsy|transplant|removal|ka\s+ilaa?j|treatment)"
)
_FREEZE_WORDS = r"(?:cryo\w*|freez\w*|frozen|froze|ice\b|ablat\w*)"


@cache
def liver_anchor_pattern() -> Pattern[str]:
    """The liver named as the place of the disease.

    Examples: "liver", "hepatic", "HCC", "hepatoma", "jigar", "spots in the
    liver", "liver mets".
    """
    return _compile(
        r"\bliv(?:e|a)r\w*|\blivr\b|\bhepat(?:ic|o\w*|ocellular)\b|\bhcc\b",
        r"\bjigar\b|\bkaleji\b",
    )


@cache
def other_organ_pattern() -> Pattern[str]:
    """Another organ as the target of a tumour, a treatment or the freezing.

    Examples: "prostate cancer", "kidney tumour", "cryoablation for lung
    tumours", "thyroid nodule", "bone metastases", "brain tumour surgery",
    "uterine fibroids", "cervical pre-cancer", "breast fibroadenoma",
    "ovarian cancer", "kidney cancer ka ilaj".

    Not: "yellow skin", "his eyes", "my stomach hurts" (lay words for the
    belly), "his heart is weak" (no tumour, treatment or freezing named).
    """
    organ = (
        r"(?:prostate|kidneys?|renal|lungs?|pulmonary|breasts?|thyroid|bones?|"
        r"brain|pancrea\w*|uter(?:us|ine)|cervi(?:x|cal)|ovar(?:y|ies|ian)|"
        r"bladder|colon|bowel|rectal|rectum|colorectal|oesophag\w*|esophag\w*|"
        r"throat|tongue|mouth|oral|head\s+and\s+neck|adrenal|"
        r"testic\w*|penile|vulva\w*|retina\w*|knee|gall\s?bladder)"
    )
    # Organs that are frozen in their own right (cryo of the prostate,
    # kidney…); body parts a liver patient mentions in passing ("dry mouth
    # after cryo", "spinal anaesthesia") are left out.
    frozen = (
        r"(?:prostate|kidneys?|renal|lungs?|breasts?|thyroid|bones?|uter(?:us|ine)|"
        r"cervi(?:x|cal)|fibroids?)"
    )
    return _compile(
        rf"\b{organ}\s+(?:\w+\s+){{0,3}}?{_TUMOUR_WORDS}",
        rf"\b{_TUMOUR_WORDS}\s+(?:of|in|on)\s+(?:the\s+|his\s+|her\s+|my\s+)?{organ}",
        rf"\b{_FREEZE_WORDS}\s+(?:\w+\s+){{0,4}}?{frozen}\b",
        rf"\b{frozen}\s+(?:\w+\s+){{0,3}}?{_FREEZE_WORDS}",
        r"\bfibroadenoma\w*|\bmastectomy\b|\blumpectomy\b|\bprostatectomy\b",
        r"\bnephrectomy\b|\bhysterectomy\b|\bthyroidectomy\b",
    )


@cache
def other_cancer_pattern() -> Pattern[str]:
    """Cancers that are not liver tumours, whatever the organ.

    Examples: "leukaemia", "leukemia", "lymphoma", "melanoma", "myeloma",
    "sarcoma", "glioma", "blood cancer", "bone marrow transplant".
    """
    return _compile(
        r"\bleuk(?:a)?emia\w*|\blymphoma\w*|\bmelanoma\w*|\bmyeloma\w*",
        r"\bsarcoma\w*|\bglioma\w*|\bglioblastoma\w*|\bblood\s+cancer\b",
        r"\bbone\s+marrow\b",
    )


@cache
def other_freezing_use_pattern() -> Pattern[str]:
    """Uses of cold and freezing that have nothing to do with liver tumours.

    Examples: "freeze my eggs", "embryo freezing", "sperm freezing", "fat
    freezing", "coolsculpting", "cryolipolysis", "wart frozen", "skin tag",
    "freezing a skin spot with liquid nitrogen", "mole", "cryo facial", "ice
    bath", "whole body cryotherapy", "cryo chamber", "frozen shoulder".
    """
    return _compile(
        r"\bfreez\w*\s+(?:my\s+|her\s+|your\s+)?eggs?\b|\beggs?\s+freez\w*",
        r"\begg\s+(?:retrieval|bank\w*)|\boocytes?\b|\bembryos?\b|\bsperms?\b|\bivf\b",
        r"\bfat\s+(?:\w+\s+)?freez\w*|\bfreez\w*\s+(?:\w+\s+)?fat\b",
        r"\bcool\s?sculpt\w*|\bcryolipoly\w*|\bbelly\s+fat\b",
        r"\bwarts?\b|\bverruca\w*|\bskin\s+tags?\b|\bmoles?\b|\bage\s+spots?\b",
        r"\bskin\s+(?:spot|lesion|growth|cancer|patch)\w*|\bliquid\s+nitrogen\b",
        r"\bcryo\s?facial\w*|\bfacials?\s+(?:treatment|price|cost)|\bice\s+bath\w*",
        r"\bcold\s+plunge\b",
        r"\bwhole[- ]body\s+cryo\w*|\bcryo\s?chamber\w*|\bcryo\s?sauna\w*",
        r"\bfrozen\s+shoulder\b|\bmuscle\s+recovery\b|\bathlet\w*",
        r"\bsports?\s+(?:cryo\w*|injur\w*|recovery)",
    )


@cache
def animal_pattern() -> Pattern[str]:
    """Animals: the bot and the source are about people.

    Examples: "my dog has a liver tumour", "my cat", "can a vet do it",
    "my horse", "our pet".
    """
    return _compile(
        # Not "cat" or "pet" alone: CAT and PET are scans.
        r"\b(?:dogs?|puppy|puppies|kitten\w*|horses?|vets?|veterinar\w*|cows?|"
        r"goats?|parrots?|rabbits?)\b",
        r"\b(?:my|our|the|a)\s+(?:cat|pet)s?\b(?!\s*-?\s*(?:ct|scan))",
    )


@cache
def other_liver_condition_pattern() -> Pattern[str]:
    """Liver conditions that are not tumours.

    Out of scope unless a tumour or the treatment is named too.

    Examples: "fatty liver", "treatment for fatty liver", "hepatitis C
    medicine", "hepatitis B vaccine", "liver detox", "gallstones".
    """
    return _compile(
        r"\bfatty\s+liver\b|\bliver\s+detox\w*|\bgall\s?stones?\b",
        r"\bhepatitis\s+[abce]?\s*(?:medicine|tablets?|drugs?|vaccin\w*|cure|"
        r"treatment|test)\b|\bhep\s+[bc]\s+(?:medicine|vaccin\w*)",
    )


@cache
def unrelated_service_pattern() -> Pattern[str]:
    """Services CancerFax does not offer.

    Examples: "send me a taxi", "renew my passport", "find me a job", "car
    insurance", "hair transplant", "dental appointment", "botox", "sell my
    kidney", "book a full body checkup".
    """
    return _compile(
        r"\btaxi\b|\bcab\b|\buber\b|\bpassport\b|\bbitcoin\b",
        r"\b(?:find|get|looking\s+for)\s+(?:me\s+)?(?:a\s+)?job\b|\bjob\s+(?:in|abroad|offer)",
        r"\bcar\s+(?:insurance|loan|rental|hire)\b|\bbuy\s+a\s+car\b|\binsured?\s+my\s+car",
        r"\bmy\s+car\s+insured\b",
        r"\bhair\s+(?:transplant|loss|fall)\b|\bdent(?:al|ist)\w*|\bteeth\b",
        r"\bbotox\b|\bcosmetic\w*|\bsell\s+(?:my\s+)?kidney\b|\bcheck\s?-?up\s+package",
        r"\bfull\s+body\s+check\s?-?up\b|\beczema\b|\bacne\b",
    )


#: Outside-the-domain families, in the order they are reported.
OUTSIDE_FAMILIES = {
    "other_freezing_use": other_freezing_use_pattern,
    "animal": animal_pattern,
    "other_organ": other_organ_pattern,
    "other_cancer": other_cancer_pattern,
    "other_liver_condition": other_liver_condition_pattern,
    "unrelated_service": unrelated_service_pattern,
}
#: Outside wherever the liver is mentioned ("my dog has a liver tumour").
_DECISIVE = ("other_freezing_use", "animal", "unrelated_service")
_TREATMENT_OR_TUMOUR = re.compile(
    rf"{_FREEZE_WORDS}|\btumou?r|\bcancer|\bhcc\b|\bhepatoma|\bmets\b|\bmetasta"
)
#: Families where a coordinator can help (CancerFax coordinates other
#: treatments and trials, per "How CancerFax Helps").
_MEDICAL = ("other_organ", "other_cancer", "other_liver_condition")


@cache
def uncovered_pattern() -> Dict[str, Pattern[str]]:
    """Liver-treatment subjects the clinical source does not cover.

    Examples: diet: "what should he eat after", "diet after cryo", "which
    fruits", "khana"; alcohol: "can he drink alcohol", "smoking", "daru";
    medicine: "dose of sorafenib", "how many mg of paracetamol", "which
    painkiller"; insurance: "does insurance cover it", "mediclaim", "will
    my insurer pay"; alternative: "ayurvedic medicine", "homeopathy",
    "herbal"; activity: "go back to work", "lift heavy things", "gym",
    "driving", "sex after cryoablation".
    """
    return {
        "diet": _compile(
            r"\b(?:eat|eats|eating|ate|food\w*|diet\w*|fruits?|vegetables?|"
            r"nutrition\w*|khana|khaana|juice|meals?|vegetarian|non-veg|protein)\b",
        ),
        "alcohol": _compile(
            # Not "alcoholic cirrhosis": a cause of liver disease, not a drink.
            r"\balcohol(?!ic\s+(?:cirrhosis|liver|hepatitis))\w*",
            r"\b(?:beer|wine|whisky|daru|sharab|smok\w*|cigarett\w*|tobacco)\b",
        ),
        "medicine": _compile(
            # "mg" alone is a lab unit ("bilirubin 1.2 mg/dl").
            r"\b\d+\s*mg\b(?!\s*/)|\bmg\s+of\b",
            r"\b(?:doses?|dosage|dosing|milligrams?|tablets?|pills?|"
            r"painkillers?|pain\s+killers?|paracetamol|ibuprofen|tramadol|"
            r"morphine|sorafenib|lenvatinib|regorafenib|atezolizumab|"
            r"bevacizumab|medicine\s+name|which\s+medicines?)\b",
        ),
        "insurance": _compile(
            r"\b(?:insur\w*|mediclaim|reimburs\w*|ayushman|medicare|medicaid|"
            r"nhis|philhealth|tpa)\b",
        ),
        "alternative": _compile(
            r"\b(?:ayurved\w*|homeopath\w*|homoeopath\w*|herbal|herbs|unani|"
            r"naturopath\w*|desi\s+dawa\w*|traditional\s+(?:chinese\s+)?medicine)\b",
        ),
        "activity": _compile(
            r"\b(?:back\s+to\s+(?:work|office|job)|return\s+to\s+work|lift\w*\s+"
            r"heavy|gym|exercis\w*|swim\w*|driv(?:e|ing)|sex\w*|intercourse|"
            r"physical\s+relation\w*)\b",
        ),
    }


_CLAUSE = re.compile(
    r"(?:(?<!\d)\.|\.(?!\d)|[?!;\n])+|,\s+|\s+(?:and|also|plus|aur|but)\s+"
)


def clauses(text: str) -> List[Tuple[int, int]]:
    """Spans of the sentences and clauses of ``text``.

    Split at punctuation, commas and "and / also / aur / but".

    >>> [("is it safe and how much does it cost"[a:b]) for a, b in
    ...  clauses("is it safe and how much does it cost")]
    ['is it safe', 'how much does it cost']
    """
    spans: List[Tuple[int, int]] = []
    start = 0
    for found in _CLAUSE.finditer(text):
        if found.start() > start:
            spans.append((start, found.start()))
        start = found.end()
    if start < len(text):
        spans.append((start, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def uncovered_subjects(text: str) -> Tuple[str, ...]:
    """The uncovered subjects named in ``text``, in a fixed order."""
    lowered = text.lower()
    return tuple(
        name for name, pattern in uncovered_pattern().items() if pattern.search(lowered)
    )


#: "metastasis from breast cancer", "notes from his colon surgery": the organ
#: after "from" is where a cancer started, not what is to be treated.
_PRIMARY_BEFORE = re.compile(r"\bfrom\s+(?:the\s+|his\s+|her\s+|my\s+|a\s+)?$")


def check_scope(text: str | None) -> ScopeResult:
    """Decide whether ``text`` is about liver tumours and what it names.

    Args:
        text: one message as the patient typed it.

    Returns:
        ``out_of_domain`` when a decisive outside family is named, or another
        organ, cancer or liver condition is named without the liver as the
        place of a tumour; ``not_covered`` when only uncovered subjects are
        named (the component checks whether a covered question remains);
        ``in_domain`` otherwise.

    Examples:
        >>> check_scope("can cryoablation treat prostate cancer?").verdict
        'out_of_domain'
        >>> check_scope("breast cancer spread to my liver, can cryo help?").verdict
        'in_domain'
        >>> check_scope("what should he eat after cryoablation").verdict
        'not_covered'
    """
    if not text or not text.strip():
        return ScopeResult(IN_DOMAIN)
    lowered = text.lower()
    outside = tuple(
        name
        for name, pattern_function in OUTSIDE_FAMILIES.items()
        if any(
            not _PRIMARY_BEFORE.search(lowered[: found.start()])
            for found in pattern_function().finditer(lowered)
        )
    )
    uncovered = uncovered_subjects(lowered)
    liver = bool(liver_anchor_pattern().search(lowered))
    decisive = [name for name in outside if name in _DECISIVE]
    if "other_liver_condition" in outside and _TREATMENT_OR_TUMOUR.search(lowered):
        # "cirrhosis from hepatitis B, can he still get cryo" is a question
        # about the treatment, not about hepatitis.
        outside = tuple(name for name in outside if name != "other_liver_condition")
    if decisive or (outside and not liver) or outside == ("other_liver_condition",):
        medical = any(name in _MEDICAL for name in outside) and not decisive
        return ScopeResult(OUT_OF_DOMAIN, outside, uncovered, medical)
    if uncovered:
        return ScopeResult(NOT_COVERED, (), uncovered)
    return ScopeResult(IN_DOMAIN)


__all__ = [
    "IN_DOMAIN",
    "NOT_COVERED",
    "OUTSIDE_FAMILIES",
    "OUT_OF_DOMAIN",
    "UNCOVERED_SUBJECTS",
    "ScopeResult",
    "check_scope",
    "clauses",
    "uncovered_subjects",
]
