//! Page-number paging (`PageNumber` ≥ 1, `PageSize` 1–100) as the list operations use it.

use crate::error::Error;

pub const DEFAULT_PAGE_SIZE: i64 = 20;
pub const MAX_PAGE_SIZE: i64 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub number: i64,
    pub size: i64,
}

impl Page {
    pub fn new(number: Option<i64>, size: Option<i64>) -> Result<Self, Error> {
        let number = number.unwrap_or(1);
        if number < 1 {
            return Err(Error::invalid(
                "PageNumber",
                format!("PageNumber must be 1 or more; got {number}."),
            ));
        }
        let size = size.unwrap_or(DEFAULT_PAGE_SIZE);
        if !(1..=MAX_PAGE_SIZE).contains(&size) {
            return Err(Error::invalid(
                "PageSize",
                format!("PageSize must be between 1 and {MAX_PAGE_SIZE}; got {size}."),
            ));
        }
        Ok(Self { number, size })
    }

    pub fn offset(&self) -> i64 {
        (self.number - 1).saturating_mul(self.size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds() {
        assert_eq!(
            Page::new(None, None).unwrap(),
            Page {
                number: 1,
                size: 20
            }
        );
        assert!(Page::new(Some(0), None).is_err());
        assert!(Page::new(None, Some(0)).is_err());
        assert!(Page::new(None, Some(101)).is_err());
        assert_eq!(Page::new(Some(3), Some(7)).unwrap().offset(), 14);
        assert!(Page::new(Some(i64::MAX), Some(100)).unwrap().offset() > 0);
    }
}
