//! What the holder reads after a decision (Japanese e-mail text). Staff notes never appear
//! here; only the message written for the holder does.

use super::handbook::HandbookKind;
use super::review::Defect;

/// One corrected field, as the holder is told (terms art. 2(3)).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Correction {
    pub field: String,
    pub before: String,
    pub after: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub subject: String,
    pub body: String,
}

const SIGNATURE: &str = "\n\n――\n障害者手帳アプリ 事務局\nこのメールは送信専用です。お問い合わせはアプリの「お問い合わせ」からお願いします。";

fn addendum(message: &str) -> String {
    let message = message.trim();
    if message.is_empty() { String::new() } else { format!("\n\n【担当者より】\n{message}") }
}

pub fn approved(kind: HandbookKind, message: &str) -> Notice {
    Notice {
        subject: format!("【登録完了】{}の登録が完了しました", kind.label()),
        body: format!(
            "{}の審査が完了し、アプリでご利用いただけるようになりました。駅・バス・タクシーなどの窓口で、アプリの画面をご提示ください。{}{}",
            kind.label(),
            addendum(message),
            SIGNATURE
        ),
    }
}

pub fn corrected(kind: HandbookKind, corrections: &[Correction], message: &str) -> Notice {
    let lines: Vec<String> = corrections.iter().map(|c| format!("・{}：{} → {}", c.field, c.before, c.after)).collect();
    Notice {
        subject: format!("【登録完了】{}の登録が完了しました（登録内容を補正しました）", kind.label()),
        body: format!(
            "{}の審査が完了しました。お送りいただいた内容に不備があったため、事務局で次のとおり補正して登録しました（利用規約 第2条第3項）。\n\n{}\n\n内容に誤りがある場合は、アプリの「お問い合わせ」からご連絡ください。{}{}",
            kind.label(),
            lines.join("\n"),
            addendum(message),
            SIGNATURE
        ),
    }
}

/// The registration was corrected to the government's data from Myna Portal (art. 2(2)–(3)).
pub fn myna_corrected(kind: HandbookKind, corrections: &[Correction]) -> Notice {
    let lines: Vec<String> = corrections.iter().map(|c| format!("・{}：{} → {}", c.field, c.before, c.after)).collect();
    Notice {
        subject: format!("【登録内容の補正】{}の登録内容を補正しました", kind.label()),
        body: format!(
            "ご同意いただいたマイナポータルの情報と照合したところ、登録内容に異なる点があったため、事務局で次のとおり補正しました（利用規約 第2条第2項・第3項）。\n\n{}\n\n内容に誤りがある場合は、アプリの「お問い合わせ」からご連絡ください。{}",
            lines.join("\n"),
            SIGNATURE
        ),
    }
}

/// An approved record was corrected by staff (a correction approved by a second person).
pub fn record_corrected(kind: HandbookKind, corrections: &[Correction]) -> Notice {
    let lines: Vec<String> = corrections.iter().map(|c| format!("・{}：{} → {}", c.field, c.before, c.after)).collect();
    Notice {
        subject: format!("【登録内容の訂正】{}の登録内容を訂正しました", kind.label()),
        body: format!(
            "{}の登録内容を、次のとおり訂正しました。アプリの表示も訂正後の内容に変わっています。\n\n{}\n\n内容に誤りがある場合は、アプリの「お問い合わせ」からご連絡ください。{}",
            kind.label(),
            lines.join("\n"),
            SIGNATURE
        ),
    }
}

pub fn returned(kind: HandbookKind, defects: &[Defect], message: &str) -> Notice {
    let lines: Vec<String> = defects.iter().map(|d| format!("・{}", d.holder_text())).collect();
    Notice {
        subject: format!("【再登録のお願い】{}の写真をもう一度お送りください", kind.label()),
        body: format!(
            "{}の審査で、次の不備が見つかりました（利用規約 第2条第3項）。お手数ですが、アプリから写真を撮り直して、あらためて登録してください。\n\n{}{}{}",
            kind.label(),
            lines.join("\n"),
            addendum(message),
            SIGNATURE
        ),
    }
}

