//! Japanese era dates (和暦): 昭和/平成/令和 and their predecessors, as handbooks print them.

use time::{Date, Month};

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
    Era {
        name: "明治",
        initial: 'M',
        ligature: '㍾',
        start: day(1868, Month::October, 23),
    },
    Era {
        name: "大正",
        initial: 'T',
        ligature: '㍽',
        start: day(1912, Month::July, 30),
    },
    Era {
        name: "昭和",
        initial: 'S',
        ligature: '㍼',
        start: day(1926, Month::December, 25),
    },
    Era {
        name: "平成",
        initial: 'H',
        ligature: '㍻',
        start: day(1989, Month::January, 8),
    },
    Era {
        name: "令和",
        initial: 'R',
        ligature: '㋿',
        start: day(2019, Month::May, 1),
    },
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
        ERAS.get(index + 1)
            .and_then(|next| next.start.previous_day())
    }
}

/// 「平成6年3月1日」; 「令和元年5月1日」 for an era's first year.
pub fn format(date: Date) -> String {
    match Era::of(date) {
        Some(era) => {
            let year = era.year_of(date.year());
            let year = if year == 1 {
                "元".to_owned()
            } else {
                year.to_string()
            };
            format!(
                "{}{}年{}月{}日",
                era.name,
                year,
                u8::from(date.month()),
                date.day()
            )
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
        .map(|c| {
            if c.is_ascii_digit() {
                char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap_or(c)
            } else {
                c
            }
        })
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
        assert_eq!(
            full_width_digits("第1000001号 令和4年"),
            "第１０００００１号 令和４年"
        );
    }

    #[test]
    fn eras_end_the_day_before_the_next_begins() {
        let heisei = ERAS[3];
        assert_eq!(heisei.end(), Some(date!(2019 - 04 - 30)));
        assert_eq!(ERAS[4].end(), None);
    }
}
