"""The lottery pages, under /facilities/lotteries/ in the `facilities` namespace."""

from django.urls import path

from machi.facilities.views import lottery as views

urlpatterns = [
    path("", views.lottery_list, name="lottery-list"),
    path("new/", views.lottery_new, name="lottery-new"),
    path("<int:lottery_id>/", views.lottery_detail, name="lottery-detail"),
    path("<int:lottery_id>/log.json", views.lottery_log, name="lottery-log"),
    path("<int:lottery_id>/apply/", views.lottery_apply, name="lottery-apply"),
    path("<int:lottery_id>/entry/", views.lottery_entry, name="lottery-entry"),
    path("<int:lottery_id>/entry/withdraw/", views.lottery_withdraw, name="lottery-withdraw"),
    path("<int:lottery_id>/entry/confirm/", views.lottery_confirm, name="lottery-confirm"),
    path("<int:lottery_id>/staff/", views.lottery_staff, name="lottery-staff"),
    path("<int:lottery_id>/staff/draw/", views.lottery_draw, name="lottery-draw"),
]
