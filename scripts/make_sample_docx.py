"""Build the sample study's Word transcript, data/transcripts/fg4-managers.docx.

The transcript is typed in the style of a researcher's Word file: a title, a ``Date:`` line, then
one paragraph per turn as ``Name: text`` (the name in bold), with unlabelled paragraphs where a
speaker carries on. Fixed document properties and zip timestamps keep the file byte-for-byte
reproducible, so re-running the script leaves git clean.

Usage: python scripts/make_sample_docx.py [OUTPUT]
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import zipfile
from io import BytesIO
from pathlib import Path

from docx import Document

from fgkit.io import atomic_write_bytes

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = ROOT / "data" / "transcripts" / "fg4-managers.docx"
LABEL = re.compile(r"^(Joanne|Andrew|Funmi|Deborah|Raj): ")
FIXED_TIME = dt.datetime(2025, 3, 12, 16, 30, tzinfo=dt.timezone.utc)

TITLE = "Focus Group 4 \u2013 Team Managers"
HEADER = [
    "Date: 12 March 2025",
    "Recording typed by the research team. Speakers are shown by first name.",
]

TRANSCRIPT = """\
Joanne: Thanks for making the time, all of you. I know managers' diaries are even worse than practitioners'. This is the first of the manager groups, and we've already run a few with practitioners, so some of what I ask might echo what they said. As before, it's recorded, it'll be pseudonymised, and nobody will be named in anything we write. Shall we start with what the pressure looks like from where you sit?

Andrew: Where do you want me to start? [laughs] I suppose the honest version is that I spend most of my week moving the same shortage around. I've got eleven posts on the establishment and I've got, what, eight and a half people actually working. One long-term sick, one vacancy we've advertised three times, and one on a phased return.

So every week it's, where does the risk go. Not where does the work go, where does the risk go. That's what allocation actually is for me.

Funmi: That's exactly it. I'd put it the same way. You're not sharing out cases, you're sharing out risk, and you're trying not to put too much of it on one person, because if they go off, you lose all of it at once.

Deborah: And meanwhile there's the performance meeting on a Thursday where I'm asked why the reviews are at sixty-two percent.

Raj: Sixty-two? I'd take sixty-two.

Deborah: [laughs] Don't. It was fifty-eight last month.

Joanne: What's that pressure from above like?

Deborah: It's constant. And I understand it, to be fair, Deepak's got the same thing from the director, and the director's got it from the inspection framework. It's just that by the time it gets to me it's a number with no story attached.

And then I'm the one who has to turn it back into a story for the team, and the story is basically, I know you're exhausted, please do more.

Raj: I hate that conversation.

Deborah: Everyone hates that conversation.

Joanne: You mentioned vacancies, Andrew. How does the budget side shape what you can do?

Andrew: Massively. Agency workers cost us nearly double, so every week I've got one on, I'm asked when they're going. And I'm sat there thinking, they're holding eighteen cases, if they go tomorrow, where do those eighteen go?

Funmi: And you can't recruit, because the neighbouring authorities pay more, and the ones who do come are newly qualified and need protecting for their first year. Which is right. But protecting them means the experienced ones carry more.

Raj: My best worker left in January for a job with less money and no duty. She said to me, I just want to be able to sleep. What do you say to that?

Deborah: You say good luck and you mean it.

Raj: I did. I meant it. And then I went back to my desk and looked at her caseload and wanted to cry.

Andrew: I think the thing is, from above, a vacancy is a saving. From where we sit, it's a hole everyone else falls into.

Funmi: I'd love Deepak to sit in on one allocation meeting. Not to judge, just to see it. To see me looking at twelve names and five people.

Deborah: He'd be fine for the first ten minutes.

Andrew: I think the thing people outside don't see is that we were all practitioners. I know what it's like to get a case in your tray on a Friday afternoon. I used to swear about it. And now I'm the one putting it there.

Joanne: How do you decide who gets what?

Funmi: Experience, mostly. Knowing the team. Who's strong on mental capacity, who's good with families in conflict, who's got a court case coming up and can't take another big one. A lot of it's in my head.

Raj: Which is the problem, isn't it. If I'm off, nobody else knows any of that.

Funmi: Right. When I was on leave in the summer, Debs covered my team and she said it was like being handed a car with no dashboard.

Deborah: It was. No offence.

Funmi: None taken. It's true.

Joanne: Do you use the weighting tool?

Raj: We tried the four colours. Green two, Amber four, Red six, Purple eight. I actually think the idea's right. The problem is keeping it up to date. A case changes colour in a day, and nobody's updating a spreadsheet on a Wednesday night because somebody's mum fell.

Andrew: And it turned into a negotiation. Every case was Purple. I'm not criticising the team, I'd have done the same. If you think the points will protect you, you score high.

Deborah: I had one worker who scored everything Green because she didn't want to look like she was struggling. So then her total looked low and I almost gave her more.

Funmi: That's the bit that worries me. The quiet ones. The tool rewards the people who shout.

Raj: And the ones who don't shout burn out. I've seen it.

Joanne: So is allocation fair at the moment, in your teams?

Andrew: It's as fair as I can make it with what I've got. Which I know isn't the same as fair.

Funmi: I want it to be fair. I genuinely do. I just don't have the data to prove it is or it isn't. Someone says, she's got less than me, and I can't show them otherwise, because all I've got is a list of case numbers.

