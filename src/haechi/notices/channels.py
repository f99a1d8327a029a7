"""How notices reach platforms: one :class:`NoticeChannel` per way, by stable short name.

``email`` sends through the organisation's own mail server with :mod:`smtplib` (STARTTLS,
implicit TLS or, for a relay on the same machine, none), as a plain UTF-8 text message whose
only attachment is the notice's signed credential (:mod:`haechi.trust.notary`): a notice cites
evidence by SHA-256 and capture id and never carries the image.
``web-form`` is for platforms that only take reports through a form: nothing is sent, the
text is shown to paste, and a person marks the notice submitted.

A repeat notice answers the first one: its ``In-Reply-To`` names the first notice's
Message-ID and its ``References`` every earlier notice of the chain, oldest first, so the abuse
desk's mail or ticket system files it with the case it already has.
"""

from __future__ import annotations

import smtplib
import ssl
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from typing import TYPE_CHECKING

from haechi.notices.config import NoticeConfig, SmtpConfig, SmtpSecurity
from haechi.notices.errors import DeliveryError, NoticeError
from haechi.notices.model import Channel, Notice

if TYPE_CHECKING:
    from haechi.trust.notary import Notary, NoticeSeal


@dataclass(frozen=True)
class Delivery:
    """What a channel did: the Message-ID it sent, if it sent anything."""

    message_id: str | None


class NoticeChannel(ABC):
    """A way of delivering a notice to a platform."""

    name: Channel

    @abstractmethod
    def deliver(self, notice: Notice, sent_at: datetime, thread: Sequence[str] = ()) -> Delivery:
        """Deliver an approved notice now, once; ``thread`` holds the Message-IDs of the
        earlier notices it follows up, oldest first.

        Returns when the platform's side has accepted it (the mail server took the message);
        raises :class:`DeliveryError` when it did not, and then nothing must be marked sent.
        Not idempotent: calling it twice sends twice, so callers mark the notice sent first
        thing after it returns.
        """


def build_message(
    notice: Notice,
    config: NoticeConfig,
    sent_at: datetime,
    thread: Sequence[str] = (),
    seal: NoticeSeal | None = None,
) -> EmailMessage:
    """The e-mail of a notice: text body, headers naming the notice and the notices it
    follows up (``thread``: their Message-IDs, oldest first); with ``seal``, its signed
    credential attached as JSON and its verification code and link closing the text."""
    sender = config.sender()
    message = EmailMessage()
    body = notice.body + (seal.footer() if seal else "")
    message.set_content(body, charset="utf-8")  # first: it drops Content-* headers
    if seal is not None:  # before the headers too: it moves Content-* into the text part
        from haechi.trust.notary import document_bytes

        message.add_attachment(
            document_bytes(seal.document), "application", "json", filename=seal.filename
        )
    english_only = notice.language == "en"
    name = config.organisation_english if english_only else config.organisation
    message["From"] = formataddr((name, sender))
    message["To"] = notice.recipient
    if config.reply_to:
        message["Reply-To"] = config.reply_to
    message["Subject"] = notice.subject
    message["Date"] = format_datetime(sent_at)
    message["Message-ID"] = make_msgid(f"notice-{notice.id}", domain=sender.rpartition("@")[2])
    if thread:
        message["In-Reply-To"] = thread[0]
        message["References"] = " ".join(thread)
    message["Content-Language"] = notice.language
    message["X-Haechi-Notice"] = str(notice.id)
    message["X-Haechi-Text-SHA256"] = notice.text_sha256
    if seal is not None:
        message["X-Haechi-Verification-Code"] = seal.code
    return message


def _tls_context(smtp: SmtpConfig) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(smtp.ca_file) if smtp.ca_file else None)


def open_smtp(smtp: SmtpConfig) -> smtplib.SMTP:
    """A logged-in SMTP connection as configured; errors are :class:`DeliveryError`."""
    if not smtp.host:
        raise DeliveryError("no mail server: set HAECHI_SMTP_HOST (and port, user, password)")
    client: smtplib.SMTP | None = None
    try:
        if smtp.security is SmtpSecurity.SSL:
            client = smtplib.SMTP_SSL(
                smtp.host, smtp.port, timeout=smtp.timeout, context=_tls_context(smtp)
            )
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
            if smtp.security is SmtpSecurity.STARTTLS:
                client.starttls(context=_tls_context(smtp))
        if smtp.username:
            client.login(smtp.username, smtp.password or "")
    except (smtplib.SMTPException, OSError) as exc:
        if client is not None:
            client.close()
        raise DeliveryError(f"mail server {smtp.host}:{smtp.port}: {exc}") from None
    return client


class EmailChannel(NoticeChannel):
    """Sends notices by SMTP; see the module docstring."""

    name = Channel.EMAIL

    def __init__(
        self,
        config: NoticeConfig,
        connect: Callable[[SmtpConfig], smtplib.SMTP] = open_smtp,
        notary: Notary | None = None,
    ) -> None:
        self.config = config
        self.connect = connect
        self.notary = notary  # signs each notice (haechi.trust); None sends it unsigned

    def deliver(self, notice: Notice, sent_at: datetime, thread: Sequence[str] = ()) -> Delivery:
        seal = self.notary.seal_notice(notice, sent_at) if self.notary else None
        message = build_message(notice, self.config, sent_at, thread, seal)
        client = self.connect(self.config.smtp)
        try:
            refused = client.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"the mail server did not take notice {notice.id}: {exc}") from None
        finally:
            try:
                client.quit()
            except (smtplib.SMTPException, OSError):
                client.close()
        if refused:
            raise DeliveryError(f"the mail server refused {', '.join(refused)}")
        if self.notary is not None and seal is not None:
            self.notary.publish_notice(seal)
        return Delivery(str(message["Message-ID"]))


class WebFormChannel(NoticeChannel):
    """Platforms that take reports only through a web form: a person submits the text."""

    name = Channel.WEB_FORM

    def deliver(self, notice: Notice, sent_at: datetime, thread: Sequence[str] = ()) -> Delivery:
        raise NoticeError(
            f"notice {notice.id} goes through a web form: paste its text "
            f"(`haechi notices show {notice.id} --text`) into {notice.recipient}, then "
            f"`haechi notices mark {notice.id} submitted`"
        )


def channels(config: NoticeConfig, notary: Notary | None = None) -> dict[Channel, NoticeChannel]:
    """The channels by short name (each name once); ``notary`` signs e-mailed notices."""
    built: list[NoticeChannel] = [EmailChannel(config, notary=notary), WebFormChannel()]
    registry = {c.name: c for c in built}
    assert len(registry) == len(built), "channel names must be unique"
    return registry
