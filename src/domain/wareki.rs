//! Japanese era dates (和暦): 昭和/平成/令和 and their predecessors, as handbooks print them
//! and as staff type them.
//!
//! Parsing accepts what real documents and keyboards produce: kanji era names, one-letter
//! abbreviations (「H6.3.1」), the one-character ligatures (「㍻」), full-width digits, stray
//! spaces, 「元年」, ISO and Gregorian dates, and year-month alone where a field allows it.
//! A year past the era's end is read as the continued count, with a warning that says how it
//! was read: documents issued before May 2019 print expiries such as 「平成32年3月31日」.
//! What no document can mean is refused with the reason.

use std::fmt;

use time::{Date, Month};
use unicode_normalization::UnicodeNormalization;

/// An era and the day it began (the first day counted as its year 1, 元年).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Era {
    pub name: &'static str,
    /// Latin initial used in abbreviations such as 「H6.3.1」.
    pub initial: char,
    /// The one-character ligature some documents and IMEs produce (㍻).
    pub ligature: char,
    pub start: Date,
}

const fn day(year: i32, month: Month, day: u8) -> Date {
    match Date::from_calendar_date(year, month, day) {
        Ok(d) => d,
        Err(_) => panic!("invalid era start"),
    }
}

/// Oldest first.
pub const ERAS: [Era; 5] = [
    Era { name: "明治", initial: 'M', ligature: '㍾', start: day(1868, Month::October, 23) },
    Era { name: "大正", initial: 'T', ligature: '㍽', start: day(1912, Month::July, 30) },
    Era { name: "昭和", initial: 'S', ligature: '㍼', start: day(1926, Month::December, 25) },
    Era { name: "平成", initial: 'H', ligature: '㍻', start: day(1989, Month::January, 8) },
    Era { name: "令和", initial: 'R', ligature: '㋿', start: day(2019, Month::May, 1) },
];

impl Era {
    /// The era a date falls in, if any (dates before Meiji have none here).
    pub fn of(date: Date) -> Option<Era> {
        ERAS.iter().rev().find(|e| date >= e.start).copied()
    }

    /// The era's year number of a Gregorian year (1 for the year it began).
    pub fn year_of(&self, gregorian_year: i32) -> i32 {
        gregorian_year - self.start.year() + 1
    }

    pub fn end(&self) -> Option<Date> {
        let index = ERAS.iter().position(|e| e == self)?;
        ERAS.get(index + 1).and_then(|next| next.start.previous_day())
    }
}

/// How much of a date was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precision {
    Day,
    /// Year and month only (再認定年月); the date is the first of the month.
    Month,
}

/// A date read from what someone typed or a document printed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WarekiDate {
    pub date: Date,
    pub precision: Precision,
    /// Set when the input was read generously (a year past its era's end).
    pub warning: Option<String>,
}

impl WarekiDate {
    /// The date as a handbook prints it: 「平成6年3月1日」, or 「令和9年3月」 for year-month.
    pub fn display(&self) -> String {
        match self.precision {
            Precision::Day => format(self.date),
            Precision::Month => format_year_month(self.date),
        }
    }

    /// ISO form, `1994-03-01`, or `2027-03` for year-month.
    pub fn iso(&self) -> String {
        match self.precision {
            Precision::Day => self.date.to_string(),
            Precision::Month => {
                format!("{:04}-{:02}", self.date.year(), u8::from(self.date.month()))
            }
        }
    }
}

/// Why an input is not a date, in words for the person who typed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WarekiError(pub String);

impl fmt::Display for WarekiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for WarekiError {}

fn error(message: impl Into<String>) -> WarekiError {
    WarekiError(message.into())
}

/// Whether a field takes a full date or also year-month alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Accept {
    Day,
    DayOrMonth,
}

