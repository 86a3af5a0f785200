//! Small text helpers shared by forms.

/// Full-width digits (０-９, typed with a Japanese IME) as ASCII; other characters kept.
pub fn ascii_digits(input: &str) -> String {
    input
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            _ => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn full_width_digits_become_ascii() {
        assert_eq!(super::ascii_digits("１２３abc４"), "123abc4");
    }
}
