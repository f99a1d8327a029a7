"""Redacting HTML: text nodes, titles, captions and attributes, the markup left whole."""

from __future__ import annotations

from lxml import html as lxml_html

from haechi.redaction import Terms, html_text, redact_document, redact_html

SORA = Terms.of("강소라", ["010-5554-5678", "@sora.kang_"])
PAGE = (
    "<!DOCTYPE html><html><head><title>소라의 영상</title>"
    '<meta name="description" content="강소라 010-5554-5678">'
    "<style>@media (max-width: 600px) { p { color: red } }</style></head><body>"
    '<p class="post">소라가 올린 &lt;사진&gt; &amp; 소라게</p>'
    '<a href="https://instagram.com/sora.kang_" title="@sora.kang_">프로필</a>'
    '<figure><img src="a.jpg" alt="소라야"><figcaption>소라씨 사진</figcaption></figure>'
    "<!-- 소라 --></body></html>"
)


def test_text_attributes_title_and_captions_are_redacted_and_markup_kept() -> None:
    done = redact_html(PAGE, SORA)
    assert "소라" not in done.text.replace("소라게", "") and "5554" not in done.text
    assert "sora.kang_" not in done.text
    tree = lxml_html.document_fromstring(done.text)
    assert tree.findtext(".//title") == "[비공개]의 영상"
    assert tree.find(".//img").get("alt") == "[비공개]야"
    assert tree.find(".//a").get("href") == "https://instagram.com/[REDACTED]"
    assert tree.findtext(".//figcaption") == "[비공개]씨 사진"
    assert tree.find(".//p").text_content() == "[비공개]가 올린 <사진> & 소라게"
    assert "@media (max-width: 600px)" in done.text  # style sheets are not searched
    assert done.text.startswith("<!DOCTYPE html>")
    parts = done.statement.as_json()["parts"]
    assert parts["title"] == 1 and parts["caption"] == 1 and parts["attribute:alt"] == 1


def test_a_fragment_stays_a_fragment() -> None:
    done = redact_html("<b>소라가</b> 왔다 & <i>ok</i>", SORA)
    assert done.text == "<b>[비공개]가</b> 왔다 &amp; <i>ok</i>"


def test_documents_are_told_apart_and_bytes_decoded() -> None:
    assert redact_document("소라가 <3 you", SORA).text == "[비공개]가 <3 you"
    euc = "<html><head><meta charset='euc-kr'></head><body>소라야</body></html>".encode("cp949")
    assert "[비공개]야" in redact_document(euc, SORA).text


def test_the_plain_rendering_shows_title_text_and_alt() -> None:
    shown = html_text(redact_html(PAGE, SORA).text)
    assert shown.startswith("# [비공개]의 영상\n")
    assert "[alt: [비공개]야]" in shown and "@media" not in shown
