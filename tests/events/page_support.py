"""A valid event form as the staff and group pages take it, for the page tests."""

import datetime

from django.utils import timezone


def day(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def full_width(text: str) -> str:
    return text.translate(str.maketrans("0123456789-:", "０１２３４５６７８９－："))


def event_form(project) -> dict:
    """A valid event form: a course of two sessions in 30 and 37 days, a required choice question."""
    first, second = day(30), day(37)
    data = {
        "project": project.pk,
        "kind": "course",
        "title": "はじめての防災講座",
        "title_kana": "はじめてのぼうさいこうざ",
        "title_en": "Disaster preparedness for beginners",
        "description": "非常持ち出し袋をつくります。",
        "contact": "中央区役所 まちづくり推進課 096-328-2111",
        "venue_room": "",
        "venue_name": "白川公園",
        "venue_address": "熊本市中央区白川町1-1",
        "latitude": "32.803",
        "longitude": "130.708",
        "capacity_seats": full_width("30"),
        "max_party": full_width("3"),
        "waitlist": "on",
        "fee_yen": "５００円",
        "who_may_come": "anyone",
        "min_age": "",
        "max_age": "",
        "accessibility": "段差なし",
        "allocation": "first_come",
        "registration_opens_at": full_width(f"{day(-1)}T09:00"),
        "registration_closes_at": f"{day(28)}T17:00",
        "cancel_until": f"{day(27)}T17:00",
        "sessions-TOTAL_FORMS": "4",
        "sessions-INITIAL_FORMS": "0",
        "sessions-0-day": full_width(str(first)),
        "sessions-0-starts": full_width("10:00"),
        "sessions-0-ends": "12:00",
        "sessions-1-day": str(second),
        "sessions-1-starts": "10:00",
        "sessions-1-ends": "12:00",
        "questions-TOTAL_FORMS": "2",
        "questions-INITIAL_FORMS": "0",
        "questions-0-text": "食物アレルギーはありますか",
        "questions-0-kind": "choice",
        "questions-0-choices": "なし\nあり",
        "questions-0-required": "on",
    }
    for row in (2, 3):
        data |= {f"sessions-{row}-day": "", f"sessions-{row}-starts": "", f"sessions-{row}-ends": ""}
    return data
