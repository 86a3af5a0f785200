//! Every action the trail records, with the Japanese words staff read: one list for the audit
//! browser's filter, the exports, the holder's timeline and the registration's history. An
//! action missing here still shows, under its code.

/// (code, label), grouped as the filter lists them.
pub const ACTIONS: &[(&str, &str)] = &[
    ("registration.received", "登録の受付"),
    ("registration.superseded", "再提出により置換"),
    ("registration.claimed", "審査の担当開始"),
    ("registration.released", "審査の担当解除"),
    ("registration.held", "審査の保留（責任者確認）"),
    ("registration.unheld", "審査の保留を解除"),
    ("registration.reassigned", "審査の担当変更"),
    ("registration.viewed", "登録内容の閲覧"),
    ("registration.transcribed", "転記を保存"),
    ("registration.ocr_read", "写真の文字を読み取り、転記の候補を作成"),
    ("registration.ocr_failed", "写真の文字の読み取りに失敗"),
    ("registration.face_marked", "顔写真の範囲を指定"),
    ("registration.decided", "審査の判定"),
    ("registration.closed", "IDの終了により登録を終了"),
    ("photos.access_stated", "写真の閲覧理由を記録"),
    ("image.viewed", "手帳写真の閲覧"),
    ("holder.searched", "利用者の検索"),
    ("photos.swept", "写真保管庫の掃除（行のないファイルの削除）"),
    ("queue.searched", "審査キューの検索"),
    ("holder.viewed", "利用者プロフィールの閲覧"),
    ("holder.email_changed", "メールアドレスの変更"),
    ("holder.withdrawn", "退会"),
    ("withdrawal.proposed", "退会を起案"),
    ("withdrawal.approved", "退会の起案を承認・実施"),
    ("withdrawal.rejected", "退会の起案を却下"),
    ("withdrawal.closed", "IDの終了により退会の起案を終了"),
    ("correction.proposed", "承認済みの登録内容の訂正を起案（項目名のみ記録）"),
    ("correction.approved", "訂正の起案を承認・登録内容とカードを訂正"),
    ("correction.rejected", "訂正の起案を却下"),
    ("retention.purged", "保存期間を過ぎた写真・転記を削除（件数の受領記録）"),
    ("retention.hold_placed", "法的保留を設定（保存期間を過ぎても保持）"),
    ("retention.hold_lifted", "法的保留を解除"),
    ("holder.email_change_proposed", "サポートセンター経由のメールアドレス変更を起案"),
    ("holder.email_change_rejected", "メールアドレス変更の起案を却下"),
    ("contact.logged", "サポートセンターへの問い合わせを記録"),
    ("contact.viewed", "問い合わせの対応内容を閲覧"),
    ("notice.resent", "通知を再送（理由を記録）"),
    ("request.received", "本人からの請求（開示・訂正・利用停止・消去）を受付"),
    ("request.verified", "請求者の本人確認を記録"),
    ("request.disclosure_produced", "開示ファイルを作成"),
    ("request.answered", "請求に回答（利用停止・消去はこのとき実施）"),
    ("request.refused", "請求に応じない旨を理由とともに回答"),
    ("holder.disclosed", "第三者への開示を記録"),
    ("handbook.returned_reported", "手帳の返還を記録"),
    ("sanction.applied", "処分を実施"),
    ("sanction.proposed", "処分を起案"),
    ("sanction.approved", "処分を承認・実施"),
    ("sanction.rejected", "処分の起案を却下"),
    ("sanction.closed", "IDの終了により処分の起案を終了"),
    ("lost_device.reported", "端末紛失の受付"),
    ("lost_device.not_verified", "端末紛失: 本人確認できず"),
    ("lost_device.suspended", "端末紛失: 利用停止"),
    ("lost_device.card_refused", "停止後のカード表示を拒否"),
    ("lost_device.reinstated", "端末紛失: 利用再開"),
    ("lost_device.code_sent", "端末紛失: 利用再開の確認コードを登録メールアドレスに送信"),
    ("lost_device.locked", "端末紛失: 本人確認の上限に達した"),
    ("lost_device.unlocked", "端末紛失: 審査責任者が本人確認の上限を解除"),
    ("lost_device.reviewed", "端末紛失: 審査責任者が利用再開を確認"),
    ("card.read", "アプリのカード表示"),
    ("card.face_read", "アプリの顔写真表示"),
    ("notification.sent", "利用者への通知を送信"),
    ("notification.retry_scheduled", "通知の再送を予定"),
    ("notification.failed", "通知を送信できず"),
    ("staff.login", "サインイン"),
    ("staff.login_failed", "サインインの失敗"),
    ("staff.locked_out", "アカウントのロック"),
    ("staff.logout", "サインアウト"),
    ("staff.totp_enrolled", "認証アプリの登録"),
    ("staff.totp_reset", "認証アプリの再設定"),
    ("staff.created", "職員アカウントの作成"),
    ("staff.role_changed", "職員の役割の変更"),
    ("terms.version_recorded", "利用規約・プライバシーポリシーの版と施行日を登録"),
    ("staff.enrolled", "職員が登録用リンクで自分のパスワードを設定"),
    ("staff.role_proposed", "審査責任者・システム管理者の権限付与を起案"),
    ("staff.role_approved", "権限付与の起案を承認"),
    ("staff.role_rejected", "権限付与の起案を却下"),
    ("staff.activated", "職員アカウントの有効化"),
    ("staff.deactivated", "職員アカウントの無効化"),
    ("staff.sessions_ended", "職員のセッションを終了"),
    ("staff.password_reset", "職員のパスワードの再発行"),
    ("staff.password_changed", "パスワードの変更"),
    ("myna.delivered", "マイナポータルからの受信"),
    ("myna.refused", "マイナポータルからの受信を拒否（同意と違う利用目的）"),
    ("myna.purged", "マイナポータルの情報を消去"),
    ("myna.viewed", "マイナポータルの情報を閲覧"),
    ("myna.verified", "マイナポータルと照合済み（連携済）"),
    ("myna.mismatch", "マイナポータルと不一致（未連携）"),
    ("myna.corrected", "マイナポータルの値で登録内容を補正"),
    ("myna.requested", "マイナポータル照会の受付（利用者の同意）"),
    ("myna.request_sent", "マイナポータルへ照会を送信"),
    ("myna.request_waiting", "マイナポータル照会の待機"),
    ("myna.request_ended", "マイナポータル照会の終了"),
    ("myna.request_rescheduled", "マイナポータル照会の日時変更"),
    ("myna.request_cancelled", "マイナポータル照会の取消し"),
    ("audit.verified", "監査ログの検証"),
    ("export.downloaded", "CSVの出力"),
    ("backup.taken", "バックアップの取得"),
    ("backup.restored", "バックアップからの復元"),
];

