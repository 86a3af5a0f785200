//! The simulator's municipal dataset: what the holding government servers know of the demo
//! holders, drawn from the same deterministic generator as the demo's photos (so it agrees with
//! what reviewers transcribe), written as the government writes it (full-width digits, 第…号,
//! era dates, the municipality without the governor's title), with differences planted for
//! reviewers to find. The intellectual handbook is never sent: its kind provides no data.

use std::collections::HashMap;

use time::{Date, Duration};

use crate::demo::holders::{self, DemoHolder};
use crate::domain::handbook::HandbookKind;
use crate::domain::reconcile::PortalRecord;
use crate::domain::{normalize, wareki};

/// What the municipality's record of a holder differs in, planted by the holder's index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Planted {
    /// The same values, written the government's way.
    None,
    /// The grade changed since the holder registered.
    GradeChanged,
    /// The handbook was renewed after registration (a reissue not re-registered, 3(1)(iii)).
    Renewed,
    /// The number written plainly (half width, no 第…号) where the others carry both.
    NumberPlain,
    /// Another number altogether.
    NumberDiffers,
    /// The handbook was returned to the municipality (3(1)(v)): `not_found`.
    Returned,
    /// The municipality holds no record of the holder: `not_found`.
    NoRecord,
}

impl Planted {
    /// The difference planted in the `index`-th demo holder.
    pub fn for_index(index: usize) -> Planted {
        match index % 9 {
            1 => Planted::GradeChanged,
            2 => Planted::Renewed,
            3 => Planted::NumberPlain,
            4 => Planted::NumberDiffers,
            5 => Planted::Returned,
            6 => Planted::NoRecord,
            _ => Planted::None,
        }
    }
}

/// What the portal answers for one holder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    Records(Vec<(HandbookKind, PortalRecord)>),
    NotFound,
}

pub struct Dataset {
    holders: HashMap<String, (Planted, Answer)>,
}

fn era(day: Date) -> String {
    wareki::format(day)
}

/// The municipal record of one demo holder's handbook.
fn record(holder: &DemoHolder, planted: Planted, seeded_on: Date) -> PortalRecord {
    let facts = &holder.facts;
    let number = match planted {
        Planted::NumberDiffers => facts.number + 1_000,
        _ => facts.number,
    };
    let grade = match planted {
        Planted::GradeChanged if facts.grade.starts_with('1') => "2級".to_owned(),
        Planted::GradeChanged => "1級".to_owned(),
        _ => facts.grade.clone(),
    };
    let renewed = match planted {
        Planted::Renewed => Some((seeded_on - Duration::days(40)).max(facts.issued + Duration::days(1))),
        _ => facts.renewed,
    };
    PortalRecord {
        disability_category: Some(facts.category.clone()),
        grade: Some(wareki::full_width_digits(&grade)),
        municipality: (facts.kind == HandbookKind::Physical).then(|| normalize::municipality_key(&facts.issuer)),
        number: Some(if planted == Planted::NumberPlain {
            number.to_string()
        } else {
            format!("第{}号", wareki::full_width_digits(&number.to_string()))
        }),
        issued_on: Some(era(facts.issued)),
        renewed_on: renewed.map(era),
        expires_on: (facts.kind == HandbookKind::Mental).then_some(facts.expires.map(era)).flatten(),
    }
}

impl Dataset {
    /// The municipal data of the `count` demo holders the demo seeded on `seeded_on`.
    pub fn demo(count: usize, seeded_on: Date) -> Dataset {
        let mut all: Vec<DemoHolder> = (0..count).map(|i| holders::holder(i, seeded_on)).collect();
        holders::plant_duplicates(&mut all);
        let holders = all
            .iter()
            .enumerate()
            .map(|(index, holder)| {
                let planted = Planted::for_index(index);
                let answer = match planted {
                    Planted::Returned | Planted::NoRecord => Answer::NotFound,
                    _ if holder.facts.kind == HandbookKind::Intellectual => Answer::Records(Vec::new()),
                    _ => Answer::Records(vec![(holder.facts.kind, record(holder, planted, seeded_on))]),
                };
                (holder.public_id.clone(), (planted, answer))
            })
            .collect();
        Dataset { holders }
    }

    /// What the portal knows of `public_id` (nothing: `NotFound`).
    pub fn answer(&self, public_id: &str) -> Answer {
        self.holders.get(public_id).map(|(_, answer)| answer.clone()).unwrap_or(Answer::NotFound)
    }

    /// The difference planted for `public_id`, if the dataset knows the holder.
    pub fn planted(&self, public_id: &str) -> Option<Planted> {
        self.holders.get(public_id).map(|(planted, _)| *planted)
    }

    pub fn len(&self) -> usize {
        self.holders.len()
    }

    pub fn is_empty(&self) -> bool {
        self.holders.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::reconcile::{self, Provided, Registered, Verdict};
    use time::macros::date;

    const DAY: Date = date!(2026 - 11 - 25);

    fn registered(holder: &DemoHolder) -> Registered {
        let typed = holders::typed(&holder.facts);
        let day = |s: &str| wareki::parse(s, wareki::Accept::Day).ok().map(|d| d.date);
        Registered {
            disability_category: Some(typed.disability_category),
            grade: typed.grade,
            municipality: typed.municipality,
            number: typed.number,
            issued_on: day(&typed.issued_on),
            renewed_on: day(&typed.renewed_on),
            expires_on: day(&typed.expires_on),
        }
    }

    /// The planted difference is the only one: every other field matches what a reviewer types
    /// from the photo, at most after a named normalisation.
    #[test]
    fn each_planted_difference_is_the_only_one() {
        let data = Dataset::demo(60, DAY);
        let mut all: Vec<DemoHolder> = (0..60).map(|i| holders::holder(i, DAY)).collect();
        holders::plant_duplicates(&mut all);
        let mut seen = Vec::new();
        for (index, holder) in all.iter().enumerate() {
            let planted = Planted::for_index(index);
            let answer = data.answer(&holder.public_id);
            let records = match answer {
                Answer::NotFound => {
                    assert!(matches!(planted, Planted::Returned | Planted::NoRecord), "{index}");
                    continue;
                }
                Answer::Records(records) => records,
            };
            if holder.facts.kind == HandbookKind::Intellectual {
                assert!(records.is_empty(), "intellectual handbooks provide nothing");
                continue;
            }
            let (kind, portal) = &records[0];
            let lines = reconcile::reconcile(*kind, &Provided::default(), &registered(holder), portal);
            let off: Vec<_> = lines.iter().filter(|l| l.verdict.needs_attention()).map(|l| l.field).collect();
            match planted {
                Planted::GradeChanged => assert_eq!(off, [reconcile::Field::Grade], "{index}"),
                Planted::NumberDiffers => assert_eq!(off, [reconcile::Field::Number], "{index}"),
                Planted::Renewed => assert_eq!(off, [reconcile::Field::RenewedOn], "{index}"),
                _ => assert!(off.is_empty(), "{index}: {off:?}"),
            }
            if planted == Planted::None {
                assert!(lines.iter().any(|l| matches!(l.verdict, Verdict::MatchAfter(_))), "{index}");
            }
            seen.push(planted);
        }
        for planted in [Planted::GradeChanged, Planted::Renewed, Planted::NumberPlain, Planted::NumberDiffers] {
            assert!(seen.contains(&planted), "{planted:?} planted somewhere");
        }
    }

    #[test]
    fn an_unknown_holder_is_not_found() {
        assert_eq!(Dataset::demo(3, DAY).answer("MR-9999999"), Answer::NotFound);
    }
}
