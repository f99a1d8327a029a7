"""The client against a real server on 127.0.0.1: local hashing, matches, errors, feedback."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from haechi.banks.model import NewEntry
from haechi.client import HaechiClient, HaechiClientError
from haechi.hashing.media import hash_bytes
from haechi.hashing.signals import Signal, SignalKind
from haechi.members.model import Actor
from haechi.platform_api.sharing import share_bank
from haechi.store.banks import BankStore
from tests.platform_api.conftest import ApiServer, api_server, fill_banks, flip  # noqa: F401


def test_client_checks_an_upload_and_reports(api_server: ApiServer) -> None:  # noqa: F811
    photo = Image.fromarray((np.random.default_rng(8).random((40, 40, 3)) * 255).astype(np.uint8))
    data = io.BytesIO()
    photo.resize((320, 320), Image.Resampling.BICUBIC).save(data, "PNG")
    hashed = hash_bytes(data.getvalue())
    assert hashed.pdq is not None
    with api_server.app.state.db.session() as session:
        BankStore(session).create("b")
        BankStore(session).add_entries(
            "b", [NewEntry((Signal(SignalKind.PDQ, hashed.pdq.hex, 100),))]
        )
        share_bank(session, Actor.console(), "b", "SHARED")
    api_server.refreshed()
    with HaechiClient(api_server.url, api_server.key(), timeout=30) as haechi:
        turned = io.BytesIO()
        Image.open(io.BytesIO(data.getvalue())).transpose(Image.Transpose.ROTATE_180).save(
            turned, "PNG"
        )
        result = haechi.check_image(turned.getvalue())
        assert result.match and result.matches[0].bank == "SHARED"
        other = io.BytesIO()
        Image.new("RGB", (200, 200), (10, 200, 30)).save(other, "PNG")
        assert haechi.check_image(other.getvalue()).match is False
        state = haechi.feedback(result.matches[0].match_id, "confirmed", "pdq", hashed.pdq.hex)
        assert state == "recorded"
        with pytest.raises(HaechiClientError) as bad:
            haechi.lookup("pdq", ["nothex"])
        assert bad.value.status == 400
    with HaechiClient(api_server.url, "hk_wrong") as wrong, pytest.raises(HaechiClientError) as no:
        wrong.lookup("pdq", [flip(hashed.pdq.hex, 1)])
    assert no.value.status == 401
