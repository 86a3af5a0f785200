//! Consistency checks between a transcription's fields: facts a reviewer must look at but may
//! accept (DOMAIN.md "Handbook kinds").

use time::Date;

use super::{FareClass, FieldNote, Transcription};
use crate::domain::handbook::HandbookKind;
use crate::domain::wareki::{self, Precision};

impl Transcription {
    /// Consistency checks between fields (DOMAIN.md "Handbook kinds").
    pub fn warnings(&self, today: Date) -> Vec<FieldNote> {
        let mut notes = Vec::new();
        let mut warn = |field: &'static str, message: String| notes.push(FieldNote { field, message });
        if self.kind == HandbookKind::Mental
            && let Some(class) = self.fare_class
        {
            let expected = if self.grade == "1級" { FareClass::First } else { FareClass::Second };
            if class != expected {
                warn(
                    "fare_class",
                    format!(
                        "精神障害者保健福祉手帳の{}は{}になるはずですが、{}と入力されています。",
                        self.grade,
                        expected.label(),
                        class.label()
                    ),
                );
            }
        }
        if let Some(expires) = self.expires_on
            && expires < today
        {
            warn("expires_on", format!("有効期限（{}）が切れています。", wareki::format(expires)));
        }
        if let Some(recert) = &self.recert_on {
            let last_day = match recert.precision {
                Precision::Month => recert
                    .date
                    .replace_day(time::util::days_in_month(recert.date.month(), recert.date.year()))
                    .unwrap_or(recert.date),
                Precision::Day => recert.date,
            };
            if last_day < today {
                warn("recert_on", format!("再認定の時期（{}）を過ぎています。", recert.display()));
            }
        }
        if let Some(renewed) = self.renewed_on
            && self.issued_on > renewed
        {
            warn("issued_on", "交付日が更新日・再交付日より後になっています。".into());
        }
        if self.birth_date > self.issued_on {
            warn("birth_date", "生年月日が交付日より後になっています。".into());
        }
        if self.issued_on > today {
            warn("issued_on", "交付日が未来の日付です。".into());
        }
        notes
    }
}