/// Reads a date as printed or typed. See the module documentation for what is accepted.
pub fn parse(input: &str, accept: Accept) -> Result<WarekiDate, WarekiError> {
    let text: String = input.nfkc().filter(|c| !c.is_whitespace()).collect();
    if text.is_empty() {
        return Err(error("日付を入力してください。"));
    }
    let (era, rest) = split_era(super::printed_words::strip(&text));
    let numbers = numbers(rest).ok_or_else(|| {
        error(format!("「{}」を日付として読めません。例: 平成6年3月1日、H6.3.1、1994-03-01", input.trim()))
    })?;
    let (year, month, day) = match numbers.as_slice() {
        [y, m, d] => (*y, *m, Some(*d)),
        [y, m] => (*y, *m, None),
        _ => {
            return Err(error("年・月・日をそろえて入力してください。例: 平成6年3月1日"));
        }
    };
    if day.is_none() && accept == Accept::Day {
        return Err(error("日まで入力してください。例: 令和4年1月31日"));
    }
    let (gregorian_year, warning) = match era {
        Some(era) => {
            if year == 0 {
                return Err(error(format!("{}0年はありません（最初の年は元年）。", era.name)));
            }
            if year > 99 {
                return Err(error(format!(
                    "{}{}年は大きすぎます。年を確かめてください（西暦なら元号を付けずに入力）。",
                    era.name, year
                )));
            }
            (era.start.year() + year - 1, None::<String>)
        }
        None if (1868..=2200).contains(&year) => (year, None),
        None if year >= 1000 => return Err(error(format!("西暦{year}年は手帳の日付としてありえません。"))),
        None => return Err(error("元号（昭和・平成・令和など）を付けるか、西暦4桁で入力してください。")),
    };
    let month_enum = u8::try_from(month)
        .ok()
        .and_then(|m| Month::try_from(m).ok())
        .ok_or_else(|| error(format!("{month}月はありません（1〜12月）。")))?;
    let day_number = day.unwrap_or(1);
    let date = u8::try_from(day_number)
        .ok()
        .and_then(|d| Date::from_calendar_date(gregorian_year, month_enum, d).ok())
        .ok_or_else(|| {
            let last = time::util::days_in_month(month_enum, gregorian_year);
            if month == 2 && day_number == 29 {
                error(format!("{gregorian_year}年はうるう年ではないため、2月29日はありません。"))
            } else {
                error(format!("{month}月{day_number}日はありません（{month}月は{last}日まで）。"))
            }
        })?;
    let precision = if day.is_some() { Precision::Day } else { Precision::Month };
    // 「平成元年1月」 means the part of January that was Heisei: keep the era's first day, so
    // the month reads back in the era it was written in.
    let date = match era {
        Some(era)
            if precision == Precision::Month
                && date < era.start
                && era.start.month() == date.month()
                && era.start.year() == date.year() =>
        {
            era.start
        }
        _ => date,
    };
    let mut result = WarekiDate { date, precision, warning };
    if let Some(era) = era {
        let month_end =
            Date::from_calendar_date(gregorian_year, month_enum, time::util::days_in_month(month_enum, gregorian_year))
                .unwrap_or(date);
        let covers_start = if precision == Precision::Month { month_end >= era.start } else { date >= era.start };
        if !covers_start {
            let previous =
                if precision == Precision::Day && Era::of(date).is_some() { format(date) } else { String::new() };
            return Err(error(format!(
                "{}は{}が始まる前の日付です（{}は{}から）。{}",
                shown(&era, year, month, day),
                era.name,
                era.name,
                format(era.start),
                if previous.is_empty() { String::new() } else { format!("この日は{previous}です。") }
            )));
        }
        if let Some(end) = era.end()
            && date > end
        {
            result.warning = Some(format!(
                "{}は{}の終わり（{}）を過ぎた年のため、{}（{}）として読みました。",
                shown(&era, year, month, day),
                era.name,
                format(end),
                result.display(),
                result.iso()
            ));
        }
    }
    Ok(result)
}

fn shown(era: &Era, year: i32, month: i32, day: Option<i32>) -> String {
    let year = if year == 1 { "元".to_owned() } else { year.to_string() };
    match day {
        Some(d) => format!("{}{}年{}月{}日", era.name, year, month, d),
        None => format!("{}{}年{}月", era.name, year, month),
    }
}

