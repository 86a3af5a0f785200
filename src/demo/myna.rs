//! Myna Portal data for the demo. Some approved handbooks get the simulator's data at once,
//! delivered through the real callback service, one of each planted difference (values written
//! another way, a grade changed since registration, a renewal, a plain number, another number,
//! a returned handbook); a few holders consent through the real request path, which the
//! in-process simulator answers when the municipal server is open (and otherwise the requests
//! screen says when they will run).

use time::{Duration, OffsetDateTime};

use crate::audit::AuditKeys;
use crate::db::{self, DbConnection};
use crate::demo::myna_sim::Simulator;
use crate::demo::myna_sim::dataset::Planted;
use crate::domain::handbook::{HandbookKind, ReviewStatus};
use crate::domain::holder::PublicId;
use crate::domain::myna_request::Mode;
use crate::domain::reconcile::Provided;
use crate::myna::delivery::Delivery;
use crate::myna::portal::PortalRequest;
use crate::services::myna::requests::{self, ConsentGiven, PURPOSE};

/// How many approved handbooks get data at once, and how many holders consent afterwards.
const WITH_DATA: usize = 8;
const CONSENTING: usize = 3;

/// Delivers data for one approved handbook of each planted difference (then more, up to
/// `WITH_DATA`) and opens requests for a few more holders; returns (deliveries, requests).
pub fn seed(
    conn: &mut DbConnection,
    keys: &AuditKeys,
    sim: &Simulator,
    now: OffsetDateTime,
) -> anyhow::Result<(usize, usize)> {
    let ids = db::handbooks::ids_with_status(conn, &ReviewStatus::APPROVED, 200)?;
    let mut wanted = vec![
        Planted::None,
        Planted::GradeChanged,
        Planted::Renewed,
        Planted::NumberPlain,
        Planted::NumberDiffers,
        Planted::Returned,
    ];
    let (mut delivered, mut requested) = (0, 0);
    let mut later = Vec::new();
    for id in ids {
        let Some(row) = db::handbooks::find(conn, id)? else { continue };
        let Some(holder) = db::holders::find(conn, row.holder_id)? else { continue };
        if row.kind == HandbookKind::Intellectual {
            continue;
        }
        let planted = sim.dataset().planted(&holder.public_id).unwrap_or(Planted::NoRecord);
        let first_of_its_kind = wanted.iter().position(|p| *p == planted);
        if delivered < WITH_DATA && (first_of_its_kind.is_some() || wanted.is_empty()) {
            if let Some(at) = first_of_its_kind {
                wanted.remove(at);
            }
            let request = PortalRequest {
                request_id: format!("demo-myna-{id}"),
                holder_public_id: holder.public_id.clone(),
                mode: Mode::Point(now.date()),
                purpose: PURPOSE.into(),
                granted_at: now - Duration::minutes(10),
                valid_until: now + Duration::days(30),
            };
            let body = serde_json::to_vec(&sim.delivery_body(&request))?;
            let delivery = Delivery::parse(&body).map_err(|e| anyhow::anyhow!("demo Myna delivery: {e}"))?;
            crate::services::myna::receive::receive(conn, keys, &Provided::default(), &delivery, now)
                .map_err(|e| anyhow::anyhow!("demo Myna delivery: {e}"))?;
            delivered += 1;
        } else if !matches!(planted, Planted::Returned | Planted::NoRecord) && later.len() < CONSENTING {
            later.push(holder.public_id);
        }
    }
    for public_id in later {
        let consent = ConsentGiven {
            purpose: PURPOSE.into(),
            granted_at: now,
            valid_until: now + Duration::days(30),
            mode: Mode::Point(crate::clock::today_jst(now)),
        };
        let public_id = PublicId::parse(&public_id).map_err(|e| anyhow::anyhow!("{e}"))?;
        requests::open(conn, keys, &Provided::default(), &public_id, &consent, now)
            .map_err(|e| anyhow::anyhow!("demo Myna request: {e}"))?;
        requested += 1;
    }
    Ok((delivered, requested))
}
