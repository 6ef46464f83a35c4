"""The account pages: sign-up and the address check, login, the profile, groups and their review, tokens.

The views are thin: a form checks what was typed, an action in actions.py writes
(and says no: NotAllowed becomes the 403 page), and a mail reports it. Which wards a
member of staff sees is asked of queries.py, the same question the actions ask.
"""

from datetime import timedelta
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from machi.accounts import actions, emails, forms
from machi.accounts import staff_home as home
from machi.accounts.mail_limits import allow_mail
from machi.accounts.models import ApiToken, CommunityGroup, User
from machi.accounts.queries import (
    account_of_address,
    has_staff_role,
    is_city_admin,
    is_staff_anywhere,
    person_declaring_ward,
    staff_ward_ids,
)
from machi.audit.actions import record_view

RECENT_REVIEW_DAYS = 90


def forbidden(request, message: str):
    """The site's 403 page with the reason, for a view that checks scope itself before any action.

    An action's `NotAllowed` needs no call: it propagates to the same page (`templates/403.html`).
    """
    return render(request, "403.html", {"exception": message}, status=403)


def too_many_mails(request):
    """429: too many mails asked for to one address or from one client (`mail_limits`); the same for every address."""
    return render(request, "accounts/too_many_mails.html", status=429)


def _with_language_cookie(response, language: str):
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
    )
    return response


# --- Sign-up and the address check -----------------------------------------------------


@never_cache
def signup(request):
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    form = forms.SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not allow_mail(request, data["email"]):
            return too_many_mails(request)
        holder = account_of_address(data["email"])
        if holder is not None:
            _tell_the_holder(request, holder, data["password1"])
            return redirect("accounts:signup_done")
        try:
            user = actions.sign_up(
                email=data["email"],
                password=data["password1"],
                display_name=data["display_name"],
                name_kana=data["name_kana"],
                preferred_language=page_language(),
            )
        except ValidationError as error:
            forms.add_action_errors(form, error)
        else:
            emails.send_verification(request, user)
            return redirect("accounts:signup_done")
    return render(request, "accounts/signup.html", {"form": form})


def _tell_the_holder(request, holder, password: str) -> None:
    """A sign-up with a registered address: the page answers as for a new account; the holder is mailed.

    An account still waiting for its check gets the link again; an active one hears that someone
    tried, with a link to set a new password. The password is hashed all the same, so the answer
    takes about as long as a real sign-up.
    """
    make_password(password)
    if not holder.email:
        return
    if not holder.is_active and holder.email_verified_at is None:
        emails.send_verification(request, holder)
    elif holder.is_active:
        emails.send_signup_attempt(request, holder)


def page_language() -> str:
    """The language of the page being answered, as a User.Language value (ja unless the page is English)."""
    return User.Language.EN if (get_language() or "").startswith("en") else User.Language.JA


def signup_done(request):
    return render(request, "accounts/signup_done.html")


@never_cache
def verify(request, token: str):
    try:
        user = actions.verify_email(token)
    except ValidationError as error:
        return render(request, "accounts/verify_failed.html", {"message": error.messages[0]}, status=400)
    return render(request, "accounts/verify_done.html", {"verified_user": user})


@never_cache
def confirm_email_change(request, token: str):
    try:
        user = actions.confirm_email_change(token)
    except ValidationError as error:
        return render(request, "accounts/verify_failed.html", {"message": error.messages[0]}, status=400)
    return render(request, "accounts/verify_done.html", {"verified_user": user, "changed": True})


@never_cache
def resend_verification(request):
    """Send the address check again: to one's own new address, or to an account not yet activated.

    The answer is the same whether or not such an account exists, so the page tells no one
    which addresses are registered.
    """
    user = request.user
    if user.is_authenticated:
        if request.method == "POST" and not allow_mail(request, user.pending_email or user.email):
            return too_many_mails(request)
        if request.method == "POST" and user.pending_email:
            emails.send_email_change(request, user)
            messages.success(
                request, _("確認用のメールを %(email)s に送りました。") % {"email": user.pending_email}
            )
        elif request.method == "POST" and not user.email_verified and user.email:
            emails.send_verification(request, user)
            messages.success(request, _("確認用のメールを %(email)s に送りました。") % {"email": user.email})
        return redirect("accounts:profile")
    form = forms.ResendVerificationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not allow_mail(request, form.cleaned_data["email"]):
            return too_many_mails(request)
        waiting = User.objects.filter(
            email__iexact=form.cleaned_data["email"], is_active=False, email_verified_at__isnull=True
        ).first()
        if waiting is not None:
            emails.send_verification(request, waiting)
        return render(request, "accounts/resend_done.html", {"email": form.cleaned_data["email"]})
    return render(request, "accounts/resend_verification.html", {"form": form})


# --- Login, logout, passwords ----------------------------------------------------------