/// The era named at the start of the text, and the rest.
fn split_era(text: &str) -> (Option<Era>, &str) {
    for era in ERAS {
        if let Some(rest) = text.strip_prefix(era.name) {
            return (Some(era), rest);
        }
        let mut chars = text.chars();
        if let Some(first) = chars.next()
            && first.to_ascii_uppercase() == era.initial
            && chars.clone().next().is_some_and(|c| c.is_ascii_digit() || c == '元')
        {
            return (Some(era), chars.as_str());
        }
    }
    (None, text)
}

/// The numbers of "6年3月1日", "6.3.1", "6/3/1", "1994-03-01", "元年5月1日".
fn numbers(text: &str) -> Option<Vec<i32>> {
    let text = text.strip_suffix('日').unwrap_or(text);
    let text = text.strip_suffix("生").unwrap_or(text);
    let text = text.strip_suffix('日').unwrap_or(text);
    let mut out = Vec::new();
    for part in text.split(['年', '月', '.', '/', '-']) {
        if part.is_empty() {
            continue;
        }
        let value = if part == "元" { 1 } else { part.parse::<i32>().ok()? };
        if !part.chars().all(|c| c.is_ascii_digit() || c == '元') || part.len() > 4 {
            return None;
        }
        out.push(value);
    }
    Some(out)
}

/// 「平成6年3月1日」; 「令和元年5月1日」 for an era's first year.
pub fn format(date: Date) -> String {
    match Era::of(date) {
        Some(era) => {
            let year = era.year_of(date.year());
            let year = if year == 1 { "元".to_owned() } else { year.to_string() };
            format!("{}{}年{}月{}日", era.name, year, u8::from(date.month()), date.day())
        }
        None => date.to_string(),
    }
}

/// 「令和9年3月」 (year and month only, as 再認定年月 is printed).
pub fn format_year_month(date: Date) -> String {
    let full = format(date);
    match full.find('月') {
        Some(i) => full[..i + '月'.len_utf8()].to_owned(),
        None => full,
    }
}

