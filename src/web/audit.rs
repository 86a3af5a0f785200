//! `/audit`: the compliance auditors' browser of the audit trail. Filters by actor, action,
//! subject, holder and days in Japan; pages by keyset, newest first; "verify the chain" runs
//! the CLI's check and records that it ran. Auditors change nothing here.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::access::Auditors;
use super::auth::{CurrentStaff, RequireRole};
use super::error::AppResult;
use super::format::datetime_jst;
use super::forms::{Choice, FormErrors};
use super::layout::Layout;
use super::render;
use super::state::AppState;
use crate::audit::catalogue;
use crate::clock::{from_db, to_db};
use crate::domain::holder::PublicId;
use crate::domain::period::{Period, start_of};
use crate::services::DbConnection;
use crate::services::accounts::directory;
use crate::services::audit_trail::{self, ActorFilter, BrowsedEvent, Filter};

const PAGE: i64 = 50;

/// Actors that are not a member of staff, as stored and as shown.
const OTHER_ACTORS: [(&str, &str); 5] = [
    ("app", "アプリ（利用者）"),
    ("myna", "マイナポータル"),
    ("system", "システム（自動処理）"),
    ("cli", "コマンドライン（運用者）"),
    ("anonymous", "未登録の相手（サインイン）"),
];

/// What an event is about, as stored and as shown.
const TARGETS: [(&str, &str); 7] = [
    ("holder", "利用者"),
    ("handbook", "登録"),
    ("handbook_image", "手帳写真"),
    ("staff", "職員"),
    ("notification", "通知"),
    ("lost_device_report", "端末紛失の受付"),
    ("export", "CSV出力"),
];

#[derive(Deserialize, Default, Clone)]
pub struct AuditQuery {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    target_id: String,
    #[serde(default)]
    holder: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    /// Keyset: `{unix nanoseconds}_{seq}` of the last event shown.
    #[serde(default)]
    before: String,
}

pub struct EventLine {
    pub seq: i64,
    pub at: String,
    pub who: String,
    pub action: String,
    pub target: String,
    pub reason: Option<String>,
    /// The event's details, key by key (ids and codes only: the trail holds no personal data).
    pub details: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "audit/browse.html")]
struct BrowsePage {
    layout: Layout,
    q: AuditQuery,
    actors: Vec<(String, String, bool)>,
    actions: Vec<Choice>,
    targets: Vec<Choice>,
    errors: FormErrors,
    events: Vec<EventLine>,
    next: Option<String>,
    /// The query string of the filters, for the next page and the exports.
    filters: String,
    verified: Option<(bool, String)>,
}

fn who(e: &BrowsedEvent) -> String {
    match (&e.staff_name, &e.staff_email) {
        (Some(name), Some(email)) => format!("{name}（{email}）"),
        _ => OTHER_ACTORS
            .iter()
            .find(|(code, _)| *code == e.event.actor)
            .map(|(_, label)| (*label).to_owned())
            .unwrap_or_else(|| e.event.actor.clone()),
    }
}

fn details(raw: &str) -> Vec<(String, String)> {
    match serde_json::from_str::<serde_json::Value>(raw) {
        Ok(serde_json::Value::Object(map)) => {
            map.into_iter().map(|(k, v)| (k, v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string()))).collect()
        }
        _ => vec![("details".into(), raw.to_owned())],
    }
}

fn line(e: &BrowsedEvent) -> EventLine {
    let target_label = TARGETS.iter().find(|(c, _)| *c == e.event.target_type).map(|(_, l)| *l);
    EventLine {
        seq: e.event.seq,
        at: datetime_jst(from_db(e.event.occurred_at)),
        who: who(e),
        action: catalogue::label(&e.event.action)
            .map(|l| format!("{l}（{}）", e.event.action))
            .unwrap_or_else(|| e.event.action.clone()),
        target: format!("{} {}", target_label.unwrap_or(&e.event.target_type), e.event.target_id),
        reason: e.event.reason.clone(),
        details: details(&e.event.details),
    }
}

/// The filter the query asks for, or the problems to name beside the fields.
fn filter_of(q: &AuditQuery, conn: &mut DbConnection) -> AppResult<Result<Filter, FormErrors>> {
    let mut errors = FormErrors::default();
    let mut filter = Filter::default();
    match q.actor.trim() {
        "" => {}
        raw => match (
            raw.strip_prefix("staff:").and_then(|id| id.parse().ok()),
            OTHER_ACTORS.iter().find(|(c, _)| *c == raw),
        ) {
            (Some(id), _) => filter.actor = Some(ActorFilter::Staff(id)),
            (None, Some((code, _))) => filter.actor = Some(ActorFilter::Other(code)),
            (None, None) => errors.add("actor", "一覧から操作者を選んでください。"),
        },
    }
    match q.action.trim() {
        "" => {}
        raw if catalogue::known(raw) => filter.action = Some(raw.to_owned()),
        _ => errors.add("action", "一覧から操作を選んでください。"),
    }
    match (q.target.trim(), q.target_id.trim()) {
        ("", "") => {}
        ("", _) => errors.add("target", "対象の種類を選んでください。"),
        (kind, id) if TARGETS.iter().any(|(c, _)| *c == kind) => {
            filter.target = Some((kind.to_owned(), (!id.is_empty()).then(|| id.to_owned())));
        }
        _ => errors.add("target", "一覧から対象の種類を選んでください。"),
    }
    if !q.holder.trim().is_empty() {
        let found = match PublicId::parse(q.holder.trim()) {
            Ok(id) => audit_trail::holder_scope(conn, &id)?,
            Err(_) => None,
        };
        match found {
            Some(scope) => filter.holder = Some(scope),
            None => errors.add("holder", "この利用者IDは見つかりません。"),
        }
    }
    match Period::parse_open(&q.from, &q.to) {
        Ok((from, to)) => {
            filter.from = from.map(|d| to_db(start_of(d)));
            filter.until = to.map(|d| to_db(start_of(d) + time::Duration::days(1)));
        }
        Err(e) => errors.add(e.field(), e.to_string()),
    }
    Ok(if errors.is_empty() { Ok(filter) } else { Err(errors) })
}

