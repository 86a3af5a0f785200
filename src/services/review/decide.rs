//! Decisions. Each one, in one transaction: the new state, the decision record with the
//! holder's message and the internal note kept apart, its defects, exactly one notice in the
//! outbox, a sanction proposal for suspected fraud, and the audit event.

use serde_json::json;
use time::PrimitiveDateTime;

use super::transcribe::{input_of, latest_input};
use super::{Acting, ReviewFailure, claim_state, lock_registration};
use crate::audit::{self, Actor, AuditEntry};
use crate::clock::{to_db, today_jst};
use crate::db::decisions::{NewDecision, NewDefect, NewNotification};
use crate::db::handbooks::HandbookRow;
use crate::db::holders::HolderRow;
use crate::db::{self, DbConnection, write_tx};
use crate::domain::decision::{DecisionInput, Registration};
use crate::domain::holder_state::Event;
use crate::domain::notice::{self, Correction, Notice};
use crate::domain::review::{self, Decision, Defect};
use crate::domain::transcription::{self, Field, FieldNote};
use crate::error::Fault;

pub enum DecideResult {
    Decided {
        decision: Decision,
        notification_id: i64,
        sanction_id: Option<i64>,
    },
    Invalid(Vec<FieldNote>),
    /// The registration changed since the form was loaded.
    Stale,
}

/// What one decision wrote, for its audit event.
struct Written {
    decision_id: i64,
    notification_id: i64,
    sanction_id: Option<i64>,
}

pub fn decide(
    conn: &mut DbConnection,
    id: i64,
    acting: &Acting<'_>,
    input: &DecisionInput,
) -> Result<DecideResult, ReviewFailure> {
    let Some(decision) = input.decision else { return Ok(DecideResult::Invalid(input.problems())) };
    let form_problems = input.problems();
    write_tx(conn, |c| {
        let row = lock_registration(c, id)?;
        review::may_work(&claim_state(&row), acting.staff_id, acting.role, acting.now)?;
        if row.version != input.version {
            return Ok(DecideResult::Stale);
        }
        let corrected =
            if decision == Decision::ApproveWithCorrections { corrections(c, &row, acting)? } else { vec![] };
        let open_suggestions = db::ocr::open_fields(c, id)?;
        let registration = registration_facts(c, &row, acting, corrected.len(), open_suggestions.len())?;
        let mut errors = form_problems.clone();
        errors.extend(input.problems_with(decision, &registration));
        if !errors.is_empty() {
            return Ok(DecideResult::Invalid(errors));
        }
        let holder = db::holders::find(c, row.holder_id)?.ok_or(ReviewFailure::NotFound)?;
        let now = to_db(acting.now);
        db::handbooks::decided(c, id, decision.resulting_status(), acting.staff_id, now)?;
        let mut dismissed = Vec::new();
        if decision.needs_transcription() {
            approve(c, &row, &holder, now)?;
            // Approved with the unused suggestions confirmed: they did not apply.
            db::ocr::dismiss_open(c, id, now)?;
            dismissed = open_suggestions;
        }
        let written = record(c, &row, &holder, decision, input, &corrected, acting)?;
        audit::append(
            c,
            acting.audit,
            now,
            AuditEntry::new(Actor::Staff(acting.staff_id), "registration.decided", "handbook", id)
                .details(json!({
                    "decision": decision.as_str(),
                    "decision_id": written.decision_id,
                    "defects": input.defects.iter().map(|d| d.code()).collect::<Vec<_>>(),
                    "corrected_fields": corrected.iter().map(|c| c.field.clone()).collect::<Vec<_>>(),
                    "suggestions_dismissed": dismissed,
                    "notification_id": written.notification_id,
                    "sanction_id": written.sanction_id,
                }))
                .request_id(acting.request_id),
        )?;
        Ok(DecideResult::Decided {
            decision,
            notification_id: written.notification_id,
            sanction_id: written.sanction_id,
        })
    })
}

/// What staff corrected: the fields changed between the first saved transcription (what the
/// photos showed) and the last, and the kind when it differs from what the holder said.
fn corrections(c: &mut DbConnection, row: &HandbookRow, acting: &Acting<'_>) -> Result<Vec<Correction>, ReviewFailure> {
    let revisions = db::fields::revisions(c, row.id)?;
    let first = revisions.first().map(input_of).transpose()?;
    let last = latest_input(c, row.id)?.map(|(input, _)| input);
    let mut changed = match (first, last) {
        (Some(first), Some(last)) => transcription::changes(&first, &last, today_jst(acting.now)),
        _ => Vec::new(),
    };
    let submitted = db::handbooks::submitted_kind(c, row.id)?;
    if let Some(before) = submitted
        && before != row.kind
        && !changed.iter().any(|c| c.field == Field::Kind)
    {
        changed.insert(
            0,
            transcription::Changed {
                field: Field::Kind,
                before: before.label().to_owned(),
                after: row.kind.label().to_owned(),
            },
        );
    }
    Ok(changed
        .into_iter()
        .map(|c| Correction { field: c.field.label().to_owned(), before: c.before, after: c.after })
        .collect())
}

