//! A patrol route's schedule: the weekdays it is walked and its local time windows, one round per
//! window. Stored as short strings ("12345", "09:00-11:00,15:00-17:00"), parsed here once.
use crate::error::AppError;
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime, Utc};

/// Twice per workday (001 工作质量目标: 2次/日(工作日)), morning and afternoon.
pub const DEFAULT_DAYS: [u8; 5] = [1, 2, 3, 4, 5];
pub const DEFAULT_WINDOWS: [(&str, &str); 2] = [("09:00", "11:00"), ("15:00", "17:00")];
/// More rounds than this a day is a typo, not a schedule.
pub const MAX_WINDOWS: usize = 12;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    /// ISO weekdays, 1 = Monday … 7 = Sunday, ascending, no repeats.
    pub days: Vec<u8>,
    /// Non-overlapping local windows in time order.
    pub windows: Vec<(NaiveTime, NaiveTime)>,
}

/// Asia/Shanghai has no daylight saving, so a fixed +08:00 offset is exact.
pub fn community_offset() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

fn time(field: &str, raw: &str) -> Result<NaiveTime, AppError> {
    NaiveTime::parse_from_str(raw.trim(), "%H:%M").map_err(|_| {
        AppError::bad_input(
            field,
            format!("时间 {raw} 格式应为 HH:MM"),
            format!("Time {raw} must be HH:MM"),
        )
    })
}

impl Schedule {
    /// Validates what a manager typed: days 1–7, windows HH:MM–HH:MM that start before they end
    /// and do not overlap.
    pub fn new(days: &[i32], windows: &[(String, String)]) -> Result<Self, AppError> {
        let mut d: Vec<u8> = Vec::new();
        for &x in days {
            if !(1..=7).contains(&x) {
                return Err(AppError::bad_input(
                    "days",
                    "星期须为 1（周一）到 7（周日）",
                    "Days are 1 (Monday) to 7 (Sunday)",
                ));
            }
            d.push(x as u8);
        }
        d.sort_unstable();
        d.dedup();
        if d.is_empty() {
            return Err(AppError::bad_input(
                "days",
                "请至少选择一天",
                "Choose at least one day",
            ));
        }
        if windows.is_empty() || windows.len() > MAX_WINDOWS {
            return Err(AppError::bad_input(
                "windows",
                format!("每天 1 到 {MAX_WINDOWS} 个时段"),
                format!("1 to {MAX_WINDOWS} windows a day"),
            ));
        }
        let mut w = Vec::with_capacity(windows.len());
        for (s, e) in windows {
            let (s, e) = (time("windows", s)?, time("windows", e)?);
            if e <= s {
                return Err(AppError::bad_input(
                    "windows",
                    "时段须先开始后结束",
                    "A window must end after it starts",
                ));
            }
            w.push((s, e));
        }
        w.sort();
        if w.windows(2).any(|p| p[1].0 < p[0].1) {
            return Err(AppError::bad_input(
                "windows",
                "时段不能重叠",
                "Windows may not overlap",
            ));
        }
        Ok(Self {
            days: d,
            windows: w,
        })
    }

    pub fn default_windows() -> Vec<(String, String)> {
        DEFAULT_WINDOWS
            .iter()
            .map(|(s, e)| (s.to_string(), e.to_string()))
            .collect()
    }

    /// Reads the stored form (written by `days_text` / `windows_text`).
    pub fn parse(days: &str, windows: &str) -> Result<Self, AppError> {
        let d: Vec<i32> = days
            .bytes()
            .map(|b| i32::from(b) - i32::from(b'0'))
            .collect();
        let w: Vec<(String, String)> = windows
            .split(',')
            .filter_map(|p| p.split_once('-').map(|(s, e)| (s.to_owned(), e.to_owned())))
            .collect();
        Self::new(&d, &w).map_err(|_| {
            AppError::internal(
                "patrol schedule",
                format!("unreadable schedule {days:?} {windows:?}"),
            )
        })
    }

    pub fn days_text(&self) -> String {
        self.days.iter().map(|d| char::from(b'0' + d)).collect()
    }

    pub fn windows_text(&self) -> String {
        self.windows
            .iter()
            .map(|(s, e)| format!("{}-{}", s.format("%H:%M"), e.format("%H:%M")))
            .collect::<Vec<_>>()
            .join(",")
    }

    pub fn walks_on(&self, date: NaiveDate) -> bool {
        self.days
            .contains(&(date.weekday().number_from_monday() as u8))
    }

    /// The rounds of a day as UTC instants: (round number from 1, start, end); none on a day off.
    pub fn rounds_on(&self, date: NaiveDate) -> Vec<(i32, DateTime<Utc>, DateTime<Utc>)> {
        if !self.walks_on(date) {
            return vec![];
        }
        let utc = |t: NaiveTime| {
            date.and_time(t)
                .and_local_timezone(community_offset())
                .single()
                .expect("fixed offset")
                .with_timezone(&Utc)
        };
        self.windows
            .iter()
            .enumerate()
            .map(|(i, (s, e))| (i as i32 + 1, utc(*s), utc(*e)))
            .collect()
    }

    /// How many rounds fall in `from..=to`.
    pub fn rounds_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        from.iter_days()
            .take_while(|d| *d <= to)
            .filter(|d| self.walks_on(*d))
            .count() as i64
            * self.windows.len() as i64
    }
}

/// Monday to Friday in `from..=to` (public holidays are not modelled yet).
pub fn workdays_between(from: NaiveDate, to: NaiveDate) -> i64 {
    from.iter_days()
        .take_while(|d| *d <= to)
        .filter(|d| d.weekday().number_from_monday() <= 5)
        .count() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_schedule_is_two_rounds_on_workdays_in_shanghai_time() {
        let s = Schedule::new(&DEFAULT_DAYS.map(i32::from), &Schedule::default_windows()).unwrap();
        assert_eq!(
            Schedule::parse(&s.days_text(), &s.windows_text()).unwrap(),
            s
        );
        let monday = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let rounds = s.rounds_on(monday);
        assert_eq!(rounds.len(), 2);
        assert_eq!(rounds[0].1.to_rfc3339(), "2026-11-23T01:00:00+00:00");
        assert_eq!(rounds[1].2.to_rfc3339(), "2026-11-23T09:00:00+00:00");
        assert!(
            s.rounds_on(monday + chrono::Days::new(5)).is_empty(),
            "Saturday is off"
        );
        assert_eq!(s.rounds_between(monday, monday + chrono::Days::new(6)), 10);
        assert_eq!(workdays_between(monday, monday + chrono::Days::new(13)), 10);
    }

    #[test]
    fn bad_windows_are_refused() {
        let w = |a: &str, b: &str| vec![(a.to_owned(), b.to_owned())];
        assert!(Schedule::new(&[1], &w("11:00", "09:00")).is_err());
        assert!(Schedule::new(&[1], &w("9h", "10:00")).is_err());
        assert!(Schedule::new(&[8], &w("09:00", "10:00")).is_err());
        let overlap = vec![
            ("09:00".to_owned(), "11:00".to_owned()),
            ("10:00".to_owned(), "12:00".to_owned()),
        ];
        assert!(Schedule::new(&[1], &overlap).is_err());
    }
}