/// Deliberately neutral: a suspected fraud is not announced.
pub fn rejected(kind: HandbookKind) -> Notice {
    Notice {
        subject: format!("【審査結果】{}の登録について", kind.label()),
        body: format!(
            "{}の登録を受け付けることができませんでした。詳しくは、アプリの「お問い合わせ」からサポートセンターへご連絡ください。{}",
            kind.label(),
            SIGNATURE
        ),
    }
}

/// What the holder is told of a sanction taken with notice. Internal notes never appear;
/// the article is cited so the holder can read the terms.
pub fn sanction(action: super::sanctions::Action, article: super::sanctions::Article) -> Notice {
    use super::sanctions::Action::*;
    let cited = article.label();
    let (subject, text) = match action {
        Warning => {
            ("【ご注意】利用規約に関するお知らせ", format!("利用規約（{cited}）に関して、ご注意をお願いいたします。"))
        }
        Suspend => (
            "【利用停止】IDの利用を停止しました",
            format!(
                "利用規約（{cited}）により、IDの利用を停止しました。停止中は窓口でアプリの画面をご利用いただけません。"
            ),
        ),
        Reinstate if article == super::sanctions::Article::CouponViolation => (
            "【クーポン利用再開】クーポンサービスの利用を再開しました",
            "クーポンサービスの利用を再開しました。".to_owned(),
        ),
        Reinstate => {
            ("【利用再開】IDの利用を再開しました", "IDの利用を再開しました。引き続きご利用ください。".to_owned())
        }
        Deprive => (
            "【資格剥奪】IDの資格を剥奪しました",
            format!("利用規約（{cited}）により、IDの資格を剥奪しました。このIDは今後ご利用いただけません。"),
        ),
        CouponSuspend => (
            "【クーポン利用停止】クーポンサービスの利用を停止しました",
            format!(
                "利用規約（{cited}）により、クーポンサービスの利用を停止しました。IDは引き続きご利用いただけます。"
            ),
        ),
        Delete | DeleteEmail | CancelRegistration | Disclose => {
            ("【お知らせ】IDの取り扱いについて", format!("利用規約（{cited}）に基づく対応を行いました。"))
        }
    };
    Notice {
        subject: subject.to_owned(),
        body: format!("{text}\n\nご不明な点は、アプリの「お問い合わせ」からご連絡ください。{SIGNATURE}"),
    }
}

/// The one-time code that gets a lost phone's ID back, sent to the registered address only.
/// The caller reads it back to the support center; whoever found the phone does not have it.
pub fn reinstatement_code(code: &str, reference: &str, minutes: i64) -> Notice {
    Notice {
        subject: "【確認コード】IDの利用再開の手続き".to_owned(),
        body: format!(
            "端末紛失の届出（受付番号 {reference}）によるIDの利用再開の手続きのため、確認コードをお送りします。\n\n確認コード: {code}\n\nサポートセンターの担当者にこのコードをお伝えください。有効期限は{minutes}分です。\n\nお心当たりがない場合は、このコードを誰にも伝えず、アプリの「お問い合わせ」からご連絡ください。担当者がメール以外でこのコードをお尋ねすることはありません。{SIGNATURE}"
        ),
    }
}

/// A request from the holder arrived: its reference and the day it is due.
pub fn request_received(kind: super::requests::RequestKind, reference: &str, due: &str) -> Notice {
    Notice {
        subject: format!("【受付】{}のご請求を受け付けました", kind.label()),
        body: format!(
            "個人情報の{}のご請求を受け付けました（受付番号 {reference}）。本人確認のうえ、{due}までに回答いたします。本人確認のため、事務局からご連絡することがあります。\n\nお心当たりがない場合は、アプリの「お問い合わせ」からご連絡ください。{SIGNATURE}",
            kind.label()
        ),
    }
}

/// The answer to a request (erasure sends none: the address goes with the data).
pub fn request_answered(kind: super::requests::RequestKind, reference: &str) -> Notice {
    use super::requests::RequestKind::*;
    let text = match kind {
        Disclosure => {
            "保有している個人情報を開示しました。開示ファイルは、ご本人確認のときにお伝えした方法でお送りしています。"
        }
        Correction => "ご請求のとおり登録内容を訂正しました。訂正した項目は、別のお知らせでお伝えしています。",
        StopUse => {
            "ご請求により、個人情報の利用を停止し、IDの利用を停止しました。利用の再開を希望される場合は、アプリの「お問い合わせ」からご連絡ください。"
        }
        Erasure => "ご請求により、個人情報を消去しました。",
    };
    Notice {
        subject: format!("【回答】{}のご請求について（受付番号 {reference}）", kind.label()),
        body: format!(
            "個人情報の{}のご請求（受付番号 {reference}）について回答いたします。\n\n{text}{SIGNATURE}",
            kind.label()
        ),
    }
}

