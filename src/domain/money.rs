//! Money in integer fen and the one rounding rule every computed amount uses.
use crate::error::AppError;
use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};

/// An amount of money in fen (1/100 yuan). Never floating point.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Fen(pub i64);

/// Money in integer fen (分, 1/100 yuan): 280 is ¥2.80. Negative only on reversals.
#[Scalar(name = "Fen")]
impl ScalarType for Fen {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::Number(n) => match n.as_i64() {
                Some(v) => Ok(Fen(v)),
                None => Err(InputValueError::custom(
                    "金额须为整数分 (an amount must be a whole number of fen)",
                )),
            },
            _ => Err(InputValueError::expected_type(value)),
        }
    }
    fn to_value(&self) -> Value {
        Value::Number(self.0.into())
    }
}

impl std::fmt::Display for Fen {
    /// "¥2.80", "-¥12.00".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        write!(f, "{sign}¥{}.{:02}", a / 100, a % 100)
    }
}

/// The largest unit price or single amount accepted: ¥1,000,000.00.
pub const MAX_AMOUNT_FEN: i64 = 100_000_000;

impl Fen {
    /// A strictly positive amount no larger than `MAX_AMOUNT_FEN`.
    pub fn positive(field: &str, v: Fen) -> Result<Fen, AppError> {
        if v.0 <= 0 {
            return Err(AppError::bad_input(
                field,
                "金额须大于零",
                "The amount must be greater than zero",
            ));
        }
        if v.0 > MAX_AMOUNT_FEN {
            return Err(AppError::bad_input(
                field,
                "金额超出上限（¥1,000,000）",
                "The amount exceeds the ¥1,000,000 limit",
            ));
        }
        Ok(v)
    }
}

/// num / den rounded half away from zero: the project's only rounding rule (四舍五入 to the fen).
pub fn round_div(num: i128, den: i128) -> i64 {
    assert!(den > 0, "positive denominator");
    let q = num / den;
    let r = num % den;
    let adj = if 2 * r.abs() >= den { num.signum() } else { 0 };
    (q + adj) as i64
}

/// `amount × bps / 10 000`, rounded.
pub fn bps_of(amount: i64, bps: i64) -> i64 {
    round_div(amount as i128 * bps as i128, 10_000)
}

/// A fixed-point value with two decimals ("123.45") for areas and meter readings.
pub fn centi(v: i64) -> String {
    let sign = if v < 0 { "-" } else { "" };
    let a = v.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn rounds_half_away_from_zero() {
        assert_eq!(round_div(5, 10), 1);
        assert_eq!(round_div(4, 10), 0);
        assert_eq!(round_div(15, 10), 2);
        assert_eq!(round_div(-5, 10), -1);
        assert_eq!(round_div(-4, 10), 0);
        // 89.50 m² × ¥2.80: 8950 × 280 / 100 = 25060 fen exactly.
        assert_eq!(round_div(8950 * 280, 100), 25060);
        // 89.33 m² × ¥2.85 = 254.5905 → ¥254.59.
        assert_eq!(round_div(8933 * 285, 100), 25459);
        assert_eq!(bps_of(10001, 5), 5);
    }
    #[test]
    fn formats_yuan() {
        assert_eq!(Fen(280).to_string(), "¥2.80");
        assert_eq!(Fen(-1200).to_string(), "-¥12.00");
        assert_eq!(centi(12345), "123.45");
    }
}
