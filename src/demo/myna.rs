//! Myna Portal data for some demo holders, delivered through the real callback service, with
//! the differences a reviewer should find planted: values written another way (full width,
//! 第…号, era dates, the governor's title), a grade changed since registration, a handbook
//! renewed with a new date, a number really different, and a handbook the portal does not know.

use time::{Duration, OffsetDateTime};

use crate::audit::AuditKeys;
use crate::db::{self, DbConnection};
use crate::domain::handbook::{HandbookKind, ReviewStatus};
use crate::domain::holder::PublicId;
use crate::domain::reconcile::{PortalRecord, Provided};
use crate::domain::wareki;
use crate::myna::delivery::{Consent, Delivery, Record, Status};

/// How many approved handbooks get portal data.
const WITH_DATA: usize = 8;

fn full_width(text: &str) -> String {
    wareki::full_width_digits(text)
}

/// Delivers portal data for the first approved physical and mental handbooks; returns how
/// many deliveries were made.
pub fn seed(conn: &mut DbConnection, keys: &AuditKeys, now: OffsetDateTime) -> anyhow::Result<usize> {
    let ids = db::handbooks::ids_with_status(conn, &ReviewStatus::APPROVED, (WITH_DATA * 3) as i64)?;
    let mut made = 0;
    for id in ids {
        if made == WITH_DATA {
            break;
        }
        let Some(row) = db::handbooks::find(conn, id)? else { continue };
        if row.kind == HandbookKind::Intellectual {
            continue;
        }
        let (Some(fields), Some(holder)) = (db::fields::find(conn, id)?, db::holders::find(conn, row.holder_id)?)
        else {
            continue;
        };
        let era = |d: time::Date| wareki::format(d);
        let mut values = PortalRecord {
            disability_category: fields.disability_category.clone(),
            grade: Some(full_width(&fields.grade)),
            // The portal names the municipality, where a handbook may name its governor or mayor.
            municipality: (row.kind == HandbookKind::Physical)
                .then(|| crate::domain::normalize::municipality_key(&fields.municipality)),
            number: Some(format!("第{}号", full_width(&fields.number))),
            issued_on: Some(era(fields.issued_on)),
            renewed_on: fields.renewed_on.map(era),
            expires_on: fields.expires_on.map(era),
        };
        let mut status = Status::Ok;
        match made {
            1 => values.grade = Some(if fields.grade.contains('1') { "2級".into() } else { "1級".into() }),
            2 => values.renewed_on = Some(era(now.date() - Duration::days(40))),
            4 => values.number = Some(format!("{}9", fields.number)),
            5 => status = Status::NotFound,
            _ => {}
        }
        let delivery = Delivery {
            request_id: format!("demo-myna-{id}"),
            holder: PublicId::parse(&holder.public_id).map_err(|e| anyhow::anyhow!("{e}"))?,
            status,
            consent: Some(Consent {
                purpose: "handbook_verification".into(),
                granted_at: now - Duration::minutes(10),
                valid_until: now + Duration::days(30),
            }),
            records: if status == Status::Ok { vec![Record { kind: row.kind, values }] } else { Vec::new() },
        };
        crate::myna::receive::receive(conn, keys, &Provided::default(), &delivery, now)
            .map_err(|e| anyhow::anyhow!("demo Myna delivery: {e}"))?;
        made += 1;
    }
    Ok(made)
}