class LoginView(auth_views.LoginView):
    """Django's login (django-axes counts its failures); the page then speaks the person's language."""

    form_class = forms.LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        if has_staff_role(form.get_user()):
            # The header's link to 今日の仕事 for centre managers too (ward staff and city admins have is_staff).
            self.request.session[home.SESSION_KEY] = True
        return _with_language_cookie(response, form.get_user().preferred_language)

    def get_default_redirect_url(self):
        """Staff land on their home (今日の仕事), everyone else on マイページ, unless ?next= says otherwise."""
        if has_staff_role(self.request.user):
            return reverse("accounts:staff_home")
        return super().get_default_redirect_url()


class LogoutView(auth_views.LogoutView):
    http_method_names = ["post", "options"]


class PasswordResetView(auth_views.PasswordResetView):
    form_class = forms.PasswordResetForm
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/emails/password_reset.txt"
    subject_template_name = "accounts/emails/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        if not allow_mail(self.request, form.cleaned_data["email"]):
            return too_many_mails(self.request)
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = forms.SetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = forms.PasswordChangeForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("パスワードを変更しました。"))
        return response


# --- Profile ---------------------------------------------------------------------------


def _profile_initial(user) -> dict:
    # The address asked for, while it waits: saving other details then keeps the change asked for.
    return {
        **{name: getattr(user, name) for name in actions.PROFILE_FIELDS},
        "email": user.pending_email or user.email,
    }


@login_required
def profile(request):
    user = request.user
    form = forms.ProfileForm(request.POST or None, user=user, initial=_profile_initial(user))
    if request.method == "POST" and form.is_valid():
        pending = user.pending_email
        new = form.cleaned_data["email"]
        if new not in (user.email.lower(), pending) and not allow_mail(request, new):
            return too_many_mails(request)
        try:
            user = actions.update_profile(actor=user, user=user, **form.cleaned_data)
        except ValidationError as error:
            forms.add_action_errors(form, error)
        else:
            if user.pending_email and user.pending_email != pending:
                emails.send_email_change(request, user)
                messages.success(
                    request,
                    _(
                        "保存しました。新しいメールアドレス %(email)s に確認用のメールを送りました。"
                        "リンクを開くまでは、これまでのメールアドレスのままです。"
                    )
                    % {"email": user.pending_email},
                )
            else:
                messages.success(request, _("保存しました。"))
            return _with_language_cookie(redirect("accounts:profile"), user.preferred_language)
    grants = user.role_grants.select_related("ward", "centre").order_by("role", "ward__code", "centre__name")
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "grants": grants,
            "groups": CommunityGroup.objects.of_person(user).with_details(),
            "is_staff_anywhere": is_staff_anywhere(user),
            "is_city_admin": is_city_admin(user),
        },
    )


# --- Groups ----------------------------------------------------------------------------


@login_required
def groups(request):
    groups = CommunityGroup.objects.of_person(request.user).with_details()
    return render(request, "accounts/groups.html", {"groups": groups})


@login_required
def group_new(request):
    if not request.user.email_verified:
        return render(request, "accounts/verify_required.html", status=403)
    form = forms.GroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            group = actions.register_group(
                actor=request.user,
                name=data["name"],
                name_kana=data["name_kana"],
                kind=data["kind"],
                ward=data["ward"],
                school_district=data["school_district"],
                members=data["members"],
            )
        except ValidationError as error:
            forms.add_action_errors(form, error)
        else:
            messages.success(
                request,
                _("「%(name)s」を登録しました。%(ward)sの職員が審査します。結果はメールでお知らせします。")
                % {"name": group.name, "ward": group.ward.name},
            )
            return redirect("accounts:groups")
    return render(request, "accounts/group_new.html", {"form": form})


@login_required
def staff_home(request):
    """今日の仕事: what waits in the person's wards and centres, each a count and a link (`staff_home`)."""
    if not has_staff_role(request.user):
        return forbidden(request, _("このページは職員とセンターの管理者だけが利用できます。"))
    now = timezone.now()
    wards = staff_ward_ids(request.user)
    sections = home.staff_sections(request.user, now)
    return render(
        request,
        "accounts/staff_home.html",
        {
            "sections": sections,
            "waiting": sum(section.waiting for section in sections),
            "setup_links": home.setup_links(request.user),
            "today": timezone.localdate(now),
            "all_wards": wards is None,
            "ward_staff": wards is None or bool(wards),
        },
    )


