//! A holder's requests under the APPI (開示・訂正・利用停止・消去): the four kinds, the life of
//! a request (received → identity verified → answered, or refused with a reason at any point
//! before an answer), its due date and who may move it. A request is the holder's own act, so
//! what it does to the ID cites the request, never an article of violation (DOMAIN.md "The
//! holder's rights and the data's life").

use std::fmt;

use time::Date;

use super::staff::Role;

/// What the holder asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RequestKind {
    /// 開示: everything held about them.
    Disclosure,
    /// 訂正: a wrong value of an approved record (through the correction flow).
    Correction,
    /// 利用停止: stop using the data; the ID is suspended under the request.
    StopUse,
    /// 消去: erase the data, as 抹消 does, citing the request.
    Erasure,
}

impl RequestKind {
    pub const ALL: [RequestKind; 4] =
        [RequestKind::Disclosure, RequestKind::Correction, RequestKind::StopUse, RequestKind::Erasure];

    pub fn code(self) -> &'static str {
        match self {
            RequestKind::Disclosure => "disclosure",
            RequestKind::Correction => "correction",
            RequestKind::StopUse => "stop_use",
            RequestKind::Erasure => "erasure",
        }
    }

    pub fn parse(code: &str) -> Option<RequestKind> {
        RequestKind::ALL.into_iter().find(|k| k.code() == code.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            RequestKind::Disclosure => "開示",
            RequestKind::Correction => "訂正",
            RequestKind::StopUse => "利用停止",
            RequestKind::Erasure => "消去",
        }
    }

    /// What answering the request does, as the confirmation before it says.
    pub fn effect(self) -> &'static str {
        match self {
            RequestKind::Disclosure => "開示ファイルを作成して送付したことを記録します。IDの状態は変わりません。",
            RequestKind::Correction => {
                "承認された訂正を回答として記録します。訂正は訂正の起案と別の人の承認で行います。"
            }
            RequestKind::StopUse => {
                "IDは本人の請求による利用停止となり、カードは使えなくなります。マイナポータルの情報は消去されます。本人から再開の申し出があれば利用再開できます。"
            }
            RequestKind::Erasure => {
                "個人情報・手帳の写真・転記・お知らせの文面・マイナポータルの情報が消去され、カードは表示されなくなります。取り消せません。"
            }
        }
    }
}

impl fmt::Display for RequestKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Where a request stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RequestState {
    Received,
    /// The requester was identified as the holder.
    Verified,
    Answered,
    Refused,
}

impl RequestState {
    pub const ALL: [RequestState; 4] =
        [RequestState::Received, RequestState::Verified, RequestState::Answered, RequestState::Refused];
    /// Still waiting for someone: what the work list and the due date are about.
    pub const OPEN: [RequestState; 2] = [RequestState::Received, RequestState::Verified];

    pub fn code(self) -> &'static str {
        match self {
            RequestState::Received => "received",
            RequestState::Verified => "verified",
            RequestState::Answered => "answered",
            RequestState::Refused => "refused",
        }
    }

    pub fn parse(code: &str) -> Option<RequestState> {
        RequestState::ALL.into_iter().find(|s| s.code() == code.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            RequestState::Received => "受付",
            RequestState::Verified => "本人確認済",
            RequestState::Answered => "回答済",
            RequestState::Refused => "不応諾（理由を記録）",
        }
    }

    pub fn is_open(self) -> bool {
        RequestState::OPEN.contains(&self)
    }
}

/// Where a request came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    /// The app's backend, after the holder signed in to the app.
    App,
    /// The support center, from a contact it verified.
    Support,
}

impl Channel {
    pub fn code(self) -> &'static str {
        match self {
            Channel::App => "app",
            Channel::Support => "support",
        }
    }

    pub fn parse(code: &str) -> Option<Channel> {
        [Channel::App, Channel::Support].into_iter().find(|c| c.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Channel::App => "アプリ",
            Channel::Support => "サポートセンター",
        }
    }
}

/// How the requester was identified as the holder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdentityCheck {
    /// Signed in to the app on the registered device, and the registered e-mail answered.
    AppAndEmail,
    /// A copy of an identity document matched the handbook's name and birth date.
    Document,
    /// A call back to the registered contact and the handbook's facts.
    CallBack,
}

impl IdentityCheck {
    pub const ALL: [IdentityCheck; 3] = [IdentityCheck::AppAndEmail, IdentityCheck::Document, IdentityCheck::CallBack];

    pub fn code(self) -> &'static str {
        match self {
            IdentityCheck::AppAndEmail => "app_and_email",
            IdentityCheck::Document => "document",
            IdentityCheck::CallBack => "call_back",
        }
    }

    pub fn parse(code: &str) -> Option<IdentityCheck> {
        IdentityCheck::ALL.into_iter().find(|c| c.code() == code.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            IdentityCheck::AppAndEmail => "アプリのログインと登録メールアドレスへの確認",
            IdentityCheck::Document => "本人確認書類の写し（氏名・生年月日を手帳と照合）",
            IdentityCheck::CallBack => "登録の連絡先への折り返しと手帳の記載事項",
        }
    }
}

