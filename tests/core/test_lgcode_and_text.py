import pytest

from machi.core import lgcode
from machi.core.text import clean_display, name_key, normalize


@pytest.mark.parametrize(
    "code", ["431001", "431010", "431028", "431036", "431044", "431052", "131016", "011002", "271004"]
)
def test_real_local_government_codes_check_out(code):
    assert lgcode.is_valid(code)
    assert lgcode.validate(code) == code


def test_it_names_the_right_check_digit_when_it_is_wrong():
    with pytest.raises(ValueError, match="431010"):
        lgcode.validate("431011")
    with pytest.raises(ValueError, match="検査数字がありません"):
        lgcode.validate("43101")
    with pytest.raises(ValueError, match="6桁"):
        lgcode.validate("43-101")


def test_normalisation_folds_full_width_and_line_breaks():
    assert normalize("ＩＣＴ　推進\n事業") == "ICT 推進 事業"
    assert name_key("中央区地域ＩＣＴ推進拠点事\n業") == name_key("中央区地域ICT推進拠点事業")
    assert name_key("地域コミュニティセンターの デジタル化") == name_key(
        "地域コミュニティセンターのデジタル化"
    )


def test_display_text_joins_japanese_lines_without_spaces():
    assert clean_display("企業資源活用によるまちづく\nり事業") == "企業資源活用によるまちづくり事業"
    assert clean_display("Machi\nledger") == "Machi ledger"
