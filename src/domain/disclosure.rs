//! Disclosures of a holder's information to a third party (terms art. 6, DOMAIN.md "Personal
//! data"): outside a coupon sanction, only on legal grounds or with the holder's consent, and
//! always recorded with recipient, basis and what was disclosed.

/// Why a disclosure outside a sanction is allowed at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grounds {
    /// A request with a legal basis (an inquiry under the Code of Criminal Procedure art.
    /// 197(2), a court order, ...): the citation names the law.
    Law,
    /// The holder agreed to this disclosure: the citation says how and when.
    Consent,
}

impl Grounds {
    pub const ALL: [Grounds; 2] = [Grounds::Law, Grounds::Consent];

    pub fn code(self) -> &'static str {
        match self {
            Grounds::Law => "law",
            Grounds::Consent => "consent",
        }
    }

    pub fn parse(code: &str) -> Option<Grounds> {
        Self::ALL.into_iter().find(|g| g.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Grounds::Law => "法令に基づく",
            Grounds::Consent => "本人の同意",
        }
    }
}

/// What each text of a disclosure may hold.
pub const MAX_CHARS: usize = 500;

/// A disclosure, checked: every part present and of a sane length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disclosure {
    pub grounds: Grounds,
    pub recipient: String,
    pub citation: String,
    pub disclosed: String,
}

/// Which part of a disclosure is missing or too long (the form names the field).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DisclosureError {
    #[error("開示の根拠（法令か本人の同意か）を選んでください。")]
    Grounds,
    #[error("開示先を500文字以内で入力してください。")]
    Recipient,
    #[error("根拠の詳細（法令の条項、同意の記録など）を500文字以内で入力してください。")]
    Citation,
    #[error("開示した内容を500文字以内で入力してください。")]
    Disclosed,
}

fn text(raw: &str, error: DisclosureError) -> Result<String, DisclosureError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() || trimmed.chars().count() > MAX_CHARS {
        return Err(error);
    }
    Ok(trimmed.to_owned())
}

impl Disclosure {
    /// Parses the form; every problem is returned, so the form names them all at once.
    pub fn parse(
        grounds: &str,
        recipient: &str,
        citation: &str,
        disclosed: &str,
    ) -> Result<Self, Vec<DisclosureError>> {
        let grounds = Grounds::parse(grounds).ok_or(DisclosureError::Grounds);
        let recipient = text(recipient, DisclosureError::Recipient);
        let citation = text(citation, DisclosureError::Citation);
        let disclosed = text(disclosed, DisclosureError::Disclosed);
        match (grounds, recipient, citation, disclosed) {
            (Ok(grounds), Ok(recipient), Ok(citation), Ok(disclosed)) => {
                Ok(Disclosure { grounds, recipient, citation, disclosed })
            }
            (g, r, c, d) => Err([g.err(), r.err(), c.err(), d.err()].into_iter().flatten().collect()),
        }
    }

    /// The basis as recorded: the grounds and their citation.
    pub fn basis(&self) -> String {
        format!("{}: {}", self.grounds.label(), self.citation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_complete_disclosure_parses_and_its_basis_names_the_grounds() {
        let d = Disclosure::parse("law", " 警察署 ", "刑事訴訟法第197条第2項", "登録の有無").unwrap();
        assert_eq!(d.recipient, "警察署");
        assert_eq!(d.basis(), "法令に基づく: 刑事訴訟法第197条第2項");
    }

    #[test]
    fn every_missing_part_is_named() {
        let errors = Disclosure::parse("rumour", "", " ", "").unwrap_err();
        assert_eq!(
            errors,
            [
                DisclosureError::Grounds,
                DisclosureError::Recipient,
                DisclosureError::Citation,
                DisclosureError::Disclosed
            ]
        );
        let long = "あ".repeat(MAX_CHARS + 1);
        assert_eq!(Disclosure::parse("consent", "市役所", "同意書", &long).unwrap_err(), [DisclosureError::Disclosed]);
        assert!(Disclosure::parse("consent", "市役所", "同意書", &"あ".repeat(MAX_CHARS)).is_ok());
    }

    #[test]
    fn grounds_round_trip() {
        for g in Grounds::ALL {
            assert_eq!(Grounds::parse(g.code()), Some(g));
        }
    }
}
