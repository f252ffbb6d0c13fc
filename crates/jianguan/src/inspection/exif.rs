//! Time and place a photo states about itself (EXIF `DateTimeOriginal` and
//! GPS), kept with the evidence so that a reviewer can compare them with the
//! check-in. They are what the file says, not proof: a missing or odd value
//! is simply absent.

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};
use exif::{In, Reader, Tag, Value};

/// What a photo says about when and where it was taken.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct PhotoMeta {
    pub taken_at: Option<DateTime<Utc>>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

/// Read the metadata; any file without (valid) EXIF gives empty metadata.
pub fn read(bytes: &[u8]) -> PhotoMeta {
    let Ok(ex) = Reader::new().read_from_container(&mut std::io::Cursor::new(bytes)) else {
        return PhotoMeta::default();
    };
    let ascii = |tag: Tag| -> Option<String> {
        match &ex.get_field(tag, In::PRIMARY)?.value {
            Value::Ascii(v) => v.first().map(|b| String::from_utf8_lossy(b).trim().to_string()),
            _ => None,
        }
    };
    let taken_at = ascii(Tag::DateTimeOriginal)
        .or_else(|| ascii(Tag::DateTime))
        .and_then(|t| NaiveDateTime::parse_from_str(&t, "%Y:%m:%d %H:%M:%S").ok())
        .and_then(|local| {
            // Cameras write local time; the offset tag is recent and often
            // missing, and then the photo was taken in China.
            let offset = ascii(Tag::OffsetTimeOriginal)
                .and_then(|o| DateTime::parse_from_str(&format!("2000-01-01T00:00:00{o}"), "%Y-%m-%dT%H:%M:%S%:z").ok())
                .map(|d| *d.offset())
                .or_else(|| FixedOffset::east_opt(8 * 3600))?;
            offset
                .from_local_datetime(&local)
                .single()
                .map(|d| d.with_timezone(&Utc))
        });
    let coord = |value: Tag, reference: Tag, negative: &str, limit: f64| -> Option<f64> {
        let Value::Rational(parts) = &ex.get_field(value, In::PRIMARY)?.value else {
            return None;
        };
        if parts.len() != 3 || parts.iter().any(|r| r.denom == 0) {
            return None;
        }
        let deg = parts[0].to_f64() + parts[1].to_f64() / 60.0 + parts[2].to_f64() / 3600.0;
        let sign = if ascii(reference).as_deref() == Some(negative) {
            -1.0
        } else {
            1.0
        };
        Some(sign * deg).filter(|v| v.abs() <= limit)
    };
    let latitude = coord(Tag::GPSLatitude, Tag::GPSLatitudeRef, "S", 90.0);
    let longitude = coord(Tag::GPSLongitude, Tag::GPSLongitudeRef, "W", 180.0);
    // A position is a pair or nothing.
    let (latitude, longitude) = match (latitude, longitude) {
        (Some(a), Some(b)) => (Some(a), Some(b)),
        _ => (None, None),
    };
    PhotoMeta {
        taken_at,
        latitude,
        longitude,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fixture was written by hand: 2026:11:24 10:15:30, N 30°35'24",
    /// E 114°17'30" (Wuhan), no offset tag.
    #[test]
    fn reads_time_and_place_of_the_fixture_photo() {
        let bytes = include_bytes!("../../tests/fixtures/photo-exif.jpg");
        let m = read(bytes);
        assert_eq!(
            m.taken_at.map(|t| t.to_rfc3339()),
            Some("2026-11-24T02:15:30+00:00".to_string())
        );
        assert!((m.latitude.unwrap_or_default() - 30.59).abs() < 1e-9);
        assert!((m.longitude.unwrap_or_default() - (114.0 + 17.5 / 60.0)).abs() < 1e-9);
    }

    #[test]
    fn files_without_exif_have_no_metadata() {
        assert_eq!(read(b"not an image"), PhotoMeta::default());
        assert_eq!(read(&[0xff, 0xd8, 0xff, 0xd9]), PhotoMeta::default());
    }
}