fn keyset(raw: &str) -> Option<(time::PrimitiveDateTime, i64)> {
    let (at, seq) = raw.split_once('_')?;
    let at = time::OffsetDateTime::from_unix_timestamp_nanos(at.parse().ok()?).ok()?;
    Some((to_db(at), seq.parse().ok()?))
}

fn query_string(q: &AuditQuery) -> String {
    let pairs = [
        ("actor", &q.actor),
        ("action", &q.action),
        ("target", &q.target),
        ("target_id", &q.target_id),
        ("holder", &q.holder),
        ("from", &q.from),
        ("to", &q.to),
    ];
    serde_html_form::to_string(pairs.iter().filter(|(_, v)| !v.trim().is_empty()).collect::<Vec<_>>())
        .unwrap_or_default()
}

async fn page(
    state: &AppState,
    staff: &CurrentStaff,
    q: AuditQuery,
    verified: Option<(bool, String)>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let q2 = q.clone();
    let before = keyset(&q.before);
    let (staff_list, found) = state
        .db(move |conn| {
            let staff_list = directory::page(conn, None, 500)?;
            let found = match filter_of(&q2, conn)? {
                Ok(filter) => Ok(audit_trail::browse(conn, &filter, before, PAGE + 1)?),
                Err(errors) => Err(errors),
            };
            Ok((staff_list, found))
        })
        .await?;
    let (events, errors) = match found {
        Ok(events) => (events, FormErrors::default()),
        Err(errors) => (Vec::new(), errors),
    };
    let next = (events.len() as i64 > PAGE)
        .then(|| events.get(PAGE as usize - 1))
        .flatten()
        .map(|e| format!("{}_{}", from_db(e.event.occurred_at).unix_timestamp_nanos(), e.event.seq));
    // A filter with mistakes is a 422, unless the caller already answers with an error.
    let status = if errors.is_empty() || status != StatusCode::OK { status } else { StatusCode::UNPROCESSABLE_ENTITY };
    let mut actors: Vec<(String, String, bool)> = staff_list
        .iter()
        .map(|s| {
            let code = format!("staff:{}", s.id);
            let chosen = q.actor == code;
            (code, format!("{}（{}）", s.display_name, s.email), chosen)
        })
        .collect();
    actors.extend(OTHER_ACTORS.iter().map(|(c, l)| ((*c).to_owned(), (*l).to_owned(), q.actor == *c)));
    let view = BrowsePage {
        layout: Layout::for_staff(staff, "監査ログ", "/audit"),
        actions: catalogue::ACTIONS
            .iter()
            .map(|(code, label)| Choice { code, label: (*label).into(), checked: q.action == *code })
            .collect(),
        targets: TARGETS
            .iter()
            .map(|(code, label)| Choice { code, label: (*label).into(), checked: q.target == *code })
            .collect(),
        actors,
        errors,
        events: events.iter().take(PAGE as usize).map(line).collect(),
        next,
        filters: query_string(&q),
        q,
        verified,
    };
    render::page(status, &view)
}

pub async fn browse(
    state: web::Data<AppState>,
    staff: RequireRole<Auditors>,
    query: web::Query<AuditQuery>,
) -> AppResult<HttpResponse> {
    page(&state, &staff, query.into_inner(), None, StatusCode::OK).await
}

/// The audit page with a banner (an export's refusal), the range as typed.
pub async fn page_with(
    state: &AppState,
    staff: &CurrentStaff,
    from: String,
    to: String,
    banner: (bool, String),
    status: StatusCode,
) -> AppResult<HttpResponse> {
    // The range comes back as typed, its problem named beside it.
    let q = AuditQuery { from, to, ..AuditQuery::default() };
    page(state, staff, q, Some(banner), status).await
}

/// Runs the same check as `handbook-admin audit verify` and records that it ran, with its
/// result, in the trail it checked.
pub async fn verify(state: web::Data<AppState>, staff: RequireRole<Auditors>) -> AppResult<HttpResponse> {
    let dir = state.settings.audit_checkpoint_dir.clone();
    let result = state.as_staff(&staff, move |conn, acting| Ok(audit_trail::verify(conn, &dir, acting)?)).await?;
    let verified = match result {
        Ok(r) => (
            true,
            format!(
                "監査ログは改ざんされていません（{}件、チェックポイント{}件{}）。",
                r.events,
                r.checkpoints,
                r.last_checkpoint.map(|s| format!("、最新は#{s}")).unwrap_or_default()
            ),
        ),
        Err(e) => (false, format!("監査ログの検証に失敗しました: {e}")),
    };
    page(&state, &staff, AuditQuery::default(), Some(verified), StatusCode::OK).await
}
