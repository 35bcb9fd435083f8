//! Floor area as an integer number of hundredths of a square metre: exact, never floating point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AreaM2(pub i64);

impl std::fmt::Display for AreaM2 {
    /// "89.50": two decimals, as printed on a bill.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_two_decimals() {
        assert_eq!(super::AreaM2(8950).to_string(), "89.50");
        assert_eq!(super::AreaM2(12003).to_string(), "120.03");
    }
}
