"""The helpdesk's ingest corpus: BENCH_INGEST_MESSAGES (5,000) real-shaped
messages, written once as a Maildir under build/bench/ingest/, with a
manifest of what each message must become.

Shapes, in the way the clients of tests/modules/helpdesk/mail/ write them:
Gmail (multipart/alternative, quoted-printable), Outlook (base64 plain
text, Thread-Index), Apple Mail (format=flowed), windows-1252 with an
encoded-word subject, multipart/mixed with a PDF and an inline image.

What arrives, by share of the corpus:
- new: a new conversation (a new person, or a known contact with a new
  subject): one new ticket each;
- number: a reply quoting the ticket number in its subject ("Re: … [#N]");
  N is known only once the conversation's first message made its ticket,
  so the subject holds a token, `@@TICKET:<message-id>@@`, that the feeder
  replaces with that ticket's number just before it hands the message over
  (the customer read it in the acknowledgement);
- reply: a reply by In-Reply-To/References only (no number in the subject);
- seeded: a reply to an agent's reply in a seeded open ticket, by In-Reply-To;
- auto: an out-of-office answering a conversation (kept on its ticket, not answered);
- bounce: a DSN for a seeded agent reply (noted on that ticket, no new ticket);
- stray: a DSN for a message nobody here sent (nothing made);
- again: the same bytes as an earlier message, delivered again (taken once).
"""

from __future__ import annotations

import json
import mailbox
import random
import zlib
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, formataddr
from pathlib import Path

TEAM = "support@bench-desk.example"
SHARES = (("new", 0.36), ("number", 0.14), ("reply", 0.14), ("seeded", 0.10), ("auto", 0.10), ("bounce", 0.06),
          ("stray", 0.04), ("again", 0.06))
SUBJECTS = ("Receipt for my gift in {m}", "Direct debit date for {m}", "Tickets for the {m} quiz night",
            "Volunteer shift on {m} 12th", "Uniform order from {m}", "Change of address before {m}",
            "Gift Aid on my {m} donation", "Refund for the {m} trip", "Annual report for {m}")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
FIRST = ("Ann", "Bob", "Chloé", "Dev", "Émile", "Fatima", "Grace", "Hamid", "Inès", "Jon", "Kasia", "Liam",
         "Mona", "Noor", "Olu", "Pia", "Renée", "Sam", "Tomasz", "Uma")
LAST = ("Able", "Baker", "Chen", "Dubois", "Evans", "Fischer", "García", "Hughes", "Iqbal", "Jones", "Kowalski",
        "Müller", "Nowak", "O'Brien", "Patel", "Quinn", "Rossi", "Smith", "Taylor", "Wright")
BODIES = ("I gave £50 in November but my receipt says £5.00. Could you send a corrected one?",
          "Could you move my monthly gift to the 15th? My salary comes in later now.",
          "We booked two tickets but have not had a confirmation email yet.",
          "My daughter's class is going on the trip; is there still time to pay?",
          "Please update my address: 14 Mill Lane, Riverside. Thank you!",
          "Is there a copy of the annual report I could read before the meeting?")
FOLLOW = ("Sorry, I forgot to say: my supporter number is {n}.", "Any news on this? Thank you.",
          "Attached is the form you asked for.", "Thanks, that is perfect.", "I still have not had it, I'm afraid.")
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
       + b"% bench padding\n" * 900 + b"trailer<</Root 1 0 R>>\n%%EOF\n")
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def _tag(mid: str, digits: int) -> str:
    """A boundary part from the Message-ID, the same in every process."""
    return f"{zlib.crc32(mid.encode()) % 10**digits:0{digits}d}"


def _wrap64(data: bytes) -> str:
    import base64

    text = base64.b64encode(data).decode()
    return "\n".join(text[i:i + 76] for i in range(0, len(text), 76))


def _qp(text: str, charset: str = "utf-8") -> str:
    import quopri

    return quopri.encodestring(text.encode(charset)).decode("ascii")


def _head(frm: str, subject: str, at: datetime, mid: str, extra: str = "") -> str:
    return (f"From: {frm}\nTo: Supporter care <{TEAM}>\nSubject: {subject}\nDate: {format_datetime(at)}\n"
            f"Message-ID: <{mid}>\n{extra}MIME-Version: 1.0\n")


def _gmail(frm, subject, at, mid, text, extra=""):
    b = f"000000000000{_tag(mid, 12)}"
    html = "<div dir=\"ltr\">" + "".join(f"<div>{line or '<br>'}</div>" for line in text.split("\n")) + "</div>"
    return (_head(frm, subject, at, mid, extra) + f'Content-Type: multipart/alternative; boundary="{b}"\n\n'
            f'--{b}\nContent-Type: text/plain; charset="UTF-8"\nContent-Transfer-Encoding: quoted-printable\n\n'
            f"{_qp(text)}\n--{b}\nContent-Type: text/html; charset=\"UTF-8\"\n"
            f"Content-Transfer-Encoding: quoted-printable\n\n{_qp(html)}\n--{b}--\n").encode()


