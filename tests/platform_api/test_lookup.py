"""Lookups over HTTP: matches from shared banks only, HMA's shapes, hostile input refused."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import numpy as np
from PIL import Image

from tests.platform_api.conftest import ApiServer, fill_banks, flip, random_hex


def test_single_batch_and_exact_lookups_answer_from_shared_banks_only(
    api_server: ApiServer,
) -> None:
    bank = fill_banks(api_server)
    http = api_server.client(api_server.key())
    near = flip(bank.pdq[3], 10)
    got = http.get("/api/v1/lookup", params={"signal_type": "pdq", "signal": near})
    assert got.status_code == 200, got.text
    answer = got.json()
    assert answer["match"] is True
    assert answer["matches"] == [
        {"match_id": bank.entries[3], "signal": "pdq", "distance": 10, "bank": "KR-NCII"}
    ]
    assert "set 1" not in got.text and "victims-seoul" not in got.text  # no label, no bank name
    private = http.get("/api/v1/lookup", params={"signal_type": "pdq", "signal": bank.private_pdq})
    assert private.json()["match"] is False  # the private bank is not shared
    far = http.get("/api/v1/lookup", params={"signal_type": "pdq", "signal": flip(bank.pdq[0], 40)})
    assert far.json()["matches"] == []
    md5 = http.get("/api/v1/lookup", params={"signal_type": "md5", "signal": bank.md5.upper()})
    assert md5.json()["matches"][0]["signal"] == "md5"

    signals = [*bank.pdq[:5], random_hex(np.random.default_rng(99))]
    batch = http.post("/api/v1/lookup/batch", json={"signal_type": "pdq", "signals": signals})
    assert batch.status_code == 200, batch.text
    assert [a["match"] for a in batch.json()["answers"]] == [True] * 5 + [False]

    from haechi.members.model import Actor
    from haechi.platform_api.sharing import stop_sharing

    with api_server.app.state.db.session() as session:
        stop_sharing(session, Actor.console(), "victims-seoul")
    api_server.refreshed()
    stopped = http.get("/api/v1/lookup", params={"signal_type": "pdq", "signal": bank.pdq[3]})
    assert stopped.json()["match"] is False  # sharing ended: platforms no longer match it


def test_dihedral_variants_on_request(api_server: ApiServer) -> None:
    photo = Image.fromarray(
        (np.random.default_rng(3).random((64, 64, 3)) * 255).astype(np.uint8)
    ).resize((256, 256), Image.Resampling.BICUBIC)
    from haechi.hashing.decode import pdq_pixels
    from haechi.hashing.pdq import pdq_of_pixels

    turned = pdq_of_pixels(pdq_pixels(np.asarray(photo.transpose(Image.Transpose.ROTATE_90))))
    original = pdq_of_pixels(pdq_pixels(np.asarray(photo)))
    from haechi.banks.model import NewEntry
    from haechi.hashing.signals import Signal, SignalKind
    from haechi.members.model import Actor
    from haechi.platform_api.sharing import share_bank
    from haechi.store.banks import BankStore
    from tests.platform_api.conftest import Bank  # noqa: F401

    with api_server.app.state.db.session() as session:
        BankStore(session).create("b")
        BankStore(session).add_entries(
            "b", [NewEntry((Signal(SignalKind.PDQ, original.hex, 100),))]
        )
        share_bank(session, Actor.console(), "b")
    api_server.refreshed()
    http = api_server.client(api_server.key())
    params = {"signal_type": "pdq", "signal": turned.hex}
    assert http.get("/api/v1/lookup", params=params).json()["match"] is False
    found = http.get("/api/v1/lookup", params={**params, "dihedral": "true"}).json()
    assert found["match"] is True and found["matches"][0]["variant"] != "original"

    # The largest batch in its eight variants (8,000 hashes searched) is answered in full, and
    # the worker's search queue keeps serving afterwards (it once hung on such a request).
    rng = np.random.default_rng(30)
    signals = [random_hex(rng) for _ in range(999)] + [turned.hex]
    body = {"signal_type": "pdq", "signals": signals, "dihedral": True}
    big = http.post("/api/v1/lookup/batch", json=body)
    assert big.status_code == 200, big.text
    answers = big.json()["answers"]
    assert len(answers) == 1000 and answers[-1]["match"] is True
    assert sum(a["match"] for a in answers[:-1]) == 0
    assert http.get("/api/v1/lookup", params={**params, "dihedral": "true"}).json()["match"]


def test_hma_compatible_shapes(api_server: ApiServer) -> None:
    bank = fill_banks(api_server)
    http = api_server.client(api_server.key())
    got = http.get("/m/lookup", params={"signal_type": "pdq", "signal": flip(bank.pdq[1], 4)})
    assert got.status_code == 200, got.text
    # HMA's TMatchByBank: {bank: [{"bank_content_id": int, "distance": str}]}
    assert got.json() == {"KR-NCII": [{"bank_content_id": bank.entries[1], "distance": "4"}]}
    none = http.get(
        "/m/lookup", params={"signal_type": "pdq", "signal": random_hex(np.random.default_rng(5))}
    )
    assert none.json() == {}
    bad = http.get("/m/lookup", params={"signal_type": "tlsh", "signal": "00"})
    assert bad.status_code == 400 and "message" in bad.json()
    image = io.BytesIO()
    Image.new("RGB", (64, 64), (120, 30, 200)).save(image, "PNG")
    posted = http.post("/m/lookup", files={"photo": ("a.png", image.getvalue(), "image/png")})
    assert posted.status_code == 200, posted.text
    assert posted.json() == {"pdq": {}}


def test_hostile_input_gets_clear_4xx(api_server: ApiServer) -> None:
    fill_banks(api_server)
    http = api_server.client(api_server.key(daily_quota=10**9, rate_per_second=10_000))
    cases = {
        "zz" * 32: 400,  # not hex
        "ab" * 31: 400,  # wrong length
    }
    for signal, status in cases.items():
        got = http.get("/api/v1/lookup", params={"signal_type": "pdq", "signal": signal})
        assert got.status_code == status and got.json()["detail"], got.text
    unknown = http.get("/api/v1/lookup", params={"signal_type": "sift", "signal": "ab" * 32})
    assert unknown.status_code == 400
    huge = http.post(
        "/api/v1/lookup/batch", json={"signal_type": "pdq", "signals": ["ab" * 32] * 1001}
    )
    assert huge.status_code == 413 and "1000" in huge.json()["detail"]
    bomb = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(bomb, "PNG")  # 50 KB that would be 400 MP
    assert len(bomb.getvalue()) < 200_000
    got = http.post("/api/v1/lookup/image", content=bomb.getvalue())
    assert got.status_code == 413 and "pixels" in got.json()["detail"], got.text
    junk = http.post("/api/v1/lookup/image", content=b"not an image at all")
    assert junk.status_code == 422
    too_big = http.post("/api/v1/lookup/image", content=b"\0" * (21 * 1024 * 1024))
    assert too_big.status_code == 413


def test_upload_is_hashed_and_matched(api_server: ApiServer) -> None:
    photo = Image.fromarray((np.random.default_rng(4).random((48, 48, 3)) * 255).astype(np.uint8))
    photo = photo.resize((300, 300), Image.Resampling.BICUBIC)
    data = io.BytesIO()
    photo.save(data, "PNG")
    from haechi.hashing.media import hash_bytes

    hashed = hash_bytes(data.getvalue())
    from haechi.banks.model import NewEntry
    from haechi.hashing.signals import Signal, SignalKind
    from haechi.members.model import Actor
    from haechi.platform_api.sharing import share_bank
    from haechi.store.banks import BankStore

    assert hashed.pdq is not None
    with api_server.app.state.db.session() as session:
        BankStore(session).create("b")
        BankStore(session).add_entries(
            "b", [NewEntry((Signal(SignalKind.PDQ, hashed.pdq.hex, 100),))]
        )
        share_bank(session, Actor.console(), "b")
    api_server.refreshed()
    http = api_server.client(api_server.key())
    got = http.post("/api/v1/lookup/image", content=data.getvalue())
    assert got.status_code == 200, got.text
    assert got.json()["match"] is True


def test_hma_vpdq_lookup_takes_hma_vpdq_value(api_server: ApiServer) -> None:
    from haechi.banks.model import NewEntry
    from haechi.hashing.signals import PdqHash, Signal
    from haechi.hashing.video_format import FrameHash, VideoSignature
    from haechi.members.model import Actor
    from haechi.platform_api.sharing import share_bank
    from haechi.store.banks import BankStore

    rng = np.random.default_rng(11)
    frames = [random_hex(rng) for _ in range(10)]
    video = VideoSignature.of(
        FrameHash(k, float(k), PdqHash.from_hex(h, 100)) for k, h in enumerate(frames)
    )
    with api_server.app.state.db.session() as session:
        BankStore(session).create("videos")
        [entry] = BankStore(session).add_entries("videos", [NewEntry((Signal.of_video(video),))])
        share_bank(session, Actor.console(), "videos", "KR-VIDEO")
    api_server.refreshed()
    http = api_server.client(api_server.key())
    # A clip of eight of its seconds, re-encoded (a few bits off), with one dark frame that
    # HMA's index would drop too (quality under the floor), as HMA's client sends it.
    clip = [f"{flip(h, 3)},100,{k:.3f}" for k, h in enumerate(frames[2:])]
    clip.append(f"{random_hex(rng)},0,8.000")
    got = http.get("/m/lookup", params={"signal_type": "vpdq", "signal": json.dumps(clip)})
    assert got.status_code == 200, got.text
    assert got.json() == {"KR-VIDEO": [{"bank_content_id": entry.id, "distance": "100%[80%]"}]}
    other = [f"{random_hex(rng)},100,{k}.0" for k in range(5)]
    none = http.get("/m/lookup", params={"signal_type": "vpdq", "signal": json.dumps(other)})
    assert none.json() == {}
    for bad in ("not json", json.dumps(["abc,100,0.0"]), json.dumps([f"{frames[0]},101,0"])):
        refused = http.get("/m/lookup", params={"signal_type": "vpdq", "signal": bad})
        assert refused.status_code == 400 and refused.json()["message"], refused.text


def test_sha256_video_frames_and_hma_video_upload(api_server: ApiServer) -> None:
    import hashlib

    from haechi.banks.model import NewEntry
    from haechi.hashing.signals import PdqHash, Signal, SignalKind
    from haechi.hashing.video_format import FrameHash, VideoSignature
    from haechi.members.model import Actor
    from haechi.platform_api.sharing import share_bank
    from haechi.store.banks import BankStore

    rng = np.random.default_rng(12)
    frames = [random_hex(rng) for _ in range(10)]
    video = VideoSignature.of(
        FrameHash(k, float(k), PdqHash.from_hex(h, 100)) for k, h in enumerate(frames)
    )
    clip_bytes = b"\x00\x00\x00\x18ftypmp42 a registered video file"
    sha = hashlib.sha256(b"a registered file").hexdigest()
    with api_server.app.state.db.session() as session:
        store = BankStore(session)
        store.create("media")
        video_entry, sha_entry, md5_entry = store.add_entries(
            "media",
            [
                NewEntry((Signal.of_video(video),), label="clip of X"),
                NewEntry((Signal(SignalKind.SHA256, sha),)),
                NewEntry((Signal(SignalKind.MD5, hashlib.md5(clip_bytes).hexdigest()),)),
            ],
        )
        share_bank(session, Actor.console(), "media", "KR-MEDIA")
    api_server.refreshed()
    http = api_server.client(api_server.key())

    got = http.get("/api/v1/lookup", params={"signal_type": "sha256", "signal": sha})
    assert got.json()["matches"] == [
        {"match_id": sha_entry.id, "signal": "sha256", "distance": 0, "bank": "KR-MEDIA"}
    ]
    clip = [flip(h, 2) for h in frames[3:]]  # seven of its ten frames, re-encoded
    found = http.post("/api/v1/lookup/video", json={"frames": clip})
    assert found.status_code == 200, found.text
    [match] = found.json()["matches"]
    assert found.json()["match"] is True and "clip of X" not in found.text
    assert (match["match_id"], match["signal"], match["bank"]) == (
        video_entry.id,
        "vpdq",
        "KR-MEDIA",
    )
    assert (match["frames_matched"], match["query_share"], match["bank_share"]) == (7, 1.0, 0.7)
    other = http.post("/api/v1/lookup/video", json={"frames": [random_hex(rng)]})
    assert other.json() == {"match": False, "matches": []}
    assert http.post("/api/v1/lookup/video", json={"frames": ["xy" * 32]}).status_code == 400
    many = http.post("/api/v1/lookup/video", json={"frames": [frames[0]] * 20_001})
    assert many.status_code == 413

    # HMA's POST /m/lookup names the file's content type: a video answers its video_md5.
    posted = http.post("/m/lookup", files={"video": ("v.mp4", clip_bytes, "video/mp4")})
    assert posted.status_code == 200, posted.text
    assert posted.json() == {
        "video_md5": {"KR-MEDIA": [{"bank_content_id": md5_entry.id, "distance": "0"}]}
    }
    two = http.post(
        "/m/lookup", files=[("photo", ("a.png", b"1", "image/png")), ("photo", ("b.png", b"2"))]
    )
    assert two.status_code == 400 and two.json()["message"] == "Only one file allowed per request"
    odd = http.post("/m/lookup", files={"text": ("a.txt", b"hello", "text/plain")})
    assert odd.status_code == 400 and "content_type" in odd.json()["message"]


def test_huge_bodies_are_refused_before_they_are_held(api_server: ApiServer) -> None:
    fill_banks(api_server)
    http = api_server.client(api_server.key())
    # 50,000 hashes: a 3.4 MB body, refused on its declared length and when sent in chunks.
    body = json.dumps({"signal_type": "pdq", "signals": ["ab" * 32] * 50_000}).encode()
    declared = http.post(
        "/api/v1/lookup/batch", content=body, headers={"Content-Type": "application/json"}
    )
    assert declared.status_code == 413 and "at most" in declared.json()["detail"]

    def chunks() -> Iterator[bytes]:
        for k in range(0, len(body), 65536):
            yield body[k : k + 65536]

    streamed = http.post(
        "/api/v1/lookup/batch", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert streamed.status_code == 413 and "at most" in streamed.json()["detail"]
    ok = http.post("/api/v1/lookup/batch", json={"signal_type": "pdq", "signals": ["ab" * 32]})
    assert ok.status_code == 200  # the server still answers


def test_a_key_never_reaches_the_lists(api_server: ApiServer) -> None:
    """The bank's list is never served to a platform: a key opens the lookup routes only, and
    every team route that lists or exports entries wants a member's session."""
    from haechi.web.permissions import KEY_PATHS

    fill_banks(api_server)
    key = api_server.key()
    http = api_server.client(key)
    for path in (
        "/api/v1/banks",
        "/api/v1/banks/victims-seoul/entries",
        "/api/v1/banks/victims-seoul/export",
        "/api/v1/platform-api/keys",
    ):
        for headers in ({"Authorization": f"Bearer {key}"}, {"X-API-Key": key}):
            got = http.get(path, headers=headers)
            assert got.status_code in (401, 403), (path, got.status_code)
            assert "KR-NCII" not in got.text and "set 1" not in got.text
    assert {
        "/api/v1/lookup",
        "/api/v1/lookup/batch",
        "/api/v1/lookup/video",
        "/api/v1/lookup/image",
        "/api/v1/feedback",
        "/m/lookup",
    } == KEY_PATHS