/// ASCII digits as full-width (０-９), as handbooks print them.
pub fn full_width_digits(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii_digit() { char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap_or(c) } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn formats_in_the_era_of_the_day() {
        assert_eq!(format(date!(1994 - 03 - 01)), "平成6年3月1日");
        assert_eq!(format(date!(1989 - 01 - 07)), "昭和64年1月7日");
        assert_eq!(format(date!(1989 - 01 - 08)), "平成元年1月8日");
        assert_eq!(format(date!(2019 - 04 - 30)), "平成31年4月30日");
        assert_eq!(format(date!(2019 - 05 - 01)), "令和元年5月1日");
        assert_eq!(format(date!(2022 - 01 - 31)), "令和4年1月31日");
        assert_eq!(format(date!(1926 - 12 - 25)), "昭和元年12月25日");
    }

    #[test]
    fn year_month_and_full_width() {
        assert_eq!(format_year_month(date!(2027 - 03 - 01)), "令和9年3月");
        assert_eq!(full_width_digits("第1000001号 令和4年"), "第１０００００１号 令和４年");
    }

    fn day(input: &str) -> Result<Date, String> {
        parse(input, Accept::Day).map(|d| d.date).map_err(|e| e.0)
    }

    #[test]
    fn reads_what_documents_print_and_people_type() {
        for input in [
            "平成６年３月１日",
            "平成 6年 3月 1日",
            "平成6年3月1日",
            "H6.3.1",
            "h6/3/1",
            "Ｈ６．３．１",
            "㍻6年3月1日",
            "1994-03-01",
            "1994/3/1",
            "1994年3月1日",
            "　平成６年３月１日生",
        ] {
            assert_eq!(day(input), Ok(date!(1994 - 03 - 01)), "{input}");
        }
        assert_eq!(day("令和元年5月1日"), Ok(date!(2019 - 05 - 01)));
        assert_eq!(day("R4/1/31"), Ok(date!(2022 - 01 - 31)));
        assert_eq!(day("S64.1.7"), Ok(date!(1989 - 01 - 07)));
        assert_eq!(day("㋿2年2月2日"), Ok(date!(2020 - 02 - 02)));
        assert_eq!(day("大正15年12月24日"), Ok(date!(1926 - 12 - 24)));
    }

    #[test]
    fn era_boundaries() {
        assert_eq!(day("昭和64年1月7日"), Ok(date!(1989 - 01 - 07)));
        assert_eq!(day("平成元年1月8日"), Ok(date!(1989 - 01 - 08)));
        assert_eq!(day("平成31年4月30日"), Ok(date!(2019 - 04 - 30)));
        assert_eq!(day("令和元年5月1日"), Ok(date!(2019 - 05 - 01)));
        let before = day("平成元年1月7日").err().unwrap_or_default();
        assert!(before.contains("平成が始まる前"), "{before}");
        assert!(before.contains("昭和64年1月7日"), "{before}");
        assert!(day("令和元年4月30日").is_err());
    }

    #[test]
    fn a_year_past_the_era_end_is_the_continued_count_with_a_warning() {
        let read = parse("平成32年3月31日", Accept::Day).unwrap();
        assert_eq!(read.date, date!(2020 - 03 - 31));
        let warning = read.warning.unwrap_or_default();
        assert!(warning.contains("令和2年3月31日"), "{warning}");
        assert!(warning.contains("2020-03-31"), "{warning}");
        let may = parse("平成31年5月7日", Accept::Day).unwrap();
        assert_eq!(may.date, date!(2019 - 05 - 07));
        assert!(may.warning.is_some());
        assert_eq!(parse("平成31年4月30日", Accept::Day).ok().and_then(|d| d.warning), None);
    }

    #[test]
    fn impossible_dates_are_refused_with_the_reason() {
        assert!(day("平成6年13月1日").err().unwrap_or_default().contains("13月はありません"));
        assert!(day("令和4年4月31日").err().unwrap_or_default().contains("4月は30日まで"));
        assert!(day("令和5年2月29日").err().unwrap_or_default().contains("うるう年ではない"));
        assert_eq!(day("令和6年2月29日"), Ok(date!(2024 - 02 - 29)));
        assert!(day("平成0年1月1日").err().unwrap_or_default().contains("0年はありません"));
        assert!(day("6年3月1日").err().unwrap_or_default().contains("元号"));
        assert!(day("きのう").is_err());
        assert!(
            day("令和2027年3月31日").err().unwrap_or_default().contains("大きすぎます"),
            "a Gregorian year typed after an era"
        );
        assert!(day("1066-10-14").err().unwrap_or_default().contains("ありえません"));
        assert!(day("").is_err());
        assert!(day("平成6年3月").err().unwrap_or_default().contains("日まで"));
    }

    #[test]
    fn year_and_month_where_allowed() {
        let read = parse("令和9年3月", Accept::DayOrMonth).unwrap();
        assert_eq!((read.date, read.precision), (date!(2027 - 03 - 01), Precision::Month));
        assert_eq!(read.display(), "令和9年3月");
        assert_eq!(read.iso(), "2027-03");
        // 平成31年4月 still had Heisei days; 令和元年4月 had none.
        assert!(parse("平成31年4月", Accept::DayOrMonth).is_ok_and(|d| d.warning.is_none()));
        assert!(parse("令和元年4月", Accept::DayOrMonth).is_err());
        let first = parse("平成元年1月", Accept::DayOrMonth).unwrap();
        assert_eq!(first.display(), "平成元年1月", "reads back in the era it was written in");
        let old = parse("平成33年3月", Accept::DayOrMonth).unwrap();
        assert_eq!(old.date, date!(2021 - 03 - 01));
        assert!(old.warning.is_some_and(|w| w.contains("令和3年3月")));
    }

    #[test]
    fn display_beside_iso() {
        let read = parse("H6.3.1", Accept::Day).unwrap();
        assert_eq!(read.display(), "平成6年3月1日");
        assert_eq!(read.iso(), "1994-03-01");
    }

    #[test]
    fn eras_end_the_day_before_the_next_begins() {
        let heisei = ERAS[3];
        assert_eq!(heisei.end(), Some(date!(2019 - 04 - 30)));
        assert_eq!(ERAS[4].end(), None);
    }
}
