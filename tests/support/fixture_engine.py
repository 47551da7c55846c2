"""A test engine with English written by hand for the test fixtures' German segments.

Configured by import path (`SYNDIKAT_ENGINE=tests.support.fixture_engine:FixtureEngine`), which
also exercises how a newsroom plugs in its own engine. Unknown text is an engine failure: a test
never gets German back labelled as English.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Self

from services.translate.engines import EngineError
from services.translate.engines.instant import InstantEngine

#: German units (sentences in marker text, see services.translate.markup) -> English.
ENGLISH = {
    # tests/fixtures/de-rathaus.json
    "Das Rathaus bleibt am Montag geschlossen": "The town hall stays closed on Monday",
    "Die Stadt renoviert den Ratssaal.": "The city is renovating the council chamber.",
    "Das Rathaus bleibt am Montag geschlossen.": "The town hall stays closed on Monday.",
    "Die Bürgerämter öffnen am Dienstag um 8 Uhr.": (
        "The citizens' offices open on Tuesday at 8 a.m."
    ),
    # tests/support/pictures.py: a picture's headline, caption and alt text
    "Rathaus Bremen": "Bremen town hall",
    "Das Rathaus von Bremen am Sonntagmorgen.": "Bremen's town hall on Sunday morning.",
    "Das Rathaus mit einem Gerüst": "The town hall with scaffolding",
    # tests/fixtures/de-stadion.json; German quotes are left in, as engines do: house style
    # turns them into English ones.
    "Stadtrat stimmt für neues Stadion": "City council votes for new stadium",
    "Der Bau soll 1,15 Milliarden Euro kosten.": "Construction is to cost 1.15 billion euros.",
    "Baubeginn ist im Herbst.": "Work starts in the autumn.",
    "Der Stadtrat hat am Dienstag mit 31:12 Stimmen für das neue Stadion gestimmt.": (
        "On Tuesday the city council voted 31:12 for the new stadium."
    ),
    "Oberbürgermeisterin Katrin Albers sprach von einem „historischen Tag“.": (
        "Lord Mayor Katrin Albers spoke of a „historic day“."
    ),
    # ... the same sentence with the glossary's placeholders (Oberbürgermeisterin, Katrin Albers)
    "<x1/> <x2/> sprach von einem „historischen Tag“.": "<x1/> <x2/> spoke of a „historic day“.",
    "Jeder Sitzplatz kostet die Stadt 25.781,40 Euro.": (
        "Each seat costs the city 25,781.40 euros."
    ),
    "Alle Zahlen stehen im <g1>Bauplan der Stadt</g1>, z. B. die Kosten für das Dach.": (
        "All figures are in the <g1>city's construction plan</g1>, e.g. the cost of the roof."
    ),
    "Baubeginn im Herbst": "Work starts in the autumn",
    "Baubeginn: 1. Oktober 2027": "Start of work: October 1, 2027",
    "<g1>Sitzplätze:</g1> 21.400": "<g1>Seats:</g1> 21,400",
    # ... its version 2 changes one sentence and adds a paragraph
    "Baubeginn ist im Oktober.": "Work starts in October.",
    "Die Opposition kündigte Widerstand an.": "The opposition announced resistance.",
    # tests/fixtures/wire/02-werft-bilanz.json
    "Weserwerft verdoppelt Auftragsbestand": "Weserwerft doubles its order book",
    "Umsatz steigt auf 1,38 Milliarden Euro": "Revenue rises to 1.38 billion euros",
    "Die Bremer Weserwerft hat so viele Aufträge wie nie zuvor.": (
        "The Bremen shipyard Weserwerft has more orders than ever before."
    ),
    "Die Aktie stieg am Morgen deutlich.": "The share rose sharply in the morning.",
    "Die Weserwerft AG hat ihren Auftragsbestand im dritten Quartal auf 6,2 Milliarden Euro "
    "verdoppelt.": (
        "Weserwerft AG doubled its order book to 6.2 billion euros in the third quarter."
    ),
    "Der Umsatz stieg in den ersten neun Monaten um 8,9 Prozent auf 1,38 Milliarden Euro, wie das "
    "Unternehmen am Freitag in Bremen mitteilte.": (
        "Revenue rose by 8.9 percent to 1.38 billion euros in the first nine months, the company "
        "said in Bremen on Friday."
    ),
    "Finanzvorstand Malte Rosendahl sprach von einem „außergewöhnlich starken Quartal“.": (
        "Chief financial officer Malte Rosendahl spoke of an „exceptionally strong quarter“."
    ),
    "Für das Gesamtjahr erwartet die Werft ein Ergebnis zwischen 95 und 110 Mio. Euro.": (
        "For the full year the shipyard expects earnings of between 95 and 110 million euros."
    ),
    "Die Aktie gewann bis 09:30 Uhr 5,4 Prozent auf 27,85 Euro.": (
        "By 9:30 a.m. the share had gained 5.4 percent to 27.85 euros."
    ),
    "Der SDax lag zur gleichen Zeit bei 14.512,30 Punkten.": (
        "At the same time the SDax stood at 14,512.30 points."
    ),
    "Auftragsbestand: 6,2 Mrd. Euro (Vorjahr: 3,1 Mrd. Euro)": (
        "Order book: 6.2 billion euros (previous year: 3.1 billion euros)"
    ),
    "Umsatz: 1,38 Mrd. Euro": "Revenue: 1.38 billion euros",
    "Beschäftigte: 5.870 (+320)": "Employees: 5,870 (+320)",
    # tests/fixtures/wire/03-handball-finale.json
    "Last-Second-Tor: HSG Marschland holt den Pokal": (
        "Last-second goal: HSG Marschland win the cup"
    ),
    "Mit der Schlusssirene traf Rechtsaußen Jonas Tiedemann zum 29:28.": (
        "Right winger Jonas Tiedemann scored the 29:28 on the final buzzer."
    ),
    "Es ist der erste Titel des Vereins.": "It is the club's first title.",
    "Die HSG Marschland hat zum ersten Mal den Landespokal gewonnen.": (
        "HSG Marschland have won the state cup for the first time."
    ),
    "Die Mannschaft von Trainerin Birte Ohlsen besiegte am Sonntag vor 6.400 Zuschauern den "
    "<g1>TV Geestland</g1> mit 29:28.": (
        "Coach Birte Ohlsen's team beat <g1>TV Geestland</g1> 29:28 in front of 6,400 spectators "
        "on Sunday."
    ),
    "Zur Pause hatte Marschland noch mit 12:15 zurückgelegen.": (
        "At half-time Marschland had still been trailing 12:15."
    ),
    "Den entscheidenden Treffer erzielte <g1>Jonas Tiedemann</g1> mit der Schlusssirene.": (
        "<g1>Jonas Tiedemann</g1> scored the decisive goal on the final buzzer."
    ),
    "„Ich habe gar nicht mehr auf die Uhr geschaut“, sagte der 21-Jährige.": (
        "„I didn't even look at the clock any more“, the 21-year-old said."
    ),
    "„Diese Mannschaft hat nie aufgehört, an sich zu glauben.“": (
        "„This team never stopped believing in itself.“"
    ),
    "In der Liga trifft Marschland am kommenden Samstag um 19.30 Uhr auf den Tabellenführer "
    "<g1>SC Deichtor</g1>, der seine letzten sieben Spiele gewonnen hat.": (
        "In the league Marschland meet the leaders <g1>SC Deichtor</g1>, who have won their last "
        "seven games, next Saturday at 7.30 p.m."
    ),
    # The sample corpus beside the checkout (../shared/corpus/wire), an extra check where it is
    # present: 01-rutte-nato v2, the sentences version 2 adds or changes
    "Rutte kann sich auf weitere prominente Unterstützer freuen, darunter mehrere "
    "osteuropäische Regierungen.": (
        "Rutte can count on further prominent supporters, including several Eastern European "
        "governments."
    ),
    # ../shared/corpus/wire/02-nordhafen-zahlen.json
    "Nordhafen Logistik steigert Umsatz um 12,4 Prozent": (
        "Nordhafen Logistik increases revenue by 12.4 percent"
    ),
    "Dividende soll auf 1,10 Euro je Aktie steigen": "Dividend to rise to 1.10 euros per share",
    "Der Hamburger Logistikkonzern Nordhafen hat im vergangenen Geschäftsjahr deutlich mehr "
    "umgesetzt.": (
        "The Hamburg logistics group Nordhafen had significantly higher revenue last year."
    ),
    "Die Aktie legte im frühen Handel zu.": "The share rose in early trading.",
    "Die Nordhafen Logistik AG hat im Geschäftsjahr 2023 einen Umsatz von 4,82 Milliarden Euro "
    "erzielt – ein Plus von 12,4 Prozent gegenüber dem Vorjahr.": (
        "Nordhafen Logistik AG achieved revenue of 4.82 billion euros in the 2023 financial year, "
        "an increase of 12.4 percent on the previous year."
    ),
    "Das bereinigte Ergebnis vor Zinsen und Steuern (Ebit) stieg auf 317,5 Millionen Euro, wie "
    "das im MDax notierte Unternehmen am Freitag in Hamburg mitteilte.": (
        "Adjusted earnings before interest and taxes (Ebit) rose to 317.5 million euros, the "
        "MDax-listed company said in Hamburg on Friday."
    ),
    "Vorstandschefin Katrin Albers sprach von einem „Rekordjahr trotz schwieriger "
    "Rahmenbedingungen“.": (
        "Chief executive Katrin Albers spoke of a „record year despite difficult conditions“."
    ),
    "Für 2024 rechnet der Konzern mit einem Umsatz zwischen 5,0 und 5,3 Mrd. Euro.": (
        "For 2024 the group expects revenue of between 5.0 and 5.3 billion euros."
    ),
    "Die Dividende soll von 0,85 Euro auf 1,10 Euro je Aktie steigen.": (
        "The dividend is to rise from 0.85 euros to 1.10 euros per share."
    ),
    "An der Börse kam die Nachricht gut an: Die Aktie gewann bis 09:15 Uhr 3,7 Prozent auf "
    "48,26 Euro.": (
        "The stock market welcomed the news: by 9:15 a.m. the share had gained 3.7 percent to "
        "48.26 euros."
    ),
    "Der MDax lag zur gleichen Zeit bei 25.781,40 Punkten und damit 0,3 Prozent im Plus.": (
        "At the same time the MDax stood at 25,781.40 points, up 0.3 percent."
    ),
    "Umsatz: 4,82 Mrd. Euro (Vorjahr: 4,29 Mrd. Euro)": (
        "Revenue: 4.82 billion euros (previous year: 4.29 billion euros)"
    ),
    "Ebit bereinigt: 317,5 Mio. Euro": "Adjusted Ebit: 317.5 million euros",
    "Mitarbeiter: 21.400 (+1.150)": "Employees: 21,400 (+1,150)",
    # ../shared/corpus/wire/03-pokal-halbfinale.json
    "Elfmeterkrimi: Eintracht Nordstadt zieht ins Pokalfinale ein": (
        "Penalty thriller: Eintracht Nordstadt reach the cup final"
    ),
    "Nach 120 torlosen Minuten entschied das Elfmeterschießen das Halbfinale.": (
        "After 120 goalless minutes, a penalty shoot-out decided the semi-final."
    ),
    "Torwart Lukas Brandt wurde zum Matchwinner.": (
        "Goalkeeper Lukas Brandt became the match winner."
    ),
    "Eintracht Nordstadt steht zum ersten Mal seit 1998 im Finale des Landespokals.": (
        "Eintracht Nordstadt are in the final of the state cup for the first time since 1998."
    ),
    "Die Mannschaft von Trainer Jörg Weidmann setzte sich am Samstagabend vor 41.250 Zuschauern "
    "mit 5:4 im Elfmeterschießen gegen den <g1>SV Südhafen</g1> durch.": (
        "Coach Jörg Weidmann's team beat <g1>SV Südhafen</g1> 5:4 on penalties in front of 41,250 "
        "spectators on Saturday evening."
    ),
    "Nach regulärer Spielzeit und Verlängerung hatte es 0:0 gestanden.": (
        "After regular time and extra time the score had been 0:0."
    ),
    "Held des Abends war Torwart <g1>Lukas Brandt</g1>, der zwei Elfmeter parierte.": (
        "The hero of the evening was goalkeeper <g1>Lukas Brandt</g1>, who saved two penalties."
    ),
    "„Ich habe mich einfach auf mein Bauchgefühl verlassen“, sagte der 23-Jährige nach dem "
    "Spiel.": "„I simply trusted my gut feeling“, the 23-year-old said after the match.",
    "„Diese Mannschaft hat heute gezeigt, dass sie nie aufgibt.“": (
        "„This team showed today that it never gives up.“"
    ),
    "Das Finale findet am 25. Mai um 20.45 Uhr im Olympiastadion statt.": (
        "The final will take place on May 25 at 8.45 p.m. in the Olympic Stadium."
    ),
    "Gegner ist der Titelverteidiger <g1>FC Rheinufer</g1>, der sein Halbfinale am Mittwoch mit "
    "3:1 gewonnen hatte.": (
        "Their opponents are the holders <g1>FC Rheinufer</g1>, who won their semi-final 3:1 on "
        "Wednesday."
    ),
}


class FixtureEngine:
    name = "fixture"
    #: Every segment asked for, in this process: tests count what reached the engine.
    asked: ClassVar[list[str]] = []

    @classmethod
    def from_settings(cls) -> Self:
        return cls()

    def translate(
        self, segments: Sequence[str], source_language: str, target_language: str
    ) -> list[str]:
        FixtureEngine.asked.extend(segments)
        missing = [s for s in segments if s and s not in ENGLISH]
        if missing:
            raise EngineError(f"no fixture English for {missing[0]!r}")
        return [ENGLISH.get(segment, "") for segment in segments]


class RecordingEngine(InstantEngine):
    """The instant engine ("[en] …", markers kept), recording what it was asked.

    For tests about structure and about what reaches an engine; its output is not English.
    """

    name = "recording"
    asked: ClassVar[list[str]] = []

    def translate(
        self, segments: Sequence[str], source_language: str, target_language: str
    ) -> list[str]:
        RecordingEngine.asked.extend(segments)
        return super().translate(segments, source_language, target_language)


class HurriedEngine(FixtureEngine):
    """The fixture English with one number lost, as engines sometimes do: the QA gate holds
    the story. For review tests."""

    name = "hurried"
    #: German unit -> the English that loses its number.
    LOST: ClassVar[dict[str, str]] = {
        "Der Bau soll 1,15 Milliarden Euro kosten.": "Construction is to cost over a billion euros."
    }

    def translate(
        self, segments: Sequence[str], source_language: str, target_language: str
    ) -> list[str]:
        english = super().translate(segments, source_language, target_language)
        return [
            self.LOST.get(segment, text) for segment, text in zip(segments, english, strict=True)
        ]
