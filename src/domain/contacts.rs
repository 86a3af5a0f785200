//! The support center's contact log: every contact with a holder, not only lost phones, with
//! its channel and topic, so the next agent knows what was said. Notes are special-care data:
//! a note may be kept for supervisors only, and support then sees that a note exists, not it.

use super::staff::Role;

/// How the holder reached the support center (the manual names the form, the phone and the
/// e-mail address).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContactChannel {
    Form,
    Phone,
    Email,
}

impl ContactChannel {
    pub const ALL: [ContactChannel; 3] = [ContactChannel::Form, ContactChannel::Phone, ContactChannel::Email];

    pub fn code(self) -> &'static str {
        match self {
            ContactChannel::Form => "form",
            ContactChannel::Phone => "phone",
            ContactChannel::Email => "email",
        }
    }

    pub fn parse(code: &str) -> Option<ContactChannel> {
        ContactChannel::ALL.into_iter().find(|c| c.code() == code.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            ContactChannel::Form => "お問い合わせフォーム",
            ContactChannel::Phone => "電話",
            ContactChannel::Email => "メール（support@…）",
        }
    }
}

/// What the contact was about: a short list, so the dashboard can count them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Topic {
    DefectNotice,
    EmailChange,
    Complaint,
    TermsRequest,
    HowToUse,
    Other,
}

impl Topic {
    pub const ALL: [Topic; 6] =
        [Topic::DefectNotice, Topic::EmailChange, Topic::Complaint, Topic::TermsRequest, Topic::HowToUse, Topic::Other];

    pub fn code(self) -> &'static str {
        match self {
            Topic::DefectNotice => "defect_notice",
            Topic::EmailChange => "email_change",
            Topic::Complaint => "complaint",
            Topic::TermsRequest => "terms_request",
            Topic::HowToUse => "how_to_use",
            Topic::Other => "other",
        }
    }

    pub fn parse(code: &str) -> Option<Topic> {
        Topic::ALL.into_iter().find(|t| t.code() == code.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            Topic::DefectNotice => "不備・差し戻しのお知らせについて",
            Topic::EmailChange => "メールアドレスの変更",
            Topic::Complaint => "苦情",
            Topic::TermsRequest => "規約に基づく申出・請求",
            Topic::HowToUse => "使い方の質問",
            Topic::Other => "その他",
        }
    }
}

/// May `role` read a note kept `restricted` (supervisors only)?
pub fn may_read_note(role: Role, restricted: bool) -> bool {
    match role {
        Role::Supervisor => true,
        Role::Support => !restricted,
        _ => false,
    }
}

/// A note: what was asked and answered, 1 to 2000 characters.
pub fn check_note(note: &str) -> Result<(), &'static str> {
    match note.trim().chars().count() {
        0 => Err("対応の内容を記録してください。"),
        n if n > 2000 => Err("対応の内容は2000文字以内で入力してください。"),
        _ => Ok(()),
    }
}

/// Resending a notice says why (the holder did not receive it, the address was corrected…).
pub fn check_resend_reason(reason: &str) -> Result<(), &'static str> {
    match reason.trim().chars().count() {
        n if n < 4 => Err("再送の理由を4文字以上で記録してください（例: 迷惑メールに振り分けられた）。"),
        n if n > 500 => Err("再送の理由は500文字以内で入力してください。"),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for c in ContactChannel::ALL {
            assert_eq!(ContactChannel::parse(c.code()), Some(c));
        }
        for t in Topic::ALL {
            assert_eq!(Topic::parse(t.code()), Some(t));
        }
    }

    #[test]
    fn support_does_not_read_a_supervisors_only_note() {
        assert!(may_read_note(Role::Support, false));
        assert!(!may_read_note(Role::Support, true));
        assert!(may_read_note(Role::Supervisor, true));
        assert!(!may_read_note(Role::Reviewer, false) && !may_read_note(Role::Auditor, false));
    }

    #[test]
    fn notes_and_reasons_are_bounded() {
        assert!(check_note("  ").is_err() && check_note(&"あ".repeat(2001)).is_err());
        assert!(check_note("差し戻しの理由を説明").is_ok());
        assert!(check_resend_reason("再送").is_err());
        assert!(check_resend_reason("迷惑メールに入っていた").is_ok());
    }
}