/// The facts of the registration a decision is checked against.
fn registration_facts(
    c: &mut DbConnection,
    row: &HandbookRow,
    acting: &Acting<'_>,
    corrected_fields: usize,
    unused_suggestions: usize,
) -> Result<Registration, ReviewFailure> {
    let fields = db::fields::find(c, row.id)?;
    let lookalikes = match &fields {
        Some(f) => {
            db::fields::same_number(c, row.holder_id, &f.municipality_key, &f.number_key)?.len()
                + db::fields::same_person(c, row.holder_id, &f.name_key, f.birth_date)?.len()
        }
        None => 0,
    };
    // The saved transcription's warnings, read as the review screen reads them.
    let warnings = match super::transcribe::latest_input(c, row.id)? {
        Some((input, _)) => {
            crate::domain::transcription::Transcription::parse(&input, today_jst(acting.now)).warnings.len()
        }
        None => 0,
    };
    Ok(Registration {
        unused_suggestions,
        warnings,
        transcribed: fields.is_some(),
        expired: fields.as_ref().and_then(|f| f.expires_on).is_some_and(|e| e < today_jst(acting.now)),
        proxy: row.proxy,
        lookalikes,
        corrected_fields,
        face_marked: db::handbooks::face_of(c, row.id)?.is_some_and(|f| f.key.is_some()),
    })
}

/// An approval: the newest approval of a kind is the one counters see, and a pending holder's
/// ID comes into use.
fn approve(
    c: &mut DbConnection,
    row: &HandbookRow,
    holder: &HolderRow,
    now: PrimitiveDateTime,
) -> Result<(), ReviewFailure> {
    for older in db::handbooks::approved_of_kind(c, row.holder_id, row.kind, row.id)? {
        db::handbooks::set_status(c, older, crate::domain::handbook::ReviewStatus::Superseded, now)?;
    }
    // Through the gate: a pending ID comes into use; a suspension stays in force; an ended
    // ID stays ended.
    let state = db::sanctions::holder_state(c, holder)?;
    if let Ok(next) = state.apply(Event::Approved)
        && next.status() != holder.status
    {
        db::holders::set_state(c, holder.id, next.status(), next.coupon_suspended, now)?;
    }
    Ok(())
}

/// The decision record, its defects or corrections, the one notice, and a sanction proposal
/// for suspected fraud.
fn record(
    c: &mut DbConnection,
    row: &HandbookRow,
    holder: &HolderRow,
    decision: Decision,
    input: &DecisionInput,
    corrected: &[Correction],
    acting: &Acting<'_>,
) -> Result<Written, ReviewFailure> {
    let now = to_db(acting.now);
    let holder_message = input.message_to_holder();
    let codes: Vec<&str> = input.defects.iter().map(|d| d.code()).collect();
    let decision_id = db::decisions::insert(
        c,
        &NewDecision {
            handbook_id: row.id,
            decision,
            decided_by: acting.staff_id,
            decided_at: now,
            holder_message: &holder_message,
            internal_note: input.internal_note.trim(),
            defect_codes: &codes.join(","),
            corrections: &Fault::to_json("corrections", &corrected)?,
        },
    )?;
    let defects = if decision == Decision::Return { input.defects.as_slice() } else { &[] };
    for defect in defects {
        db::decisions::insert_defect(c, &NewDefect::uncorrectable(row.id, decision_id, *defect, now))?;
    }
    for correction in corrected {
        db::decisions::insert_defect(
            c,
            &NewDefect {
                handbook_id: row.id,
                decision_id,
                code: Defect::DataMismatch,
                field: Some(&correction.field),
                correctable: true,
                before_value: Some(&correction.before),
                after_value: Some(&correction.after),
                created_at: now,
            },
        )?;
    }
    let message = notice_for(decision, row, defects, corrected, &holder_message);
    let notification_id = db::decisions::enqueue(
        c,
        &NewNotification {
            holder_id: holder.id,
            handbook_id: Some(row.id),
            kind: decision.as_str(),
            recipient: holder.email.as_deref(),
            subject: &message.subject,
            body: &message.body,
            next_attempt_at: now,
            created_at: now,
        },
    )?;
    let sanction_id = match decision {
        Decision::Reject => {
            crate::services::sanctions::hold_for_fraud(c, holder, row.id, input.internal_note.trim(), acting)?
        }
        _ => None,
    };
    Ok(Written { decision_id, notification_id, sanction_id })
}

fn notice_for(
    decision: Decision,
    row: &HandbookRow,
    defects: &[Defect],
    corrected: &[Correction],
    holder_message: &str,
) -> Notice {
    match decision {
        Decision::Approve => notice::approved(row.kind, holder_message),
        Decision::ApproveWithCorrections => notice::corrected(row.kind, corrected, holder_message),
        Decision::Return => notice::returned(row.kind, defects, holder_message),
        Decision::Reject => notice::rejected(row.kind),
    }
}