def _outlook(frm, subject, at, mid, text, extra=""):
    quoted = text + "\r\n\r\n________________________________\r\nFrom: Supporter care <" + TEAM + ">\r\n" \
        "Sent: earlier\r\nSubject: " + subject + "\r\n\r\nDear customer,\r\n\r\nThank you for writing.\r\n"
    return (_head(frm, subject, at, mid, extra + f"Thread-Topic: {subject}\nAccept-Language: en-GB, en-US\n")
            + 'Content-Type: text/plain; charset="utf-8"\nContent-Transfer-Encoding: base64\n\n'
            + _wrap64(quoted.encode()) + "\n").encode()


def _apple(frm, subject, at, mid, text, extra=""):
    return (_head(frm, subject, at, mid, extra) + 'Content-Type: text/plain; charset=utf-8; format=flowed\n'
            "Content-Transfer-Encoding: quoted-printable\n\n" + _qp(text + "\n\nSent from my iPhone") + "\n").encode()


def _cp1252(frm, subject, at, mid, text, extra=""):
    import email.header
    from email.utils import parseaddr

    base, number, tail = subject.partition(" [#")  # the number stays plain ASCII, after the encoded words
    encoded = email.header.Header(base + " – café €", "windows-1252").encode() + (f" [#{tail}" if number else "")
    name, address = parseaddr(frm)
    who = formataddr((str(email.header.make_header(email.header.decode_header(name))), address), "windows-1252")
    body = _qp(text + "\n\nMerci – Renée, café “Le Pré”", "windows-1252")
    return (_head(who, encoded, at, mid, extra)
            + 'Content-Type: text/plain; charset="windows-1252"\nContent-Transfer-Encoding: quoted-printable\n\n'
            + body + "\n").encode("ascii")


def _attached(frm, subject, at, mid, text, extra=""):
    b, r = f"Apple-Mail={_tag(mid, 8)}-mixed", f"Apple-Mail={_tag(mid, 8)}-rel"
    html = _qp('<p>' + text + '</p><p><img src="cid:logo@bench"></p>')
    return (_head(frm, subject, at, mid, extra) + f'Content-Type: multipart/mixed; boundary="{b}"\n\n'
            f'--{b}\nContent-Type: multipart/related; boundary="{r}"\n\n'
            f'--{r}\nContent-Type: text/html; charset="utf-8"\nContent-Transfer-Encoding: quoted-printable\n\n'
            f"{html}\n"
            f'--{r}\nContent-Type: image/png; name="logo.png"\nContent-Transfer-Encoding: base64\n'
            f"Content-ID: <logo@bench>\nContent-Disposition: inline; filename=\"logo.png\"\n\n{_wrap64(PNG)}\n"
            f"--{r}--\n\n--{b}\nContent-Type: application/pdf; name=\"form.pdf\"\n"
            f'Content-Disposition: attachment; filename="form.pdf"\nContent-Transfer-Encoding: base64\n\n'
            f"{_wrap64(PDF)}\n--{b}--\n").encode()


SHAPES = (_gmail, _outlook, _apple, _cp1252, _attached)


def _bounce(at, mid, original_id, to, subject, frm=TEAM):
    b = f"{_tag(mid, 9)}.bench/mx.bench-desk.example"
    return (f"Return-Path: <>\nFrom: Mail Delivery System <MAILER-DAEMON@mx.bench-desk.example>\nTo: {TEAM}\n"
            f"Subject: Undelivered Mail Returned to Sender\nDate: {format_datetime(at)}\nMessage-ID: <{mid}>\n"
            "Auto-Submitted: auto-replied\nMIME-Version: 1.0\n"
            f'Content-Type: multipart/report; report-type=delivery-status; boundary="{b}"\n\n'
            f"--{b}\nContent-Description: Notification\nContent-Type: text/plain; charset=us-ascii\n\n"
            f"<{to}>: host mx.example said: 550 5.1.1 User unknown\n\n"
            f"--{b}\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.bench-desk.example\n\n"
            f"Final-Recipient: rfc822; {to}\nAction: failed\nStatus: 5.1.1\n"
            f"Diagnostic-Code: smtp; 550 5.1.1 User unknown\n\n"
            f"--{b}\nContent-Type: text/rfc822-headers\n\nFrom: Supporter care <{frm}>\nTo: {to}\n"
            f"Subject: {subject}\nMessage-ID: <{original_id}>\n\n--{b}--\n").encode()


