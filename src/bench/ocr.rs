//! `bench ocr`: reads demo handbooks with the configured engine and scores the suggestions
//! against the values the demo drew them from.

use std::path::Path;
use std::time::Instant;

use crate::demo::holders::{self, Defect};
use crate::domain::ocr_fields;
use crate::domain::transcription::Field;
use crate::ocr::TextReader;

/// CPU seconds this process has used (user + system), from `/proc/self/stat`.
pub fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return 0.0 };
    // The command name may hold spaces; fields count from the closing parenthesis.
    let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else { return 0.0 };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are the 14th and 15th fields: 12th and 13th after the name.
    (ticks(11) + ticks(12)) / 100.0
}

/// Peak resident memory of this process in MiB (`VmHWM`).
pub fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

#[derive(Default, Clone, Copy)]
struct Tally {
    exact: usize,
    wrong: usize,
    missing: usize,
    /// Suggested where the handbook prints nothing.
    extra: usize,
}

/// The holder's photos as intake stored them, decoded for reading.
fn photographed(holder: &holders::DemoHolder) -> anyhow::Result<Vec<image::RgbImage>> {
    Ok(holders::photos(holder)?
        .iter()
        .map(|p| image::load_from_memory(&p.full_jpeg).map(|i| i.to_rgb8()))
        .collect::<Result<_, _>>()?)
}

/// The demo handbooks a reader can be asked to read: not the deliberately unreadable photo or
/// the wrong page, whose values are not on the photos at all.
fn readable(index: usize, today: time::Date) -> Option<holders::DemoHolder> {
    let holder = holders::holder(index, today);
    (!matches!(holder.defect, Defect::Unreadable | Defect::WrongPage)).then_some(holder)
}

pub fn run(reader: &dyn TextReader, count: usize, today: time::Date, show_misses: bool) -> anyhow::Result<String> {
    let mut tallies: Vec<(Field, Tally)> =
        Field::ALL.iter().filter(|f| **f != Field::MedicalNumber).map(|f| (*f, Tally::default())).collect();
    let (mut handbooks, mut photos_read, mut core_exact) = (0usize, 0usize, 0usize);
    let mut index = 0;
    let mut cpu = 0.0;
    let started = Instant::now();
    while handbooks < count {
        let Some(holder) = readable(index, today) else {
            index += 1;
            continue;
        };
        index += 1;
        handbooks += 1;
        let photos = photographed(&holder)?;
        let before = cpu_seconds();
        let pages = crate::ocr::read_photos(reader, &photos)?;
        cpu += cpu_seconds() - before;
        photos_read += photos.len();
        let suggestions = ocr_fields::extract(&pages);
        let truth = holders::typed(&holder.facts);
        let mut all_core = true;
        for (field, tally) in &mut tallies {
            let expected = if crate::demo::art::printed(&holder.facts, *field) {
                ocr_fields::saved_value(*field, &truth)
            } else {
                String::new()
            };
            let suggested = suggestions.iter().find(|s| s.field == *field).map(|s| s.value.as_str());
            let ok = match (suggested, expected.is_empty()) {
                (None, true) => true,
                (None, false) => {
                    tally.missing += 1;
                    false
                }
                (Some(s), true) if *field == Field::FareClass || *field == Field::Care => {
                    let ok = s.is_empty();
                    if ok {
                        tally.exact += 1
                    } else {
                        tally.extra += 1
                    }
                    ok
                }
                (Some(_), true) => {
                    tally.extra += 1;
                    false
                }
                (Some(s), false) => {
                    let ok = ocr_fields::same_value(*field, holder.facts.kind, s, &expected);
                    if ok {
                        tally.exact += 1
                    } else {
                        tally.wrong += 1
                    }
                    ok
                }
            };
            if !ok && show_misses {
                eprintln!(
                    "holder {} {:?} {:?}: suggested {suggested:?} printed {expected:?}",
                    index - 1,
                    holder.facts.design,
                    field
                );
            }
            if ocr_fields::COUNTER_FIELDS.contains(field) && !ok {
                all_core = false;
            }
        }
        if all_core {
            core_exact += 1;
        }
    }
    let mut out = format!(
        "OCR on {handbooks} demo handbooks ({photos_read} photos): {:.2} CPU s per photo, {:.1} s wall, peak RSS {:.0} MiB\n\n",
        cpu / photos_read.max(1) as f64,
        started.elapsed().as_secs_f64(),
        peak_rss_mib()
    );
    out.push_str(&format!(
        "{:<28} {:>6} {:>6} {:>6} {:>6} {:>8}\n",
        "field", "exact", "wrong", "miss", "extra", "exact %"
    ));
    for (field, t) in &tallies {
        let printed = t.exact + t.wrong + t.missing;
        let rate = if printed == 0 { 100.0 } else { 100.0 * t.exact as f64 / printed as f64 };
        out.push_str(&format!(
            "{:<28} {:>6} {:>6} {:>6} {:>6} {:>7.1}%\n",
            field.name(),
            t.exact,
            t.wrong,
            t.missing,
            t.extra,
            rate
        ));
    }
    out.push_str(&format!(
        "\nhandbooks with number, every date, grade and fare class exact: {core_exact}/{handbooks} ({:.1}%)\n",
        100.0 * core_exact as f64 / handbooks.max(1) as f64
    ));
    Ok(out)
}

pub fn dump(reader: &dyn TextReader, count: usize, out: &Path, today: time::Date) -> anyhow::Result<()> {
    std::fs::create_dir_all(out)?;
    for index in 0..count {
        let Some(holder) = readable(index, today) else { continue };
        let photos = photographed(&holder)?;
        let pages: Vec<Vec<crate::ocr::Line>> =
            crate::ocr::read_photos(reader, &photos)?.into_iter().map(|p| p.lines).collect();
        let typed = holders::typed(&holder.facts);
        let expected: serde_json::Map<String, serde_json::Value> = Field::ALL
            .iter()
            .filter(|f| crate::demo::art::printed(&holder.facts, **f))
            .map(|f| (f.name().to_owned(), ocr_fields::saved_value(*f, &typed).into()))
            .collect();
        let record = serde_json::json!({
            "design": format!("{:?}", holder.facts.design),
            "expected": expected,
            "pages": pages,
        });
        std::fs::write(out.join(format!("{index:03}.json")), serde_json::to_string_pretty(&record)?)?;
    }
    Ok(())
}