Raj: And case numbers lie. Twenty reviews isn't twenty safeguardings.

Deborah: I had a grievance about it last year. Nothing came of it, but it was, it was horrible. Because I couldn't actually evidence my thinking. I knew why I'd done what I'd done, but it was all judgement.

Joanne: Let's stay with judgement for a minute. What does good judgement look like in allocation, and in practice more widely?

Andrew: Context. Always context. I had a case last month, Mr Lindqvist, on paper a nothing case, a straightforward review. But I knew from the name that he'd been through us before, and I knew his son, and I knew it would blow up. So I gave it to my most experienced worker. A tool wouldn't have known that.

Funmi: Or it would have known it, but only if someone typed it in somewhere.

Andrew: Which they wouldn't have, because who has time?

Raj: I think practitioners' judgement is the thing we're most at risk of losing, actually. Not to AI, to pressure. When you're rushing, you stop thinking. You go for the safe-looking option. You do what the form says.

Deborah: Defensive practice.

Raj: Defensive practice. Exactly. And I don't blame them, because when it goes wrong, everyone asks why you didn't follow the process.

Joanne: How do you look after the emotional side, for your teams and for yourselves?

Funmi: Supervision, when it happens. I try really hard to protect it. But I'd be lying if I said I never cancelled.

Deborah: I cancelled two this week.

Andrew: I think managers carry a lot of guilt that doesn't get talked about. I know when I've given someone one too many. I can see it on their face in the team meeting. And I go home and I think about it. I just can't do anything about it.

Raj: And we're not meant to say that, are we. We're meant to be the calm one.

Andrew: Yeah.

Raj: I had a worker in tears in my office, and all I could think was, I've got a Red case on the list that's unallocated and she was the only one with any space. And I hated myself a bit for thinking it.

Joanne: Thank you for being honest about that.

Raj: It's fine. It's the job.

Joanne: Let's turn to AI and technology. Where do you think it could help, if anywhere?

Deborah: Honestly? A proper view of the team's work. Not AI necessarily, just a screen that shows me, here's everyone, here's what they're holding, here's how complex, here's what's overdue. If a bit of clever software can pull that together from the records, I'm interested.

Funmi: And case notes. My team spend hours writing up. If that could be halved, that's a day a week back for some of them.

Andrew: I'm a bit more cautious. I've been around long enough to see three systems that were going to save us time. Each one added clicks.

Raj: I'm curious about allocation support, but only support. Like, flag that someone's had a lot of new work. Flag that a case hasn't been seen. Don't make the decision.

Andrew: Agreed. And I'd worry about it learning our mistakes. If it's trained on how we've allocated, it'll learn that the quiet ones take more.

Funmi: Oh, that's a horrible thought. Automating the unfairness.

Deborah: With a nice dashboard on top.

Joanne: What about governance? Who'd be accountable?

Raj: Me, probably. That's what worries me. I'd be the one signing off an allocation a machine suggested, and if it went wrong it'd be my name.

Andrew: Which is right, in a way. A person should be accountable. But then the person has to really understand what the tool is doing, and have the time to disagree with it.

Deborah: And the data side. Everything we hold is sensitive. We'd need the DPIA done properly, the Caldicott guardian in the room from the start, and someone who can explain to a family in plain English what happens to their information.

Funmi: We had a data breach scare last year. A letter about a man at Oakfield Lodge went to the wrong address, NG11 7DP, when it should have gone to his daughter in West Bridgford. It was a typing error. Human, completely. But the amount of process afterwards. I can't imagine what it'd be like if a machine did it.

Andrew: Well, it'd be the same process. It just wouldn't be anyone's fault.

Funmi: That's what scares me.

Joanne: We're nearly done. Is there one thing you'd want the people designing these tools to hear?

Deborah: Talk to the practitioners first. Then talk to us. Then talk to the people we support. In that order.

Raj: Make it easy to say no to.

Andrew: Don't use it to justify cutting posts. Because that's what I think will happen. In May there's the budget round, and I'd put money on somebody saying, we've got the new tool now, do we need the vacancy.

Funmi: Trust. It's all trust. If the team don't trust it, it's dead, whatever it does.

Joanne: Thank you. That's been really valuable. We will pull this together with the practitioner groups and bring it back to you.

Andrew: Thanks, Joanne.

Deborah: Thanks, everyone.
"""


def build_document() -> Document:
    doc = Document()
    props = doc.core_properties
    props.author = "Research team"
    props.title = "Focus group 4 transcript"
    props.created = props.modified = FIXED_TIME
    props.last_modified_by = "Research team"
    props.revision = 1
    doc.add_heading(TITLE, level=1)
    for line in HEADER:
        doc.add_paragraph(line)
    for para in TRANSCRIPT.strip().split("\n\n"):
        match = LABEL.match(para)
        p = doc.add_paragraph()
        if match:
            p.add_run(match.group(0).rstrip()).bold = True
            p.add_run(" " + para[match.end():])
        else:
            p.add_run(para)
    return doc


def reproducible_bytes(doc: Document) -> bytes:
    """Re-pack the .docx with a fixed timestamp on every zip entry."""
    raw = BytesIO()
    doc.save(raw)
    out = BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=(2025, 3, 12, 16, 30, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


def main(argv: list[str]) -> int:
    output = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUTPUT
    atomic_write_bytes(output, reproducible_bytes(build_document()))
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
