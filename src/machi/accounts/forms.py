"""The forms of the account pages. They check what a person typed; the writes are in actions.py.

Labels and messages are Japanese first (translatable). Django renders each field's
errors with the id `<field id>_error` and points the input's aria-describedby at it
and at the hint, so a screen reader reads the error with the field.
"""

import re
import unicodedata

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from machi.accounts import actions, emails
from machi.accounts.models import CommunityGroup, User

# The wards people live in and groups work in, found through the models' own links: accounts
# sits below the ledger and does not import it.
Ward = User._meta.get_field("home_ward").related_model

UserModel = get_user_model()

# Hiragana, katakana, the long-vowel mark, the middle dot and spaces: what a name in kana is made of.
KANA = re.compile(r"^[\u3041-\u3096\u309d\u309e\u30a1-\u30fa\u30fc\u30fd\u30fe\u30fb\s]*$")
PHONE = re.compile(r"^\+?[0-9][0-9-]{8,18}[0-9]$")
MAX_MEMBERS = 300


def nfkc(value: str) -> str:
    return unicodedata.normalize("NFKC", value or "").strip()


def clean_phone(value: str) -> str:
    """A phone number as typed (全角 too) → digits and hyphens; anything else is refused."""
    phone = nfkc(value).replace("ー", "-").replace("‐", "-").replace(" ", "")
    if phone and not PHONE.match(phone):
        raise ValidationError(_("電話番号は数字とハイフンで入力してください。例：096-123-4567"), code="phone")
    return phone


def clean_kana(value: str) -> str:
    """Half-width katakana and full-width spaces become their ordinary forms; anything but kana is refused."""
    value = re.sub(r"\s+", " ", nfkc(value))
    if not KANA.match(value):
        raise ValidationError(_("ひらがなかカタカナで入力してください。"), code="kana")
    return value


