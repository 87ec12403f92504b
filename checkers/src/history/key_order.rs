//! The order keys are listed in: natural, so that `k2` comes before `k10`
//! as a person counts, where byte order would put `k10` first.

use std::cmp::Ordering;

/// A key as reports name it: the key itself, or `(unkeyed)` for a history
/// without keys.
pub fn key_label(key: Option<&str>) -> String {
    key.unwrap_or("(unkeyed)").to_string()
}

/// Compares two keys with runs of ASCII digits taken as numbers: `k2` <
/// `k10` < `k10a` < `x`. Equal numbers written with more leading zeros come
/// after, so that the order stays total and agrees with equality.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    // Bounded: every round consumes at least one byte of each side.
    loop {
        match (a.first(), b.first()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let (da, ra) = split_digits(a);
                let (db, rb) = split_digits(b);
                let (ta, tb) = (trim_zeros(da), trim_zeros(db));
                let by_value = ta.len().cmp(&tb.len()).then_with(|| ta.cmp(tb));
                let ord = by_value.then_with(|| da.len().cmp(&db.len()));
                if ord != Ordering::Equal {
                    return ord;
                }
                (a, b) = (ra, rb);
            }
            (Some(x), Some(y)) => {
                if x != y {
                    return x.cmp(y);
                }
                (a, b) = (&a[1..], &b[1..]);
            }
        }
    }
}

/// Orders keys as lists show them: the unkeyed part first, then the keys
/// in [`natural_cmp`] order.
pub fn key_cmp(a: &Option<String>, b: &Option<String>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => natural_cmp(a, b),
        _ => a.cmp(b),
    }
}

fn split_digits(s: &[u8]) -> (&[u8], &[u8]) {
    let n = s.iter().take_while(|c| c.is_ascii_digit()).count();
    s.split_at(n)
}

fn trim_zeros(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|&&c| c == b'0').count();
    &s[n..]
}

#[cfg(test)]
mod tests {
    use super::natural_cmp;
    use std::cmp::Ordering;

    #[test]
    fn numbers_inside_keys_compare_by_value() {
        let mut keys = vec!["k10", "k2", "x", "k1", "k10a", "k02", "k", "", "k100"];
        keys.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            keys,
            vec!["", "k", "k1", "k2", "k02", "k10", "k10a", "k100", "x"]
        );
    }

    #[test]
    fn the_order_is_total_and_agrees_with_equality() {
        let keys = ["a1", "a01", "a1b", "a10", "b", "1", "01", "10", "a"];
        for x in keys {
            for y in keys {
                let o = natural_cmp(x, y);
                assert_eq!(o == Ordering::Equal, x == y, "{x} vs {y}");
                assert_eq!(o.reverse(), natural_cmp(y, x), "{x} vs {y}");
                for z in keys {
                    if o == Ordering::Less && natural_cmp(y, z) == Ordering::Less {
                        assert_eq!(natural_cmp(x, z), Ordering::Less, "{x} {y} {z}");
                    }
                }
            }
        }
    }
}
