"""Phone numbers and e-mail addresses for a call back, not lab values or dates."""

import pytest

from bot.handoff.contact import Contact, find_contact


@pytest.mark.parametrize(
    "text, phone, email",
    [
        ("my number is +91 98765 43210", "+91 98765 43210", None),
        ("call me on 07700 900123 after 5", "07700 900123", None),
        ("(555) 123-4567", "(555) 123-4567", None),
        ("0091 22 5550 1234", "0091 22 5550 1234", None),
        ("whatsapp +971 50 123 4567 pls", "+971 50 123 4567", None),
        ("mail me: Ravi.K@Example.co.in", None, "ravi.k@example.co.in"),
        (
            "+44 20 7946 0958 or anita@example.org",
            "+44 20 7946 0958",
            "anita@example.org",
        ),
    ],
)
def test_contact_details_are_found(text, phone, email):
    assert find_contact(text) == Contact(phone=phone, email=email)


@pytest.mark.parametrize(
    "text",
    [
        "bilirubin 1.2 mg/dl, platelets 150000",
        "platelets 1,50,000",
        "scan on 12-05-2024",
        "INR 1.12 albumin 3.5 and 2 lesions of 28 mm",
        "my father is 67 years old",
        "call me",
        "12345678",
        "an email to a@b",
    ],
)
def test_values_dates_and_words_are_not_contact_details(text):
    assert not find_contact(text).found


def test_read_back_and_stored_shape():
    contact = Contact(phone="+91 98765 43210", email="a@example.org")
    assert contact.describe() == "+91 98765 43210 and a@example.org"
    assert contact.as_details() == {
        "phone": "+91 98765 43210",
        "email": "a@example.org",
    }
    assert Contact(email="a@example.org").as_details() == {"email": "a@example.org"}
