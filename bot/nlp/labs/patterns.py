"""spaCy ``Matcher`` token patterns: where each kind of value is mentioned.

One function per field family returns ``{label: [token pattern, ...]}``. The
patterns find the *anchor* (the words "bilirubin", "PLT", "bile duct",
"Child-Pugh", "HCC"...); the extractor then reads the number, unit or letter
next to it with the helpers of ``units.py``. Typos found in patients' messages
and in reports are spelled out in the token regexes rather than left to a
fuzzy match, so that "biliary" never reads as "bilirubin".

Words with many spellings are first sorted into *word classes* by
:func:`word_class` (a regex per class, tried once per distinct word and
cached); the extractor stores the class in each token's ``NORM`` and the
patterns match ``{"NORM": "#bili"}``. That keeps the Matcher to exact
comparisons, which is several times faster than a regex per token and per
pattern. The tokenizer of the blank English pipeline built in
``extractor.py`` also splits "bilirubin:1.2" and "2.3mg".
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Dict, List, Tuple

Pattern = List[Dict[str, Any]]
Patterns = Dict[str, List[Pattern]]

# Labels. Anchors are exclusive among themselves (the longest match wins);
# lesion words, diagnosis words and context cues are matched independently.
BILIRUBIN = "BILIRUBIN"
ALBUMIN = "ALBUMIN"
INR = "INR"
PLATELETS = "PLATELETS"
OTHER_LAB = "OTHER_LAB"
BILE_DUCT = "BILE_DUCT"
STRUCTURE = "STRUCTURE"
CHILD_PUGH = "CHILD_PUGH"
CHILD_BARE = "CHILD_BARE"
CP_STANDALONE = "CP_STANDALONE"
BCLC = "BCLC"
STAGE = "STAGE"
SEGMENT = "SEGMENT"
LESION = "LESION"
SIZE_CUE = "SIZE_CUE"
DX_HCC = "DX_HCC"
DX_MET = "DX_MET"
DX_OTHER = "DX_OTHER"
CUE_HYPOTHETICAL = "CUE_HYPOTHETICAL"
CUE_PERSON = "CUE_PERSON"
CUE_NEGATION = "CUE_NEGATION"
CUE_CORRECTION = "CUE_CORRECTION"
CUE_DISTANCE = "CUE_DISTANCE"
CUE_UNCOUNTED = "CUE_UNCOUNTED"

ANCHOR_LABELS = frozenset(
    {
        BILIRUBIN,
        ALBUMIN,
        INR,
        PLATELETS,
        OTHER_LAB,
        BILE_DUCT,
        STRUCTURE,
        CHILD_PUGH,
        CHILD_BARE,
        CP_STANDALONE,
        BCLC,
        STAGE,
        SEGMENT,
    }
)
LESION_LABELS = frozenset({LESION, SIZE_CUE})
DX_LABELS = frozenset({DX_HCC, DX_MET, DX_OTHER})
LAB_LABELS = frozenset({BILIRUBIN, ALBUMIN, INR, PLATELETS, OTHER_LAB})


# --------------------------------------------------------------------------
# Word classes: (class, regex, case-sensitive). The first class that matches
# a token wins, so a word belongs to one class only; patterns that accept
# several classes list them (a lesion noun may be "#lesion" or "#hcc_noun").
# --------------------------------------------------------------------------

#: One token that means bilirubin, typos included ("billirubin",
#: "bilirubine", "bilurubin", "bilirrubina") and report abbreviations
#: ("bili", "T.bil", "TBIL", "SBR"). Anchored, so "biliary" does not match.
BILIRUBIN_TOKEN = (
    r"^(?:(?:t|s|tot|total|serum)[.\-]?)?"
    r"(?:b[iy]l+[iuy]?r+[ouiy]?b[iy]?n[ea]?s?|bil+i?\.?|bilirub|sbr|tsb)$"
)
WORD_CLASSES: Tuple[Tuple[str, str, bool], ...] = (
    # Child-Pugh class and score written together, upper case only: "A6".
    ("#cp_score", r"^(?:A[56]|B[789]|C1[0-5])$", True),
    # Couinaud segment written "S7", "S6/7".
    ("#segment", r"^S[1-8](?:/[1-8])?$", True),
    ("#segment", r"^(?:segments?|segs?|seg\.|couinaud)$", False),
    ("#bili_other", r"^(?:d|i)[.\-]?bili?$|^dbil|^ibil", False),
    ("#bili", BILIRUBIN_TOKEN, False),
    ("#alb", r"^(?:s[.\-]?)?alb(?:[uúo]?m[ie]?[nm][ae]?s?|\.)?$", False),
    (
        "#plt",
        r"^(?:plts?\.?|pltc|plat\.?|plats|platelt|pl[ae]{1,2}t+[ae]?l+[ae]t*[ae]?s?"
        r"|thrombocytes?|thrombozyten|thrombos?|plaquettes?|piastrine"
        r"|plaq|plq|trombocitos|plaquetas)$",
        False,
    ),
    ("#inr", r"^(?:pt[\-/])?inr$|^i\.n\.r\.?$", False),
    ("#normalised", r"^normali[sz]ed$", False),
    ("#pugh", r"^pu[gh]+h?e?'?s?$", False),
    ("#turcotte", r"^t(?:o|u|ou)rcott?e$", False),
    ("#cp_abbr", r"^(?:childpugh|child-pugh|ctp|cps?|cpt|c-p|c\.p\.?)$", False),
    ("#hcc_noun", r"^(?:hccs?|hcc's|hepatomas?|hepatocarcinomas?)$", False),
    ("#hcc_adj", r"^hepatocellular$", False),
    (
        "#met_noun",
        r"^(?:meta?st[aie]s[ie]s|metastas[ie]s|metastatis|mets|crlm|secondaries)$",
        False,
    ),
    ("#met_adj", r"^(?:metastatic|metastasi[sz]ed)$", False),
    (
        "#other_dx",
        r"^(?:cholangio-?carcinomas?|cholangiocarcinome|cholangiocellular|klatskin"
        r"|icc|hepatoblastomas?|angiosarcomas?|ha?emangioendotheliomas?"
        r"|ha?emangiomas?|fibrolamellar|sarcomas?|lymphomas?|adenomas?|fnh)$",
        False,
    ),
    (
        "#lesion",
        r"^(?:lesions?|lesons?|leisons?|lessions?|lesion\(s\)|tumou?rs?|tumers?"
        r"|tumou?res|tumors?|nodules?|masse?s|mass|spots?|growths?|lumps?|foci"
        r"|focus|sols?|deposits?|neoplasms?)$",
        False,
    ),
    (
        "#other_lab",
        r"^(?:ast|alt|sgot|sgpt|alp|alk|ggt|ggtp|gamma-?gt|creatinine|creat|creat\."
        r"|s\.?creat|urea|bun|hb|hgb|ha?emoglobin|wbc|tlc|rbc|afp|a\.f\.p\.?"
        r"|alpha-?fetoprotein|alphafetoprotein|cea|aptt|ptt|pt|prothrombin|sodium"
        r"|potassium|glucose|sugar|hba1c|tsh|e?gfr|crp|esr|hct|pcv|mcv|mch|mchc"
        r"|mpv|pdw|globulin|protein|ldh|ammonia|lipase|amylase|ferritin|quick|age"
        r"|aged|weight|bmi|bp|pulse|height|pivka(?:-ii)?|dcp|ca\d+(?:-\d+)?)$",
        False,
    ),
)
_COMPILED = tuple(
    (name, re.compile(regex, 0 if case else re.IGNORECASE))
    for name, regex, case in WORD_CLASSES
)


@lru_cache(maxsize=20000)
def word_class(text: str) -> str | None:
    """Return the word class of a token, e.g. ``"billirubin"`` -> ``"#bili"``.

    Args:
        text: the token as written (case matters only for "A6" and "S7").

    Returns:
        The class name, or ``None`` for any other word.

    """
    for name, regex in _COMPILED:
        if regex.match(text):
            return name
    return None


def _cls(*names: str, op: str = "") -> Dict[str, Any]:
    token: Dict[str, Any] = {"NORM": {"IN": list(names)}}
    if op:
        token["OP"] = op
    return token


def _in(words: List[str], op: str = "") -> Dict[str, Any]:
    token: Dict[str, Any] = {"LOWER": {"IN": words}}
    if op:
        token["OP"] = op
    return token


def _words(*phrases: str) -> List[Pattern]:
    """Exact lower-case phrases ("bile duct" -> 2 tokens).

    Single words share one ``IN`` pattern: the Matcher's cost grows with the
    number of patterns, not with the length of a word list.
    """
    singles = [phrase for phrase in phrases if " " not in phrase]
    patterns: List[Pattern] = [[_in(singles)]] if singles else []
    patterns.extend(
        [{"LOWER": word} for word in phrase.split()]
        for phrase in phrases
        if " " in phrase
    )
    return patterns


_DOT = {"ORTH": ".", "OP": "?"}
_DASH = {"ORTH": "-", "OP": "?"}
_SERUM = ["s", "s.", "sr", "sr.", "serum", "total", "tot", "tot.", "t", "t."]


def bilirubin_patterns() -> Patterns:
    """Total bilirubin, and direct/indirect bilirubin kept apart.

    Examples::

        "bili 2.3 mg/dl", "total bilirubin: 51 µmol/L", "T.bil 1.8",
        "TBIL 34.2 μmol/L", "S. bilirubin 1.1 mg%", "billirubin 2",
        "bilirubine 40 umol/l", "Bilirubin (Total) 1.2 mg/dL"

    "Direct bilirubin 0.4" / "DBIL 12" are another test: they are returned as
    ``OTHER_LAB`` so their value is not read as the total.
    """
    bili = _cls("#bili")
    direct = ["direct", "indirect", "conjugated", "unconjugated", "d", "d.", "i", "dir"]
    return {
        BILIRUBIN: [
            [_in(_SERUM, "?"), _DOT, bili],
            [_in(["total"]), _in(["serum"]), bili],
        ],
        OTHER_LAB: [
            [_in(direct), _DOT, bili],
            [bili, {"ORTH": "(", "OP": "?"}, _in(direct[:4])],
            [_cls("#bili_other")],
        ],
    }


def albumin_patterns() -> Patterns:
    """Serum albumin; albumin/globulin ratio and globulin are another test.

    Examples::

        "albumin 31 g/L", "ALB 35 g/L", "S. albumin 3.1 g/dl", "albumine 3,4",
        "alb 2.9", "serum albumin: 30 g/l"
    """
    alb = _cls("#alb")
    return {
        ALBUMIN: [[_in(["s", "s.", "serum", "sr", "sr."], "?"), _DOT, alb]],
        OTHER_LAB: [
            [alb, {"ORTH": "/"}, _in(["globulin", "glob", "glob."])],
            [_in(["a/g", "ag"]), _in(["ratio"], "?")],
            [_in(["a"]), {"ORTH": "/"}, _in(["g"]), _in(["ratio"], "?")],
            [_in(["urine", "urinary", "micro"]), alb],
        ],
    }


def inr_patterns() -> Patterns:
    """INR (a plain ratio), also written PT-INR or PT/INR.

    Examples::

        "INR 1.4", "INR: 1,2", "PT/INR 1.1", "pt-inr 1.25",
        "international normalised ratio 1.3"
    """
    return {
        INR: [
            [_in(["pt"], "?"), {"ORTH": {"IN": ["/", "-"]}, "OP": "?"}, _in(["inr"])],
            [_cls("#inr")],
            [_in(["international"]), _cls("#normalised"), _in(["ratio"])],
        ]
    }


def platelet_patterns() -> Patterns:
    """Platelet count, typos and other languages' report names included.

    Examples::

        "platelet count 1,20,000 /cumm", "PLT 65 x10^9/L", "plt 1.2 lakh",
        "platlets 80k", "platelets are 0.8 lakh", "Thrombocytes 150 G/L",
        "PLT: 95 ×10⁹/L", "plts 45,000"
    """
    return {
        PLATELETS: [
            [_cls("#plt"), _in(["count", "counts", "cnt", "no", "no."], "?")],
            [_in(["platelet"]), _in(["count"])],
        ]
    }


def lesion_count_patterns() -> Patterns:
    """Words for a lesion: a count is read next to them.

    Examples::

        "two lesions", "3 tumours", "tumors: 2", "2 nodules", "two spots",
        "a single 18 mm lesion", "solitary HCC", "Number of lesions: 3",
        "2 SOLs in liver", "3 liver mets"
    """
    return {
        LESION: [[_cls("#lesion", "#hcc_noun", "#met_noun")]],
        CUE_UNCOUNTED: [
            [_in(["multiple", "several", "many", "numerous", "multifocal", "various"])],
            [_in(["a"], "?"), _in(["few", "couple"])],
        ],
    }


def lesion_size_patterns() -> Patterns:
    """Words that introduce the size of the largest lesion.

    Any length in cm or mm that is not said of something else (the bile duct,
    a vessel, the spleen, a margin) is a lesion size; these cues only matter
    when the patient gives a size without its unit ("largest 3"), which is
    then reported as ambiguous.

    Examples::

        "largest 4.2cm", "biggest 28 mm", "size 3 cm", "measuring 2.5 x 2 cm",
        "max diameter 35 mm"
    """
    return {
        SIZE_CUE: [
            [
                _in(
                    [
                        "largest",
                        "biggest",
                        "max",
                        "maximum",
                        "size",
                        "sized",
                        "sizes",
                        "measuring",
                        "measures",
                        "measured",
                        "diameter",
                        "dimension",
                        "dimensions",
                    ]
                )
            ]
        ]
    }


def bile_duct_patterns() -> Patterns:
    """Match the bile duct, whose distance matters (≤ 5 mm: biloma risk).

    Examples::

        "it's 4 mm away from the bile duct", "1 cm from the CBD",
        "distance to bile duct: 6 mm", "close to the biliary duct (3mm)"
    """
    duct = _in(["duct", "ducts", "tree", "system", "radicles", "structures"])
    return {
        BILE_DUCT: [
            [
                _in(["common", "main", "major", "central", "hepatic"], "?"),
                _in(["bile"]),
                _DASH,
                duct,
            ],
            [_in(["biliary"]), duct],
            [
                _in(
                    [
                        "biliary",
                        "bileduct",
                        "bileducts",
                        "cbd",
                        "chd",
                        "ihbr",
                        "duct",
                        "ducts",
                    ]
                )
            ],
            [_in(["hepatic", "cystic"]), _in(["duct", "ducts"])],
        ]
    }


def child_pugh_patterns() -> Patterns:
    """Child-Pugh (Child-Turcotte-Pugh) class and score.

    Examples::

        "Child-Pugh B7", "CP A", "child pugh class b score 8", "CTP-B",
        "child turcotte pugh A", "Child's A", "Child-Pugh score 6", "A6"

    A bare "child" only counts before an upper-case class letter or the
    words class/score (see the extractor), and a bare "A6"/"B7"/"C10" only
    when its score fits its class.
    """
    pugh = _cls("#pugh")
    turcotte = _cls("#turcotte")
    return {
        CHILD_PUGH: [
            [_in(["child", "childs", "child's"]), _in(["'s"], "?"), _DASH, pugh],
            [_in(["child"]), _in(["'s"], "?"), _DASH, turcotte, _DASH, pugh],
            [_in(["child"]), _DASH, pugh, _DASH, turcotte],
            [_cls("#cp_abbr")],
        ],
        CHILD_BARE: [[_in(["child", "childs", "child's"]), _in(["'s"], "?")]],
        CP_STANDALONE: [[_cls("#cp_score")]],
    }


def bclc_patterns() -> Patterns:
    """BCLC (Barcelona Clinic Liver Cancer) stage.

    Examples::

        "BCLC A", "BCLC-B", "BCLC stage 0", "barcelona stage B",
        "stage 0", "stage A HCC"

    A bare "stage" needs 0 or an upper-case A–D (the extractor also rejects
    "stage 4 colon cancer" and other cancers' stages).
    """
    return {
        BCLC: [
            [_in(["bclc", "bclc:"])],
            [
                _in(["barcelona"]),
                _in(["clinic"], "?"),
                _in(["liver"], "?"),
                _in(["cancer"], "?"),
            ],
        ],
        STAGE: [[_in(["stage", "staging", "stg", "stg."])]],
    }


#: Organs whose cancer, when it reaches the liver, is a metastasis.
PRIMARY_ORGANS = [
    "colon",
    "colonic",
    "colorectal",
    "rectal",
    "rectum",
    "bowel",
    "bowels",
    "intestine",
    "intestinal",
    "sigmoid",
    "caecum",
    "cecum",
    "breast",
    "breasts",
    "lung",
    "lungs",
    "pancreas",
    "pancreatic",
    "stomach",
    "gastric",
    "oesophagus",
    "esophagus",
    "oesophageal",
    "esophageal",
    "ovary",
    "ovaries",
    "ovarian",
    "uterus",
    "uterine",
    "endometrial",
    "cervix",
    "cervical",
    "kidney",
    "renal",
    "prostate",
    "bladder",
    "skin",
    "melanoma",
    "thyroid",
    "neuroendocrine",
    "testicular",
    "eye",
    "uveal",
]
_CANCER_WORDS = [
    "cancer",
    "ca",
    "carcinoma",
    "tumour",
    "tumor",
    "primary",
    "malignancy",
]
_SPREAD_VERBS = [
    "spread",
    "spreaded",
    "spreading",
    "spreads",
    "metastasized",
    "metastasised",
    "metastasizing",
    "metastasising",
    "gone",
    "went",
    "moved",
    "travelled",
    "traveled",
    "reached",
    "extended",
    "migrated",
    "jumped",
]
_DETS = ["the", "his", "her", "my", "our", "their", "a"]


def diagnosis_patterns() -> Patterns:
    """Tumour type: HCC, metastasis, or another named liver tumour.

    Examples::

        "HCC", "hepatocellular carcinoma", "hepatoma", "primary liver cancer"
            -> hcc
        "liver metastases", "mets", "secondaries", "spread from the colon",
        "colon cancer that spread to the liver", "colorectal liver metastases"
            -> metastasis
        "cholangiocarcinoma", "bile duct cancer", "hepatoblastoma" -> other
    """
    liver_words = ["liver", "hepatic"]
    primary_nouns = ["cancer", "tumour", "tumor", "carcinoma", "malignancy", "ca"]
    return {
        DX_HCC: [
            [_cls("#hcc_noun", "#hcc_adj")],
            [_in(["hepato"]), _DASH, _in(["cellular"])],
            [_in(["primary"]), _in(liver_words), _in(primary_nouns)],
            [_in(["liver"]), _in(["cell"]), _in(["cancer", "carcinoma"])],
        ],
        DX_MET: [
            [_cls("#met_noun", "#met_adj")],
            [
                _in(["secondary"]),
                _in(liver_words, "?"),
                _in(
                    primary_nouns
                    + ["deposits", "lesions", "lesion", "tumours", "tumors"]
                ),
            ],
            [_in(liver_words), _in(["met", "secondary", "deposits", "deposit"])],
            [
                _in(_SPREAD_VERBS),
                {"IS_ALPHA": True, "OP": "?"},
                _in(["to", "into", "in", "till", "until"]),
                _in(_DETS, "?"),
                _in(["liver", "livers"]),
            ],
            [
                _in(
                    _SPREAD_VERBS
                    + [
                        "came",
                        "coming",
                        "originated",
                        "originating",
                        "arising",
                        "arose",
                        "started",
                    ]
                ),
                {"IS_ALPHA": True, "OP": "?"},
                _in(["from"]),
                _in(_DETS, "?"),
                _in(PRIMARY_ORGANS),
            ],
            [_in(["from"]), _in(_DETS, "?"), _in(PRIMARY_ORGANS), _in(_CANCER_WORDS)],
            [
                _in(["primary"]),
                _in(["is", "was", ":"], "?"),
                _in(["in"], "?"),
                _in(_DETS, "?"),
                _in(PRIMARY_ORGANS),
            ],
        ],
        DX_OTHER: [
            [_cls("#other_dx")],
            [_in(["cholangio"]), _in(["carcinoma", "cancer"])],
            [
                _in(["bile", "biliary"]),
                _in(["duct"], "?"),
                _in(["cancer", "carcinoma", "tumour", "tumor"]),
            ],
            [
                _in(["gallbladder", "gall"]),
                _in(["bladder"], "?"),
                _in(["cancer", "carcinoma"]),
            ],
        ],
    }


def other_lab_patterns() -> Patterns:
    """Match tests whose values must not be read as one of ours.

    Examples::

        "AST 45 U/L", "AFP 400 ng/ml", "Hb 10.2 g/dl", "PT 14 sec",
        "CA 19-9 37", "creatinine 1.1", "age 62"
    """
    return {
        OTHER_LAB: [
            [_cls("#other_lab")],
            [
                _in(["alpha"]),
                _DASH,
                _in(["fetoprotein", "feto"]),
                _in(["protein"], "?"),
            ],
            [_in(["alkaline"]), _in(["phosphatase"])],
            [_in(["total"]), _in(["protein", "proteins"])],
            [_in(["ca"]), {"IS_DIGIT": True}, _DASH, {"IS_DIGIT": True, "OP": "?"}],
            [_in(["vitamin", "vit", "vit."]), {"IS_ALPHA": True, "OP": "?"}],
        ]
    }


#: Structures measured in cm/mm that are not a lesion, whose size follows
#: their name ("spleen 13 cm", "portal vein 12 mm").
STRUCTURES_SIZED_AFTER = (
    "spleen",
    "splenic",
    "kidney",
    "kidneys",
    "gallbladder",
    "gb",
    "ivc",
    "aorta",
    "artery",
    "vein",
    "veins",
    "vessel",
    "vessels",
    "ascites",
    "capsule",
    "diaphragm",
)
#: Structures whose size is also written before their name ("5 mm margin",
#: "a 17G needle", "a 3 cm cyst"): the extractor keeps such a size from being
#: read as a lesion's.
STRUCTURES_SIZED_BEFORE = (
    "cyst",
    "cysts",
    "stone",
    "stones",
    "wall",
    "margin",
    "margins",
    "incision",
    "needle",
    "probe",
    "probes",
    "cryoprobe",
    "cryoprobes",
    "iceball",
    "node",
    "nodes",
)
#: Two-word structures: (first words, second words, size written before too).
_STRUCTURE_PHRASES = (
    (("portal", "hepatic", "splenic"), ("vein", "veins"), False),
    (("ice",), ("ball",), True),
    (("ablation", "ablative"), ("zone", "margin"), True),
    (("lymph",), ("node", "nodes"), True),
    (("gall",), ("bladder",), False),
)
#: First words of the structures whose size may be written before them.
MEASURED_BEFORE = frozenset(STRUCTURES_SIZED_BEFORE) | frozenset(
    word for firsts, _, before in _STRUCTURE_PHRASES if before for word in firsts
)


def structure_patterns() -> Patterns:
    """Things measured in cm/mm that are not a lesion (their size is ignored).

    Examples::

        "liver span 16 cm", "spleen 13 cm", "portal vein 12 mm",
        "5 mm margin", "ice ball 4 cm", "17G needle"
    """
    return {
        STRUCTURE: [
            [_in(["liver"]), _in(["span", "size", "length"], "?")],
            [_in([*STRUCTURES_SIZED_AFTER, *STRUCTURES_SIZED_BEFORE])],
            *(
                [_in(list(firsts)), _in(list(seconds))]
                for firsts, seconds, _ in _STRUCTURE_PHRASES
            ),
            [_in(["pv", "hv"])],
        ],
        SEGMENT: [
            [_cls("#segment")],
        ],
    }


def context_patterns() -> Patterns:
    """Words that change what a nearby value means.

    * hypothetical: "target bilirubin below 2", "should be under 2",
      "what if bilirubin is above 2?" -> not a measurement;
    * person: "my", "his", "mum" -> a question about *their* value is one;
    * negation: "not HCC", "no metastasis";
    * correction: "sorry, platelets are 80k", "I mean 1.2";
    * distance: "away", "from", "close to" -> a length is a distance.
    """
    return {
        CUE_HYPOTHETICAL: [
            *_words(
                "if",
                "suppose",
                "supposing",
                "assuming",
                "unless",
                "whether",
                "in case",
                "let 's say",
                "lets say",
                "should",
                "must",
                "ought",
                "required",
                "require",
                "requires",
                "requirement",
                "requirements",
                "target",
                "targets",
                "goal",
                "criteria",
                "criterion",
                "cutoff",
                "cut-off",
                "cut - off",
                "cut off",
                "limit",
                "limits",
                "threshold",
                "allowed",
                "acceptable",
                "permissible",
                "permitted",
                "range",
                "ref",
                "reference",
                "uln",
                "ideally",
                "preferably",
            ),
            [_in(["need", "needs", "has", "have"]), _in(["to"]), _in(["be"])],
            [
                _in(
                    [
                        "patients",
                        "people",
                        "someone",
                        "anyone",
                        "those",
                        "persons",
                        "patient",
                    ]
                ),
                _in(["with", "whose", "having"]),
            ],
        ],
        CUE_PERSON: [
            [
                _in(
                    [
                        "my",
                        "mine",
                        "me",
                        "i",
                        "i'm",
                        "im",
                        "i've",
                        "ive",
                        "we",
                        "our",
                        "us",
                        "he",
                        "she",
                        "his",
                        "her",
                        "him",
                        "mom",
                        "mum",
                        "dad",
                        "mother",
                        "father",
                        "husband",
                        "wife",
                        "son",
                        "daughter",
                        "brother",
                        "sister",
                        "uncle",
                        "aunt",
                        "grandfather",
                        "grandmother",
                        "grandma",
                        "grandpa",
                        "friend",
                        "relative",
                    ]
                )
            ]
        ],
        CUE_NEGATION: [
            *_words(
                "no",
                "not",
                "n't",
                "non",
                "without",
                "never",
                "neither",
                "nor",
                "excluded",
                "negative",
                "denies",
                "r/o",
            ),
            *_words(
                "ruled out", "rule out", "rules out", "free of", "not sure", "unsure"
            ),
        ],
        CUE_CORRECTION: [
            *_words(
                "sorry",
                "i mean",
                "i meant",
                "meant",
                "correction",
                "corrected",
                "actually",
                "oops",
                "typo",
                "mistake",
                "wait",
                "rather",
                "make that",
                "instead",
                "updated",
                "revised",
            ),
            [_in(["no"]), {"ORTH": {"IN": [",", "!", "."]}}],
        ],
        CUE_DISTANCE: [
            *_words(
                "away",
                "from",
                "distance",
                "distant",
                "apart",
                "close",
                "closer",
                "near",
                "nearby",
                "adjacent",
                "abutting",
                "abuts",
                "proximity",
                "touching",
                "next to",
                "gap",
            ),
        ],
    }


def _expand_head(pattern: Pattern) -> List[Pattern]:
    """Equivalent patterns whose first token is an exact comparison.

    spaCy 3.4 evaluates ``IN`` predicates in Python, and a pattern's first
    token is tested on every token of the message; exact ``LOWER``/``NORM``
    values are compared in C. So an optional first token becomes two
    patterns (without it, and with it), and an ``IN`` list in first position
    becomes one pattern per word. Later tokens are only tested after a head
    matched, and keep their ``IN`` lists.
    """
    if not pattern:
        return []
    head, rest = pattern[0], pattern[1:]
    if head.get("OP") == "?":
        required = {key: value for key, value in head.items() if key != "OP"}
        return _expand_head(rest) + _expand_head([required] + rest)
    for attr in ("LOWER", "NORM"):
        value = head.get(attr)
        if isinstance(value, dict) and set(value) == {"IN"} and "OP" not in head:
            return [[{attr: word}] + rest for word in value["IN"]]
    return [pattern]


def all_patterns() -> Patterns:
    """Every family's patterns, merged by label (what the Matcher is built from).

    Returns:
        ``{label: [token pattern, ...]}`` with heads expanded (see
        :func:`_expand_head`), duplicates removed.

    """
    merged: Patterns = {}
    for family in (
        bilirubin_patterns,
        albumin_patterns,
        inr_patterns,
        platelet_patterns,
        lesion_count_patterns,
        lesion_size_patterns,
        bile_duct_patterns,
        child_pugh_patterns,
        bclc_patterns,
        diagnosis_patterns,
        other_lab_patterns,
        structure_patterns,
        context_patterns,
    ):
        for label, patterns in family().items():
            bucket = merged.setdefault(label, [])
            for pattern in patterns:
                for expanded in _expand_head(pattern):
                    if expanded and expanded not in bucket:
                        bucket.append(expanded)
    return merged