/// A request that is not honoured, with the reason the holder is owed (APPI: the reason is told).
pub fn request_refused(kind: super::requests::RequestKind, reference: &str, reason: &str) -> Notice {
    Notice {
        subject: format!("【回答】{}のご請求について（受付番号 {reference}）", kind.label()),
        body: format!(
            "ご請求にはお応えできませんでした。理由は次のとおりです。\n\n{}\n\nご不明な点は、アプリの「お問い合わせ」からご連絡ください。{SIGNATURE}",
            reason.trim()
        ),
    }
}

/// The registered address was changed through the support center: sent to the old address and
/// the new one, so a change the holder did not ask for does not go unnoticed.
pub fn email_changed() -> Notice {
    Notice {
        subject: "【ご確認】登録メールアドレスを変更しました".to_owned(),
        body: format!(
            "サポートセンターへのお申し出により、登録メールアドレスを変更しました。今後のお知らせは新しいアドレスにお送りします。\n\nお心当たりがない場合は、すぐにアプリの「お問い合わせ」からご連絡ください。{SIGNATURE}"
        ),
    }
}

/// Where a notice in the outbox stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Delivery {
    /// Waiting for its (next) attempt.
    Pending,
    Sent,
    /// Given up: a permanent error, or the attempts ran out.
    Failed,
}

impl Delivery {
    pub const ALL: [Delivery; 3] = [Delivery::Pending, Delivery::Sent, Delivery::Failed];

    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Pending => "pending",
            Delivery::Sent => "sent",
            Delivery::Failed => "failed",
        }
    }

    pub fn parse(raw: &str) -> Option<Delivery> {
        Delivery::ALL.into_iter().find(|d| d.as_str() == raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanction_notices_cite_the_article_and_nothing_internal() {
        use crate::domain::sanctions::{Action, Article};
        let n = sanction(Action::Suspend, Article::LostPhone);
        assert!(n.subject.contains("利用停止"));
        assert!(n.body.contains("第3条第4項"));
        let back = sanction(Action::Reinstate, Article::LostPhone);
        assert!(back.subject.contains("利用再開"));
        let coupon = sanction(Action::Reinstate, Article::CouponViolation);
        assert!(coupon.subject.contains("クーポン利用再開"), "the ID itself was never stopped");
    }

    #[test]
    fn delivery_states_round_trip() {
        for d in Delivery::ALL {
            assert_eq!(Delivery::parse(d.as_str()), Some(d));
        }
        assert_eq!(Delivery::parse("Sent"), None);
    }

    #[test]
    fn return_names_each_defect_and_what_to_photograph() {
        let n = returned(HandbookKind::Physical, &[Defect::NoFacePhoto, Defect::Glare], "表紙の裏もお願いします。");
        assert!(n.subject.contains("再登録"));
        assert!(n.body.contains("顔写真のあるページを撮影"));
        assert!(n.body.contains("照明が映り込まない"));
        assert!(n.body.contains("【担当者より】\n表紙の裏もお願いします。"));
    }

    #[test]
    fn correction_lists_before_and_after() {
        let c =
            Correction {
                field: "有効期限".into(), before: "令和8年3月30日".into(), after: "令和8年3月31日".into()
            };
        let n = corrected(HandbookKind::Mental, &[c], "");
        assert!(n.body.contains("・有効期限：令和8年3月30日 → 令和8年3月31日"));
        assert!(!n.body.contains("担当者より"), "no empty addendum");
    }

    #[test]
    fn texts_use_the_company_wording() {
        for n in [
            approved(HandbookKind::Intellectual, ""),
            rejected(HandbookKind::Mental),
            returned(HandbookKind::Physical, &Defect::ALL, ""),
        ] {
            assert!(!n.body.contains("障がい") && !n.subject.contains("障がい"));
        }
        assert!(!rejected(HandbookKind::Mental).body.contains("不正"));
    }
}
