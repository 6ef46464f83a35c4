from django.urls import include, path

from machi.facilities.views import booking, manage

app_name = "facilities"

urlpatterns = [
    path("", booking.index, name="index"),
    path("centres/<int:centre_id>/", booking.centre, name="centre"),
    path("rooms/<int:room_id>/", booking.room_month, name="room"),
    path("rooms/<int:room_id>/week/", booking.room_week, name="room_week"),
    path("rooms/<int:room_id>/book/", booking.book, name="book"),
    path("mine/", booking.mine, name="mine"),
    path("bookings/<int:reservation_id>/", booking.reservation, name="reservation"),
    path("bookings/<int:reservation_id>/receipt/", booking.receipt, name="receipt"),
    path("bookings/<int:reservation_id>/cancel/", booking.cancel, name="cancel"),
    path("manage/", manage.index, name="manage"),
    path("manage/centres/<int:centre_id>/", manage.centre_bookings, name="manage_centre"),
    path("manage/centres/<int:centre_id>/book/", manage.book_on_behalf, name="book_on_behalf"),
    path("manage/centres/<int:centre_id>/sheet/", manage.day_sheet, name="day_sheet"),
    path("manage/centres/<int:centre_id>/schedule/", manage.schedule, name="manage_schedule"),
    path("manage/centres/<int:centre_id>/schedule/window/", manage.booking_window, name="manage_window"),
    path("manage/centres/<int:centre_id>/lotteries/new/", manage.lottery_create, name="manage_lottery_new"),
    path(
        "manage/centres/<int:centre_id>/lotteries/<int:lottery_id>/",
        manage.lottery_edit,
        name="manage_lottery_edit",
    ),
    path(
        "manage/centres/<int:centre_id>/lotteries/<int:lottery_id>/cancel/",
        manage.lottery_cancel,
        name="manage_lottery_cancel",
    ),
    path("manage/bookings/<int:reservation_id>/approve/", manage.approve, name="approve"),
    path("manage/bookings/<int:reservation_id>/decline/", manage.decline, name="decline"),
    path("manage/bookings/<int:reservation_id>/no-show/", manage.no_show, name="no_show"),
    path("lotteries/", include("machi.facilities.urls_lottery")),
    path("", include("machi.facilities.urls_feeds")),
]