class NamedRequiredMessages:
    """A missing answer names its field: 「団体名を入力してください。」, 「種別を選んでください。」."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.ChoiceField):
                message = gettext("%(label)sを選んでください。")
            else:
                message = gettext("%(label)sを入力してください。")
            field.error_messages["required"] = message % {"label": field.label}


class EmailField(forms.EmailField):
    """An email address, NFKC-normalised (全角の＠ too) and in lower case, as accounts store it."""

    def to_python(self, value):
        return nfkc(super().to_python(value)).lower()


def _display_name_field():
    return forms.CharField(
        label=_("表示名"),
        max_length=100,
        help_text=_("ページやメールで表示する名前です。例：熊本 花子"),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )


def _kana_field():
    return forms.CharField(
        label=_("氏名（かな）"),
        max_length=100,
        required=False,
        help_text=_("ひらがなかカタカナで入力してください。例：くまもと はなこ"),
    )


class SignUpForm(NamedRequiredMessages, forms.Form):
    email = EmailField(
        label=_("メールアドレス"),
        max_length=254,
        help_text=_("確認用のメールを送ります。ログインにも使います。"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password1 = forms.CharField(
        label=_("パスワード"),
        strip=False,
        help_text=_(
            "8文字以上にしてください。数字だけのもの、よく使われるもの、メールアドレスや名前に似たものは使えません。"
        ),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("パスワード（確認）"),
        strip=False,
        help_text=_("確認のため、同じパスワードをもう一度入力してください。"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    display_name = _display_name_field()
    name_kana = _kana_field()

    # An address already registered is not refused here: the page would tell anyone which
    # addresses have accounts. The view mails the holder instead (emails.send_signup_attempt).

    def clean_name_kana(self):
        return clean_kana(self.cleaned_data["name_kana"])

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", ValidationError(_("パスワードが一致しません。"), code="mismatch"))
        elif password1:
            email = cleaned.get("email", "")
            candidate = User(username=email, email=email, display_name=cleaned.get("display_name", ""))
            try:
                password_validation.validate_password(password1, candidate)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


def username_for_login(typed: str) -> str:
    """The username to try for what was typed in the login form: an email address leads to its account."""
    typed = typed.strip()
    if "@" in typed:
        email = nfkc(typed).lower()
        match = UserModel.objects.filter(email__iexact=email).values_list("username", flat=True).first()
        if match is not None:
            return match
        return email
    return typed


class LoginForm(NamedRequiredMessages, auth_forms.AuthenticationForm):
    """Django's login form, with a username that may be the email address, and Japanese messages."""

    error_messages = {
        "invalid_login": _(
            "メールアドレス（ユーザー名）またはパスワードが正しくありません。入力した内容をご確認ください。"
        ),
        "inactive": _("このアカウントは利用できません。"),
        "unverified": _(
            "メールアドレスの確認が済んでいません。登録のときに届いたメールのリンクを開いてください。"
        ),
    }

    username = auth_forms.UsernameField(
        label=_("メールアドレスまたはユーザー名"),
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "username", "autocapitalize": "none"}
        ),
    )
    password = forms.CharField(
        label=_("パスワード"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.unverified_user = None

    def clean(self):
        if username := self.cleaned_data.get("username"):
            self.cleaned_data["username"] = username_for_login(username)
        try:
            return super().clean()
        except ValidationError:
            if self._is_unverified_signup():
                raise ValidationError(self.error_messages["unverified"], code="unverified") from None
            raise

    def _is_unverified_signup(self) -> bool:
        """A right password for an account still waiting for its email to be confirmed.

        Asked only after authenticate() has failed (and been counted by django-axes), never while
        the login is locked out, so it tells nothing that a guess could not.
        """
        if self.request is not None and getattr(self.request, "axes_locked_out", False):
            return False
        user = UserModel.objects.filter(username=self.cleaned_data.get("username")).first()
        password = self.cleaned_data.get("password")
        if user is None or user.is_active or user.email_verified_at is not None or not password:
            return False
        if user.check_password(password):
            self.unverified_user = user
            return True
        return False


class ResendVerificationForm(NamedRequiredMessages, forms.Form):
    email = EmailField(
        label=_("メールアドレス"),
        max_length=254,
        help_text=_("登録のときに入力したメールアドレスです。"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class ProfileForm(NamedRequiredMessages, forms.Form):
    display_name = _display_name_field()
    name_kana = _kana_field()
    email = EmailField(
        label=_("メールアドレス"),
        max_length=254,
        help_text=_(
            "変更すると、新しいアドレスに確認用のメールを送ります。リンクを開くまでは、これまでのアドレスのままです。"
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("電話番号"),
        max_length=20,
        required=False,
        help_text=_("半角・全角どちらでも入力できます。例：096-123-4567"),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    home_ward = forms.ModelChoiceField(
        label=_("お住まいの区"),
        queryset=Ward._default_manager.order_by("code"),
        required=False,
        empty_label=_("（選択しない・市外）"),
        help_text=_("区民の先行受付など、お住まいの区で変わる決まりに使います。"),
    )
    school_district = forms.CharField(
        label=_("校区"),
        max_length=50,
        required=False,
        help_text=_("お住まいの小学校区です。例：五福校区"),
    )
    preferred_language = forms.ChoiceField(
        label=_("表示言語"),
        choices=User.Language.choices,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    # A new address another account uses is not refused here (that would tell who is registered):
    # its confirmation link fails instead (actions.confirm_email_change).

    def clean_name_kana(self):
        return clean_kana(self.cleaned_data["name_kana"])

    def clean_phone(self):
        return clean_phone(self.cleaned_data["phone"])

    def clean_school_district(self):
        return self.cleaned_data["school_district"].strip()


def parse_members(text: str) -> list[tuple[str, str]]:
    """The member list typed one person a line, "氏名,かな" (、 and full-width commas too); blank lines skipped."""
    members, problems = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        parts = [part.strip() for part in re.split(r"[,，、\t]", line)]
        name, kana = parts[0], " ".join(part for part in parts[1:] if part)
        if not name:
            problems.append(gettext("%(line)d行目：氏名がありません。") % {"line": number})
        elif len(name) > 100 or len(kana) > 100:
            problems.append(
                gettext("%(line)d行目：氏名とかなは100文字以内にしてください。") % {"line": number}
            )
        else:
            try:
                kana = clean_kana(kana)
            except ValidationError:
                problems.append(
                    gettext("%(line)d行目：かなはひらがなかカタカナで入力してください。") % {"line": number}
                )
                continue
            members.append((name, kana))
    if len(members) > MAX_MEMBERS:
        problems.append(gettext("構成員は%(max)d人までにしてください。") % {"max": MAX_MEMBERS})
    if problems:
        raise ValidationError(problems)
    return members


class GroupForm(NamedRequiredMessages, forms.Form):
    name = forms.CharField(label=_("団体名"), max_length=200, help_text=_("例：花園一丁目町内自治会"))
    name_kana = forms.CharField(
        label=_("団体名（かな）"),
        max_length=200,
        required=False,
        help_text=_("ひらがなかカタカナで入力してください。"),
    )
    kind = forms.ChoiceField(label=_("種別"), choices=CommunityGroup.Kind.choices, widget=forms.RadioSelect)
    ward = forms.ModelChoiceField(
        label=_("区"),
        queryset=Ward._default_manager.order_by("code"),
        empty_label=_("選択してください"),
        help_text=_("団体が活動している区です。この区の職員が審査します。"),
    )
    school_district = forms.CharField(
        label=_("校区"), max_length=50, required=False, help_text=_("例：五福校区")
    )
    members = forms.CharField(
        label=_("構成員"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "1行に1人ずつ「氏名,かな」の形で入力してください（例：熊本 太郎,くまもと たろう）。代表者のあなたは自動で加わります。"
        ),
    )

    def clean_name(self):
        return re.sub(r"\s+", " ", self.cleaned_data["name"].strip())

    def clean_name_kana(self):
        return clean_kana(self.cleaned_data["name_kana"])

    def clean_school_district(self):
        return self.cleaned_data["school_district"].strip()

    def clean_members(self):
        return parse_members(self.cleaned_data["members"])


class ResidentLookupForm(NamedRequiredMessages, forms.Form):
    """The counter's residency check: the address the person gives, while their ID is shown."""

    email = EmailField(
        label=_("利用者のメールアドレス"),
        max_length=254,
        help_text=_(
            "窓口で本人確認書類（運転免許証など）の住所を確かめてから、登録のメールアドレスで探します。"
        ),
    )


class ReviewForm(NamedRequiredMessages, forms.Form):
    decision = forms.ChoiceField(
        label=_("審査の結果"),
        choices=[("approve", _("承認する")), ("decline", _("承認しない（不承認）"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("不承認の理由"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("不承認のときは必ず入力してください。代表者へのメールに記載されます。"),
    )
    reason.required_when = _("不承認のときは必須")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "decline" and not cleaned.get("reason", "").strip():
            self.add_error(
                "reason", ValidationError(_("不承認の理由を入力してください。"), code="reason_required")
            )
        return cleaned


class TokenForm(NamedRequiredMessages, forms.Form):
    name = forms.CharField(
        label=_("トークンの名前"),
        max_length=100,
        required=False,
        help_text=_("何に使うかが分かる名前を付けてください。例：集計用スクリプト"),
    )


class PasswordResetForm(NamedRequiredMessages, auth_forms.PasswordResetForm):
    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        """Django writes the link; Machi's one mail path sends it (the holder's language, after commit, as a task)."""
        emails.send_password_reset(
            subject_template=subject_template_name,
            body_template=email_template_name,
            context=context,
            to=to_email,
        )


class EndsTokensOnSave:
    """A new password ends the person's API tokens too: a reset after a leak must shut out every credential."""

    def save(self, commit=True):
        with transaction.atomic():
            user = super().save(commit=commit)
            if commit:
                actions.revoke_tokens_on_new_password(actor=user, user=user)
        return user


class SetPasswordForm(EndsTokensOnSave, NamedRequiredMessages, auth_forms.SetPasswordForm):
    pass


class PasswordChangeForm(EndsTokensOnSave, NamedRequiredMessages, auth_forms.PasswordChangeForm):
    pass


def add_action_errors(form: forms.Form, error: ValidationError) -> None:
    """Attach a ValidationError raised by an action to the form: to its field where the form has one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
