//! The disclosure file (開示ファイル) a supervisor sends the holder: one ZIP with
//! `disclosure.json` (every value held about them, as stored), their photos as JPEG, and a
//! short Japanese guide. Producing it is audited (with counts, never content) in the
//! transaction that marks the request, and only a supervisor other than the one who verified
//! the requester's identity may produce it.

use std::io::Write;

use serde_json::{Value, json};
use time::PrimitiveDateTime;
use time::format_description::well_known::Rfc3339;

use super::{RequestFailure, locked, record};
use crate::clock::{from_db, to_db};
use crate::db::{self, DbConnection, write_tx};
use crate::domain::requests::{self, RequestKind};
use crate::error::Fault;
use crate::services::acting::Acting;

/// The most audit events about a holder one file lists (newest first).
const EVENTS: i64 = 5000;

/// A produced file: its name (the request's reference) and bytes.
pub struct File {
    pub name: String,
    pub bytes: Vec<u8>,
}

fn at(t: PrimitiveDateTime) -> String {
    from_db(t).format(&Rfc3339).unwrap_or_default()
}

fn opt(t: Option<PrimitiveDateTime>) -> Value {
    t.map_or(Value::Null, |t| Value::String(at(t)))
}

/// What the database holds, gathered in the producing transaction.
struct Gathered {
    reference: String,
    data: Value,
    /// (photo id, registration id, page, storage key)
    photos: Vec<(i64, i64, i32, String)>,
}

/// Produces the file for a verified disclosure request at `version`.
pub fn produce(
    conn: &mut DbConnection,
    store: &crate::images::ImageStore,
    id: i64,
    version: i32,
    acting: &Acting<'_>,
) -> Result<File, RequestFailure> {
    let now = to_db(acting.now);
    let gathered = write_tx(conn, |c| {
        let (holder, row) = locked(c, id, version)?;
        requests::may_answer(acting.role, row.state, row.verified_by, acting.staff_id)?;
        if row.kind != RequestKind::Disclosure {
            return Err(RequestFailure::NotFound);
        }
        let gathered = gather(c, &holder, &row.reference)?;
        let events = gathered.data["audit_events"].as_array().map_or(0, Vec::len);
        db::requests::disclosure_produced(c, id, acting.staff_id, now)?;
        record(
            c,
            acting,
            "request.disclosure_produced",
            holder.id,
            &row,
            json!({"photos": gathered.photos.len(), "audit_events": events}),
        )?;
        Ok(gathered)
    })?;
    Ok(File { name: format!("{}.zip", gathered.reference), bytes: archive(store, &gathered)? })
}