def staff_required(view):
    """Ward staff and city administrators only; the view gets `wards`, their scope (None: every ward)."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        wards = staff_ward_ids(request.user)
        if wards is not None and not wards:
            return forbidden(request, _("このページは区の職員だけが利用できます。"))
        return view(request, *args, wards=wards, **kwargs)

    return wrapper


@staff_required
def staff_groups(request, wards):
    scoped = CommunityGroup.objects.in_wards(wards).with_details()
    since = timezone.now() - timedelta(days=RECENT_REVIEW_DAYS)
    return render(
        request,
        "accounts/staff_groups.html",
        {
            "pending": scoped.awaiting_review(),
            "recent": scoped.reviewed_since(since)[:50],
            "recent_days": RECENT_REVIEW_DAYS,
            "all_wards": wards is None,
        },
    )


@staff_required
def staff_group_review(request, group_id: int, wards):
    group = get_object_or_404(
        CommunityGroup.objects.select_related("ward", "representative", "reviewed_by"), pk=group_id
    )
    if wards is not None and group.ward_id not in wards:
        return forbidden(request, _("%(ward)sの団体を審査する権限がありません。") % {"ward": group.ward.name})
    form = forms.ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            group = actions.review_group(
                actor=request.user, group=group, approve=approve, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            forms.add_action_errors(form, error)
        else:
            emails.send_group_decision(request, group)
            messages.success(
                request,
                (_("「%(name)s」を承認しました。") if approve else _("「%(name)s」を不承認にしました。"))
                % {"name": group.name},
            )
            return redirect("accounts:staff_groups")
    return render(
        request,
        "accounts/staff_group_review.html",
        {"group": group, "members": group.members.select_related("user"), "form": form},
    )


@staff_required
def staff_residency(request, wards):
    """利用者の住所確認: find a person who declares one of one's wards by address, and verify it at the counter."""
    form = forms.ResidentLookupForm(request.GET or None)
    person = None
    if form.is_bound and form.is_valid():
        person = person_declaring_ward(form.cleaned_data["email"], wards)
        record_view(
            actor=request.user,
            action="accounts.find_resident",
            obj=person or request.user,
            people=[person],
            ward=person.home_ward_id if person else None,
            detail={"found": person is not None},
        )
    return render(request, "accounts/staff_residency.html", {"form": form, "person": person})


@require_POST
@staff_required
def staff_residency_verify(request, user_id: int, wards):
    person = get_object_or_404(User, pk=user_id)
    try:
        person = actions.verify_residency(actor=request.user, user=person)
    except ValidationError as refusal:
        for message in refusal.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("%(name)sさんの住所（%(ward)s）を確認済みにしました。")
            % {"name": person, "ward": person.residency_verified_ward.name},
        )
    return redirect(f"{reverse('accounts:staff_residency')}?{urlencode({'email': person.email})}")


# --- API tokens ------------------------------------------------------------------------


@login_required
def tokens(request):
    return render(
        request,
        "accounts/tokens.html",
        {"tokens": ApiToken.objects.filter(user=request.user), "form": forms.TokenForm()},
    )


@never_cache
@login_required
@require_POST
def token_create(request):
    form = forms.TokenForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "accounts/tokens.html",
            {"tokens": ApiToken.objects.filter(user=request.user), "form": form},
            status=400,
        )
    token, plain = actions.create_token(actor=request.user, user=request.user, name=form.cleaned_data["name"])
    # Shown on this response only: it is not stored, and the page is not cached.
    return render(request, "accounts/token_created.html", {"token": token, "plain": plain})


@login_required
def token_revoke(request, token_id: int):
    """GET asks to confirm (a revoked token cannot be brought back); POST revokes."""
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    if request.method != "POST":
        return render(request, "accounts/token_revoke.html", {"token": token})
    actions.revoke_token(actor=request.user, token=token)
    messages.success(request, _("トークン %(prefix)s… を失効させました。") % {"prefix": token.prefix})
    return redirect("accounts:tokens")


def city_admin_required(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not is_city_admin(request.user):
            return forbidden(request, _("このページは市の管理者だけが利用できます。"))
        return view(request, *args, **kwargs)

    return wrapper


@city_admin_required
def staff_tokens(request):
    query = request.GET.get("q", "").strip()
    found = ApiToken.objects.select_related("user").order_by("revoked_at", "-created_at")
    if query:
        found = found.filter(
            Q(user__username__icontains=query)
            | Q(user__email__icontains=query)
            | Q(user__display_name__icontains=query)
            | Q(prefix__startswith=query)
        )
    return render(request, "accounts/staff_tokens.html", {"tokens": found[:200], "query": query})


@login_required
def staff_token_revoke(request, token_id: int):
    token = get_object_or_404(ApiToken.objects.select_related("user"), pk=token_id)
    if request.method != "POST":
        if not is_city_admin(request.user):
            return forbidden(request, _("このページは市の管理者だけが利用できます。"))
        return render(
            request,
            "accounts/token_revoke.html",
            {"token": token, "show_owner": True, "query": request.GET.get("q", "")},
        )
    actions.revoke_token(actor=request.user, token=token)
    messages.success(
        request,
        _("%(user)s さんのトークン %(prefix)s… を失効させました。")
        % {"user": token.user, "prefix": token.prefix},
    )
    query = request.POST.get("q", "").strip()
    return redirect(reverse("accounts:staff_tokens") + (f"?{urlencode({'q': query})}" if query else ""))
