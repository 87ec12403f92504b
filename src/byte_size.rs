//! Sizes in bytes as users write them (`2GiB`, `512M`, `1500000`), and the
//! default memory limit of the checker, sized from the machine.

use std::fmt;
use std::str::FromStr;

/// A size in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteSize(pub usize);

const KIB: f64 = 1024.0;

impl FromStr for ByteSize {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        let split = t
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        let n: f64 = num
            .parse()
            .map_err(|_| format!("{s:?} is not a size; expected e.g. 2GiB, 512MiB or 1500000"))?;
        let scale = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "b" => 1.0,
            "k" | "kb" | "kib" => KIB,
            "m" | "mb" | "mib" => KIB * KIB,
            "g" | "gb" | "gib" => KIB * KIB * KIB,
            "t" | "tb" | "tib" => KIB * KIB * KIB * KIB,
            other => {
                return Err(format!(
                    "unknown unit {other:?} in {s:?}; expected B, KiB, MiB, GiB or TiB"
                ));
            }
        };
        let bytes = n * scale;
        if !(bytes.is_finite() && bytes >= 1.0 && bytes < usize::MAX as f64) {
            return Err(format!("{s:?} is not a usable size"));
        }
        Ok(ByteSize(bytes as usize))
    }
}

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0 as f64;
        if b >= KIB * KIB * KIB {
            write!(f, "{:.1} GiB", b / (KIB * KIB * KIB))
        } else if b >= KIB * KIB {
            write!(f, "{:.0} MiB", b / (KIB * KIB))
        } else if b >= KIB {
            write!(f, "{:.0} KiB", b / KIB)
        } else {
            write!(f, "{} B", self.0)
        }
    }
}

/// Written as the exact number of bytes (`config.toml` repeats a run).
impl serde::Serialize for ByteSize {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0 as u64)
    }
}

/// Read as a number of bytes or as a size with a unit (`"2GiB"`).
impl<'de> serde::Deserialize<'de> for ByteSize {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Written {
            Bytes(u64),
            Text(String),
        }
        match Written::deserialize(d)? {
            Written::Bytes(0) => Err(serde::de::Error::custom(
                "0 is not a usable size; expected e.g. \"2GiB\", \"512MiB\" or 1500000",
            )),
            Written::Bytes(n) => usize::try_from(n)
                .map(ByteSize)
                .map_err(|_| serde::de::Error::custom(format!("{n} bytes is too large"))),
            Written::Text(t) => t.parse().map_err(serde::de::Error::custom),
        }
    }
}

/// Used when /proc/meminfo cannot be read.
const FALLBACK: usize = 4 << 30;

/// The checker's memory limit when none is given: half of this machine's
/// physical memory (so that a runaway search leaves room for everything
/// else), or 4 GiB where that cannot be read.
pub fn default_memory_limit() -> ByteSize {
    let total = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            let line = m.lines().find(|l| l.starts_with("MemTotal:"))?;
            line.split_whitespace().nth(1)?.parse::<usize>().ok()
        })
        .map(|kib| kib.saturating_mul(1024));
    ByteSize(total.map_or(FALLBACK, |t| t / 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// In a `--config` file a size is a number of bytes or a string with a
    /// unit, and `config.toml` writes it back as the exact bytes.
    #[test]
    fn sizes_read_from_toml_either_way_and_write_back_exactly() {
        #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
        struct File {
            limit: ByteSize,
        }
        let read = |t: &str| toml::from_str::<File>(t).map(|f| f.limit);
        assert_eq!(read("limit = 1500000").ok(), Some(ByteSize(1_500_000)));
        assert_eq!(read("limit = \"2GiB\"").ok(), Some(ByteSize(2 << 30)));
        assert!(read("limit = 0").is_err());
        let bad = read("limit = \"3 parsecs\"").err().map(|e| e.to_string());
        assert!(bad.is_some_and(|e| e.contains("parsecs")));
        let written = toml::to_string(&File {
            limit: ByteSize(1_500_001),
        })
        .ok();
        assert_eq!(written.as_deref(), Some("limit = 1500001\n"));
        assert_eq!(ByteSize(512).to_string(), "512 B");
        assert_eq!(ByteSize(3 << 10).to_string(), "3 KiB");
    }

    #[test]
    fn sizes_parse_with_and_without_units() {
        assert_eq!("1500000".parse(), Ok(ByteSize(1_500_000)));
        assert_eq!("512MiB".parse(), Ok(ByteSize(512 << 20)));
        assert_eq!("2G".parse(), Ok(ByteSize(2 << 30)));
        assert_eq!("1.5 GiB".parse(), Ok(ByteSize(3 << 29)));
        assert!("lots".parse::<ByteSize>().is_err());
        assert!(
            "3 parsecs"
                .parse::<ByteSize>()
                .unwrap_err()
                .contains("unknown unit")
        );
        assert!("0".parse::<ByteSize>().is_err());
        assert!(default_memory_limit().0 > 0);
    }
}
