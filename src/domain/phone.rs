//! A mainland China mobile number (11 digits starting with 1), the key people sign in with.
use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    /// Accepts spaces, dashes and a +86 / 86 prefix; stores the bare 11 digits.
    pub fn parse(field: &str, raw: &str) -> Result<Self, AppError> {
        let digits: String = raw.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        let digits = digits
            .strip_prefix("+86")
            .or_else(|| digits.strip_prefix("86").filter(|d| d.len() == 11))
            .unwrap_or(&digits);
        if digits.len() == 11
            && digits.starts_with('1')
            && digits.bytes().all(|b| b.is_ascii_digit())
        {
            Ok(Phone(digits.to_owned()))
        } else {
            Err(AppError::bad_input(
                field,
                "手机号格式不正确（应为 11 位手机号）",
                "Phone must be an 11-digit mobile number",
            ))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// 138****0003: what someone sees of a housemate's number.
    pub fn masked(raw: &str) -> String {
        if raw.len() == 11 {
            format!("{}****{}", &raw[..3], &raw[7..])
        } else {
            "****".into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn parses_and_masks() {
        assert_eq!(
            Phone::parse("p", "+86 138-0000-0001").unwrap().as_str(),
            "13800000001"
        );
        assert!(Phone::parse("p", "1380000000").is_err());
        assert!(Phone::parse("p", "23800000001").is_err());
        assert_eq!(Phone::masked("13800000003"), "138****0003");
    }
}
