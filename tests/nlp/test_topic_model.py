"""The flat intent/topic model: learns, ranks, and survives a save/load round trip."""

from pathlib import Path

import numpy as np
import pytest

from bot.nlp.topic_model import TopicModel

TRAIN = {
    "faq/cost": [
        "how much does it cost",
        "what is the price of cryoablation",
        "is it expensive",
        "can I afford the treatment",
        "fees for the procedure",
    ],
    "faq/pain": [
        "does it hurt",
        "is the procedure painful",
        "will I feel pain",
        "how much pain after freezing",
        "is it sore afterwards",
    ],
    "greet": ["hello", "hi there", "good morning", "hey", "namaste"],
}


@pytest.fixture(scope="module")
def model():
    texts = [t for examples in TRAIN.values() for t in examples]
    labels = [label for label, examples in TRAIN.items() for _ in examples]
    return TopicModel.fit(texts, labels)


@pytest.mark.parametrize(
    "text, label",
    [
        ("how expensive is the freezing", "faq/cost"),
        ("whats the prise", "faq/cost"),
        ("will it be painfull", "faq/pain"),
        ("helo", "greet"),
    ],
)
def test_unseen_wording_lands_on_the_right_label(model, text, label):
    assert model.rank(text, top=1)[0][0] == label


def test_ranking_is_a_probability_distribution(model):
    ranking = model.rank("does it hurt", top=3)
    assert [label for label, _ in ranking][0] == "faq/pain"
    assert sum(conf for _, conf in ranking) == pytest.approx(1.0)
    assert ranking[0][1] > ranking[1][1]


def test_save_and_load_give_identical_predictions(model, tmp_path: Path):
    model.save(tmp_path)
    assert {p.name for p in tmp_path.iterdir()} == {
        "topic_model.json",
        "topic_model.npz",
    }
    loaded = TopicModel.load(tmp_path)
    texts = ["how much is it", "painful?", "hi"]
    np.testing.assert_allclose(loaded.predict_proba(texts), model.predict_proba(texts))
    assert loaded.labels == model.labels