/// Why a step on a request is refused, in words for the person who tried it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("この請求はすでに回答済みか、不応諾です。")]
    Closed,
    #[error("本人確認がまだです。本人確認を記録してから回答してください。")]
    NotVerified,
    #[error("本人確認はすでに記録されています。")]
    AlreadyVerified,
    #[error("本人確認をした人とは別の人が回答します（二人の目）。")]
    SamePerson,
    #[error("この操作の権限がありません。")]
    NotAllowedForRole,
    #[error("理由・メモを10文字以上で記録してください。")]
    NoteTooShort,
    #[error("理由・メモは2000文字以内で入力してください。")]
    NoteTooLong,
    #[error("開示ファイルがまだ作成されていません。作成して送付してから回答を記録してください。")]
    NoDisclosureFile,
    #[error("この請求に結びついた訂正がまだ承認されていません。")]
    NoCorrection,
    #[error("画面の表示が古くなっています。開き直してから操作してください。")]
    Stale,
}

/// The day a request is due: `days` calendar days after the day (in Japan) it arrived.
pub fn due_on(received: Date, days: u16) -> Date {
    received.saturating_add(time::Duration::days(i64::from(days)))
}

/// Overdue: still open after its due day.
pub fn overdue(state: RequestState, due: Date, today: Date) -> bool {
    state.is_open() && today > due
}

/// Who may record a verification: the support center, which takes contacts, and supervisors.
pub fn may_verify(role: Role) -> bool {
    matches!(role, Role::Support | Role::Supervisor)
}

/// May `answerer` (a supervisor) answer or refuse after verification? Never the person who
/// verified: one person alone could otherwise hand a stranger everything held about a holder
/// or erase a valid ID on a false request.
pub fn may_answer(
    role: Role,
    state: RequestState,
    verified_by: Option<i64>,
    answerer: i64,
) -> Result<(), RequestError> {
    if role != Role::Supervisor {
        return Err(RequestError::NotAllowedForRole);
    }
    match state {
        RequestState::Answered | RequestState::Refused => Err(RequestError::Closed),
        RequestState::Received => Err(RequestError::NotVerified),
        RequestState::Verified if verified_by == Some(answerer) => Err(RequestError::SamePerson),
        RequestState::Verified => Ok(()),
    }
}

/// May a request be refused now? Only while open, by a supervisor; a refusal before
/// verification (the requester could not be identified) needs no second person.
pub fn may_refuse(role: Role, state: RequestState) -> Result<(), RequestError> {
    if role != Role::Supervisor {
        return Err(RequestError::NotAllowedForRole);
    }
    if !state.is_open() {
        return Err(RequestError::Closed);
    }
    Ok(())
}

/// A note or reason on a request: 10 to 2000 characters, so whoever reads it later knows why.
pub fn check_note(note: &str) -> Result<(), RequestError> {
    match note.trim().chars().count() {
        n if n < 10 => Err(RequestError::NoteTooShort),
        n if n > 2000 => Err(RequestError::NoteTooLong),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn codes_round_trip() {
        for k in RequestKind::ALL {
            assert_eq!(RequestKind::parse(k.code()), Some(k));
        }
        for s in RequestState::ALL {
            assert_eq!(RequestState::parse(s.code()), Some(s));
        }
        for c in IdentityCheck::ALL {
            assert_eq!(IdentityCheck::parse(c.code()), Some(c));
        }
        assert_eq!(RequestKind::parse("delete"), None);
    }

    #[test]
    fn due_date_counts_calendar_days_from_arrival() {
        assert_eq!(due_on(date!(2026 - 12 - 25), 14), date!(2027 - 01 - 08));
        assert!(!overdue(RequestState::Received, date!(2027 - 01 - 08), date!(2027 - 01 - 08)));
        assert!(overdue(RequestState::Verified, date!(2027 - 01 - 08), date!(2027 - 01 - 09)));
        assert!(
            !overdue(RequestState::Answered, date!(2027 - 01 - 08), date!(2027 - 02 - 01)),
            "answered is never late"
        );
    }

    #[test]
    fn the_verifier_cannot_answer() {
        assert_eq!(may_answer(Role::Supervisor, RequestState::Verified, Some(7), 7), Err(RequestError::SamePerson));
        assert_eq!(may_answer(Role::Supervisor, RequestState::Verified, Some(7), 8), Ok(()));
    }

    #[test]
    fn answering_needs_verification_and_an_open_request() {
        assert_eq!(may_answer(Role::Supervisor, RequestState::Received, None, 8), Err(RequestError::NotVerified));
        assert_eq!(may_answer(Role::Supervisor, RequestState::Answered, Some(7), 8), Err(RequestError::Closed));
        assert_eq!(may_refuse(Role::Supervisor, RequestState::Refused), Err(RequestError::Closed));
        assert_eq!(may_refuse(Role::Supervisor, RequestState::Received), Ok(()));
    }

    #[test]
    fn only_supervisors_answer_and_support_may_verify() {
        assert_eq!(may_answer(Role::Support, RequestState::Verified, Some(7), 8), Err(RequestError::NotAllowedForRole));
        assert_eq!(may_refuse(Role::Reviewer, RequestState::Received), Err(RequestError::NotAllowedForRole));
        assert!(may_verify(Role::Support) && may_verify(Role::Supervisor));
        assert!(!may_verify(Role::Reviewer) && !may_verify(Role::Auditor) && !may_verify(Role::Admin));
    }

    #[test]
    fn notes_say_why() {
        assert_eq!(check_note("短い"), Err(RequestError::NoteTooShort));
        assert_eq!(check_note(&"あ".repeat(2001)), Err(RequestError::NoteTooLong));
        assert_eq!(check_note("本人確認書類の写しで確認しました。"), Ok(()));
    }
}
