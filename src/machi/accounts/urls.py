from django.urls import path

from machi.accounts import privacy_views, views

app_name = "accounts"
urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("signup/done/", views.signup_done, name="signup_done"),
    path("verify/resend/", views.resend_verification, name="resend_verification"),
    path("verify/<str:token>/", views.verify, name="verify"),
    path("email/confirm/<str:token>/", views.confirm_email_change, name="confirm_email_change"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/done/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"
    ),
    path("password/change/", views.PasswordChangeView.as_view(), name="password_change"),
    path("profile/", views.profile, name="profile"),
    # A person's rights over their data (privacy_views).
    path("profile/data.json", privacy_views.data_json, name="data_json"),
    path("profile/data.zip", privacy_views.data_zip, name="data_zip"),
    path("profile/delete/", privacy_views.delete_account, name="delete_account"),
    path("groups/", views.groups, name="groups"),
    path("groups/new/", views.group_new, name="group_new"),
    path("staff/", views.staff_home, name="staff_home"),
    path("staff/groups/", views.staff_groups, name="staff_groups"),
    path("staff/groups/<int:group_id>/", views.staff_group_review, name="staff_group_review"),
    path("staff/residency/", views.staff_residency, name="staff_residency"),
    path(
        "staff/residency/<int:user_id>/verify/", views.staff_residency_verify, name="staff_residency_verify"
    ),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/new/", views.token_create, name="token_create"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("staff/tokens/", views.staff_tokens, name="staff_tokens"),
    path("staff/tokens/<int:token_id>/revoke/", views.staff_token_revoke, name="staff_token_revoke"),
]
