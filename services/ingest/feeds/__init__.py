"""RSS and Atom feeds: fetched with conditional GET, read with feedparser, taken in item by item."""
