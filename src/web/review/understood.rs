//! `POST /registrations/{id}/understood`: what the server reads in the transcription form as
//! it stands, field by field (what was understood, a warning), for the live hint beside each
//! field. The server stays the judge: the script shows its answer and decides nothing; nothing
//! is stored, and the values typed never appear in a URL or a log.

use actix_web::{HttpResponse, web};
use serde_json::{Map, Value, json};

use crate::clock::today_jst;
use crate::domain::normalize;
use crate::domain::transcription::{Transcription, TranscriptionInput};
use crate::web::access::Reviewers;
use crate::web::auth::RequireRole;
use crate::web::error::{AppError, AppResult};
use crate::web::forms::HtmlForm;
use crate::web::state::AppState;

/// Per field: `reading` (what was understood) and `warning`, each present only when there is one.
pub fn readings(input: &TranscriptionInput, today: time::Date) -> Map<String, Value> {
    let parsed = Transcription::parse(input, today);
    let mut out: Map<String, Value> = Map::new();
    let mut set = |field: &str, key: &str, value: String| {
        let entry = out.entry(field.to_owned()).or_insert_with(|| json!({}));
        if let Some(map) = entry.as_object_mut() {
            map.insert(key.to_owned(), Value::String(value));
        }
    };
    for u in &parsed.understood {
        set(u.field, "reading", format!("{}（{}）", u.display, u.iso));
    }
    let typed = |raw: &str| !raw.trim().is_empty();
    if typed(&input.number) && !normalize::handbook_number_key(&input.number).is_empty() {
        set("number", "reading", normalize::handbook_number_key(&input.number));
    }
    if typed(&input.municipality) {
        set("municipality", "reading", normalize::municipality_key(&input.municipality));
    }
    if typed(&input.name_kana) {
        set("name_kana", "reading", normalize::kana_key(&input.name_kana));
    }
    for w in &parsed.warnings {
        set(w.field, "warning", w.message.clone());
    }
    out
}

pub async fn understood(
    state: web::Data<AppState>,
    _staff: RequireRole<Reviewers>,
    _id: web::Path<i64>,
    form: HtmlForm<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let encoded = serde_html_form::to_string(form.into_inner()).map_err(|_| AppError::BadRequest("form"))?;
    let input: TranscriptionInput =
        serde_html_form::from_str(&encoded).map_err(|_| AppError::BadRequest("transcription form"))?;
    let fields = readings(&input, today_jst(state.clock.now()));
    Ok(HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(json!({ "fields": fields })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn each_field_reads_as_the_server_reads_it() {
        let input = TranscriptionInput {
            kind: "mental".into(),
            grade: "1級".into(),
            fare_class: "2".into(),
            number: "第１２３４５号".into(),
            municipality: "若葉市長".into(),
            name_kana: "たかはし".into(),
            birth_date: "平成6年3月1日生".into(),
            ..Default::default()
        };
        let out = readings(&input, date!(2026 - 11 - 25));
        assert_eq!(out["number"]["reading"], "12345");
        assert_eq!(out["municipality"]["reading"], "若葉市");
        assert!(out["birth_date"]["reading"].as_str().is_some_and(|r| r.contains("1994-03-01")));
        assert!(out.get("fare_class").is_none(), "the fare warning needs the whole form to parse");
        assert!(out.get("name").is_none(), "nothing for an empty field");
        let whole = TranscriptionInput {
            name: "高橋 太郎".into(),
            name_kana: "タカハシ タロウ".into(),
            disability_category: "精神障害".into(),
            issued_on: "令和7年4月1日".into(),
            expires_on: "令和9年3月31日".into(),
            ..input
        };
        let out = readings(&whole, date!(2026 - 11 - 25));
        assert!(out["fare_class"]["warning"].as_str().is_some_and(|w| w.contains("第1種")), "{out:?}");
    }
}
