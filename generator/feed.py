"""The Atom feed and the sitemap: XML built with ElementTree, so every value is escaped."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape as xml_escape
from collections.abc import Sequence
from dataclasses import dataclass

ATOM = "http://www.w3.org/2005/Atom"


@dataclass(frozen=True)
class FeedItem:
    url: str  # relative to the site root
    key: str
    title: str
    day: dt.date
    html: str


def _stamp(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def atom_feed(title: str, items: Sequence[FeedItem], *, generator_version: str) -> bytes:
    """Atom 1.0 with relative links (readers resolve them against the feed's own address)."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}title").text = title
    ET.SubElement(feed, f"{{{ATOM}}}id").text = f"urn:tetrad:{title}"
    ET.SubElement(feed, f"{{{ATOM}}}link", href="index.html")
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = _stamp(max((i.day for i in items), default=dt.date(1970, 1, 1)))
    ET.SubElement(feed, f"{{{ATOM}}}generator", version=generator_version).text = "tetrad"
    for item in items:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}title").text = item.title
        ET.SubElement(entry, f"{{{ATOM}}}id").text = f"urn:tetrad:entry:{item.key}"
        ET.SubElement(entry, f"{{{ATOM}}}link", href=item.url)
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = _stamp(item.day)
        ET.SubElement(ET.SubElement(entry, f"{{{ATOM}}}author"), f"{{{ATOM}}}name").text = title
        ET.SubElement(entry, f"{{{ATOM}}}content", type="html").text = item.html
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"


SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def sitemap(urls: Sequence[str]) -> bytes:
    """A sitemap of the site's pages, by their paths relative to the site root.

    Written as text (it lists every page, and ElementTree takes long over thousands): the same
    bytes ``ElementTree.tostring`` gives for the same tree.
    """
    if not urls:
        return f"<?xml version='1.0' encoding='utf-8'?>\n<urlset xmlns=\"{SITEMAP_NS}\" />\n".encode("utf-8")
    items = "".join(f"<url><loc>{xml_escape(url)}</loc></url>" for url in sorted(urls))
    return f"<?xml version='1.0' encoding='utf-8'?>\n<urlset xmlns=\"{SITEMAP_NS}\">{items}</urlset>\n".encode("utf-8")
