//! The demo's holder requests: one of each kind from the app, waiting on the supervisors'
//! work list, one of them past its due day so the dashboard shows it.

use time::{Duration, OffsetDateTime};

use crate::audit::{Actor, AuditKeys};
use crate::db::DbConnection;
use crate::domain::holder::HolderStatus;
use crate::domain::requests::{Channel, RequestKind};
use crate::services::requests::{self, Incoming, Receiver};

const DETAILS: [(RequestKind, &str, i64); 4] = [
    (RequestKind::Disclosure, "登録されている自分の情報をすべて見たいです。", 2),
    (RequestKind::Correction, "アプリに表示される等級が手帳と違っています（手帳は1級です）。", 1),
    (RequestKind::StopUse, "しばらくアプリを使わないので、情報の利用を止めてください。", 16),
    (RequestKind::Erasure, "退会したいので、登録した情報と写真を消してください。", 3),
];

/// Files the four requests on the first active holders; returns how many.
pub fn seed(conn: &mut DbConnection, keys: &AuditKeys, due_days: u16, now: OffsetDateTime) -> anyhow::Result<usize> {
    let holders = crate::db::holders::first_with_status(conn, HolderStatus::Active, DETAILS.len() as i64)?;
    let mut filed = 0;
    for (holder_id, (kind, detail, days_ago)) in holders.into_iter().zip(DETAILS) {
        let incoming = Incoming { holder_id, kind, channel: Channel::App, detail, due_days };
        let by = Receiver {
            actor: Actor::App,
            staff_id: None,
            now: now - Duration::days(days_ago),
            request_id: None,
            audit: keys,
        };
        requests::receive(conn, &incoming, &by).map_err(|e| anyhow::anyhow!("demo request: {e}"))?;
        filed += 1;
    }
    Ok(filed)
}