def _auto(frm, subject, at, mid, answering):
    return (_head(frm, f"Out of Office: {subject}", at, mid,
                  f"In-Reply-To: <{answering}>\nReferences: <{answering}>\nAuto-Submitted: auto-replied\n"
                  "X-Autoreply: yes\nPrecedence: bulk\n")
            + 'Content-Type: text/plain; charset="UTF-8"\n\nI am away until Monday with no access to email.\n').encode()


def _kind(rng: random.Random) -> str:
    roll, total = rng.random(), 0.0
    for kind, share in SHARES:
        total += share
        if roll < total:
            return kind
    return "new"


def write(folder: Path, count: int, seed: int, seeded: list[dict], contacts: list[list[str]]) -> dict:
    """Write `count` messages into the Maildir `folder` (made afresh) and
    return the manifest: [{"key", "kind", "id", "conversation"|"ticket_id"}]
    in delivery order (the Maildir's keys do not keep it).

    `seeded`: agent replies of open seeded tickets ({"message_id",
    "ticket_id", "to", "subject"}); `contacts`: [email, first, last] of
    existing contacts, who open some of the new conversations."""
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
    folder.parent.mkdir(parents=True, exist_ok=True)
    box = mailbox.Maildir(folder, create=True)
    rng = random.Random(f"steward-bench-ingest:{seed}")
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    conversations: list[dict] = []  # {"id", "from", "subject", "shape"}
    raws: list[bytes] = []
    manifest = []
    for i in range(count):
        at = start + timedelta(seconds=37 * i)
        mid = f"bench-{seed}-{i}@{('mail.gmail.com', 'outlook.example', 'icloud.example')[i % 3]}"
        kind = _kind(rng)
        if kind in ("number", "reply", "auto") and not conversations:
            kind = "new"
        if kind in ("seeded", "bounce") and not seeded:
            kind = "new"
        if kind == "again" and not raws:
            kind = "new"
        item = {"kind": kind, "id": mid}
        if kind == "new":
            if contacts and rng.random() < 0.3:
                email, first, last = rng.choice(contacts)
                frm = formataddr((f"{first} {last}".strip(), email), "utf-8")
            else:
                domain = rng.choice(("gmail", "outlook", "web"))
                frm = formataddr((f"{rng.choice(FIRST)} {rng.choice(LAST)}", f"person{i}@{domain}.example"), "utf-8")
            subject = rng.choice(SUBJECTS).format(m=rng.choice(MONTHS)) + f" (ref {seed}-{i})"
            shape = rng.choice(SHAPES)
            raw = shape(frm, subject, at, mid, rng.choice(BODIES))
            conversations.append({"id": mid, "from": frm, "subject": subject, "shape": shape})
            item["conversation"] = mid
        elif kind in ("number", "reply"):
            conv = rng.choice(conversations)
            text = rng.choice(FOLLOW).format(n=rng.randint(10000, 99999))
            if kind == "number":
                subject = f"Re: {conv['subject']} [#@@TICKET:{conv['id']}@@]"
                extra = ""
            else:
                subject = f"Re: {conv['subject']}"
                extra = f"In-Reply-To: <{conv['id']}>\nReferences: <{conv['id']}>\n"
            raw = conv["shape"](conv["from"], subject, at, mid, text, extra)
            item["conversation"] = conv["id"]
        elif kind == "auto":
            conv = rng.choice(conversations)
            raw = _auto(conv["from"], f"Re: {conv['subject']}", at, mid, conv["id"])
            item["conversation"] = conv["id"]
        elif kind == "seeded":
            ours = rng.choice(seeded)
            extra = f"In-Reply-To: <{ours['message_id']}>\nReferences: <{ours['message_id']}>\n"
            raw = rng.choice(SHAPES)(ours["to"], f"Re: {ours['subject']}", at, mid, rng.choice(FOLLOW).format(n=i),
                                     extra)
            item["ticket_id"] = ours["ticket_id"]
        elif kind == "bounce":
            ours = rng.choice(seeded)
            raw = _bounce(at, mid, ours["message_id"], ours["to"], ours["subject"])
            item["ticket_id"] = ours["ticket_id"]
        elif kind == "stray":
            raw = _bounce(at, mid, f"nobody-{i}@elsewhere.example", f"someone{i}@elsewhere.example", "Hello")
        else:  # again: an earlier message delivered a second time
            j = rng.randrange(len(raws))
            raw = raws[j]
            item["id"] = manifest[j]["id"]
            item["again_of"] = j
        raws.append(raw)
        item["key"] = box.add(mailbox.MaildirMessage(raw))
        manifest.append(item)
    kinds: dict[str, int] = {}
    for item in manifest:
        kinds[item["kind"]] = kinds.get(item["kind"], 0) + 1
    shape = {"messages": count, "kinds": kinds, "bytes": sum(len(r) for r in raws)}
    (folder / "manifest.json").write_text(json.dumps({"shape": shape, "messages": manifest}))
    return shape
