"""The event's own questions, answered through the API: the same check as the web form (`clean_answers`).
A required answer missing, a choice not among the question's, a question the event does not ask:
400 with a Japanese message, nothing written."""

import pytest
from django.test import Client
from tests.facilities.api_support import bearer, post

from machi.events import actions
from machi.events.models import EventQuestion, Registration


@pytest.fixture
def event(make_event):
    return make_event(
        questions=[
            actions.QuestionInput(
                text="参加する方の学年", kind="choice", choices="1年\n2年\n3年", required=True
            ),
            actions.QuestionInput(text="ご要望", kind="text"),
        ]
    )


def ids(event):
    grade, wishes = EventQuestion.objects.filter(event=event).order_by("position")
    return str(grade.pk), str(wishes.pk)


def register(person, event, answers):
    return post(
        bearer(person), f"/api/events/{event.pk}/registrations", {"party_size": 1, "answers": answers}
    )


def test_the_event_lists_its_questions_for_clients(event):
    questions = Client().get(f"/api/events/{event.pk}").json()["questions"]
    assert [(q["text"], q["kind"], q["required"]) for q in questions] == [
        ("参加する方の学年", "choice", True),
        ("ご要望", "text", False),
    ]
    assert questions[0]["choices"] == ["1年", "2年", "3年"]


def test_answers_are_stored_with_the_registration(event, people):
    grade, wishes = ids(event)
    answer = register(people(1)[0], event, {grade: "２年", wishes: " 車いすです "})
    assert answer.status_code == 201
    assert Registration.objects.get().answers == {grade: "2年", wishes: "車いすです"}


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({}, "「参加する方の学年」に回答してください"),
        ({"grade": "  "}, "「参加する方の学年」に回答してください"),
        ({"grade": "4年"}, "「参加する方の学年」の回答は選択肢（1年、2年、3年）から選んでください"),
        ({"grade": "1年", "999999": "?"}, "この催しにない質問への回答です（999999）"),
    ],
)
def test_bad_answers_are_a_400_in_japanese_and_nothing_is_written(event, people, answers, message):
    grade, _wishes = ids(event)
    body = {grade if key == "grade" else key: value for key, value in answers.items()}
    answer = register(people(1)[0], event, body)
    assert answer.status_code == 400
    assert answer.json()["detail"] == message
    assert not Registration.objects.exists()


def test_an_over_long_answer_is_refused(event, people):
    grade, wishes = ids(event)
    answer = register(people(1)[0], event, {grade: "1年", wishes: "あ" * 1001})
    assert answer.status_code == 400 and not Registration.objects.exists()
