"""The site's words in the diary's language, and dates written the way that language writes them."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from babel.dates import format_date

LANGUAGES = ("ru", "en")

_STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "home": "Home", "entries": "Entries", "entry": "Entry", "words": "Words", "snippets": "Snippets",
        "latest": "Latest entries", "months": "Months", "pages": "Pages", "previous": "Previous", "next": "Next",
        "month": "Month", "streak": "Current streak", "longest_streak": "Longest streak", "days": "days",
        "passed": "passed", "failed": "failed", "skipped": "skipped", "needs-gpu": "needs GPU",
        "timeout": "timeout", "crashed": "crashed", "incomplete": "incomplete", "needs-package": "needs package",
        "blocked": "blocked", "output": "Output", "stderr": "Errors and warnings",
        "value": "Value", "traceback": "Traceback", "ran_on": "ran on", "stored_result": "stored result",
        "no_entries_month": "No entries this month.", "in_month": "In this month",
        "skip_to_content": "Skip to content", "journal": "Learning journal", "tags": "Tags",
        "preface": "Preface", "built_with": "Built with tetrad", "more": "All entries of",
        "entry_nav": "Entry navigation", "month_nav": "Month navigation", "not_found": "Page not found",
        "not_found_text": "There is no page at this address.", "expected_output": "Expected output",
        "read_more": "Read", "source": "Source", "search": "Search", "timeline": "Timeline",
        "concepts": "Concepts", "heatmap": "Writing days in", "passing_snippets": "Passing snippets",
        "backlinks": "Linked from", "first_met": "Concepts in the order they were met", "all_years": "Years",
        "search_placeholder": "Search the journal", "found": "Found", "filter": "Show", "all": "all",
        "device": "Device", "duration": "Duration", "status": "Status", "snippet": "Snippet",
        "no_snippets": "No snippets this year.", "entries_this_year": "Entries this year", "first_entry": "first met",
        "feed": "Feed", "navigation": "Site", "writing_days": "writing days", "less": "less", "more_words": "more", "download": "Download", "download_month": "All snippets of the month",
        "transcript": "Transcript, run again", "this_run": "this run's output", "pasted_differs": "Pasted, differs from this run",
        "displayed": "Displayed",
    },
    "ru": {
        "home": "Главная", "entries": "Записи", "entry": "Запись", "words": "Слов", "snippets": "Сниппеты",
        "latest": "Последние записи", "months": "Месяцы", "pages": "Страницы", "previous": "Предыдущая",
        "next": "Следующая", "month": "Месяц", "streak": "Текущая серия", "longest_streak": "Самая длинная серия",
        "days": "дн.", "passed": "работает", "failed": "ошибка", "skipped": "не запускался",
        "needs-gpu": "нужен GPU", "timeout": "превышено время", "crashed": "процесс упал", "incomplete": "фрагмент",
        "needs-package": "нужен пакет", "blocked": "заблокирован", "output": "Вывод",
        "stderr": "Ошибки и предупреждения", "value": "Значение", "traceback": "Трассировка",
        "ran_on": "запущен на", "stored_result": "сохранённый результат", "no_entries_month": "В этом месяце записей нет.",
        "in_month": "В этом месяце", "skip_to_content": "К содержимому", "journal": "Дневник обучения",
        "tags": "Теги", "preface": "Предисловие", "built_with": "Собрано tetrad", "more": "Все записи за",
        "entry_nav": "Навигация по записям", "month_nav": "Навигация по месяцам", "not_found": "Страница не найдена",
        "not_found_text": "По этому адресу ничего нет.", "expected_output": "Ожидаемый вывод",
        "read_more": "Читать", "source": "Источник", "search": "Поиск", "timeline": "Хронология",
        "concepts": "Понятия", "heatmap": "Дни с записями в", "passing_snippets": "Работающие сниппеты",
        "backlinks": "Ссылаются сюда", "first_met": "Понятия в порядке знакомства", "all_years": "Годы",
        "search_placeholder": "Поиск по дневнику", "found": "Найдено", "filter": "Показать", "all": "все",
        "device": "Устройство", "duration": "Время", "status": "Статус", "snippet": "Сниппет",
        "no_snippets": "В этом году сниппетов нет.", "entries_this_year": "Записей за год", "first_entry": "впервые",
        "feed": "Лента", "navigation": "Разделы", "writing_days": "дней с записями", "less": "меньше", "more_words": "больше", "download": "Скачать", "download_month": "Все сниппеты месяца",
        "transcript": "Сессия REPL, запущенная заново", "this_run": "вывод этого запуска", "pasted_differs": "Вставлено автором, отличается",
        "displayed": "Показано",
    },
}

# Babel's long formats add "г." in Russian; a diary reads better without it.
_DATE_PATTERNS = {"ru": "d MMMM y", "en": "MMMM d, y"}
_MONTH_PATTERNS = {"ru": "LLLL y", "en": "LLLL y"}


@lru_cache(maxsize=65536)
def _format(day: dt.date, pattern: str, lang: str) -> str:
    """Babel's formatting, remembered: a big diary writes the same dates on many pages."""
    return format_date(day, pattern, locale=lang)


class Strings:
    """UI text for one language: ``t["home"]``."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in _STRINGS else "en"
        self._table = _STRINGS[self.lang]

    def __getitem__(self, key: str) -> str:
        return self._table.get(key) or _STRINGS["en"][key]

    def date(self, day: dt.date) -> str:
        return _format(day, _DATE_PATTERNS.get(self.lang, "long"), self.lang)

    def short_date(self, day: dt.date) -> str:
        return format_date(day, "d MMM y", locale=self.lang)

    def month(self, first_day: dt.date) -> str:
        text = format_date(first_day, _MONTH_PATTERNS.get(self.lang, "LLLL y"), locale=self.lang)
        return text[:1].upper() + text[1:]


_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[A-Za-z]")


def detect_language(text: str) -> str:
    """ru when Cyrillic letters make up a good share of the prose, else en."""
    cyr = len(_CYRILLIC.findall(text))
    lat = len(_LATIN.findall(text))
    return "ru" if cyr and cyr >= 0.3 * (cyr + lat) else "en"