fn gather(c: &mut DbConnection, holder: &db::holders::HolderRow, reference: &str) -> Result<Gathered, Fault> {
    let books = db::holdings::handbooks(c, holder.id)?;
    let ids: Vec<i64> = books.iter().map(|b| b.id).collect();
    let fields = db::fields::find_many(c, &ids)?;
    let photos = db::holdings::photos(c, &ids)?;
    let registrations: Vec<Value> = books
        .iter()
        .map(|b| {
            let f = fields.iter().find(|f| f.handbook_id == b.id);
            json!({
                "registration": b.id,
                "kind": b.kind.as_str(),
                "kind_label": b.kind.label(),
                "status": b.status.label(),
                "submitted_at": at(b.submitted_at),
                "decided_at": opt(b.decided_at),
                "fields": f.map(|f| json!({
                    "name": f.name, "name_kana": f.name_kana, "birth_date": f.birth_date.to_string(),
                    "disability_category": f.disability_category, "grade": f.grade, "fare_class": f.fare_class,
                    "care": f.care, "municipality": f.municipality, "number": f.number,
                    "issued_on": f.issued_on.to_string(), "renewed_on": f.renewed_on.map(|d| d.to_string()),
                    "expires_on": f.expires_on.map(|d| d.to_string()), "recert_on": f.recert_on.map(|d| d.to_string()),
                    "medical_number": f.medical_number,
                })),
                "photos": photos.iter().filter(|p| p.1 == b.id).map(|p| format!("photos/{}-{}.jpg", b.id, p.2)).collect::<Vec<_>>(),
            })
        })
        .collect();
    let myna: Vec<Value> = db::holdings::myna_values(c, holder.id)?
        .into_iter()
        .map(|m| json!({"kind": m.0, "disability_category": m.1, "grade": m.2, "municipality": m.3, "number": m.4, "issued_on": m.5, "renewed_on": m.6, "expires_on": m.7, "received_at": at(m.8)}))
        .collect();
    let myna_consents: Vec<Value> = db::holdings::myna_consents(c, holder.id)?
        .into_iter()
        .map(|m| json!({"purpose": m.0, "granted_at": at(m.1), "valid_until": at(m.2), "withdrawn_at": opt(m.3), "purged_at": opt(m.4)}))
        .collect();
    let consents: Vec<Value> = db::holdings::consents(c, holder.id)?
        .into_iter()
        .map(|(document, version, agreed)| json!({"document": document, "version": version, "agreed_at": at(agreed)}))
        .collect();
    let sanctions: Vec<Value> = db::holdings::sanctions(c, holder.id)?
        .into_iter()
        .map(|s| json!({"action": s.0.label(), "article": s.1.label(), "state": s.2.label(), "requested_at": at(s.3), "effective_at": opt(s.4), "terms_version": s.5}))
        .collect();
    let disclosures: Vec<Value> = db::holdings::disclosures(c, holder.id)?
        .into_iter()
        .map(|d| json!({"recipient": d.0, "basis": d.1, "disclosed": d.2, "disclosed_at": at(d.3)}))
        .collect();
    let requests: Vec<Value> = db::requests::of_holder(c, holder.id)?
        .into_iter()
        .map(|r| json!({"reference": r.reference, "kind": r.kind.label(), "state": r.state.label(), "received_at": at(r.received_at), "due_on": r.due_on.to_string(), "answered_at": opt(r.answered_at)}))
        .collect();
    let notices: Vec<Value> = db::holdings::notices(c, holder.id)?
        .into_iter()
        .map(|n| json!({"subject": n.0, "body": n.1, "status": n.2, "created_at": at(n.3), "sent_at": opt(n.4)}))
        .collect();
    let filter = db::audit::Filter { holder: Some((holder.id, ids)), ..Default::default() };
    let events: Vec<Value> = db::audit::browse(c, &filter, None, EVENTS)?
        .into_iter()
        .map(|e| json!({"at": at(e.event.occurred_at), "action": e.event.action, "target": e.event.target_type, "by": if e.event.actor_staff_id.is_some() { "staff" } else { e.event.actor.as_str() }}))
        .collect();
    let data = json!({
        "reference": reference,
        "holder": {
            "public_id": holder.public_id, "email": holder.email, "status": holder.status.label(),
            "registered_at": at(holder.created_at), "withdrawn_at": opt(holder.withdrawn_at),
        },
        "registrations": registrations,
        "myna_values": myna,
        "myna_consents": myna_consents,
        "consents": consents,
        "sanctions": sanctions,
        "disclosures_to_third_parties": disclosures,
        "requests": requests,
        "notices": notices,
        "audit_events": events,
    });
    Ok(Gathered { reference: reference.to_owned(), data, photos })
}

const GUIDE: &str = "開示ファイルについて\n\n\
このファイルには、障害者手帳アプリの事務局が保有しているあなたの個人情報がすべて入っています。\n\n\
・disclosure.json: 登録内容（手帳の記載事項）、マイナポータルから取得した情報と同意、利用規約・プライバシーポリシーへの同意、\
処分、第三者への提供の記録、ご請求、お送りしたお知らせ、これらの情報の取り扱いの記録（監査記録）\n\
・photos/: お送りいただいた手帳の写真（登録番号-ページ.jpg）\n\n\
内容に誤りがある場合は、アプリの「お問い合わせ」から訂正をご請求ください。\n";

fn archive(store: &crate::images::ImageStore, g: &Gathered) -> Result<Vec<u8>, Fault> {
    use zip::result::ZipError;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("README.txt", options)?;
    zip.write_all(GUIDE.as_bytes()).map_err(ZipError::Io)?;
    zip.start_file("disclosure.json", options)?;
    zip.write_all(Fault::to_json("disclosure file", &g.data)?.as_bytes()).map_err(ZipError::Io)?;
    for (_, handbook_id, page, key) in &g.photos {
        let bytes = store.get(key)?;
        zip.start_file(format!("photos/{handbook_id}-{page}.jpg"), options)?;
        zip.write_all(&bytes).map_err(ZipError::Io)?;
    }
    Ok(zip.finish()?.into_inner())
}
