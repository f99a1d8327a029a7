"""Korean and English for the pages of the team server, chosen by Accept-Language.

Templates write ``_("English text")``; :data:`KOREAN` gives its Korean. Korean is the default:
the people this serves read it first. (A Babel catalogue replaces this table when the pages
grow; a test checks that every text in a template has its Korean here.)
"""

from __future__ import annotations

from collections.abc import Callable

LOCALES = ("ko", "en")
DEFAULT = "ko"

KOREAN: dict[str, str] = {
    "haechi": "해치",
    "Sign in": "로그인",
    "Sign out": "로그아웃",
    "Name": "이름",
    "Password": "비밀번호",
    "Password again": "비밀번호 확인",
    "Next": "다음",
    "Code": "코드",
    "Code from your authenticator app, or a recovery code":
        "인증 앱의 코드 또는 복구 코드",
    "Signed in as": "로그인한 사용자",
    "Role": "역할",
    "Status": "상태",
    "Home": "홈",
    "Your sessions": "내 세션",
    "Members": "구성원",
    "Audit log": "감사 기록",
    "Started": "시작",
    "Last seen": "마지막 활동",
    "Ends": "만료",
    "Address": "주소",
    "Browser": "브라우저",
    "This session": "현재 세션",
    "Revoke": "종료",
    "Invite a member": "구성원 초대",
    "Invitation link (shown once; valid until": "초대 링크 (한 번만 표시됨; 유효 기한",
    "Change role": "역할 변경",
    "Suspend": "정지",
    "Reinstate": "복귀",
    "Joined": "가입",
    "Kind": "종류",
    "Member": "구성원",
    "Filter": "필터",
    "Time": "시각",
    "Actor": "행위자",
    "Subject": "대상",
    "Detail": "세부",
    "Export CSV": "CSV 내보내기",
    "Export JSON": "JSON 내보내기",
    "Audit chain": "감사 체인",
    "intact": "온전함",
    "broken at row": "손상된 행",
    "Join the team": "팀 가입",
    "Choose a pseudonym and a password (at least 12 characters).":
        "가명과 비밀번호(12자 이상)를 정하세요.",
    "Join": "가입",
    "Welcome": "환영합니다",
    "Add this key to your authenticator app (scan the code or type the key):":
        "이 키를 인증 앱에 추가하세요 (코드를 스캔하거나 키를 입력하세요):",
    "Keep these recovery codes somewhere safe; each works once:":
        "이 복구 코드를 안전한 곳에 보관하세요. 각 코드는 한 번만 쓸 수 있습니다:",
    "Until an admin gives you a role, you are in probation.":
        "관리자가 역할을 부여할 때까지 수습 상태입니다.",
    "Please sign in first.": "먼저 로그인하세요.",
    "You may not see this page.": "이 페이지를 볼 권한이 없습니다.",
    "Not found.": "찾을 수 없습니다.",
    "The request came from another site and was refused.":
        "다른 사이트에서 온 요청이라 거부되었습니다.",
    "The form has expired; reload the page and try again.":
        "양식이 만료되었습니다. 페이지를 새로 고친 후 다시 시도하세요.",
    "The passwords differ.": "비밀번호가 서로 다릅니다.",
    "wrong name or password": "이름 또는 비밀번호가 틀렸습니다",
    "wrong or already used code": "틀렸거나 이미 사용한 코드입니다",
    "too many failed sign-ins; try again in 15 minutes":
        "로그인 실패가 너무 많습니다. 15분 후에 다시 시도하세요",
    "sign in again: the first step has expired": "첫 단계가 만료되었습니다. 다시 로그인하세요",
    "admin": "관리자",
    "analyst": "분석가",
    "reviewer": "검토자",
    "liaison": "연락 담당",
    "auditor": "감사자",
    "probation": "수습",
    "active": "활동",
    "suspended": "정지됨",
    "all": "전체",
}


def negotiate(accept_language: str | None) -> str:
    """The first of Korean or English the browser asks for (by quality), else Korean."""
    choices: list[tuple[float, int, str]] = []
    for index, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        language = tag.strip().lower().split("-")[0]
        if language in LOCALES and quality > 0:
            choices.append((-quality, index, language))
    return min(choices)[2] if choices else DEFAULT


def translator(locale: str) -> Callable[[str], str]:
    """The ``_`` of templates in ``locale``: English as written, Korean from the table."""
    if locale == "ko":
        return lambda text: KOREAN.get(text, text)
    return lambda text: text