/// Actions that record a read, not a change: a holder's timeline leaves them out (an app that
/// reads the card all day would otherwise push every change off it); the trail keeps them.
pub const READS: &[&str] = &[
    "holder.viewed",
    "holder.searched",
    "queue.searched",
    "registration.viewed",
    "image.viewed",
    "card.read",
    "card.face_read",
    "myna.viewed",
    "contact.viewed",
];

/// The label of an action, or `None` for a code this version does not know.
pub fn label(action: &str) -> Option<&'static str> {
    ACTIONS.iter().find(|(code, _)| *code == action).map(|(_, label)| *label)
}

/// Whether `action` is one the filter may ask for (the query then uses the action index).
pub fn known(action: &str) -> bool {
    label(action).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_listed_actions() {
        assert!(READS.iter().all(|r| known(r)));
    }

    #[test]
    fn codes_are_unique_and_labelled() {
        let mut codes: Vec<_> = ACTIONS.iter().map(|(c, _)| *c).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), ACTIONS.len());
        assert!(ACTIONS.iter().all(|(_, l)| !l.is_empty()));
        assert_eq!(label("card.read"), Some("アプリのカード表示"));
        assert_eq!(label("made.up"), None);
    }

    /// Every `.rs` file under `src/`, read from disk: a new file that writes audit events can
    /// never be missed by a hand-kept list.
    fn sources(dir: &std::path::Path, out: &mut Vec<(std::path::PathBuf, String)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((path, text));
            }
        }
    }

    #[test]
    fn every_action_the_code_writes_is_listed() {
        // Each audit entry made with a literal action code names a listed action.
        let mut files = Vec::new();
        sources(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
        // Spelled in two halves, so this test's own source is not taken for a writer.
        let needle = concat!("AuditEntry", "::new(");
        let mut writers = 0;
        for (path, source) in &files {
            let mut writes = false;
            for part in source.split(needle).skip(1) {
                let Some(code) = part.split('"').nth(1) else { continue };
                if code.contains('.') {
                    writes = true;
                    assert!(known(code), "{code} (written in {}) is not in the catalogue", path.display());
                }
            }
            writers += usize::from(writes);
        }
        // The walk found the writers (services, jobs, web, tools), not an empty folder.
        assert!(writers >= 20, "only {writers} files write audit events");
    }
}
